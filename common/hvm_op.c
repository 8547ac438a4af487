/*
 * hvm_op: HVM parameters and the per-vCPU event upcall vector.
 *   HVMOP_get_param { domid, index }: -EINVAL for index >= HVM_NR_PARAMS,
 *     -ESRCH for no such domain, -EPERM if XSM's hvm_getparam hook denies
 *     (dummy: the domain itself, a privileged one, or its device model).
 *     HVM_PARAM_CALLBACK_IRQ: its value (0 until set). HVM_PARAM_CONSOLE_PFN
 *     and HVM_PARAM_CONSOLE_EVTCHN: the PV console ring's gfn and port
 *     (unprivileged domains: console_ring.h). Any other parameter:
 *     -ENOENT (the parameter exists in the ABI but Mica has no value for it;
 *     Xen would return 0 for an unset parameter).
 *   HVMOP_set_param { domid, index, value }: the same checks (hook
 *     hvm_setparam). HVM_PARAM_CALLBACK_IRQ: how event upcalls arrive
 *     (common/event_channel.c): 0 none, or type 2 in bits 63:56 with the
 *     vector in bits 7:0 (0x10..0xff, else -EINVAL); any other value (a
 *     GSI, a PCI INTx) is kept but delivers nothing, as Xen does for a PVH
 *     domain, which has no emulated IO-APIC or PIC.
 *     Setting it for oneself also fixes the shared_info layout to the
 *     caller's word size (as Xen). Other parameters: -ENOSYS.
 *   HVMOP_set_evtchn_upcall_vector { vcpu, vector }: the caller's vCPU's
 *     upcalls use this vector (in place of the callback): 0, -ENOENT for
 *     no such vCPU, -EINVAL for a vector below 0x10, -EFAULT.
 *   anything else: -ENOSYS.
 */
#include "console_ring.h"
#include "event.h"
#include "guest_access.h"
#include "hypercall.h"
#include "public/errno.h"
#include "public/hvm/hvm_op.h"
#include "public/hvm/params.h"
#include "xsm.h"

/* The parameters Mica has a value for. */
static bool param_value(struct domain *d, uint32_t index, uint64_t *value)
{
    uint64_t gfn;
    uint32_t port;

    switch (index) {
    case HVM_PARAM_CALLBACK_IRQ:
        *value = evtchn_get_callback_param(d);
        return true;
    case HVM_PARAM_CONSOLE_PFN:
    case HVM_PARAM_CONSOLE_EVTCHN:
        if (!console_ring_params(d, &gfn, &port))
            return false;
        *value = index == HVM_PARAM_CONSOLE_PFN ? gfn : port;
        return true;
    default:
        return false;
    }
}

/* get_param and set_param: check everything, ask XSM, then act. */
static long param_op(struct vcpu *v, uint64_t op, uint64_t arg, bool compat)
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
    if (op == HVMOP_get_param) {
        rc = XSM_CALL(hvm_getparam, v->domain, d) ? -XEN_EPERM : -XEN_ENOENT;
        if (rc == -XEN_ENOENT && param_value(d, p.index, &p.value))
            rc = copy_to_guest(v, arg, &p, sizeof(p)) ? -XEN_EFAULT : 0;
    } else {
        rc = XSM_CALL(hvm_setparam, v->domain, d) ? -XEN_EPERM : -XEN_ENOSYS;
        if (rc == -XEN_ENOSYS && p.index == HVM_PARAM_CALLBACK_IRQ) {
            rc = evtchn_set_callback_param(d, p.value);
            if (!rc && d == v->domain)
                evtchn_latch_shinfo_size(d, compat);
        }
    }
    domain_put(d);
    return rc;
}

static long set_upcall_vector(struct vcpu *v, uint64_t arg)
{
    struct xen_hvm_evtchn_upcall_vector op;

    if (copy_from_guest(v, &op, arg, sizeof(op)))
        return -XEN_EFAULT;
    if (op.vcpu >= v->domain->nr_vcpus)
        return -XEN_ENOENT;
    return evtchn_set_upcall_vector(v->domain->vcpus[op.vcpu], op.vector);
}

long do_hvm_op(struct vcpu *v, const struct hypercall_args *a)
{
    switch (a->arg[0]) {
    case HVMOP_get_param:
    case HVMOP_set_param:
        return param_op(v, a->arg[0], a->arg[1], a->compat);
    case HVMOP_set_evtchn_upcall_vector:
        return set_upcall_vector(v, a->arg[1]);
    default:
        return -XEN_ENOSYS;
    }
}
