/* What the CPU's nested paging supports. */
#ifndef MICA_X86_NPT_CAPS_H
#define MICA_X86_NPT_CAPS_H

#include "asm.h"
#include "cpuid_bits.h"
#include "pte.h"

/* The largest p2m page order: 1 GiB leaves need the CPU's 1 GiB page
 * support (CPUID 0x80000001 EDX bit 26, Page1GB), else 2 MiB. */
static inline unsigned int npt_max_order(void)
{
    return (cpuid(CPUID_LEAF_EXT_FEATURES, 0).edx & CPUID_E1_EDX_PAGE1GB) ? PT_LEVEL_ORDER(2)
                                                                          : PT_LEVEL_ORDER(1);
}

#endif
