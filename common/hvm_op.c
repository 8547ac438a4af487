/*
 * hvm_op: HVM parameters. Mica provides none of Xen's parameters yet (no
 * xenstore, console ring or event-channel callback), so:
 *   HVMOP_get_param { domid, index }: -EINVAL for index >= HVM_NR_PARAMS,
 *     -ESRCH for no such domain, -EPERM if XSM's hvm_getparam hook denies
 *     (dummy: the domain itself, a privileged one, or its device model),
 *     otherwise -ENOENT: the parameter exists in the ABI but Mica
 *     has no value for it (Xen would return 0 for an unset parameter).
 *   HVMOP_set_param { domid, index, value }: the same checks (hook
 *     hvm_setparam), then -ENOSYS: Mica has nothing to configure.
 *   anything else: -ENOSYS.
 */
#include "guest_access.h"
#include "hypercall.h"
#include "public/errno.h"
#include "public/hvm/hvm_op.h"
#include "public/hvm/params.h"
#include "xsm.h"

/* get_param and set_param: check everything, ask XSM, then answer that
 * Mica has no value (get: -ENOENT) or nothing to set (set: -ENOSYS). */
static long param_op(struct vcpu *v, uint64_t op, uint64_t arg)
{
    struct xen_hvm_param p;
    struct domain *d;
    long rc;

    if (copy_from_guest(v, &p, arg, sizeof(p)))
        return -XEN_EFAULT;
    if (p.index >= HVM_NR_PARAMS)
        return -XEN_EINVAL;
    d = domain_get(p.domid);
    if (!d)
        return -XEN_ESRCH;
    if (op == HVMOP_get_param)
        rc = XSM_CALL(hvm_getparam, v->domain, d) ? -XEN_EPERM : -XEN_ENOENT;
    else
        rc = XSM_CALL(hvm_setparam, v->domain, d) ? -XEN_EPERM : -XEN_ENOSYS;
    domain_put(d);
    return rc;
}

long do_hvm_op(struct vcpu *v, const struct hypercall_args *a)
{
    switch (a->arg[0]) {
    case HVMOP_get_param:
    case HVMOP_set_param:
        return param_op(v, a->arg[0], a->arg[1]);
    default:
        return -XEN_ENOSYS;
    }
}
