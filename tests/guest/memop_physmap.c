/*
 * memory_op's physmap calls on the guest's own physmap: add_to_physmap
 * (shared_info, grant_table, gmfn, gmfn_range), remove_from_physmap and
 * add_to_physmap_batch, with the rules the bug classes of
 * shared/notes/lessons.md ask for:
 *   - what add_to_physmap replaces is gone (RAM there is freed: current
 *     reservation drops by one);
 *   - XENMAPSPACE_gmfn moves a frame: its contents appear at the new gfn,
 *     the old gfn is empty;
 *   - shared_info and grant frames are never released by
 *     decrease_reservation nor moved by XENMAPSPACE_gmfn;
 *   - removing twice: 0, then -ENOENT;
 *   - gfns beyond the guest address width are refused, not truncated.
 *
 * Scratch gfns 0x840-0x8ff (RAM), 0x800000 (32 GiB: never RAM).
 * Run under Mica with mem=64M and under Xen 4.17 as PVH dom0.
 */
#include "memop.h"

TEST_NAME("memop_physmap");

#define NO_SUCH_DOMID ((domid_t)0x7FEF)
#define HIGH_GFN 0x800000UL

static int mica;

static void shared_info(void)
{
    const unsigned long si = 0x840, si2 = 0x841, moved = 0x842;
    long cur = current_pages();

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

    /* It cannot be released, nor moved as if it were RAM. */
    CHECK_EQ(decrease_one(si2, 0), 0);
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, si2, moved), -XEN_EINVAL);
    CHECK_EQ(current_pages(), cur - 2);

    /* shared_info has one index. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 1, moved), -XEN_EINVAL);

    /* remove_from_physmap unmaps it (twice: 0, then -ENOENT). */
    CHECK_EQ(remove_from_physmap(DOMID_SELF, si2), 0);
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

static void grant_table(void)
{
    const unsigned long base = 0x850;
    long cur = current_pages();

    for (unsigned int i = 0; i < 4; i++)
        CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, i, base + i), 0);
    CHECK_EQ(current_pages(), cur - 4);
    /* Status frames belong to grant tables v2: refused for v1. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table,
                            0 | XENMAPIDX_grant_table_status, base + 8), -XEN_EINVAL);
    /* Index 4: beyond Mica's four grant frames. */
    long rc = add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 4, base + 4);
    gprintf("add_to_physmap(grant_table, idx 4) -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_EINVAL);
    CHECK_EQ(current_pages(), cur - 4);

    /* Grant frames are not released by decrease_reservation, not moved as
     * RAM; remove_from_physmap takes them out. */
    CHECK_EQ(decrease_one(base, 0), 0);
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, base + 1, base + 9), -XEN_EINVAL);
    for (unsigned int i = 0; i < 4; i++) {
        CHECK_EQ(remove_from_physmap(DOMID_SELF, base + i), 0);
        CHECK_EQ(remove_from_physmap(DOMID_SELF, base + i), -XEN_ENOENT);
    }
    xen_pfn_t e[4] = { base, base + 1, base + 2, base + 3 };
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, e, 4, 0, DOMID_SELF), 4);
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
        .domid = DOMID_SELF, .size = 4, .space = XENMAPSPACE_gmfn_range,
        .idx = src, .gpfn = dst,
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
    gprintf("gmfn_range stopped at a hole: -> %ld, struct now size %u idx 0x%lx gpfn 0x%lx\n",
            rc, x.size, (unsigned long)x.idx, (unsigned long)x.gpfn);

    /* Fill every hole again. */
    xen_pfn_t e[4] = { src + 2, src + 3, dst, dst + 1 };
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, e, 4, 0, DOMID_SELF), 4);
    CHECK_EQ(populate_one(dst + 2, 0), 1);
    CHECK_EQ(current_pages(), cur);
}

static void remove_twice(void)
{
    const unsigned long gfn = 0x880;
    long cur = current_pages();

    CHECK_EQ(remove_from_physmap(DOMID_SELF, gfn), 0);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, gfn), -XEN_ENOENT);
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

    /* Ranges are add_to_physmap's only; res0 must be zero for gmfn. */
    CHECK_EQ(add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn_range, 0, idxs, gpfns, errs, 1),
             -XEN_EINVAL);
    long rc = add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn, 1, idxs, gpfns, errs, 1);
    gprintf("add_to_physmap_batch(gmfn, res0 = 1) -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_EINVAL);

    /* gmfn_foreign from ourselves is refused page by page. */
    idxs[0] = dst;
    gpfns[0] = src;
    errs[0] = 99;
    CHECK_EQ(add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn_foreign, own_domid(), idxs,
                                  gpfns, errs, 1), 0);
    CHECK_EQ(errs[0], -XEN_EINVAL);
    /* From a domain that does not exist. */
    errs[0] = 99;
    rc = add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn_foreign, NO_SUCH_DOMID, idxs, gpfns,
                              errs, 1);
    gprintf("add_to_physmap_batch(gmfn_foreign, domid 0x%x) -> %ld, errs[0] %d\n", NO_SUCH_DOMID,
            rc, errs[0]);
    CHECK_EQ(rc, -XEN_ESRCH);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, src), -XEN_ENOENT);

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
    /* Foreign frames only through add_to_physmap_batch. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_foreign, 0, gfn), -XEN_EINVAL);
    long rc = add_to_physmap(DOMID_SELF, XENMAPSPACE_dev_mmio, 0, gfn);
    gprintf("add_to_physmap(dev_mmio) -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_EOPNOTSUPP);
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
     * truncated to a gfn that exists. */
    const unsigned long far = 1UL << 36;
    rc = add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, far);
    gprintf("add_to_physmap(shared_info, gfn 2^36) -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_EINVAL);
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, far + gfn), -XEN_EINVAL);
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, far + gfn, gfn + 1), -XEN_EINVAL);
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, gfn, far + gfn), -XEN_EINVAL);
    rc = remove_from_physmap(DOMID_SELF, far);
    gprintf("remove_from_physmap(gfn 2^36) -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_EINVAL);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, far + gfn), -XEN_EINVAL);
    /* gfn itself is untouched by all of that. */
    CHECK_EQ(remove_from_physmap(DOMID_SELF, gfn), 0);
    CHECK_EQ(decrease_one(gfn + 1, 0), 1);
    CHECK_EQ(populate_one(gfn, 0), 1);
#endif
    CHECK_EQ(current_pages(), cur);
}

void test_main(void)
{
    mica = running_on_mica();
    gprintf("running on %s\n", mica ? "Mica" : "Xen");
    if (!gfns_are_ram(0x800, 0x800))
        guest_test_abort("gfns 0x800-0xfff are not all RAM: run with mem=64M");

    shared_info();
    grant_table();
    gmfn_move();
    gmfn_range();
    remove_twice();
    batch();
    bad_spaces_and_gfns();
}
