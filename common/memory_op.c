/*
 * memory_op (hypercall 12): a guest changes or asks about a physmap.
 *
 * Every handler: copy the arguments in (both the 64-bit and the 32-bit
 * layouts of include/public/memory.h) -> look the target domain up with a
 * counted reference (DOMID_SELF or a domid) -> ask XSM (one hook per
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
#include "frame.h"
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

/* A reservation request, whatever layout the guest used. */
struct reservation {
    uint64_t extent_start;      /* guest address of the xen_pfn_t array */
    uint64_t nr_extents;
    unsigned int extent_order;
    uint32_t mem_flags;
    domid_t domid;
    unsigned int pfn_size;      /* 8, or 4 for a 32-bit guest */
};

static int read_reservation(struct vcpu *v, const struct hypercall_args *a, uint64_t arg,
                            struct reservation *r)
{
    if (a->compat) {
        struct compat_memory_reservation c;
        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return -XEN_EFAULT;
        *r = (struct reservation){ c.extent_start.c, c.nr_extents, c.extent_order,
                                   c.mem_flags, c.domid, 4 };
    } else {
        struct xen_memory_reservation n;
        if (copy_from_guest(v, &n, arg, sizeof(n)))
            return -XEN_EFAULT;
        *r = (struct reservation){ (uint64_t)(uintptr_t)n.extent_start.p, n.nr_extents,
                                   n.extent_order, n.mem_flags, n.domid, 8 };
    }
    return 0;
}

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

    if ((encoded >> MEMOP_EXTENT_SHIFT) != next_extent ||
        (a->compat && encoded > UINT32_MAX))
        return 0;                      /* cannot encode: the caller goes on instead */
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
    struct reservation r;
    struct domain *d;
    uint64_t i, work = 0;
    long rc;

    rc = read_reservation(v, a, arg, &r);
    if (rc)
        return rc;
    if (start >= r.nr_extents)
        return (long)start;           /* nothing (left) to do */
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
        if (cmd != XENMEM_increase_reservation &&
            copy_from_guest(v, &gfn, r.extent_start + i * r.pfn_size, r.pfn_size))
            break;
        if (cmd == XENMEM_increase_reservation)
            err = physmap_increase(d, r.extent_order);
        else if (cmd == XENMEM_populate_physmap)
            err = physmap_populate(d, gfn, r.extent_order);
        else
            err = physmap_decrease(d, gfn, r.extent_order);
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
            rc = (long)d->p2m.max_mapped_gfn;
    }
    domain_put(d);
    return rc;
}

/* memory_map / machine_memory_map: E820-style records (20 bytes each). */
static long memory_map(struct vcpu *v, const struct hypercall_args *a, uint64_t arg,
                       bool machine)
{
    uint32_t capacity, written = 0;
    uint64_t buffer;
    long rc;

    if (a->compat) {
        struct compat_memory_map m;
        if (copy_from_guest(v, &m, arg, sizeof(m)))
            return -XEN_EFAULT;
        capacity = m.nr_entries;
        buffer = m.buffer.c;
    } else {
        struct xen_memory_map m;
        if (copy_from_guest(v, &m, arg, sizeof(m)))
            return -XEN_EFAULT;
        capacity = m.nr_entries;
        buffer = (uint64_t)(uintptr_t)m.buffer.p;
    }
    rc = machine ? XSM_CALL(machine_memory_map, v->domain)
                 : XSM_CALL(memory_map, v->domain, v->domain);
    if (rc)
        return rc;

    unsigned int total = machine ? boot_info.nr_mem : 1;
    for (unsigned int i = 0; i < total && written < capacity; i++) {
        struct xen_e820_entry e;
        if (machine)
            e = (struct xen_e820_entry){ boot_info.mem[i].start,
                                         boot_info.mem[i].end - boot_info.mem[i].start,
                                         boot_info.mem[i].type };
        else
            e = (struct xen_e820_entry){ 0, v->domain->ram_end, 1 };
        if (copy_to_guest(v, buffer + written * sizeof(e), &e, sizeof(e)))
            return -XEN_EFAULT;
        written++;
    }
    /* nr_entries is the first field in both layouts. */
    if (copy_to_guest(v, arg, &written, sizeof(written)))
        return -XEN_EFAULT;
    return 0;
}

