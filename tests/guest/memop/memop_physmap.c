/*
 * memory_op's physmap calls on the guest's own physmap: add_to_physmap
 * (shared_info, grant_table, gmfn, gmfn_range), remove_from_physmap and
 * add_to_physmap_batch, with the rules the bug classes of
 * the bug classes of Xen's security history ask for:
 *   - what add_to_physmap replaces is gone (RAM there is freed: current
 *     reservation drops by one);
 *   - XENMAPSPACE_gmfn moves a frame: its contents appear at the new gfn,
 *     the old gfn is empty;
 *   - shared_info and grant frames are never released by
 *     decrease_reservation nor moved by XENMAPSPACE_gmfn;
 *   - removing twice: 0, then -ENOENT; a hypercall buffer in the hole left
 *     is -EFAULT both ways;
 *   - gfns beyond the guest address width are refused, not truncated.
 *
 * Scratch gfns 0x840-0x8ff and 0x1000-0x27ff (RAM), 0x800000 (32 GiB: never
 * RAM).
 * Run under Mica with mem=64M and under Xen 4.17 as PVH dom0.
 */
#include "memop.h"

TEST_NAME("memop_physmap");

#define NO_SUCH_DOMID ((domid_t)0x7FEF)
#define HIGH_GFN 0x800000UL

static int mica;

/*
 * shared_info and grant frames (docs/hypercalls.md, "Where Mica differs"):
 * Mica never releases them with decrease_reservation (0 extents) nor moves
 * them with XENMAPSPACE_gmfn (-EINVAL). Xen 4.17 unmaps them with
 * decrease_reservation (1 extent) and moves them with XENMAPSPACE_gmfn (0).
 * remove_from_physmap of shared_info: 0 in both while Xen's shared_info
 * page is intact; once decrease_reservation has released it, Xen can no
 * longer take it out (-ENOENT): shared_info_released(), run last.
 */
static void shared_info(void)
{
    const unsigned long si = 0x840, si2 = 0x841, moved = 0x842;
    long cur = current_pages();
    long rc;

    /* Mapping shared_info over RAM frees the RAM page that was there. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, si), 0);
    CHECK_EQ(current_pages(), cur - 1);
    /* Mapping it again elsewhere moves it: the first gfn is empty. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, si2), 0);
    CHECK_EQ(current_pages(), cur - 2);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, si), -XEN_ENOENT);
    /* Mapping it where it already is changes nothing. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, si2), 0);
    CHECK_EQ(current_pages(), cur - 2);

    /* shared_info has one index. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 1, moved), -XEN_EINVAL);

    /* Moving it as if it were RAM: Mica -EINVAL; Xen moves it over the RAM
     * at `moved`, which it frees. (Xen: put it back at si2.) */
    rc = add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, si2, moved);
    gprintf("add_to_physmap(gmfn) of shared_info's gfn -> %ld\n", rc);
    if (mica) {
        CHECK_EQ(rc, -XEN_EINVAL);
        CHECK_EQ(current_pages(), cur - 2);
    } else {
        CHECK_EQ(rc, 0);
        CHECK_EQ(current_pages(), cur - 3);
        CHECK_EQ(remove_from_physmap(DOMID_SELF, si2), -XEN_ENOENT);
        CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, si2), 0);
        CHECK_EQ(remove_from_physmap(DOMID_SELF, moved), -XEN_ENOENT);
        CHECK_EQ(populate_one(moved, 0), 1);
        CHECK_EQ(current_pages(), cur - 2);
    }

    /* remove_from_physmap unmaps it (twice: 0, then -ENOENT). */
    rc = remove_from_physmap(DOMID_SELF, si2);
    gprintf("remove_from_physmap of shared_info -> %ld\n", rc);
    CHECK_EQ(rc, 0);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, si2), -XEN_ENOENT);
    CHECK_EQ(current_pages(), cur - 2);
    /* And it can come back into a hole, costing no RAM. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, si), 0);
    CHECK_EQ(current_pages(), cur - 2);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, si), 0);
    CHECK_EQ(populate_one(si, 0), 1);
    CHECK_EQ(populate_one(si2, 0), 1);
    CHECK_EQ(current_pages(), cur);
}

/* decrease_reservation on shared_info. Under Xen this leaves shared_info's
 * page unremovable, so it runs last. */
