/*
 * The domctls that build a domain from inside a privileged guest, as Xen's
 * toolstack builds a PVH domain (include/public/domctl.h, Xen 4.17):
 *
 *   XEN_DOMCTL_createdomain   a new domain, CREATED: no memory, its vCPUs
 *                             without a start state (domain_create_requested)
 *   XEN_DOMCTL_max_vcpus      confirms the vCPU count createdomain gave
 *   XEN_DOMCTL_max_mem        the most memory it may own; the builder then
 *                             populates its physmap (memory_op on its domid)
 *                             and writes the image through foreign mappings
 *   XEN_DOMCTL_setvcpucontext a vCPU's start state (a vcpu_hvm_context)
 *
 * and then XEN_DOMCTL_unpausedomain starts vCPU 0 (domain_unpause). Each
 * asks its own XSM hook (docs/xsm.md): domain_create, domain_max_vcpus,
 * domain_set_max_mem, domain_set_vcpu_context, all privileged under the
 * dummy module. common/domctl.c reads the argument and calls these under
 * the domctl lock. docs/domains.md, "Building a domain from a guest", is
 * the walk through; docs/hypercalls.md lists every error.
 */
#include "domctl_build.h"
#include "arch.h"
#include "guest_access.h"
#include "printk.h"
#include "public/errno.h"
#include "public/hvm/hvm_vcpu.h"
#include "xsm.h"

/* The CDF flags of a domain Mica can build: an HVM guest (PVH is one) on
 * nested paging. Mica has no PV, shadow paging, IOMMU, nested
 * virtualization, virtual PMU or tboot: asking for one is -EINVAL, as
 * Xen answers for a feature it was built or booted without. */
#define CDF_REQUIRED (XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap)
#define CDF_ACCEPTED (CDF_REQUIRED | XEN_DOMCTL_CDF_oos_off | XEN_DOMCTL_CDF_xs_domain)
#define CDF_KNOWN (XEN_DOMCTL_CDF_MAX * 2 - 1)

/* Xen 4.17's default bound on max_maptrack_frames (gnttab_max_maptrack_frames);
 * Mica's handle table has a fixed size (GRANT_MAPTRACK_ENTRIES) and takes
 * the number only as Xen would check it. */
#define MAX_MAPTRACK_FRAMES 1024

/* Xen's checks of a createdomain configuration, in Xen's order
 * (sanitise_domain_config, then arch_domain_create and grant_table_init);
 * the grant frames are in *grant_frames. 0 or the errno. */
static int check_config(const struct xen_domctl_createdomain *c, unsigned int *grant_frames)
{
    if (c->flags & ~CDF_KNOWN)
        return -XEN_EINVAL; /* a flag Xen does not know */
    if (c->grant_opts & ~XEN_DOMCTL_GRANT_version_mask)
        return -XEN_EINVAL;
    if (c->max_vcpus < 1 || c->max_vcpus > MAX_VCPUS)
        return -XEN_EINVAL;
    if ((c->flags & CDF_REQUIRED) != CDF_REQUIRED || (c->flags & ~CDF_ACCEPTED))
        return -XEN_EINVAL;
    if (c->iommu_opts)
        return -XEN_EINVAL; /* IOMMU options without XEN_DOMCTL_CDF_iommu */
    if (c->vmtrace_size)
        return -XEN_EINVAL; /* no processor trace */
    if (c->arch.misc_flags & ~XEN_X86_MSR_RELAXED)
        return -XEN_EINVAL;
    if (c->arch.misc_flags)
        return -XEN_EOPNOTSUPP; /* Mica's guests get #GP for an MSR it does not know */
    /* x86's emulation bitmap: bits Xen does not know are -EINVAL, a set of
     * emulators it does not build a domain with -EOPNOTSUPP. Mica builds
     * PVH domains only: the local APIC and nothing else. */
    if (c->arch.emulation_flags & ~XEN_X86_EMU_ALL)
        return -XEN_EINVAL;
    if (c->arch.emulation_flags != XEN_X86_EMU_LAPIC)
        return -XEN_EOPNOTSUPP;
    /* The grant table: version 1 (Mica has no v2), frames < 0 the default. */
    if ((c->grant_opts & XEN_DOMCTL_GRANT_version_mask) != 1)
        return -XEN_EINVAL;
    *grant_frames = c->max_grant_frames < 0 ? DEFAULT_GRANT_FRAMES
                                            : (unsigned int)c->max_grant_frames;
    if (*grant_frames < 1 || *grant_frames > MAX_GRANT_FRAMES)
        return -XEN_EINVAL;
    if (c->max_maptrack_frames > MAX_MAPTRACK_FRAMES)
        return -XEN_EINVAL;
    if (c->cpupool_id)
        return -XEN_ESRCH; /* Mica has one CPU pool, 0 */
    return 0;
}

