/*
 * grant_table_op (hypercall 20): cmd, uop, count. Grant table v1: setup_table,
 * query_size, set_version, get_version, map_grant_ref, unmap_grant_ref, copy.
 *
 * As in Xen (xen/include/public/grant_table.h, docs/xen-abi.md): the
 * hypercall returns 0 and each operation's outcome is its `status` (GNTST_*);
 * a negative errno is for the call itself: -EFAULT when an operation cannot
 * be read or its result written, -EINVAL for a count that is negative as an
 * int (or not 1 where one structure is expected) or bits above the command,
 * -ENOSYS for a command Mica does not implement. Long batches are
 * preemptible: uop and count are advanced in the argument registers and the
 * guest executes the same call again (a continuation, as Xen).
 *
 * The grant table itself (entries, pins, handles, teardown) is
 * common/grant_table.c; docs/hypercalls.md documents every command.
 */
#include "compat/grant_table.h"
#include "grant_table.h"
#include "guest_access.h"
#include "hypercall.h"
#include "lib/string.h"
#include "p2m/physmap.h"
#include "page_alloc.h"
#include "public/errno.h"
#include "public/xen.h"
#include "schedule.h"
#include "xsm.h"

/* Operations one call may do before it offers a continuation. */
#define GNTTAB_WORK_BUDGET 256

/* The other domain of an operation (DOMID_SELF: the caller), counted. */
static struct domain *lookup(domid_t domid)
{
    return domain_get(domid);
}

/* ---- one structure: setup_table, query_size, set_version, get_version ------- */

static long setup_table(struct vcpu *v, const struct hypercall_args *a, uint64_t uop)
{
    struct gnt_setup_table op;
    uint64_t gfns[MAX_GRANT_FRAMES];
    int16_t status = GNTST_okay;
    struct domain *d;

    if (xlat_gnttab_setup_table_in(v, a, uop, &op))
        return -XEN_EFAULT;
    d = lookup(op.dom);
    if (!d) {
        status = GNTST_bad_domain;
    } else if (XSM_CALL(grant_setup, v->domain, d)) {
        status = GNTST_permission_denied;
    } else if (op.nr_frames > d->max_grant_frames) {
        status = GNTST_general_error;
    } else {
        /* The gfn each frame is mapped at (add_to_physmap), or INVALID;
         * read under d's lock, which teardown takes before the frames go. */
        spin_lock(&d->lock);
        if (!d->grant_frames)
            status = GNTST_bad_domain;
        for (uint32_t i = 0; !status && i < op.nr_frames; i++)
            gfns[i] = gfn_x(d->grant_frames[i]->gfn);
        spin_unlock(&d->lock);
        for (uint32_t i = 0; !status && i < op.nr_frames; i++)
            if (xlat_gnttab_frame_out(v, a, op.frame_list, i, gfns[i]))
                status = GNTST_bad_virt_addr;
    }
    if (d)
        domain_put(d);
    /* status is at byte 8 in both layouts */
    if (copy_to_guest(v, uop + __builtin_offsetof(struct gnttab_setup_table, status), &status,
                      sizeof(status)))
        return -XEN_EFAULT;
    return 0;
}