static void shared_info_released(void)
{
    const unsigned long si = 0x843;
    long cur = current_pages();

    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, si), 0);
    CHECK_EQ(current_pages(), cur - 1);
    /* Mica keeps it (0 extents); Xen unmaps it and counts the extent. */
    long rc = decrease_one(si, 0);
    gprintf("decrease_reservation of shared_info -> %ld\n", rc);
    CHECK_EQ(rc, mica ? 0 : 1);
    CHECK_EQ(current_pages(), cur - 1);
    /* Xen: map it again (into the hole: no RAM freed). */
    if (!mica)
        CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, si), 0);
    CHECK_EQ(current_pages(), cur - 1);
    /* remove_from_physmap: Mica unmaps it (0); Xen -ENOENT. */
    rc = remove_from_physmap(DOMID_SELF, si);
    gprintf("remove_from_physmap of shared_info after decrease_reservation -> %ld\n", rc);
    CHECK_EQ(rc, mica ? 0 : -XEN_ENOENT);
    /* RAM back at si (Xen: over what is still mapped there). */
    CHECK_EQ(populate_one(si, 0), 1);
    CHECK_EQ(current_pages(), cur);
}

static void grant_table(void)
{
    const unsigned long base = 0x850;
    long cur = current_pages();
    long rc;

    for (unsigned int i = 0; i < 4; i++)
        CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, i, base + i), 0);
    CHECK_EQ(current_pages(), cur - 4);
    /* Status frames belong to grant tables v2: refused for v1. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 0 | XENMAPIDX_grant_table_status,
                            base + 8),
             -XEN_EINVAL);
    /* Index 4: beyond Mica's four grant frames; Xen grows the table and
     * maps a fifth over the RAM there. */
    rc = add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 4, base + 4);
    gprintf("add_to_physmap(grant_table, idx 4) -> %ld\n", rc);
    CHECK_EQ(rc, mica ? -XEN_EINVAL : 0);
    CHECK_EQ(current_pages(), mica ? cur - 4 : cur - 5);

    /* decrease_reservation: Mica keeps the grant frame (0 extents), Xen
     * unmaps it (1). */
    rc = decrease_one(base, 0);
    gprintf("decrease_reservation of a grant frame -> %ld\n", rc);
    CHECK_EQ(rc, mica ? 0 : 1);
    /* XENMAPSPACE_gmfn: Mica -EINVAL; Xen moves the grant frame over the
     * RAM at base + 9, which it frees. */
    rc = add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, base + 1, base + 9);
    gprintf("add_to_physmap(gmfn) of a grant frame's gfn -> %ld\n", rc);
    CHECK_EQ(rc, mica ? -XEN_EINVAL : 0);
    CHECK_EQ(current_pages(), mica ? cur - 4 : cur - 6);

    /* remove_from_physmap takes grant frames out (twice: 0, -ENOENT). */
    if (mica) {
        for (unsigned int i = 0; i < 4; i++) {
            CHECK_EQ(remove_from_physmap(DOMID_SELF, base + i), 0);
            CHECK_EQ(remove_from_physmap(DOMID_SELF, base + i), -XEN_ENOENT);
        }
        xen_pfn_t e[4] = { base, base + 1, base + 2, base + 3 };
        CHECK_EQ(memop_reservation(XENMEM_populate_physmap, e, 4, 0, DOMID_SELF), 4);
    } else {
        /* base and base + 1 are empty already. */
        const unsigned long mapped[4] = { base + 2, base + 3, base + 4, base + 9 };
        CHECK_EQ(remove_from_physmap(DOMID_SELF, base), -XEN_ENOENT);
        CHECK_EQ(remove_from_physmap(DOMID_SELF, base + 1), -XEN_ENOENT);
        for (unsigned int i = 0; i < 4; i++) {
            CHECK_EQ(remove_from_physmap(DOMID_SELF, mapped[i]), 0);
            CHECK_EQ(remove_from_physmap(DOMID_SELF, mapped[i]), -XEN_ENOENT);
        }
        xen_pfn_t e[6] = { base, base + 1, base + 2, base + 3, base + 4, base + 9 };
        CHECK_EQ(memop_reservation(XENMEM_populate_physmap, e, 6, 0, DOMID_SELF), 6);
    }
    CHECK_EQ(current_pages(), cur);
}

