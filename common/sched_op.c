/*
 * sched_op: a guest asks the scheduler to yield, block or shut it down.
 *
 *   SCHEDOP_yield       give up the CPU; stay runnable            -> 0
 *   SCHEDOP_block       clear the caller's evtchn_upcall_mask (as Xen) and
 *                       sleep until an event for it or the next tick
 *                       (schedule.h); an upcall already pending: no sleep -> 0
 *   SCHEDOP_poll        struct sched_poll { ports, nr_ports, timeout }: sleep
 *                       until one of the ports is pending or the timeout (an
 *                       absolute time in ns; 0: none) passes -> 0; more than
 *                       128 ports or a port beyond the limit -EINVAL; bad
 *                       pointer -EFAULT (common/event_channel.c)
 *   SCHEDOP_shutdown    struct sched_shutdown { reason }: stop the domain
 *                       (reason SHUTDOWN_poweroff .. SHUTDOWN_soft_reset)
 *                       -> 0; bad reason -EINVAL; bad pointer -EFAULT
 *   SCHEDOP_remote_shutdown  { domid, reason }, if XSM's schedop_shutdown
 *                       hook allows (dummy: a privileged domain or the
 *                       target's device model / stub domain, as Xen's
 *                       XSM_DM_PRIV) -> 0, -EPERM, -ESRCH, -EINVAL, -EFAULT
 *   anything else       -ENOSYS
 */
#include "compat/sched.h"
#include "event.h"
#include "guest_access.h"
#include "hypercall.h"
#include "public/errno.h"
#include "public/sched.h"
#include "schedule.h"
#include "xsm.h"

static long remote_shutdown(struct vcpu *v, uint64_t arg)
{
    struct sched_remote_shutdown rs;
    struct domain *target;

    if (copy_from_guest(v, &rs, arg, sizeof(rs)))
        return -XEN_EFAULT;
    if (rs.reason > SHUTDOWN_MAX)
        return -XEN_EINVAL;
    target = domain_get(rs.domain_id);
    if (!target)
        return -XEN_ESRCH;
    if (XSM_CALL(schedop_shutdown, v->domain, target)) {
        domain_put(target);
        return -XEN_EPERM;
    }
    domain_shutdown(target, rs.reason);
    domain_put(target);
    return 0;
}

static long poll(struct vcpu *v, const struct hypercall_args *a, uint64_t arg)
{
    struct schedop_poll p;

    if (xlat_sched_poll_in(v, a, arg, &p))
        return -XEN_EFAULT;
    return evtchn_poll(v, &p);
}

long do_sched_op(struct vcpu *v, const struct hypercall_args *a)
{
    struct sched_shutdown sd;

    /* Xen declares the command `int`: only the low 32 bits count. */
    switch ((uint32_t)a->arg[0]) {
    case SCHEDOP_yield:
        vcpu_yield(v);
        return 0;
    case SCHEDOP_block:
        /* local_event_delivery_enable: blocking re-enables upcalls. */
        __atomic_store_n(&v->evtchn.vcpu_info->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
        vcpu_block(v);
        return 0;
    case SCHEDOP_poll:
        return poll(v, a, a->arg[1]);
    case SCHEDOP_shutdown:
        if (copy_from_guest(v, &sd, a->arg[1], sizeof(sd)))
            return -XEN_EFAULT;
        if (sd.reason > SHUTDOWN_MAX)
            return -XEN_EINVAL;
        domain_shutdown(v->domain, sd.reason);
        return 0;
    case SCHEDOP_remote_shutdown:
        return remote_shutdown(v, a->arg[1]);
    default:
        return -XEN_ENOSYS;
    }
}
