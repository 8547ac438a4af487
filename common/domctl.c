/*
 * domctl (hypercall 36): what a domain builder does to another domain
 * (include/public/domctl.h). Each command asks its XSM hook:
 *
 *   XEN_DOMCTL_createdomain, max_vcpus, max_mem, setvcpucontext: building a
 *                             domain, in common/domctl_build.c
 *   XEN_DOMCTL_pausedomain    domain_pause (dummy: PRIV); returns once none
 *                             of the domain's vCPUs runs (pauses nest);
 *                             -EINVAL for the caller itself or a domain that
 *                             is not running
 *   XEN_DOMCTL_unpausedomain  domain_unpause (DM_PRIV: also the domain's
 *                             target= builder); -EINVAL if it is not paused
 *                             (a domain built with `paused` starts paused);
 *                             the first one starts a created domain (-EINVAL
 *                             while its vCPU 0 has no start state)
 *   XEN_DOMCTL_destroydomain  domain_kill (PRIV); the domain stops for good
 *                             and is torn down; -EINVAL for the caller itself
 *   XEN_DOMCTL_getdomaininfo  getdomaininfo (XS_PRIV), asked for each domain:
 *                             the first domain with an id >= the header's
 *                             that the caller may inspect, its id echoed in
 *                             the header; -ESRCH if there is none, -EPERM
 *                             if XSM hid every one there is
 *   XEN_DOMCTL_set_virq_handler  set_virq_handler (PRIV); { u32 virq } after
 *                             the header: the domain becomes the handler of
 *                             that global VIRQ (it holds a reference until
 *                             replaced or it dies); -EINVAL for a VIRQ that
 *                             is not global
 *   a wrong interface version -EACCES (as Xen), no such domain -ESRCH,
 *   other commands -ENOSYS, a bad pointer -EFAULT
 */
#include "domctl_build.h"
#include "guest_access.h"
#include "hypercall.h"
#include "lib/string.h"
#include "event.h"
#include "frame.h"
#include "p2m/p2m.h"
#include "public/domctl.h"
#include "public/errno.h"
#include "schedule.h"
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

/* The XEN_DOMINF_* flags of d as getdomaininfo reports them. */
static uint32_t domain_flags(const struct domain *d)
{
    enum domain_state state = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE);
    uint32_t flags = XEN_DOMINF_hvm_guest | XEN_DOMINF_hap; /* PVH under NPT */
    bool blocked = d->nr_vcpus > 0;

    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        enum vcpu_state s = __atomic_load_n(&d->vcpus[i]->state, __ATOMIC_ACQUIRE);
        if (s == VCPU_RUNNING)
            flags |= XEN_DOMINF_running;
        blocked = blocked && (s == VCPU_BLOCKED || s == VCPU_OFFLINE);
    }
    if (blocked && state == DOMAIN_RUNNING)
        flags |= XEN_DOMINF_blocked;
    /* A domain built but not started yet is paused too, as a new domain is
     * in Xen until its toolstack unpauses it. */
    if (state == DOMAIN_PAUSED || state == DOMAIN_CREATED)
        flags |= XEN_DOMINF_paused;
    if (state >= DOMAIN_SHUTDOWN) {
        if (d->shutdown_reason == SHUTDOWN_destroyed)
            flags |= XEN_DOMINF_dying; /* being destroyed: no reason of its own */
        else
            flags |= XEN_DOMINF_shutdown | (d->shutdown_reason & XEN_DOMINF_shutdownmask)
                                               << XEN_DOMINF_shutdownshift;
    }
    if (d->xenstore)
        flags |= XEN_DOMINF_xs_domain;
    return flags;
}

static void fill_domaininfo(struct domain *d, struct xen_domctl_getdomaininfo *info)
{
    unsigned int online = 0;

    memset(info, 0, sizeof(*info));
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        online += sched_vcpu_is_up(d->vcpus[i]);
    info->domain = d->domid;
    info->flags = domain_flags(d);
    info->tot_pages = d->tot_pages;
    info->max_pages = d->max_pages;
    memcpy(info->handle, d->handle, sizeof(info->handle));
    /* Where the guest mapped its shared_info page (XENMAPSPACE_shared_info),
     * or all ones while it has not. Under d's lock: the caller's reference
     * keeps the struct, not the memory, and a domain destroyed meanwhile
     * has no shared_info left (DEAD). */
    spin_lock(&d->lock);
    info->shared_info_frame = d->state == DOMAIN_DEAD ? gfn_x(INVALID_GFN)
                                                      : gfn_x(d->shared_info->gfn);
    spin_unlock(&d->lock);
    /* cpu_time stays 0: Mica does not account vCPU time yet. */
    info->nr_online_vcpus = online;
    info->max_vcpu_id = d->nr_vcpus - 1;
    info->gpaddr_bits = P2M_GFN_BITS + PAGE_SHIFT;
    info->arch_emulation_flags = XEN_X86_EMU_LAPIC; /* as a PVH domain's under Xen */
}

/* The first domain with an id >= first that src may inspect, with a
 * reference, or NULL; *denied tells whether XSM hid any on the way. */
static struct domain *next_inspectable(struct domain *src, domid_t first, bool *denied)
{
    struct domain *d = domain_get_next(first);

