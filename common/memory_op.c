/*
 * memory_op (hypercall 12): a guest changes or asks about a physmap.
 *
 * Every handler: copy the arguments in (include/compat/memory.h reads the
 * 64-bit or the 32-bit layout of include/public/memory.h into one form;
 * common/compat/memory.c writes results back) -> look the target domain up
 * with a counted reference (DOMID_SELF or a domid) -> ask XSM (one hook per
 * operation) -> physmap.c does the change under the domain lock and the p2m
 * -> release the reference.
 *
 * Long operations are preemptible, as in Xen: after MEMOP_WORK_BUDGET pages
 * of work (or when the scheduler wants the CPU) a reservation call stores
 * its progress in the command, cmd | (next extent << MEMOP_EXTENT_SHIFT),
 * and returns to the guest without moving RIP past VMMCALL; the guest runs
 * the same hypercall again and it resumes there. gmfn_range and
 * add_to_physmap_batch write their progress back into the guest's
 * argument structure instead (as Xen does).
 *
 * docs/hypercalls.md documents every subop, its errors, and where Mica and
 * Xen differ.
 */
#include "bootinfo.h"
#include "compat/memory.h"
#include "frame.h"
#include "event.h"
#include "guest_access.h"
#include "p2m/p2m_debug.h"
#include "hypercall.h"
#include "schedule.h"
#include "p2m/physmap.h"
#include "public/errno.h"
#include "public/memory.h"
#include "public/xen.h"
#include "xsm.h"

/* Pages of work one call may do before it offers a continuation. */
#define MEMOP_WORK_BUDGET 1024

/* Look the target up: -ESRCH if it does not exist or is going away. */
static struct domain *target_domain(domid_t domid)
{
    struct domain *d = domain_get(domid);

    if (d && d->state >= DOMAIN_SHUTDOWN) {
        domain_put(d);
        return NULL;
    }
    return d;
}

static bool should_preempt(uint64_t work)
{
    return work >= MEMOP_WORK_BUDGET || sched_preempt_pending();
}

/* Store progress in the command register; the guest reissues the call. */
static long continue_at(struct vcpu *v, const struct hypercall_args *a, unsigned int cmd,
                        uint64_t next_extent)
{
    uint64_t encoded = cmd | (next_extent << MEMOP_EXTENT_SHIFT);

    if ((encoded >> MEMOP_EXTENT_SHIFT) != next_extent || !guest_reg_fits(a, encoded))
        return 0; /* cannot encode: the caller goes on instead */
    hypercall_set_arg(v, 0, encoded);
    return HYPERCALL_PREEMPTED;
}

/*
 * increase_reservation, decrease_reservation, populate_physmap. Returns the
 * number of extents done in total (as Xen: an extent that fails, or an
 * element of the array that cannot be read, ends the call there).
 */
static long reservation_op(struct vcpu *v, const struct hypercall_args *a, unsigned int cmd,
                           uint64_t start, uint64_t arg)
{
    struct memop_reservation r;
    struct domain *d;
    uint64_t i, work = 0;
    long rc;

    rc = xlat_memory_reservation_in(v, a, arg, &r);
    if (rc)
        return rc;
    if (start >= r.nr_extents)
        return (long)start; /* nothing (left) to do */
    /* An order above the caller's limit does nothing at all (as Xen). */
    if (r.extent_order > physmap_max_extent_order(v->domain))
        return (long)start;
    d = target_domain(r.domid);
    if (!d)
        return -XEN_ESRCH;
    rc = XSM_CALL(memory_adjust_reservation, v->domain, d);
    if (rc) {
        domain_put(d);
        return rc;
    }

    for (i = start; i < r.nr_extents; i++) {
        uint64_t gfn = 0;
        int err;

        if (i > start && should_preempt(work)) {
            long cont = continue_at(v, a, cmd, i);
            if (cont) {
                domain_put(d);
                return cont;
            }
        }
        /* Each element is read on its own: the array is guest memory and
         * may become unreadable anywhere (start is guest-controlled too). */
        if (cmd != XENMEM_increase_reservation && xlat_extent_in(v, a, &r, i, &gfn))
            break;
        if (cmd == XENMEM_increase_reservation)
            err = physmap_increase(d, r.extent_order);
        else if (cmd == XENMEM_populate_physmap)
            err = physmap_populate(d, _gfn(gfn), r.extent_order);
        else
            err = physmap_decrease(d, _gfn(gfn), r.extent_order);
        if (err)
            break;
        work += 1UL << r.extent_order;
    }
    domain_put(d);
    return (long)i;
}

