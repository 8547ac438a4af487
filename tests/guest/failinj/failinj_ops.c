/*
 * Hypercalls under injected allocation failures (Mica booted with
 * fail-alloc=...,from:run; docs/reliability.md): every call that needs
 * memory either succeeds or fails with exactly Xen's answer for no memory,
 * and a call that failed changed nothing the guest can see. Each call is
 * retried (up to ATTEMPTS times) until it succeeds, checking after every
 * refusal; a call the plan never lets through (fail-alloc=every:1) is
 * reported and its follow-ups skipped. The role comes after " -- ":
 *
 *   role=ops      (d0, privileged, mem=64M, vcpus=2)
 *     - decrease_reservation of one page of a 2 MiB superpage (the split
 *       needs a table page): 1 extent, or 0 with the reservation and the
 *       page's contents unchanged;
 *     - populate_physmap of that hole and of a whole 2 MiB hole, and
 *       increase_reservation: 1 extent, or 0 with the reservation unchanged
 *       and the gfns still holes;
 *     - add_to_physmap moving a page between two superpages (two splits),
 *       and mapping shared_info over a page of a superpage: 0, or -ENOMEM
 *       with both gfns' contents and the reservation unchanged;
 *     - remove_from_physmap of a page of a superpage: 0 or -ENOMEM, the page
 *       still there;
 *     - event channels beyond the first bucket of ports (alloc_unbound and
 *       bind_ipi): the next port, or -ENOMEM with no port used up;
 *     - (64-bit) VCPUOP_initialise of vCPU 1: 0, or -ENOMEM with the vCPU
 *       still uninitialised (VCPUOP_up -EINVAL); once it is, it runs;
 *     - map_grant_ref of d1's grants into holes that need a new p2m table
 *       (the first map also needs the handle table): GNTST_okay, or
 *       GNTST_general_error / GNTST_no_device_space with the hole still a
 *       hole; each mapping shows d1's page and unmaps.
 *   role=granter  (d1) maps its grant table, grants NR_GRANTS pages to d0
 *     and waits until d0 has marked each through its mapping (or, where the
 *     plan refused every map, by a grant copy); then no entry may be left
 *     with GTF_reading or GTF_writing. If it cannot map its own grant table
 *     it grants nothing and powers off, which d0 sees.
 *
 * "ops" prints "failinj: N calls, M refused (P after doing part)": M is
 * what the plan refused, P the refusals of a batch, range or list of
 * extents that did some of its work first.
 */
#include "../gnttab/gnttab.h"
#include "args.h"
#include "evtchn.h"

TEST_NAME("failinj_ops");

#define OPS 0
#define GRANTER 1

#define ATTEMPTS 64         /* tries of one call before the plan is deemed to refuse it always */
#define SP 512UL            /* pages in a 2 MiB superpage */
#define NR_GRANTS 4         /* pages the granter grants */
#define GT_GFN 0x880UL      /* where the granter maps its grant table */
#define GRANT_GFN 0x900     /* the granter's granted pages: GRANT_GFN + ref */
#define MAP_GFN 0x5000      /* the mapper's holes, beyond its RAM: MAP_GFN + ref * SP */
#define SCATTER_GFN 0x5800  /* more holes beyond its RAM, one per 2 MiB */
#define FOREIGN_GFN 0x2A05  /* pages of its RAM in unsplit superpages: + ref * SP */
#define MARK 0x600DCAFEu    /* d0 wrote this through its mapping */
#define SKIPPED 0x5C1BB0EDu /* d0 could not map it: written by a grant copy */
#define WAIT_BLOCKS 3000    /* 30 s of 10 ms scheduler ticks */
#define NR_PORTS 200        /* three buckets of 64 ports, and some */
#define SCRATCH_GFN 0x600   /* a page of ours the readiness probe copies into */

static unsigned int calls, refused, partial; /* partial: refused after doing part */

/* One call's outcome: counts it, and a refusal. */
static int counted(int ok)
{
    calls++;
    if (!ok)
        refused++;
    return ok;
}

/* Is gfn mapped? A memory_op that reads its argument from gfn says: the
 * argument's copy fails with -EFAULT exactly when nothing is mapped there. */
static int mapped(unsigned long gfn)
{
    return HYPERVISOR_memory_op(XENMEM_current_reservation, gfn_ptr(gfn)) != -XEN_EFAULT;
}

/* ---- memory_op ---------------------------------------------------------------- */

/* decrease_reservation of gfn, one page of an unsplit superpage: the split
 * needs a table page. 1 when the page is gone. */
