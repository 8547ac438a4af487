/*
 * Memory types, as an MTRR or a page attribute table (PAT) entry holds them,
 * and the check of the PAT MSR's eight one-byte entries.
 */
#ifndef MICA_X86_PAT_H
#define MICA_X86_PAT_H

#include "../types.h"

/* Memory types (AMD APM vol. 2 §7.4, Table 7-7; §7.8.1): 2 and 3 are
 * reserved, and so is anything above UC-. */
#define MEMTYPE_UC 0
#define MEMTYPE_WC 1
#define MEMTYPE_WT 4
#define MEMTYPE_WP 5
#define MEMTYPE_WB 6
#define MEMTYPE_UC_MINUS 7 /* a PAT entry only */

/* A type an MTRR may hold: UC, WC, WT, WP or WB (APM vol. 2 §7.7.1). */
static inline bool memtype_valid_mtrr(uint64_t type)
{
    return type == MEMTYPE_UC || type == MEMTYPE_WC || type == MEMTYPE_WT || type == MEMTYPE_WP ||
           type == MEMTYPE_WB;
}

/* Is every entry a valid memory type: an MTRR's, or UC- (§7.8.1)? */
static inline bool pat_valid(uint64_t pat)
{
    for (int i = 0; i < 8; i++) {
        uint8_t type = (pat >> (8 * i)) & 0xFF;
        if (!memtype_valid_mtrr(type) && type != MEMTYPE_UC_MINUS)
            return false;
    }
    return true;
}

#endif
