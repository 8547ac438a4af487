/* The page attribute table (PAT) MSR: eight one-byte memory types. */
#ifndef MICA_X86_PAT_H
#define MICA_X86_PAT_H

#include "../types.h"

/* Is every entry a valid memory type: UC 0, WC 1, WT 4, WP 5, WB 6, UC- 7
 * (AMD APM vol. 2 §7.8.1; 2, 3 and above 7 are reserved)? */
static inline bool pat_valid(uint64_t pat)
{
    for (int i = 0; i < 8; i++) {
        uint8_t type = (pat >> (8 * i)) & 0xFF;
        if (type == 2 || type == 3 || type > 7)
            return false;
    }
    return true;
}

#endif