long domctl_createdomain(struct domain *caller, struct xen_domctl *op)
{
    const struct xen_domctl_createdomain *c = &op->u.createdomain;
    char label[DOMAIN_LABEL_LEN];
    struct domain_request req;
    struct domain *d;
    int rc;

    /* XSM first, as Xen (its dummy's privilege check, its FLASK's
     * domain:create on the ssidref's type): a caller that may not create
     * domains learns nothing of what else is wrong. */
    rc = xsm->ssidref_to_label(c->ssidref, label, sizeof(label));
    if (!rc && XSM_CALL(domain_create, caller, label))
        rc = -XEN_EPERM;
    if (!rc)
        rc = check_config(c, &req.max_grant_frames);
    if (rc)
        return rc;
    /* 0 and the reserved ids ask for any free domid (never 0, as Xen). */
    req.domid = op->h.domain && op->h.domain < DOMID_FIRST_RESERVED ? op->h.domain : DOMID_INVALID;
    req.label = label;
    req.nr_vcpus = c->max_vcpus;
    req.xenstore = c->flags & XEN_DOMCTL_CDF_xs_domain;
    req.handle = c->handle;
    rc = domain_create_requested(&req, &d);
    if (rc)
        return rc;
    printk("Domain d%u (%s): created by d%u, %u vCPU(s)\n", d->domid, d->name, caller->domid,
           d->nr_vcpus);
    op->h.domain = d->domid;
    domain_put(d);
    return 0;
}

long domctl_max_vcpus(struct domain *caller, struct domain *d, const struct xen_domctl_max_vcpus *m)
{
    if (XSM_CALL(domain_max_vcpus, caller, d))
        return -XEN_EPERM;
    /* Xen's rules: not the caller itself, and the number createdomain
     * gave. The vCPUs exist already (Xen 4.17 allocates them here). */
    if (d == caller || m->max != d->nr_vcpus)
        return -XEN_EINVAL;
    return 0;
}

long domctl_max_mem(struct domain *caller, struct domain *d, const struct xen_domctl_max_mem *m)
{
    if (XSM_CALL(domain_set_max_mem, caller, d))
        return -XEN_EPERM;
    /* As Xen: a limit below what the domain owns is taken too; it keeps
     * its pages, and every allocation fails until it is under the limit
     * again (frames_assign checks it under the same lock). */
    spin_lock(&d->lock);
    d->max_pages = m->max_memkb >> (PAGE_SHIFT - 10);
    spin_unlock(&d->lock);
    return 0;
}

/*
 * May v's start state be set now? It may while the vCPU has never run:
 * its domain has not been started, or the vCPU has no start state yet (a
 * vCPU gets one before it first runs, and keeps it). Xen would pause the
 * domain and overwrite a running vCPU's registers; Mica sets only the state
 * a vCPU starts from. Called with the domain's lock held: a vCPU that has
 * not started cannot start meanwhile (VCPUOP_up, a start-up IPI and the
 * first unpause take it too), and teardown, which frees the VMCBs under it,
 * has not begun while the domain is below SHUTDOWN.
 */
static int may_set_context(const struct vcpu *v)
{
    const struct domain *d = v->domain;

    if (d->state >= DOMAIN_SHUTDOWN)
        return -XEN_ESRCH;
    if (d->state != DOMAIN_CREATED && v->initialised)
        return -XEN_EBUSY;
    return 0;
}

long domctl_setvcpucontext(struct vcpu *v, struct domain *d, const struct xen_domctl_vcpucontext *c)
{
    struct vcpu_hvm_context ctx;
    struct vcpu *target;
    long rc;

    if (XSM_CALL(domain_set_vcpu_context, v->domain, d))
        return -XEN_EPERM;
    if (d == v->domain || c->vcpu >= d->nr_vcpus)
        return -XEN_EINVAL; /* Xen's: not the caller itself, a vCPU it has */
    if (c->ctxt && copy_from_guest(v, &ctx, c->ctxt, sizeof(ctx)))
        return -XEN_EFAULT;
    target = d->vcpus[c->vcpu];

    spin_lock(&d->lock);
    rc = may_set_context(target);
    if (!rc && !c->ctxt) {
        target->initialised = false; /* reset: no start state any more */
    } else if (!rc) {
        rc = arch_vcpu_set_hvm_context(target, &ctx);
        if (!rc)
            target->initialised = true;
    }
    spin_unlock(&d->lock);
    return rc;
}