/* XENMAPSPACE_gmfn moves a frame: contents and all. */
static void gmfn_move(void)
{
    const unsigned long src = 0x860, dst = 0x861, hole = 0x862;
    long cur = current_pages();

    fill_page(src, 0x5ca1ab1e);
    fill_page(dst, 7);
    /* Onto a mapped gfn: dst's old frame is freed. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, src, dst), 0);
    CHECK_EQ(current_pages(), cur - 1);
    CHECK(page_has_pattern(dst, 0x5ca1ab1e));
    CHECK_EQ(remove_from_physmap(DOMID_SELF, src), -XEN_ENOENT);
    CHECK_EQ(decrease_one(src, 0), 0);

    /* Into a hole: nothing freed. */
    CHECK_EQ(decrease_one(hole, 0), 1);
    CHECK_EQ(current_pages(), cur - 2);
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, dst, hole), 0);
    CHECK_EQ(current_pages(), cur - 2);
    CHECK(page_has_pattern(hole, 0x5ca1ab1e));
    /* Back where it started. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, hole, src), 0);
    CHECK(page_has_pattern(src, 0x5ca1ab1e));
    /* Onto itself: nothing changes. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, src, src), 0);
    CHECK(page_has_pattern(src, 0x5ca1ab1e));
    CHECK_EQ(current_pages(), cur - 2);

    /* A hole cannot be moved. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, hole, dst), -XEN_EINVAL);
    CHECK_EQ(populate_one(dst, 0), 1);
    CHECK_EQ(populate_one(hole, 0), 1);
    CHECK_EQ(current_pages(), cur);
}

static void gmfn_range(void)
{
    const unsigned long src = 0x870, dst = 0x878;
    long cur = current_pages();
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF,
        .size = 4,
        .space = XENMAPSPACE_gmfn_range,
        .idx = src,
        .gpfn = dst,
    };

    for (unsigned int i = 0; i < 4; i++)
        fill_page(src + i, 100 + i);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x), 0);
    CHECK_EQ(current_pages(), cur - 4);
    for (unsigned int i = 0; i < 4; i++) {
        CHECK(page_has_pattern(dst + i, 100 + i));
        CHECK_EQ(remove_from_physmap(DOMID_SELF, src + i), -XEN_ENOENT);
    }
    /* size 0 does nothing. */
    x.size = 0;
    x.idx = dst;
    x.gpfn = src;
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x), 0);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, src), -XEN_ENOENT);

    /* A range with a hole in the middle: the pages before it move, then
     * -EINVAL. */
    CHECK_EQ(decrease_one(dst + 2, 0), 1);
    x.size = 4;
    long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
    CHECK_EQ(rc, -XEN_EINVAL);
    CHECK(page_has_pattern(src, 100));
    CHECK(page_has_pattern(src + 1, 101));
    CHECK_EQ(remove_from_physmap(DOMID_SELF, src + 2), -XEN_ENOENT);
    CHECK(page_has_pattern(dst + 3, 103));
    gprintf("gmfn_range stopped at a hole: -> %ld, struct now size %u idx 0x%lx gpfn 0x%lx\n", rc,
            x.size, (unsigned long)x.idx, (unsigned long)x.gpfn);
    /* Mica writes its progress into the structure (2 pages moved, 2 to go);
     * Xen 4.17 leaves it as it was (docs/hypercalls.md, "Where Mica
     * differs"). */
    CHECK_EQ(x.size, mica ? 2 : 4);
    CHECK_EQ(x.idx, mica ? dst + 2 : dst);
    CHECK_EQ(x.gpfn, mica ? src + 2 : src);

    /* Fill every hole again. */
    xen_pfn_t e[4] = { src + 2, src + 3, dst, dst + 1 };
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, e, 4, 0, DOMID_SELF), 4);
    CHECK_EQ(populate_one(dst + 2, 0), 1);
    CHECK_EQ(current_pages(), cur);
}

