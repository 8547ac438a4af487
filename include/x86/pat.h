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

/* Is every entry a valid memory type: an MTRR's, or UC- (§7.8.1)? All
 * eight bytes at once, since Mica checks the guest's PAT before every
 * VMRUN: no byte may exceed UC- (7), and none may be 2 or 3, the bytes b
 * for which (b ^ 2) & 6 is zero; (x - 0x01..) & ~x & 0x80.. is nonzero
 * exactly when some byte of x is zero (the classic SWAR test). */
#define PAT_BYTES(b) (0x0101010101010101ULL * (b))
static inline bool pat_valid(uint64_t pat)
{
    uint64_t reserved_23 = (pat ^ PAT_BYTES(2)) & PAT_BYTES(6);

    if (pat & PAT_BYTES(0xF8))
        return false;
    return !((reserved_23 - PAT_BYTES(1)) & ~reserved_23 & PAT_BYTES(0x80));
}

#endif