/* ---- add_to_physmap ---------------------------------------------------------- */

struct add_args {
    domid_t domid;
    uint16_t size;
    uint32_t space;
    uint64_t idx;
    uint64_t gpfn;
};

static int read_add(struct vcpu *v, const struct hypercall_args *a, uint64_t arg,
                    struct add_args *x)
{
    if (a->compat) {
        struct compat_add_to_physmap c;
        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return -XEN_EFAULT;
        *x = (struct add_args){ c.domid, c.size, c.space, c.idx, c.gpfn };
    } else {
        struct xen_add_to_physmap n;
        if (copy_from_guest(v, &n, arg, sizeof(n)))
            return -XEN_EFAULT;
        *x = (struct add_args){ n.domid, n.size, n.space, n.idx, n.gpfn };
    }
    return 0;
}

static int write_add(struct vcpu *v, const struct hypercall_args *a, uint64_t arg,
                     const struct add_args *x)
{
    if (a->compat) {
        struct compat_add_to_physmap c = { x->domid, x->size, x->space,
                                           (uint32_t)x->idx, (uint32_t)x->gpfn };
        return copy_to_guest(v, arg, &c, sizeof(c)) ? -XEN_EFAULT : 0;
    }
    struct xen_add_to_physmap n = { x->domid, x->size, x->space, x->idx, x->gpfn };
    return copy_to_guest(v, arg, &n, sizeof(n)) ? -XEN_EFAULT : 0;
}

static long add_to_physmap(struct vcpu *v, const struct hypercall_args *a, uint64_t arg)
{
    struct add_args x;
    struct domain *d;
    long rc = read_add(v, a, arg, &x);

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
        rc = physmap_add(d, x.space, x.idx, x.gpfn);
    } else if (!rc) {
        /* A range of gmfns: page by page, preemptible; the remaining work is
         * written back into the guest's structure. */
        uint64_t work = 0;
        while (x.size && !rc) {
            if (work && should_preempt(work)) {
                rc = write_add(v, a, arg, &x);
                if (!rc)
                    rc = HYPERCALL_PREEMPTED;
                break;
            }
            rc = physmap_add(d, XENMAPSPACE_gmfn, x.idx, x.gpfn);
            if (!rc) {
                x.idx++;
                x.gpfn++;
                x.size--;
                work++;
            }
        }
        if (rc && rc != HYPERCALL_PREEMPTED)
            write_add(v, a, arg, &x);  /* show how far it got */
    }
    domain_put(d);
    return rc;
}

/* ---- add_to_physmap_batch ---------------------------------------------------- */

struct batch_args {
    domid_t domid;
    uint16_t space;
    uint16_t size;
    uint16_t foreign_domid;
    uint64_t idxs, gpfns, errs;
    unsigned int elem;          /* size of an idx / gpfn element: 8, or 4 compat */
};

static int read_batch(struct vcpu *v, const struct hypercall_args *a, uint64_t arg,
                      struct batch_args *b)
{
    if (a->compat) {
        struct compat_add_to_physmap_batch c;
        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return -XEN_EFAULT;
        *b = (struct batch_args){ c.domid, c.space, c.size, c.u.foreign_domid,
                                  c.idxs.c, c.gpfns.c, c.errs.c, 4 };
    } else {
        struct xen_add_to_physmap_batch n;
        if (copy_from_guest(v, &n, arg, sizeof(n)))
            return -XEN_EFAULT;
        *b = (struct batch_args){ n.domid, n.space, n.size, n.u.foreign_domid,
                                  (uint64_t)(uintptr_t)n.idxs.p, (uint64_t)(uintptr_t)n.gpfns.p,
                                  (uint64_t)(uintptr_t)n.errs.p, 8 };
    }
    return 0;
}

