/*
 * domctl (hypercall 36): pausing and unpausing another domain
 * (include/public/domctl.h). Both ask XSM's domain_pause hook (dummy: PRIV).
 *
 *   XEN_DOMCTL_pausedomain    0; returns once none of the domain's vCPUs
 *                             runs (pauses nest); -EINVAL for the caller
 *                             itself or a domain that is not running
 *   XEN_DOMCTL_unpausedomain  0; -EINVAL if it is not paused
 *   a wrong interface version -EACCES (as Xen), no such domain -ESRCH,
 *   other commands -ENOSYS, a bad pointer -EFAULT
 */
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
    struct domain *d;
    long rc;

    if (copy_from_guest(v, &op, a->arg[0], sizeof(op)))
        return -XEN_EFAULT;
    if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -XEN_EACCES;
    if (op.cmd != XEN_DOMCTL_pausedomain && op.cmd != XEN_DOMCTL_unpausedomain)
        return -XEN_ENOSYS;
    d = domain_get(op.domain);
    if (!d)
        return -XEN_ESRCH;
    if (!spin_trylock(&domctl_lock)) {
        domain_put(d);
        return HYPERCALL_PREEMPTED;
    }
    if (d == v->domain)
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
