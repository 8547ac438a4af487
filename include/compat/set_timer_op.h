/*
 * set_timer_op's argument from either calling convention: the s_time_t
 * timeout in one register from a 64-bit caller, in two from a 32-bit one
 * (its low half, then its high half: Xen's compat_set_timer_op(u32 lo,
 * s32 hi)).
 */
#ifndef MICA_COMPAT_SET_TIMER_OP_H
#define MICA_COMPAT_SET_TIMER_OP_H

#include "compat/xlat.h"

static inline int64_t xlat_set_timer_op_timeout(const struct hypercall_args *a)
{
    if (a->compat)
        return (int64_t)(((uint64_t)a->arg[1] << 32) | (uint32_t)a->arg[0]);
    return (int64_t)a->arg[0];
}

#endif /* MICA_COMPAT_SET_TIMER_OP_H */