static int write_batch(struct vcpu *v, const struct hypercall_args *a, uint64_t arg,
                       const struct batch_args *b)
{
    if (a->compat) {
        struct compat_add_to_physmap_batch c = {
            .domid = b->domid, .space = b->space, .size = b->size,
            .u.foreign_domid = b->foreign_domid, .idxs = { (uint32_t)b->idxs },
            .gpfns = { (uint32_t)b->gpfns }, .errs = { (uint32_t)b->errs },
        };
        return copy_to_guest(v, arg, &c, sizeof(c)) ? -XEN_EFAULT : 0;
    }
    struct xen_add_to_physmap_batch n = {
        .domid = b->domid, .space = b->space, .size = b->size,
        .u.foreign_domid = b->foreign_domid,
    };
    n.idxs.p = (xen_ulong_t *)(uintptr_t)b->idxs;
    n.gpfns.p = (xen_pfn_t *)(uintptr_t)b->gpfns;
    n.errs.p = (int *)(uintptr_t)b->errs;
    return copy_to_guest(v, arg, &n, sizeof(n)) ? -XEN_EFAULT : 0;
}

static long add_to_physmap_batch(struct vcpu *v, const struct hypercall_args *a, uint64_t arg)
{
    struct batch_args b;
    struct domain *d, *foreign = NULL;
    long rc = read_batch(v, a, arg, &b);
    uint64_t work = 0;

    if (rc)
        return rc;
    if (b.space == XENMAPSPACE_gmfn_range)
        return -XEN_EOPNOTSUPP;        /* ranges are add_to_physmap's (as Xen) */
    if (b.space != XENMAPSPACE_gmfn_foreign && b.foreign_domid)
        return -XEN_EINVAL;            /* u.res0 must be zero */
    d = target_domain(b.domid);
    if (!d)
        return -XEN_ESRCH;
    rc = XSM_CALL(add_to_physmap, v->domain, d);
    if (!rc && b.space == XENMAPSPACE_gmfn_foreign) {
        foreign = target_domain(b.foreign_domid);
        rc = foreign ? XSM_CALL(map_gmfn_foreign, v->domain, d, foreign) : -XEN_ESRCH;
    }

    while (!rc && b.size) {
        uint64_t idx = 0, gpfn = 0;
        int err;

        if (work && should_preempt(work)) {
            rc = write_batch(v, a, arg, &b);
            if (!rc)
                rc = HYPERCALL_PREEMPTED;
            break;
        }
        if (copy_from_guest(v, &idx, b.idxs, b.elem) ||
            copy_from_guest(v, &gpfn, b.gpfns, b.elem)) {
            rc = -XEN_EFAULT;
            break;
        }
        err = foreign ? physmap_add_foreign(d, foreign, idx, gpfn)
                      : physmap_add(d, b.space, idx, gpfn);
        if (copy_to_guest(v, b.errs, &err, sizeof(err))) {
            rc = -XEN_EFAULT;
            break;
        }
        b.idxs += b.elem;
        b.gpfns += b.elem;
        b.errs += sizeof(int);
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
    domid_t domid;
    uint64_t gpfn;
    struct domain *d;
    long rc;

    if (a->compat) {
        struct compat_remove_from_physmap c;
        if (copy_from_guest(v, &c, arg, sizeof(c)))
            return -XEN_EFAULT;
        domid = c.domid;
        gpfn = c.gpfn;
    } else {
        struct xen_remove_from_physmap n;
        if (copy_from_guest(v, &n, arg, sizeof(n)))
            return -XEN_EFAULT;
        domid = n.domid;
        gpfn = n.gpfn;
    }
    d = target_domain(domid);
    if (!d)
        return -XEN_ESRCH;
    rc = XSM_CALL(remove_from_physmap, v->domain, d);
    if (!rc)
        rc = physmap_remove(d, gpfn);
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