static int decrease_split(unsigned long gfn)
{
    fill_page(gfn, (uint32_t)gfn);
    fill_page(gfn + 1, (uint32_t)gfn + 1);
    for (unsigned int i = 0; i < ATTEMPTS; i++) {
        long cur = current_pages(), rc = decrease_one(gfn, 0);

        if (counted(rc == 1)) {
            CHECK_EQ(current_pages(), cur - 1);
            CHECK(!mapped(gfn));
            CHECK(page_has_pattern(gfn + 1, (uint32_t)gfn + 1));
            return 1;
        }
        CHECK_EQ(rc, 0);
        CHECK_EQ(current_pages(), cur);
        CHECK(page_has_pattern(gfn, (uint32_t)gfn));
        CHECK(page_has_pattern(gfn + 1, (uint32_t)gfn + 1));
    }
    return 0;
}

/* populate_physmap of 2^order pages at the hole gfn: 1 when they are there. */
static int populate(unsigned long gfn, unsigned int order)
{
    unsigned long last = gfn + (1UL << order) - 1;

    for (unsigned int i = 0; i < ATTEMPTS; i++) {
        long cur = current_pages(), rc = populate_one(gfn, order);

        if (counted(rc == 1)) {
            CHECK_EQ(current_pages(), cur + (1L << order));
            CHECK(page_is_zero(gfn));
            CHECK(page_is_zero(last));
            return 1;
        }
        CHECK_EQ(rc, 0);
        CHECK_EQ(current_pages(), cur);
        CHECK(!mapped(gfn));
        CHECK(!mapped(last));
    }
    return 0;
}

/* increase_reservation of one page: 1 when the reservation grew. */
static int increase(void)
{
    for (unsigned int i = 0; i < ATTEMPTS; i++) {
        long cur = current_pages();
        long rc = memop_reservation(XENMEM_increase_reservation, NULL, 1, 0, DOMID_SELF);

        if (counted(rc == 1)) {
            CHECK_EQ(current_pages(), cur + 1);
            return 1;
        }
        CHECK_EQ(rc, 0);
        CHECK_EQ(current_pages(), cur);
    }
    return 0;
}

/* add_to_physmap(gmfn) of from to to, both pages of unsplit superpages. */
static int move_page(unsigned long from, unsigned long to)
{
    fill_page(from, 0xF00D);
    fill_page(to, 0xBEEF);
    for (unsigned int i = 0; i < ATTEMPTS; i++) {
        long cur = current_pages(), rc = add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, from, to);

        if (counted(rc == 0)) {
            CHECK_EQ(current_pages(), cur - 1); /* the RAM at `to` is freed */
            CHECK(page_has_pattern(to, 0xF00D));
            CHECK(!mapped(from));
            return 1;
        }
        CHECK_EQ(rc, -XEN_ENOMEM);
        CHECK_EQ(current_pages(), cur);
        CHECK(page_has_pattern(from, 0xF00D));
        CHECK(page_has_pattern(to, 0xBEEF));
    }
    return 0;
}

/* add_to_physmap(shared_info) over gfn, a page of an unsplit superpage. */
static int map_shared_info(unsigned long gfn)
{
    fill_page(gfn, 0x5A5A);
    for (unsigned int i = 0; i < ATTEMPTS; i++) {
        long cur = current_pages(),
             rc = add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, gfn);

        if (counted(rc == 0)) {
            CHECK_EQ(current_pages(), cur - 1);
            CHECK(!page_has_pattern(gfn, 0x5A5A));
            return 1;
        }
        CHECK_EQ(rc, -XEN_ENOMEM);
        CHECK_EQ(current_pages(), cur);
        CHECK(page_has_pattern(gfn, 0x5A5A));
    }
    return 0;
}

/* remove_from_physmap of gfn, a page of an unsplit superpage. */
static int remove_page(unsigned long gfn)
{
    fill_page(gfn, 0xDEAD);
    for (unsigned int i = 0; i < ATTEMPTS; i++) {
        long cur = current_pages(), rc = remove_from_physmap(DOMID_SELF, gfn);

        if (counted(rc == 0)) {
            CHECK_EQ(current_pages(), cur); /* the frame stays the domain's */
            CHECK(!mapped(gfn));
            return 1;
        }
        CHECK_EQ(rc, -XEN_ENOMEM);
        CHECK_EQ(current_pages(), cur);
        CHECK(page_has_pattern(gfn, 0xDEAD));
    }
    return 0;
}

/* populate_physmap of NR_SCATTERED extents of one page, each beyond RAM in
 * its own 2 MiB region (a new table page each): the call ends at the first
 * extent refused and returns how many were done; exactly those are there. */