static long query_size(struct vcpu *v, uint64_t uop)
{
    struct gnttab_query_size op;
    struct domain *d;

    if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -XEN_EFAULT;
    d = lookup(op.dom);
    if (!d) {
        op.status = GNTST_bad_domain;
    } else if (XSM_CALL(grant_query_size, v->domain, d)) {
        op.status = GNTST_permission_denied;
    } else {
        /* Mica's table never grows: every frame exists from the start. */
        op.nr_frames = d->max_grant_frames;
        op.max_nr_frames = d->max_grant_frames;
        op.status = GNTST_okay;
    }
    if (d)
        domain_put(d);
    return copy_to_guest(v, uop, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

static long set_version(struct vcpu *v, uint64_t uop)
{
    struct gnttab_set_version op;
    long rc;

    if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -XEN_EFAULT;
    /* Version 1 only: Xen answers 2 with -ENOSYS when a domain may not use
     * it, any other number with -EINVAL; the version in force is written
     * back either way. */
    rc = op.version == 1 ? 0 : op.version == 2 ? -XEN_ENOSYS : -XEN_EINVAL;
    op.version = 1;
    if (copy_to_guest(v, uop, &op, sizeof(op)))
        return -XEN_EFAULT;
    return rc;
}

static long get_version(struct vcpu *v, uint64_t uop)
{
    struct gnttab_get_version op;
    struct domain *d;
    long rc = 0;

    if (copy_from_guest(v, &op, uop, sizeof(op)))
        return -XEN_EFAULT;
    d = lookup(op.dom);
    if (!d)
        return -XEN_ESRCH;
    if (XSM_CALL(grant_query_size, v->domain, d))
        rc = -XEN_EPERM;
    domain_put(d);
    if (rc)
        return rc;
    op.version = 1;
    if (copy_to_guest(v, uop + __builtin_offsetof(struct gnttab_get_version, version), &op.version,
                      sizeof(op.version)))
        return -XEN_EFAULT;
    return 0;
}

/* ---- batches: map_grant_ref, unmap_grant_ref, copy ----------------------------- */

static int16_t map_one(struct domain *ld, const struct gnttab_map_grant_ref *op,
                       grant_handle_t *handle)
{
    struct domain *rd;
    int16_t st;

    if (!(op->flags & (GNTMAP_host_map | GNTMAP_device_map)))
        return GNTST_bad_gntref; /* as Xen: nothing asked for */
    /* A translated guest maps into its physmap only: no device (IOMMU)
     * mapping, no PTE to write, no application mapping (as Xen for HVM). */
    if ((op->flags & ~GNTMAP_readonly) != GNTMAP_host_map)
        return GNTST_general_error;
    /* One's own grant: measured under Xen 4.17, GNTST_bad_domain. */
    if (op->dom == DOMID_SELF || op->dom == ld->domid)
        return GNTST_bad_domain;
    rd = lookup(op->dom);
    if (!rd)
        return GNTST_bad_domain;
    if (XSM_CALL(grant_mapref, ld, rd, op->flags))
        st = GNTST_permission_denied;
    else
        /* host_addr is a guest-physical byte address (translated guests) */
        st = grant_map(ld, rd, op->ref, _gfn(op->host_addr >> PAGE_SHIFT),
                       op->flags & GNTMAP_readonly, handle);
    domain_put(rd);
    return st;
}

static long map_batch_one(struct vcpu *v, uint64_t addr)
{
    struct gnttab_map_grant_ref op;
    grant_handle_t handle = 0;

    if (copy_from_guest(v, &op, addr, sizeof(op)))
        return -XEN_EFAULT;
    op.status = map_one(v->domain, &op, &handle);
    if (op.status == GNTST_okay) {
        op.handle = handle;
        op.dev_bus_addr = 0;
    }
    return copy_to_guest(v, addr, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

static long unmap_batch_one(struct vcpu *v, uint64_t addr)
{
    struct gnttab_unmap_grant_ref op;
    struct domain *rd;

    if (copy_from_guest(v, &op, addr, sizeof(op)))
        return -XEN_EFAULT;
    rd = grant_handle_granter(v->domain, op.handle);
    if (!rd)
        op.status = GNTST_bad_handle;
    else if (XSM_CALL(grant_unmapref, v->domain, rd))
        op.status = GNTST_permission_denied;
    else
        op.status = grant_unmap(v->domain, op.handle, op.host_addr);
    if (rd)
        domain_put(rd);
    return copy_to_guest(v, addr + __builtin_offsetof(struct gnttab_unmap_grant_ref, status),
                         &op.status, sizeof(op.status))
               ? -XEN_EFAULT
               : 0;
}

/* One side of a copy, once acquired. */
struct copy_buf {
    struct domain *d; /* counted */
    bool is_gref;
    bool write;
    grant_ref_t ref;
    struct frame *frame; /* held, or NULL */
};

/* Only DOMID_SELF may name a frame by gmfn; a gref names another domain's
 * (or one's own) entry granted to the caller (as Xen). */
static int16_t copy_lock_domain(struct vcpu *v, const struct gnt_copy_side *s, bool is_gref,
                                struct copy_buf *b)
{
    (void)v;
    b->is_gref = is_gref;
    if (!is_gref && s->domid != DOMID_SELF)
        return GNTST_permission_denied;
    b->d = lookup(s->domid);
    return b->d ? GNTST_okay : GNTST_bad_domain;
}

static int16_t copy_acquire(struct domain *ld, const struct gnt_copy_side *s, struct copy_buf *b)
{
    if (b->is_gref) {
        if (s->ref_or_gmfn > UINT32_MAX)
            return GNTST_bad_gntref;
        b->ref = (grant_ref_t)s->ref_or_gmfn;
        return grant_acquire_for_copy(ld, b->d, b->ref, b->write, &b->frame);
    }
    return physmap_hold_frame(b->d, _gfn(s->ref_or_gmfn), b->write, &b->frame) ? GNTST_bad_page
                                                                               : GNTST_okay;
}

static void copy_release(struct copy_buf *b)
{
    if (b->frame) {
        if (b->is_gref)
            grant_release_copy(b->d, b->ref, b->write, b->frame);
        else
            physmap_release_frame(b->d, b->frame);
    }
    if (b->d)
        domain_put(b->d);
}

static int16_t copy_one(struct vcpu *v, const struct gnt_copy *op)
{
    struct copy_buf src = { .write = false }, dst = { .write = true };
    int16_t st;

    /* Within one page on each side (GNTST_bad_copy_arg), checked first. */
    if ((uint32_t)op->source.offset + op->len > PAGE_SIZE ||
        (uint32_t)op->dest.offset + op->len > PAGE_SIZE)
        return GNTST_bad_copy_arg;
    st = copy_lock_domain(v, &op->source, op->flags & GNTCOPY_source_gref, &src);
    if (!st)
        st = copy_lock_domain(v, &op->dest, op->flags & GNTCOPY_dest_gref, &dst);
    if (!st && XSM_CALL(grant_copy, src.d, dst.d))
        st = GNTST_permission_denied;
    if (!st)
        st = copy_acquire(v->domain, &op->source, &src);
    if (!st)
        st = copy_acquire(v->domain, &op->dest, &dst);
    if (!st && op->len)
        memmove((uint8_t *)frame_to_virt(dst.frame) + op->dest.offset,
                (const uint8_t *)frame_to_virt(src.frame) + op->source.offset, op->len);
    copy_release(&dst);
    copy_release(&src);
    return st;
}

static long copy_batch_one(struct vcpu *v, const struct hypercall_args *a, uint64_t addr)
{
    struct gnt_copy op;

    if (xlat_gnttab_copy_in(v, a, addr, &op))
        return -XEN_EFAULT;
    return xlat_gnttab_copy_status_out(v, a, addr, copy_one(v, &op));
}

/* Run `count` operations of `size` bytes from uop, offering a continuation
 * (uop and count advanced in the argument registers) every
 * GNTTAB_WORK_BUDGET operations or when the scheduler wants the CPU. */
static long batch(struct vcpu *v, const struct hypercall_args *a, unsigned int cmd, uint64_t uop,
                  uint32_t count)
{
    size_t size = cmd == GNTTABOP_map_grant_ref     ? sizeof(struct gnttab_map_grant_ref)
                  : cmd == GNTTABOP_unmap_grant_ref ? sizeof(struct gnttab_unmap_grant_ref)
                                                    : xlat_gnttab_copy_size(a);

    for (uint32_t i = 0; i < count; i++) {
        uint64_t addr = uop + (uint64_t)i * size;
        long rc;

        if (i && (i % GNTTAB_WORK_BUDGET == 0 || sched_preempt_pending()) &&
            guest_reg_fits(a, addr)) {
            hypercall_set_arg(v, 1, addr);
            hypercall_set_arg(v, 2, count - i);
            return HYPERCALL_PREEMPTED;
        }
        if (cmd == GNTTABOP_map_grant_ref)
            rc = map_batch_one(v, addr);
        else if (cmd == GNTTABOP_unmap_grant_ref)
            rc = unmap_batch_one(v, addr);
        else
            rc = copy_batch_one(v, a, addr);
        if (rc)
            return rc;
    }
    return 0;
}

long do_grant_table_op(struct vcpu *v, const struct hypercall_args *a)
{
    unsigned int cmd = (uint32_t)a->arg[0];
    uint64_t uop = a->arg[1];
    uint32_t count = (uint32_t)a->arg[2];

    /* Xen's checks on the call itself: count is an int, the bits above the
     * command carry only cache_flush's continuation. */
    if ((int32_t)count < 0 || (cmd & ~GNTTABOP_CMD_MASK))
        return -XEN_EINVAL;
    switch (cmd) {
    case GNTTABOP_map_grant_ref:
    case GNTTABOP_unmap_grant_ref:
    case GNTTABOP_copy:
        return batch(v, a, cmd, uop, count);
    case GNTTABOP_setup_table:
    case GNTTABOP_query_size:
    case GNTTABOP_set_version:
    case GNTTABOP_get_version:
        if (count != 1)
            return -XEN_EINVAL;
        break;
    default:
        return -XEN_ENOSYS;
    }
    switch (cmd) {
    case GNTTABOP_setup_table:
        return setup_table(v, a, uop);
    case GNTTABOP_query_size:
        return query_size(v, uop);
    case GNTTABOP_set_version:
        return set_version(v, uop);
    default:
        return get_version(v, uop);
    }
}