/*
 * Ranges long enough that the hypervisor preempts them (Mica: every 1024
 * pages), so their continuations are exercised: a 2048-page gmfn_range and
 * a 1536-page add_to_physmap_batch.
 */
#define LONG_SRC 0x1000UL
#define LONG_DST 0x2000UL
#define LONG_RANGE 2048
#define LONG_BATCH 1536

static void long_ranges(void)
{
    static xen_ulong_t idxs[LONG_BATCH];
    static xen_pfn_t gpfns[LONG_BATCH];
    static int errs[LONG_BATCH];
    long cur = current_pages();
    unsigned int bad = 0;

    for (unsigned long i = 0; i < LONG_RANGE; i++)
        *(volatile uint32_t *)gfn_ptr(LONG_SRC + i) = 0xabc00000u + (uint32_t)i;
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF,
        .size = LONG_RANGE,
        .space = XENMAPSPACE_gmfn_range,
        .idx = LONG_SRC,
        .gpfn = LONG_DST,
    };
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x), 0);
    CHECK_EQ(current_pages(), cur - LONG_RANGE);
    for (unsigned long i = 0; i < LONG_RANGE; i++)
        bad += *(volatile uint32_t *)gfn_ptr(LONG_DST + i) != 0xabc00000u + (uint32_t)i;
    CHECK_EQ(bad, 0);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, LONG_SRC), -XEN_ENOENT);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, LONG_SRC + LONG_RANGE - 1), -XEN_ENOENT);

    /* Back with a batch, into the holes: nothing freed. */
    for (unsigned int i = 0; i < LONG_BATCH; i++) {
        idxs[i] = LONG_DST + i;
        gpfns[i] = LONG_SRC + i;
        errs[i] = 99;
    }
    CHECK_EQ(add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn, 0, idxs, gpfns, errs, LONG_BATCH),
             0);
    bad = 0;
    for (unsigned int i = 0; i < LONG_BATCH; i++)
        bad += errs[i] != 0 || *(volatile uint32_t *)gfn_ptr(LONG_SRC + i) != 0xabc00000u + i;
    CHECK_EQ(bad, 0);
    CHECK_EQ(current_pages(), cur - LONG_RANGE);

    /* Holes now: LONG_DST + [0, 1536) and LONG_SRC + [1536, 2048). */
    xen_pfn_t e[4] = { LONG_DST, LONG_DST + 512, LONG_DST + 1024, LONG_SRC + 1536 };
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, e, 4, 9, DOMID_SELF), 4);
    CHECK_EQ(current_pages(), cur);
}

static void remove_twice(void)
{
    const unsigned long gfn = 0x880;
    long cur = current_pages();

    CHECK_EQ(remove_from_physmap(DOMID_SELF, gfn), 0);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, gfn), -XEN_ENOENT);
    /* The hole inside RAM (our page tables still map it): no hypercall
     * buffer there, in either direction. */
    check_buffer_faults((char *)gfn_ptr(gfn) + 100);
    /* The frame stays the domain's, unmapped, and counts against
     * max_pages: a page must go before the gfn can be filled again. */
    CHECK_EQ(current_pages(), cur);
    CHECK_EQ(decrease_one(gfn, 0), 0);
    CHECK_EQ(decrease_one(gfn + 1, 0), 1);
    CHECK_EQ(populate_one(gfn, 0), 1);
    CHECK_EQ(current_pages(), cur);
    /* A gfn that never was RAM. */
    CHECK_EQ(remove_from_physmap(DOMID_SELF, 0x100000), -XEN_ENOENT);
}