#define NR_SCATTERED 4
static int populate_scattered(void)
{
    xen_pfn_t gfns[NR_SCATTERED];
    unsigned int done = 0;

    for (unsigned int i = 0; i < NR_SCATTERED; i++)
        gfns[i] = SCATTER_GFN + i * SP;
    for (unsigned int i = 0; i < ATTEMPTS && done < NR_SCATTERED; i++) {
        long cur = current_pages();
        long rc = memop_reservation(XENMEM_populate_physmap, gfns + done, NR_SCATTERED - done, 0,
                                    DOMID_SELF);

        CHECK(rc >= 0 && rc <= (long)(NR_SCATTERED - done));
        if (rc < 0)
            return 0;
        counted(rc == (long)(NR_SCATTERED - done));
        partial += rc > 0 && rc < (long)(NR_SCATTERED - done);
        CHECK_EQ(current_pages(), cur + rc);
        done += (unsigned int)rc;
        for (unsigned int k = 0; k < NR_SCATTERED; k++)
            CHECK(mapped(gfns[k]) == (k < done));
    }
    return done == NR_SCATTERED;
}

/* add_to_physmap(gmfn_range) of RANGE pages that cross a superpage
 * boundary on both sides, so the pages after the boundary need splits of
 * their own: refused there, the call returns -ENOMEM with its progress in
 * the structure (idx, gpfn and size moved on past the pages done); those
 * pages are moved, the others untouched. Reissued with what is left. */
#define RANGE 4
static int move_range(unsigned long from, unsigned long to)
{
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_gmfn_range,
        .idx = from,
        .gpfn = to,
        .size = RANGE,
    };
    unsigned int left = RANGE;

    for (unsigned int k = 0; k < RANGE; k++) {
        fill_page(from + k, 0x1000 + k);
        fill_page(to + k, 0x2000 + k);
    }
    for (unsigned int i = 0; i < ATTEMPTS && left; i++) {
        long cur = current_pages(), rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
        unsigned int moved = left;

        if (!counted(rc == 0)) {
            CHECK_EQ(rc, -XEN_ENOMEM);
            moved = left - x.size;
            partial += moved > 0;
            CHECK_EQ(x.idx, from + RANGE - x.size);
            CHECK_EQ(x.gpfn, to + RANGE - x.size);
        }
        left -= moved;
        CHECK_EQ(current_pages(), cur - moved); /* the RAM at `to` is freed */
        for (unsigned int k = 0; k < RANGE; k++) {
            if (k < RANGE - left) {
                CHECK(page_has_pattern(to + k, 0x1000 + k));
                CHECK(!mapped(from + k));
            } else {
                CHECK(page_has_pattern(from + k, 0x1000 + k));
                CHECK(page_has_pattern(to + k, 0x2000 + k));
            }
        }
    }
    return left == 0;
}

static void report(const char *what, int done)
{
    if (!done)
        gprintf("%s: refused %u times in a row, skipped\n", what, ATTEMPTS);
}

static void memory(void)
{
    static const unsigned long splits[] = { 0x800, 0xA00, 0xC00 };
    int holes[3];

    /* Holes in three superpages, then filled again. */
    for (unsigned int i = 0; i < 3; i++) {
        holes[i] = decrease_split(splits[i] + 5);
        report("decrease_reservation", holes[i]);
    }
    for (unsigned int i = 0; i < 3; i++) {
        if (holes[i])
            report("populate_physmap", populate(splits[i] + 5, 0));
    }
    /* A whole superpage given back (no split: no allocation), then
     * populated again as one extent of order 9, then room for one more page. */
    CHECK_EQ(decrease_one(0x1000, 9), 1);
    CHECK_EQ(decrease_one(0x2000, 9), 1);
    CHECK(!mapped(0x1000) && !mapped(0x1000 + SP - 1));
    report("populate_physmap of order 9", populate(0x1000, 9));
    report("increase_reservation", increase());

    report("add_to_physmap(gmfn)", move_page(0x1205, 0x1405));
    report("add_to_physmap(shared_info)", map_shared_info(0x1605));
    report("remove_from_physmap", remove_page(0x1805));
    report("populate_physmap of scattered extents", populate_scattered());
    report("add_to_physmap(gmfn_range)", move_range(0x23FE, 0x27FE));
}

/* ---- event channels ---------------------------------------------------------------- */

