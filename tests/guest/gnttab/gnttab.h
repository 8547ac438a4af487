/*
 * Helpers shared by the grant-table test guests (tests/guest/gnttab/): typed
 * wrappers over HYPERVISOR_grant_table_op, the guest's own grant entries,
 * and the memory_op calls they need. Static inline: each guest stays one
 * translation unit.
 */
#ifndef GUEST_GNTTAB_H
#define GUEST_GNTTAB_H

#include "../memop/memop.h"

/* One map_grant_ref: its status; *handle on success. The hypercall's own
 * result must be 0 (checked here). */
static inline int16_t gnt_map(domid_t dom, grant_ref_t ref, unsigned long gfn, uint32_t flags,
                              grant_handle_t *handle)
{
    struct gnttab_map_grant_ref op = {
        .host_addr = (uint64_t)gfn * PAGE_SIZE,
        .flags = flags,
        .ref = ref,
        .dom = dom,
        .status = 99,
    };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);

    CHECK_EQ(rc, 0);
    if (handle)
        *handle = op.handle;
    return op.status;
}

static inline int16_t gnt_unmap(grant_handle_t handle, unsigned long gfn)
{
    struct gnttab_unmap_grant_ref op = {
        .host_addr = (uint64_t)gfn * PAGE_SIZE,
        .handle = handle,
        .status = 99,
    };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);

    CHECK_EQ(rc, 0);
    return op.status;
}

/* One side of a copy: a gref, or a gmfn. */
static inline void gnt_copy_side(struct gnttab_copy_ptr *p, int is_gref, unsigned long v,
                                 domid_t dom, uint16_t off)
{
    if (is_gref)
        p->u.ref = (grant_ref_t)v;
    else
        p->u.gmfn = v;
    p->domid = dom;
    p->offset = off;
}

/* One copy: its status. src/dst are a gref (with the _gref flag) or a gmfn. */
static inline int16_t gnt_copy(domid_t sdom, unsigned long src, uint16_t soff, domid_t ddom,
                               unsigned long dst, uint16_t doff, uint16_t len, uint16_t flags)
{
    struct gnttab_copy op = { .len = len, .flags = flags, .status = 99 };

    gnt_copy_side(&op.source, flags & GNTCOPY_source_gref, src, sdom, soff);
    gnt_copy_side(&op.dest, flags & GNTCOPY_dest_gref, dst, ddom, doff);
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_copy, &op, 1), 0);
    return op.status;
}

/* This guest's grant table, mapped at gfn (its frame 0 and following). */
static inline volatile struct grant_entry_v1 *gnt_entries(unsigned long gfn)
{
    return gfn_ptr(gfn);
}

/* Grant ref to domid: frame, then (after a barrier) flags, as Linux does. */
static inline void gnt_grant(volatile struct grant_entry_v1 *e, grant_ref_t ref, domid_t domid,
                             unsigned long frame, int readonly)
{
    e[ref].domid = domid;
    e[ref].frame = (uint32_t)frame;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    e[ref].flags = (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0));
}

static inline uint16_t gnt_flags(volatile struct grant_entry_v1 *e, grant_ref_t ref)
{
    return __atomic_load_n(&e[ref].flags, __ATOMIC_ACQUIRE);
}

/* Revoke ref as a granter must: flags to 0 only while Mica does not use it
 * (GTF_reading/GTF_writing clear). 1 if revoked. */
static inline int gnt_revoke(volatile struct grant_entry_v1 *e, grant_ref_t ref)
{
    uint16_t old = gnt_flags(e, ref);

    if (old & (GTF_reading | GTF_writing))
        return 0;
    return __atomic_compare_exchange_n(&e[ref].flags, &old, 0, 0, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE);
}

/* query_size of dom: the status; the sizes in *nr, *max. */
static inline int16_t gnt_query_size(domid_t dom, uint32_t *nr, uint32_t *max)
{
    struct gnttab_query_size q = { .dom = dom, .status = 99 };

    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1), 0);
    if (nr)
        *nr = q.nr_frames;
    if (max)
        *max = q.max_nr_frames;
    return q.status;
}

/* Sleep until the next scheduler tick. */
static inline void gnt_block(void)
{
    HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

#endif /* GUEST_GNTTAB_H */