static void batch(void)
{
    const unsigned long src = 0x890, dst = 0x898;
    xen_ulong_t idxs[3] = { src, src + 1, 0x100000 };
    xen_pfn_t gpfns[3] = { dst, dst + 1, dst + 2 };
    int errs[3] = { 99, 99, 99 };
    long cur = current_pages();

    fill_page(src, 200);
    fill_page(src + 1, 201);
    /* Per-page results: the third source is not RAM. */
    CHECK_EQ(add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn, 0, idxs, gpfns, errs, 3), 0);
    CHECK_EQ(errs[0], 0);
    CHECK_EQ(errs[1], 0);
    CHECK_EQ(errs[2], -XEN_EINVAL);
    CHECK(page_has_pattern(dst, 200));
    CHECK(page_has_pattern(dst + 1, 201));
    CHECK(!page_has_pattern(dst + 2, 200));
    CHECK_EQ(current_pages(), cur - 2);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, src), -XEN_ENOENT);

    /* Ranges are add_to_physmap's only: -EOPNOTSUPP, as Xen. */
    errs[0] = 99;
    CHECK_EQ(add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn_range, 0, idxs, gpfns, errs, 1),
             -XEN_EOPNOTSUPP);
    CHECK_EQ(errs[0], 99);
    /* res0 must be zero for gmfn: Mica -EINVAL; Xen ignores it and does the
     * page (src is a hole by now: -EINVAL in errs). */
    long rc = add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn, 1, idxs, gpfns, errs, 1);
    gprintf("add_to_physmap_batch(gmfn, res0 = 1) -> %ld, errs[0] %d\n", rc, errs[0]);
    if (mica) {
        CHECK_EQ(rc, -XEN_EINVAL);
        CHECK_EQ(errs[0], 99);
    } else {
        CHECK_EQ(rc, 0);
        CHECK_EQ(errs[0], -XEN_EINVAL);
    }
    CHECK_EQ(current_pages(), cur - 2);

    /* gmfn_foreign from ourselves is refused page by page: Mica -EINVAL,
     * Xen -EPERM. */
    idxs[0] = dst;
    gpfns[0] = src;
    errs[0] = 99;
    CHECK_EQ(add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn_foreign, own_domid(), idxs, gpfns,
                                  errs, 1),
             0);
    gprintf("add_to_physmap_batch(gmfn_foreign from ourselves) -> errs[0] %d\n", errs[0]);
    CHECK_EQ(errs[0], mica ? -XEN_EINVAL : -XEN_EPERM);
    /* From a domain that does not exist: 0, with -ESRCH in every errs entry
     * (Mica as Xen). */
    errs[0] = 99;
    errs[1] = 99;
    gpfns[1] = src + 2;
    rc = add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn_foreign, NO_SUCH_DOMID, idxs, gpfns,
                              errs, 2);
    gprintf("add_to_physmap_batch(gmfn_foreign, domid 0x%x) -> %ld, errs %d %d\n", NO_SUCH_DOMID,
            rc, errs[0], errs[1]);
    CHECK_EQ(rc, 0);
    CHECK_EQ(errs[0], -XEN_ESRCH);
    CHECK_EQ(errs[1], -XEN_ESRCH);
    gpfns[1] = dst + 1;
    CHECK_EQ(remove_from_physmap(DOMID_SELF, src), -XEN_ENOENT);
    CHECK_EQ(current_pages(), cur - 2);

    /* An errs array that cannot be written: -EFAULT (the first page is
     * done by then). */
    idxs[0] = dst;
    gpfns[0] = src;
    rc = add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn, 0, idxs, gpfns,
                              (int *)(uintptr_t)0xC0000000u, 1);
    CHECK_EQ(rc, -XEN_EFAULT);

    xen_pfn_t e[2] = { dst, src + 1 };
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, e, 2, 0, DOMID_SELF), 2);
    CHECK_EQ(current_pages(), cur);
}