/* Ports beyond the first bucket: each new bucket is an allocation. */
static void ports(void)
{
    static long port[NR_PORTS];
    unsigned int n = 0;

    for (; n < NR_PORTS; n++) {
        long expected = n ? port[n - 1] + 1 : 0;
        int done = 0;

        for (unsigned int i = 0; i < ATTEMPTS && !done; i++) {
            long rc = n % 2 ? evtchn_bind_ipi(0) : evtchn_alloc_unbound(DOMID_SELF, DOMID_SELF);

            if (counted(rc > 0)) {
                /* Ports are handed out lowest first: none was used up. */
                if (n)
                    CHECK_EQ(rc, expected);
                port[n] = rc;
                done = 1;
            } else {
                struct evtchn_status st;
                long status;

                CHECK_EQ(rc, -XEN_ENOMEM);
                /* The port it would have been is not in use. */
                status = n ? evtchn_status(DOMID_SELF, (evtchn_port_t)expected, &st) : -XEN_EINVAL;
                CHECK(status == -XEN_EINVAL || (status == 0 && st.status == EVTCHNSTAT_closed));
            }
        }
        if (!done) {
            gprintf("event channel port %u: refused %u times in a row, stopped\n", n, ATTEMPTS);
            break;
        }
    }
    gprintf("event channels: %u ports, up to port %ld\n", n, n ? port[n - 1] : 0);
    while (n--)
        CHECK_EQ(evtchn_close((evtchn_port_t)port[n]), 0);
}

/* ---- vCPUs ---------------------------------------------------------------------------- */

#ifdef __x86_64__
static volatile int vcpu1_ran;
static uint8_t vcpu1_stack[8192] __attribute__((aligned(16)));

static void vcpu1_main(unsigned int id)
{
    (void)id;
    vcpu1_ran = 1;
}

static void vcpus(void)
{
    struct vcpu_hvm_context ctx;

    for (unsigned int i = 0; i < ATTEMPTS; i++) {
        long rc;

        guest_vcpu_context(&ctx, 1, vcpu1_main, vcpu1_stack + sizeof(vcpu1_stack));
        rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx);
        if (counted(rc == 0)) {
            CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), 0);
            for (unsigned int w = 0; w < WAIT_BLOCKS && !vcpu1_ran; w++)
                HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
            CHECK(vcpu1_ran);
            return;
        }
        CHECK_EQ(rc, -XEN_ENOMEM);
        CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
        CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL); /* still uninitialised */
    }
    report("VCPUOP_initialise", 0);
}
#endif

/* ---- grants ------------------------------------------------------------------------------ */

/* Has d1 written its grants? A copy through its last one succeeds (copies
 * allocate nothing). 0 also when d1 has gone (it could not map its table). */
static int granter_ready(void)
{
    for (unsigned int i = 0; i < WAIT_BLOCKS; i++) {
        int16_t st = gnt_copy(GRANTER, NR_GRANTS - 1, 0, DOMID_SELF, SCRATCH_GFN, 0, 4,
                              GNTCOPY_source_gref);
        if (st == GNTST_okay)
            return 1;
        if (st == GNTST_bad_domain)
            return 0;
        gnt_block();
    }
    return 0;
}

/* Map d1's ref at a hole that needs a new p2m table (the first map also
 * needs the handle table) and mark d1's page through the mapping. */
static int map_grant(grant_ref_t ref)
{
    unsigned long gfn = MAP_GFN + ref * SP;

    for (unsigned int i = 0; i < ATTEMPTS; i++) {
        grant_handle_t h = 0;
        int16_t st = gnt_map(GRANTER, ref, gfn, GNTMAP_host_map, &h);

        if (counted(st == GNTST_okay)) {
            CHECK(page_has_pattern(gfn, GRANT_GFN + ref));
            *(volatile uint32_t *)gfn_ptr(gfn) = MARK;
            CHECK_EQ(gnt_unmap(h, gfn), GNTST_okay);
            CHECK(!mapped(gfn));
            return 1;
        }
        /* Xen's statuses: no handle, or no p2m memory for the mapping. */
        CHECK(st == GNTST_no_device_space || st == GNTST_general_error);
        CHECK(!mapped(gfn));
    }
    return 0;
}

/* add_to_physmap_batch(gmfn_foreign) of d1's granted pages over pages of
 * ours in unsplit superpages: the call succeeds and each page's errs entry
 * is 0 or -ENOMEM; a refused page keeps our own contents, a mapped one
 * shows d1's and is removed again (a 4 KiB entry: no memory needed). */
