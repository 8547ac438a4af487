/*
 * vcpu_op's arguments read from either layout (include/public/vcpu.h):
 * VCPUOP_set_singleshot_timer's structure, 16 bytes from a 64-bit caller and
 * 12 from a 32-bit one; the runstate (VCPUOP_get_runstate_info and the
 * registered copies), 48 bytes and 44; the runstate area's address, 64 bits
 * and the low 32. The other commands' structures have one layout.
 */
#ifndef MICA_COMPAT_VCPU_H
#define MICA_COMPAT_VCPU_H

#include "compat/xlat.h"
#include "lib/string.h"
#include "public/vcpu.h"

/* ---- set_singleshot_timer -----------------------------------------------------------
 * timeout_abs_ns @0:8, flags @8 in both layouts; a 32-bit caller's ends
 * there (i386 aligns uint64_t to 4: no tail padding). Mica's form is the
 * 64-bit structure. compat: the caller is 32-bit (hypercall_args.compat). */
static inline int xlat_vcpu_set_singleshot_timer_in(struct vcpu *v, bool compat, uint64_t arg,
                                                    struct vcpu_set_singleshot_timer *dst)
{
    *dst = (struct vcpu_set_singleshot_timer){ 0, 0 };
    return copy_from_guest(v, dst, arg, compat ? VCPU_SET_SINGLESHOT_TIMER_SIZE_32 : sizeof(*dst))
               ? -XEN_EFAULT
               : 0;
}

/* ---- vcpu_runstate_info --------------------------------------------------------------
 * state @0:4 in both; state_entry_time @8 (64-bit) or @4 (32-bit, i386
 * aligns uint64_t to 4); time[4] @16 or @12. Writes the caller's layout of
 * info into out (at least sizeof(*info) bytes); returns its size. */
static inline size_t xlat_vcpu_runstate_info_out(const struct vcpu_runstate_info *info, bool compat,
                                                 uint8_t *out)
{
    if (!compat) {
        memcpy(out, info, sizeof(*info));
        return sizeof(*info);
    }
    memcpy(out, &info->state, 4);
    memcpy(out + 4, &info->state_entry_time, 8);
    memcpy(out + 12, info->time, sizeof(info->time));
    return VCPU_RUNSTATE_INFO_SIZE_32;
}

/* Where state_entry_time lies in a copy at guest address area. */
static inline uint64_t xlat_vcpu_runstate_entry_time(uint64_t area, bool compat)
{
    return area + (compat ? 4 : 8);
}

/* ---- register_runstate_memory_area ---------------------------------------------------
 * A union of a guest handle and a uint64_t: a 32-bit caller's address is
 * the low half. */
static inline int xlat_vcpu_register_runstate_in(struct vcpu *v, bool compat, uint64_t arg,
                                                 uint64_t *area)
{
    struct vcpu_register_runstate_memory_area reg;

    if (copy_from_guest(v, &reg, arg, sizeof(reg)))
        return -XEN_EFAULT;
    *area = compat ? (uint32_t)reg.addr : reg.addr;
    return 0;
}

#endif /* MICA_COMPAT_VCPU_H */