/* current_reservation, maximum_reservation, maximum_gpfn: arg -> domid_t. */
static long reservation_query(struct vcpu *v, unsigned int cmd, uint64_t arg)
{
    domid_t domid;
    struct domain *d;
    long rc;

    if (copy_from_guest(v, &domid, arg, sizeof(domid)))
        return -XEN_EFAULT;
    d = target_domain(domid);
    if (!d)
        return -XEN_ESRCH;
    rc = XSM_CALL(memory_stat_reservation, v->domain, d);
    if (!rc) {
        if (cmd == XENMEM_current_reservation)
            rc = (long)d->tot_pages;
        else if (cmd == XENMEM_maximum_reservation)
            rc = (long)d->max_pages;
        else
            rc = (long)gfn_x(d->p2m.max_mapped_gfn);
    }
    domain_put(d);
    return rc;
}

/* memory_map / machine_memory_map: E820-style records (struct xen_e820_entry). */
static long memory_map(struct vcpu *v, const struct hypercall_args *a, uint64_t arg, bool machine)
{
    struct memop_memory_map m;
    uint32_t written = 0;
    long rc;

    rc = xlat_memory_map_in(v, a, arg, &m);
    if (rc)
        return rc;
    rc = machine ? XSM_CALL(machine_memory_map, v->domain)
                 : XSM_CALL(memory_map, v->domain, v->domain);
    if (rc)
        return rc;

    unsigned int total = machine ? boot_info.nr_mem : v->domain->nr_memmap;
    for (unsigned int i = 0; i < total && written < m.nr_entries; i++) {
        struct xen_e820_entry e;
        if (machine)
            e = (struct xen_e820_entry){ boot_info.mem[i].start,
                                         boot_info.mem[i].end - boot_info.mem[i].start,
                                         boot_info.mem[i].type };
        else /* the same map as in its hvm_start_info */
            e = (struct xen_e820_entry){ v->domain->memmap[i].addr, v->domain->memmap[i].size,
                                         v->domain->memmap[i].type };
        if (copy_to_guest(v, m.buffer + written * sizeof(e), &e, sizeof(e)))
            return -XEN_EFAULT;
        written++;
    }
    return xlat_memory_map_out(v, arg, written);
}

/* ---- add_to_physmap ---------------------------------------------------------- */

static long add_to_physmap(struct vcpu *v, const struct hypercall_args *a, uint64_t arg)
{
    struct memop_add_to_physmap x;
    struct domain *d;
    long rc = xlat_add_to_physmap_in(v, a, arg, &x);

    if (rc)
        return rc;
    /* As Xen 4.17: gmfn_foreign only through add_to_physmap_batch, and
     * dev_mmio (an Arm space) is not a space here. */
    if (x.space == XENMAPSPACE_gmfn_foreign)
        return -XEN_ENOSYS;
    if (x.space == XENMAPSPACE_dev_mmio)
        return -XEN_EINVAL;
    d = target_domain(x.domid);
    if (!d)
        return -XEN_ESRCH;
    rc = XSM_CALL(add_to_physmap, v->domain, d);
    if (!rc && x.space != XENMAPSPACE_gmfn_range) {
        rc = physmap_add(d, x.space, x.idx, _gfn(x.gpfn));
        /* As Xen: mapping its shared_info fixes its layout (event bitmaps)
         * to the caller's word size. */
        if (!rc && x.space == XENMAPSPACE_shared_info && d == v->domain)
            evtchn_latch_shinfo_size(d, a->compat);
    } else if (!rc) {
        /* A range of gmfns: page by page, preemptible; the remaining work is
         * written back into the guest's structure. */
        uint64_t work = 0;
        while (x.size && !rc) {
            if (work && should_preempt(work)) {
                rc = xlat_add_to_physmap_out(v, a, arg, &x);
                if (!rc)
                    rc = HYPERCALL_PREEMPTED;
                break;
            }
            rc = physmap_add(d, XENMAPSPACE_gmfn, x.idx, _gfn(x.gpfn));
            if (!rc) {
                x.idx++;
                x.gpfn++;
                x.size--;
                work++;
            }
        }
        if (rc && rc != HYPERCALL_PREEMPTED)
            xlat_add_to_physmap_out(v, a, arg, &x); /* show how far it got */
    }
    domain_put(d);
    return rc;
}