static int map_foreign(void)
{
    xen_ulong_t idxs[NR_GRANTS];
    xen_pfn_t gpfns[NR_GRANTS];
    int errs[NR_GRANTS], left = NR_GRANTS;

    for (unsigned int k = 0; k < NR_GRANTS; k++) {
        idxs[k] = GRANT_GFN + k;
        gpfns[k] = FOREIGN_GFN + k * SP;
        fill_page(gpfns[k], 0x3000 + k);
    }
    for (unsigned int i = 0; i < ATTEMPTS && left; i++) {
        for (unsigned int k = 0; k < NR_GRANTS; k++)
            errs[k] = 99;
        CHECK_EQ(add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn_foreign, GRANTER, idxs, gpfns,
                                      errs, (unsigned int)left),
                 0);
        for (int k = 0; k < left; k++) {
            if (counted(errs[k] == 0)) {
                CHECK(page_has_pattern(gpfns[k], (uint32_t)idxs[k]));
                CHECK_EQ(remove_from_physmap(DOMID_SELF, gpfns[k]), 0);
                CHECK(!mapped(gpfns[k]));
            } else {
                CHECK_EQ(errs[k], -XEN_ENOMEM);
                CHECK(page_has_pattern(gpfns[k], 0x3000 + (gpfns[k] - FOREIGN_GFN) / SP));
            }
        }
        /* Keep the refused ones, in order, for the next try. */
        int kept = 0;
        for (int k = 0; k < left; k++) {
            if (errs[k]) {
                idxs[kept] = idxs[k];
                gpfns[kept++] = gpfns[k];
            }
        }
        partial += kept > 0 && kept < left;
        left = kept;
    }
    return left == 0;
}

static void grants(void)
{
    if (!granter_ready()) {
        gprintf("map_grant_ref: d1 granted nothing, skipped\n");
        return;
    }
    report("add_to_physmap_batch(gmfn_foreign)", map_foreign());
    for (grant_ref_t ref = 0; ref < NR_GRANTS; ref++) {
        uint32_t skip = SKIPPED;

        if (map_grant(ref))
            continue;
        report("map_grant_ref", 0);
        /* Tell d1 not to wait for this one: a copy allocates nothing. */
        CHECK_EQ(gnt_copy(DOMID_SELF, (uintptr_t)&skip >> 12, (uintptr_t)&skip & 0xFFF, GRANTER,
                          ref, 0, 4, GNTCOPY_dest_gref),
                 GNTST_okay);
    }
}

static void ops(void)
{
    memory();
    ports();
#ifdef __x86_64__
    vcpus();
#endif
    grants();
    gprintf("failinj: %u calls, %u refused (%u after doing part)\n", calls, refused, partial);
}

/* ---- the granter ------------------------------------------------------------------------- */

static void granter(void)
{
    volatile struct grant_entry_v1 *e = gnt_entries(GT_GFN);
    unsigned int marked = 0, skipped = 0, i;
    long rc = -XEN_ENOMEM;

    for (i = 0; i < ATTEMPTS && rc; i++) {
        rc = add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 0, GT_GFN);
        CHECK(rc == 0 || rc == -XEN_ENOMEM);
    }
    if (rc) {
        gprintf("granter: the grant table could not be mapped, nothing granted\n");
        return;
    }
    for (grant_ref_t ref = 0; ref < NR_GRANTS; ref++) {
        fill_page(GRANT_GFN + ref, GRANT_GFN + ref);
        gnt_grant(e, ref, OPS, GRANT_GFN + ref, 0);
    }
    /* d0 marks each page through its mapping (then unmaps it), or marks it
     * skipped by a copy. */
    for (i = 0; i < WAIT_BLOCKS && marked + skipped < NR_GRANTS; i++) {
        marked = skipped = 0;
        for (grant_ref_t ref = 0; ref < NR_GRANTS; ref++) {
            uint32_t word = *(volatile uint32_t *)gfn_ptr(GRANT_GFN + ref);
            marked += word == MARK;
            skipped += word == SKIPPED;
        }
        if (marked + skipped < NR_GRANTS)
            gnt_block();
    }
    CHECK_EQ(marked + skipped, NR_GRANTS);
    gprintf("granter: %u of %u pages mapped and marked by d0\n", marked, NR_GRANTS);
    /* Whatever d0 managed, no pin is left behind: its maps that failed took
     * none, its mappings are gone. (A mapping of the last page may still be
     * on its way out: wait for the flags.) */
    for (grant_ref_t ref = 0; ref < NR_GRANTS; ref++) {
        for (i = 0; i < WAIT_BLOCKS && (gnt_flags(e, ref) & (GTF_reading | GTF_writing)); i++)
            gnt_block();
        CHECK(!(gnt_flags(e, ref) & (GTF_reading | GTF_writing)));
        CHECK(gnt_revoke(e, ref));
    }
}

void test_main(void)
{
    GUEST_PLAY_ROLE({ "ops", ops }, { "granter", granter });
}
