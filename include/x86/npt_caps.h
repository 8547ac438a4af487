/* What the CPU's nested paging supports. */
#ifndef MICA_X86_NPT_CAPS_H
#define MICA_X86_NPT_CAPS_H

#include "asm.h"

/* The largest p2m page order: 1 GiB leaves need the CPU's 1 GiB page
 * support (CPUID 0x80000001 EDX bit 26, Page1GB), else 2 MiB. */
static inline unsigned int npt_max_order(void)
{
    return (cpuid(0x80000001, 0).edx & (1u << 26)) ? 18 : 9;
}

#endif
