/*
 * set_timer_op: the caller's singleshot timer (Xen's
 * __HYPERVISOR_set_timer_op, the same timer as VCPUOP_set_singleshot_timer).
 *
 *   arguments: timeout (s_time_t: system time in ns; a 32-bit caller gives
 *              its low half here and its high half as a second argument)
 *   timeout 0  stop the timer
 *   otherwise  VIRQ_TIMER at timeout; one already past fires at once; a
 *              negative one, or one more than 2^50 ns (13 days) ahead,
 *              fires in 100 ms instead (Xen's guard against wrapped Linux
 *              jiffies)
 *   -> 0 always
 */
#include "compat/set_timer_op.h"
#include "guest_time.h"
#include "hypercall.h"

long do_set_timer_op(struct vcpu *v, const struct hypercall_args *a)
{
    return vcpu_time_set_timer_op(v, xlat_set_timer_op_timeout(a));
}
