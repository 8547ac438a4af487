/*
 * vcpu_op's arguments read from either layout (include/public/vcpu.h):
 * VCPUOP_set_singleshot_timer's structure, 16 bytes from a 64-bit caller and
 * 12 from a 32-bit one. The other commands' structures have one layout.
 */
#ifndef MICA_COMPAT_VCPU_H
#define MICA_COMPAT_VCPU_H

#include "compat/xlat.h"
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

#endif /* MICA_COMPAT_VCPU_H */
