/*
 * A vCPU's MTRRs as the guest sees them (AMD APM vol. 2 §7.7 "Memory-Type
 * Range Registers"; Xen emulates them for HVM guests): MTRRcap reports 8
 * variable ranges, the fixed ranges and write-combining; the guest reads
 * back what it wrote, and a write of a reserved bit or an undefined memory
 * type raises #GP as on hardware. Under nested paging the CPU ignores the
 * guest's MTRRs (APM vol. 2 §15.25.8: the host's MTRRs and the guest's PAT
 * decide), so they are storage only. Reset values: all zero (MTRRs off).
 */
#ifndef MICA_X86_GUEST_MTRR_H
#define MICA_X86_GUEST_MTRR_H

#include "types.h"

#define GUEST_MTRR_VAR 8 /* variable ranges (Xen's MTRR_VCNT) */
#define GUEST_MTRR_FIXED 11

struct guest_mtrr {
    uint64_t def_type;
    uint64_t fixed[GUEST_MTRR_FIXED];
    uint64_t var[2 * GUEST_MTRR_VAR]; /* base, mask pairs */
};

/* Is msr one of the MTRRs (MTRRcap, the variable and fixed ranges,
 * MTRRdefType)? */
bool guest_mtrr_is_mtrr(uint32_t msr);
/* Read an MTRR (true), or false: not one. */
bool guest_mtrr_read(const struct guest_mtrr *m, uint32_t msr, uint64_t *value);
/* false: #GP (read-only MSR, reserved bit, undefined type). */
bool guest_mtrr_write(struct guest_mtrr *m, uint32_t msr, uint64_t value);

#endif