static void bad_spaces_and_gfns(void)
{
    const unsigned long gfn = 0x8a0;
    long cur = current_pages();

    CHECK_EQ(add_to_physmap(DOMID_SELF, 99, 0, gfn), -XEN_EINVAL);
    /* Foreign frames only through add_to_physmap_batch: -ENOSYS, as Xen. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_foreign, 0, gfn), -XEN_ENOSYS);
    /* dev_mmio is an Arm space: -EINVAL, as Xen. */
    long rc = add_to_physmap(DOMID_SELF, XENMAPSPACE_dev_mmio, 0, gfn);
    gprintf("add_to_physmap(dev_mmio) -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_EINVAL);
    CHECK_EQ(add_to_physmap(NO_SUCH_DOMID, XENMAPSPACE_shared_info, 0, gfn), -XEN_ESRCH);
    CHECK_EQ(remove_from_physmap(NO_SUCH_DOMID, gfn), -XEN_ESRCH);
    CHECK_EQ(current_pages(), cur);

    /* A high gfn (32 GiB) is fine for a special frame, and maximum_gpfn
     * follows it; it never goes down again. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, HIGH_GFN), 0);
    long top = memop_query(XENMEM_maximum_gpfn, DOMID_SELF);
    gprintf("maximum_gpfn with shared_info at 0x%lx: 0x%lx\n", HIGH_GFN, top);
    CHECK(top >= (long)HIGH_GFN);
    if (mica)
        CHECK_EQ(top, HIGH_GFN);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, HIGH_GFN), 0);
    CHECK_EQ(memop_query(XENMEM_maximum_gpfn, DOMID_SELF), top);

#ifdef __x86_64__
    /* gfns of 2^36 and more (48-bit addresses and up): refused, never
     * truncated to a gfn that exists. Mica -EINVAL, Xen -ENOENT
     * (docs/hypercalls.md, "Where Mica differs"). */
    const long refused = mica ? -XEN_EINVAL : -XEN_ENOENT;
    const unsigned long far = 1UL << 36;
    rc = add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, far);
    gprintf("add_to_physmap(shared_info, gfn 2^36) -> %ld\n", rc);
    CHECK_EQ(rc, refused);
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, far + gfn), refused);
    /* A source gfn there is simply not RAM: -EINVAL in both. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, far + gfn, gfn + 1), -XEN_EINVAL);
    rc = remove_from_physmap(DOMID_SELF, far);
    gprintf("remove_from_physmap(gfn 2^36) -> %ld\n", rc);
    CHECK_EQ(rc, refused);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, far + gfn), refused);
    CHECK_EQ(current_pages(), cur);
    /* Moving gfn's frame there: Mica leaves gfn alone; Xen unmaps gfn first
     * and loses the page (still the domain's: the count stays). */
    rc = add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, gfn, far + gfn);
    gprintf("add_to_physmap(gmfn, to gfn 2^36 + 0x%lx) -> %ld, current %ld (was %ld)\n", gfn, rc,
            current_pages(), cur);
    CHECK_EQ(rc, refused);
    CHECK_EQ(current_pages(), cur);
    /* Mica: gfn is still mapped; remove it (the frame stays counted). */
    CHECK_EQ(remove_from_physmap(DOMID_SELF, gfn), mica ? 0 : -XEN_ENOENT);
    CHECK_EQ(decrease_one(gfn + 1, 0), 1);
    CHECK_EQ(populate_one(gfn, 0), 1);
#endif
    CHECK_EQ(current_pages(), cur);
}

void test_main(void)
{
    mica = running_on_mica();
    gprintf("running on %s\n", mica ? "Mica" : "Xen");
    if (!gfns_are_ram(0x800, 0x2000))
        guest_test_abort("gfns 0x800-0x27ff are not all RAM: run with mem=64M");

    shared_info();
    grant_table();
    gmfn_move();
    gmfn_range();
    long_ranges();
    remove_twice();
    batch();
    bad_spaces_and_gfns();
    shared_info_released(); /* last: see there */
}