/* ---- add_to_physmap_batch ---------------------------------------------------- */

static long add_to_physmap_batch(struct vcpu *v, const struct hypercall_args *a, uint64_t arg)
{
    struct memop_add_to_physmap_batch b;
    struct domain *d, *foreign = NULL;
    long rc = xlat_add_to_physmap_batch_in(v, a, arg, &b);
    int foreign_rc = 0;
    uint64_t work = 0;

    if (rc)
        return rc;
    if (b.space == XENMAPSPACE_gmfn_range)
        return -XEN_EOPNOTSUPP; /* ranges are add_to_physmap's (as Xen) */
    if (b.space != XENMAPSPACE_gmfn_foreign && b.foreign_domid)
        return -XEN_EINVAL; /* u.res0 must be zero */
    d = target_domain(b.domid);
    if (!d)
        return -XEN_ESRCH;
    rc = XSM_CALL(add_to_physmap, v->domain, d);
    /* As in Xen, a foreign domain that is not there or may not be mapped
     * fails each page (its errs entry), not the call. */
    if (!rc && b.space == XENMAPSPACE_gmfn_foreign) {
        foreign = target_domain(b.foreign_domid);
        foreign_rc = foreign ? XSM_CALL(map_gmfn_foreign, v->domain, d, foreign) : -XEN_ESRCH;
    }

    while (!rc && b.size) {
        uint64_t idx = 0, gpfn = 0;
        int err;

        if (work && should_preempt(work)) {
            rc = xlat_add_to_physmap_batch_out(v, a, arg, &b);
            if (!rc)
                rc = HYPERCALL_PREEMPTED;
            break;
        }
        rc = xlat_batch_entry_in(v, a, &b, &idx, &gpfn);
        if (rc)
            break;
        if (b.space != XENMAPSPACE_gmfn_foreign)
            err = physmap_add(d, b.space, idx, _gfn(gpfn));
        else
            err = foreign_rc ? foreign_rc : physmap_add_foreign(d, foreign, _gfn(idx), _gfn(gpfn));
        rc = xlat_batch_err_out(v, &b, err);
        if (rc)
            break;
        xlat_batch_next(a, &b);
        b.size--;
        work++;
    }
    if (foreign)
        domain_put(foreign);
    domain_put(d);
    return rc;
}

/* ---- remove_from_physmap ------------------------------------------------------- */

static long remove_from_physmap(struct vcpu *v, const struct hypercall_args *a, uint64_t arg)
{
    struct memop_remove_from_physmap r;
    struct domain *d;
    long rc = xlat_remove_from_physmap_in(v, a, arg, &r);

    if (rc)
        return rc;
    d = target_domain(r.domid);
    if (!d)
        return -XEN_ESRCH;
    rc = XSM_CALL(remove_from_physmap, v->domain, d);
    if (!rc)
        rc = physmap_remove(d, _gfn(r.gpfn));
    domain_put(d);
    return rc;
}

static long memory_op(struct vcpu *v, const struct hypercall_args *a);

long do_memory_op(struct vcpu *v, const struct hypercall_args *a)
{
    long rc = memory_op(v, a);

    /* p2m-audit: check the caller's p2m after every call (tests). */
    if (p2m_audit_after_memory_op())
        p2m_audit(v->domain);
    return rc;
}

static long memory_op(struct vcpu *v, const struct hypercall_args *a)
{
    unsigned int cmd = a->arg[0] & MEMOP_CMD_MASK;
    uint64_t start = a->arg[0] >> MEMOP_EXTENT_SHIFT;
    uint64_t arg = a->arg[1];

    switch (cmd) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
        return reservation_op(v, a, cmd, start, arg);
    default:
        break;
    }
    /* Only the reservation calls carry progress in the command (as Xen). */
    if (start)
        return -XEN_EINVAL;
    switch (cmd) {
    case XENMEM_maximum_ram_page:
        return (long)frame_table_size;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn:
        return reservation_query(v, cmd, arg);
    case XENMEM_memory_map:
        return memory_map(v, a, arg, false);
    case XENMEM_machine_memory_map:
        return memory_map(v, a, arg, true);
    case XENMEM_add_to_physmap:
        return add_to_physmap(v, a, arg);
    case XENMEM_add_to_physmap_batch:
        return add_to_physmap_batch(v, a, arg);
    case XENMEM_remove_from_physmap:
        return remove_from_physmap(v, a, arg);
    default:
        return -XEN_ENOSYS;
    }
}