    *denied = false;
    while (d && XSM_CALL(getdomaininfo, src, d)) {
        domid_t after = d->domid + 1;
        *denied = true;
        domain_put(d);
        d = domain_get_next(after);
    }
    return d;
}

static long getdomaininfo(struct vcpu *v, uint64_t arg, struct xen_domctl *op)
{
    bool denied;
    struct domain *d = next_inspectable(v->domain, op->h.domain, &denied);

    if (!d)
        return denied ? -XEN_EPERM : -XEN_ESRCH;
    fill_domaininfo(d, &op->u.getdomaininfo);
    op->h.domain = d->domid;
    domain_put(d);
    return copy_to_guest(v, arg, op, sizeof(*op)) ? -XEN_EFAULT : 0;
}

/* Every command but createdomain and getdomaininfo: one existing domain,
 * under the domctl lock. */
static long act_on_domain(struct vcpu *v, const struct xen_domctl *op)
{
    const struct xen_domctl_header *h = &op->h;
    struct domain *caller = v->domain;
    struct domain *d = domain_get(h->domain);
    long rc;

    if (!d)
        return -XEN_ESRCH;
    if (!spin_trylock(&domctl_lock)) {
        domain_put(d);
        return HYPERCALL_PREEMPTED;
    }
    switch (h->cmd) {
    case XEN_DOMCTL_set_virq_handler:
        rc = XSM_CALL(set_virq_handler, caller, d)
                 ? -XEN_EPERM
                 : evtchn_set_virq_handler(d, op->u.set_virq_handler.virq);
        break;
    case XEN_DOMCTL_max_vcpus:
        rc = domctl_max_vcpus(caller, d, &op->u.max_vcpus);
        break;
    case XEN_DOMCTL_max_mem:
        rc = domctl_max_mem(caller, d, &op->u.max_mem);
        break;
    case XEN_DOMCTL_setvcpucontext:
        rc = domctl_setvcpucontext(v, d, &op->u.vcpucontext);
        break;
    default: /* pause, unpause, destroy */
        if (d == caller)
            rc = -XEN_EINVAL; /* a domain cannot pause, unpause or destroy itself */
        else if (h->cmd == XEN_DOMCTL_pausedomain)
            rc = XSM_CALL(domain_pause, caller, d) ? -XEN_EPERM : domain_pause(d);
        else if (h->cmd == XEN_DOMCTL_unpausedomain)
            rc = XSM_CALL(domain_unpause, caller, d) ? -XEN_EPERM : domain_unpause(d);
        else if (XSM_CALL(domain_kill, caller, d))
            rc = -XEN_EPERM;
        else {
            domain_kill(d);
            rc = 0;
        }
        break;
    }
    spin_unlock(&domctl_lock);
    domain_put(d);
    return rc;
}

/* createdomain, under the domctl lock; the new domid goes back into the
 * caller's header. If it cannot be written there the caller could never
 * name the domain: it is destroyed again, and the answer is -EFAULT. */
static long create_domain(struct vcpu *v, uint64_t arg, struct xen_domctl *op)
{
    struct domain *d;
    long rc;

    if (!spin_trylock(&domctl_lock))
        return HYPERCALL_PREEMPTED;
    rc = domctl_createdomain(v->domain, op);
    spin_unlock(&domctl_lock);
    if (rc || !copy_to_guest(v, arg, &op->h, sizeof(op->h)))
        return rc;
    d = domain_get(op->h.domain);
    if (d) {
        domain_kill(d);
        domain_put(d);
    }
    return -XEN_EFAULT;
}

/* The bytes of the union each command reads (after the 16-byte header). */
static size_t payload_size(uint32_t cmd)
{
    switch (cmd) {
    case XEN_DOMCTL_createdomain:
        return sizeof(struct xen_domctl_createdomain);
    case XEN_DOMCTL_max_mem:
        return sizeof(struct xen_domctl_max_mem);
    case XEN_DOMCTL_setvcpucontext:
        return sizeof(struct xen_domctl_vcpucontext);
    case XEN_DOMCTL_max_vcpus:
        return sizeof(struct xen_domctl_max_vcpus);
    case XEN_DOMCTL_set_virq_handler:
        return sizeof(struct xen_domctl_set_virq_handler);
    default:
        return 0;
    }
}

long do_domctl(struct vcpu *v, const struct hypercall_args *a)
{
    struct xen_domctl op;

    if (copy_from_guest(v, &op.h, a->arg[0], sizeof(op.h)))
        return -XEN_EFAULT;
    if (op.h.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
        return -XEN_EACCES;
    if (copy_from_guest(v, &op.u, a->arg[0] + sizeof(op.h), payload_size(op.h.cmd)))
        return -XEN_EFAULT;
    switch (op.h.cmd) {
    case XEN_DOMCTL_createdomain:
        return create_domain(v, a->arg[0], &op);
    case XEN_DOMCTL_pausedomain:
    case XEN_DOMCTL_unpausedomain:
    case XEN_DOMCTL_destroydomain:
    case XEN_DOMCTL_set_virq_handler:
    case XEN_DOMCTL_max_vcpus:
    case XEN_DOMCTL_max_mem:
    case XEN_DOMCTL_setvcpucontext:
        return act_on_domain(v, &op);
    case XEN_DOMCTL_getdomaininfo:
        return getdomaininfo(v, a->arg[0], &op);
    default:
        return -XEN_ENOSYS;
    }
}
