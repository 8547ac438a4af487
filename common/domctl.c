/*
 * domctl (hypercall 36): pausing and unpausing another domain, delegating a
 * global VIRQ (include/public/domctl.h). Pause and unpause ask XSM's
 * domain_pause hook, set_virq_handler its own hook (dummy: PRIV for all).
 *
 *   XEN_DOMCTL_pausedomain    0; returns once none of the domain's vCPUs
 *                             runs (pauses nest); -EINVAL for the caller
 *                             itself or a domain that is not running
 *   XEN_DOMCTL_unpausedomain  0; -EINVAL if it is not paused
 *   XEN_DOMCTL_set_virq_handler  { u32 virq } after the header: the domain
 *                             becomes the handler of that global VIRQ (it
 *                             holds a reference until replaced or it dies);
 *                             0; -EINVAL for a VIRQ that is not global
 *   a wrong interface version -EACCES (as Xen), no such domain -ESRCH,
 *   other commands -ENOSYS, a bad pointer -EFAULT
 */
#include "event.h"
#include "guest_access.h"
#include "hypercall.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "spinlock.h"
#include "xsm.h"

/*
 * One domctl at a time, machine-wide (as Xen's domctl lock). A caller that
 * finds it taken does not wait: the hypercall is re-executed
 * (HYPERCALL_PREEMPTED), so its vCPU goes back through the scheduler's
 * checks and can itself be paused meanwhile. That is what keeps two domains
 * pausing each other, or a pause racing an unpause, from spinning for ever.
 */
static DEFINE_SPINLOCK(domctl_lock, LOCK_LEVEL_DOMCTL);

long do_domctl(struct vcpu *v, const struct hypercall_args *a)
{
    struct xen_domctl_header op;
    struct xen_domctl_set_virq_handler virq;
    struct domain *d;
    long rc;

    if (copy_from_guest(v, &op, a->arg[0], sizeof(op)))
        return -XEN_EFAULT;
    if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -XEN_EACCES;
    if (op.cmd != XEN_DOMCTL_pausedomain && op.cmd != XEN_DOMCTL_unpausedomain &&
        op.cmd != XEN_DOMCTL_set_virq_handler)
        return -XEN_ENOSYS;
    if (op.cmd == XEN_DOMCTL_set_virq_handler &&
        copy_from_guest(v, &virq, a->arg[0] + sizeof(op), sizeof(virq)))
        return -XEN_EFAULT;
    d = domain_get(op.domain);
    if (!d)
        return -XEN_ESRCH;
    if (!spin_trylock(&domctl_lock)) {
        domain_put(d);
        return HYPERCALL_PREEMPTED;
    }
    if (op.cmd == XEN_DOMCTL_set_virq_handler)
        rc = XSM_CALL(set_virq_handler, v->domain, d) ? -XEN_EPERM
                                                      : evtchn_set_virq_handler(d, virq.virq);
    else if (d == v->domain)
        rc = -XEN_EINVAL; /* a domain cannot pause itself */
    else if (XSM_CALL(domain_pause, v->domain, d))
        rc = -XEN_EPERM;
    else if (op.cmd == XEN_DOMCTL_pausedomain)
        rc = domain_pause(d);
    else
        rc = domain_unpause(d);
    spin_unlock(&domctl_lock);
    domain_put(d);
    return rc;
}
