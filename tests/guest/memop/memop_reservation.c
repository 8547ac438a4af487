/*
 * memory_op's reservation calls on the guest's own memory:
 * increase_reservation, decrease_reservation, populate_physmap.
 *
 * Each returns the number of extents done (an extent that fails, or an
 * element of the extent array that cannot be read, ends the call there);
 * the high bits of the command are the extent to start from.
 *
 * Scratch gfns (RAM in both hypervisors' layouts; the image and its page
 * tables sit near 1 MiB):
 *   0x800-0x9ff   single pages          0xa00-0xabf  orders 4 and 5
 *   0xc00-0xfff   order 9               0x1000-0x1fff order 12 (privileged)
 *   0x2000-0x200b max_pages             0x2000-0x3fff order above the maximum
 * Run under Mica with mem=128M (priv or no-priv: the last page of RAM below
 * 4 GiB holds the ACPI tables, so 64M would end the scratch range there) and
 * under Xen 4.17 as PVH dom0 (tools/test-xen.sh).
 */
#include "memop.h"

TEST_NAME("memop_reservation");

#define NO_SUCH_DOMID ((domid_t)0x7FEF)

static int mica;

/* The largest extent order this domain may use: Mica 12 privileged, 9
 * otherwise (mm/p2m/physmap.c); Xen 4.17 gives its dom0 (a control domain)
 * CONFIG_CTLDOM_MAX_ORDER = 18 on x86. */
static unsigned int max_order(void)
{
    if (!mica)
        return 18;
    return domain_is_privileged() ? 12 : 9;
}

/* Decreasing the same gfn three times: 1 extent, then 0, then 0. */
static void decrease_thrice(void)
{
    const unsigned long gfn = 0x800;
    long cur = current_pages();

    fill_page(gfn, 1);
    CHECK_EQ(decrease_one(gfn, 0), 1);
    CHECK_EQ(current_pages(), cur - 1);
    CHECK_EQ(decrease_one(gfn, 0), 0);
    CHECK_EQ(decrease_one(gfn, 0), 0);
    CHECK_EQ(current_pages(), cur - 1);

    /* Back again: a fresh frame. Mica zeroes every frame it gives a guest;
     * Xen scrubs only frames of dying domains, so this is Mica's promise. */
    CHECK_EQ(populate_one(gfn, 0), 1);
    CHECK_EQ(current_pages(), cur);
    if (mica)
        CHECK(page_is_zero(gfn));
    fill_page(gfn, 2);
    CHECK(page_has_pattern(gfn, 2));

    /* Populating a gfn that is mapped (docs/hypercalls.md, "Where Mica
     * differs"): Mica refuses (0 extents) and keeps the page; Xen replaces
     * it with a fresh frame and keeps the old one allocated, unreachable. */
    long rc = populate_one(gfn, 0);
    gprintf("populate_physmap on a mapped gfn -> %ld extents, current %ld (was %ld)\n", rc,
            current_pages(), cur);
    if (mica) {
        CHECK_EQ(rc, 0);
        CHECK_EQ(current_pages(), cur);
        CHECK(page_has_pattern(gfn, 2));
    } else {
        CHECK_EQ(rc, 1);
        CHECK_EQ(current_pages(), cur + 1);
        CHECK(!page_has_pattern(gfn, 2));
    }

    /* A gfn that was never RAM (4 GiB up): nothing to release. */
    CHECK_EQ(decrease_one(0x100000, 0), 0);
}

/* Several extents in one call; nr_extents 0; the start extent in cmd. */
static void extent_arrays(void)
{
    xen_pfn_t e[3] = { 0x810, 0x811, 0x812 };
    long cur = current_pages();

    CHECK_EQ(memop_reservation(XENMEM_decrease_reservation, e, 3, 0, DOMID_SELF), 3);
    CHECK_EQ(current_pages(), cur - 3);
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, e, 3, 0, DOMID_SELF), 3);
    CHECK_EQ(current_pages(), cur);
    CHECK_EQ(memop_reservation(XENMEM_decrease_reservation, e, 0, 0, DOMID_SELF), 0);

    /* Start at extent 2 of 3: only e[2] goes; the result counts from 0. */
    struct xen_memory_reservation r = { .nr_extents = 3, .domid = DOMID_SELF };
    set_xen_guest_handle(r.extent_start, e);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_decrease_reservation | (2u << MEMOP_EXTENT_SHIFT), &r), 3);
    CHECK_EQ(current_pages(), cur - 1);
    CHECK_EQ(decrease_one(0x812, 0), 0); /* it was e[2] */
    CHECK_EQ(decrease_one(0x811, 0), 1); /* e[1] was still there */
    /* A start extent at or past the end does nothing and returns itself. */
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_populate_physmap | (5u << MEMOP_EXTENT_SHIFT), &r), 5);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_populate_physmap | (3u << MEMOP_EXTENT_SHIFT), &r), 3);
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, e + 1, 2, 0, DOMID_SELF), 2);
    CHECK_EQ(current_pages(), cur);
}

/*
 * An extent array whose tail lies in a page that is no longer mapped: the
 * call does the extents before the first unreadable element and returns
 * their number.
 */
static void array_into_a_hole(void)
{
    const unsigned long array_page = 0x900, hole = 0x901;
    xen_pfn_t *e = (xen_pfn_t *)((char *)gfn_ptr(hole) - 2 * sizeof(xen_pfn_t));
    long cur = current_pages();

    /* Elements 0 and 1 at the end of array_page, 2 and 3 in `hole`. */
    (void)array_page;
    /* remove_from_physmap keeps the frame the domain's (as Xen does), so it
     * still counts against max_pages: make room for it first. */
    CHECK_EQ(decrease_one(0x824, 0), 1);
    cur--;
    e[0] = 0x820;
    e[1] = 0x821;
    e[2] = 0x822;
    e[3] = 0x823;
    CHECK_EQ(remove_from_physmap(DOMID_SELF, hole), 0);
    CHECK_EQ(current_pages(), cur);
    CHECK_EQ(memop_reservation(XENMEM_decrease_reservation, e, 4, 0, DOMID_SELF), 2);
    CHECK_EQ(current_pages(), cur - 2);
    CHECK_EQ(decrease_one(0x822, 0), 1); /* never reached: still mapped */
    CHECK_EQ(current_pages(), cur - 3);

    /* The same with populate_physmap, the hole made by decrease_reservation;
     * and an array whose very first element is unreadable. */
    CHECK_EQ(populate_one(hole, 0), 1); /* room again; fill the hole */
    e[2] = 0x822;
    CHECK_EQ(decrease_one(hole, 0), 1);
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, e, 4, 0, DOMID_SELF), 2);
    CHECK_EQ(
        memop_reservation(XENMEM_populate_physmap, (xen_pfn_t *)gfn_ptr(hole), 1, 0, DOMID_SELF),
        0);
    CHECK_EQ(memop_reservation(XENMEM_decrease_reservation, (xen_pfn_t *)gfn_ptr(hole), 1, 0,
                               DOMID_SELF),
             0);
    xen_pfn_t last[2] = { 0x822, hole };
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, last, 2, 0, DOMID_SELF), 2);
    /* One page more: hole has a fresh frame, and the frame that
     * remove_from_physmap took out of the p2m is still counted. */
    CHECK_EQ(current_pages(), cur + 1);
}

/* Odd and misaligned orders, the per-domain maximum. */
static void orders(void)
{
    unsigned int max = max_order();
    long cur = current_pages();

    gprintf("extent orders up to %u (%s domain)\n", max,
            domain_is_privileged() ? "privileged" : "unprivileged");

    /* Order 5: 32 pages, naturally aligned. */
    CHECK_EQ(decrease_one(0xa00, 5), 1);
    CHECK_EQ(current_pages(), cur - 32);
    CHECK_EQ(populate_one(0xa00, 5), 1);
    CHECK_EQ(current_pages(), cur);

    /* Order 9 (2 MiB). */
    CHECK_EQ(decrease_one(0xc00, 9), 1);
    CHECK_EQ(current_pages(), cur - 512);
    CHECK_EQ(populate_one(0xc00, 9), 1);
    CHECK_EQ(current_pages(), cur);

    /* A 2 MiB extent over a range with one page missing fails (0 extents).
     * Mica releases nothing; Xen releases the pages before the hole
     * (docs/hypercalls.md, "Where Mica differs"). */
    CHECK_EQ(decrease_one(0xe05, 0), 1);
    CHECK_EQ(decrease_one(0xe00, 9), 0);
    gprintf("decrease_reservation over a hole at page 5 of 512: current %ld (was %ld)\n",
            current_pages(), cur);
    if (mica) {
        CHECK_EQ(current_pages(), cur - 1);
    } else {
        CHECK_EQ(current_pages(), cur - 6);
        xen_pfn_t freed[5] = { 0xe00, 0xe01, 0xe02, 0xe03, 0xe04 };
        CHECK_EQ(memop_reservation(XENMEM_populate_physmap, freed, 5, 0, DOMID_SELF), 5);
    }
    CHECK_EQ(populate_one(0xe05, 0), 1);
    CHECK_EQ(current_pages(), cur);

    /* The largest order the domain may use. */
    if (max >= 12) {
        CHECK_EQ(decrease_one(0x1000, 12), 1);
        CHECK_EQ(current_pages(), cur - 4096);
        CHECK_EQ(populate_one(0x1000, 12), 1);
        CHECK_EQ(current_pages(), cur);
    }

    /* One above it: nothing happens, even where the range is all RAM
     * (0x2000 is aligned for order 10 and 13; RAM up to 64 MiB). */
    unsigned long above_gfn = max + 1 <= 13 ? 0x2000 : 0;
    xen_pfn_t e = above_gfn;
    CHECK_EQ(memop_reservation(XENMEM_decrease_reservation, &e, 1, max + 1, DOMID_SELF), 0);
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, &e, 1, max + 1, DOMID_SELF), 0);
    CHECK_EQ(memop_reservation(XENMEM_increase_reservation, NULL, 1, max + 1, DOMID_SELF), 0);
    CHECK_EQ(memop_reservation(XENMEM_decrease_reservation, &e, 1, 64, DOMID_SELF), 0);
    CHECK_EQ(memop_reservation(XENMEM_decrease_reservation, &e, 1, 0xffffffffu, DOMID_SELF), 0);
    CHECK_EQ(current_pages(), cur);

    /* Misaligned gfns (not a multiple of 2^order), docs/hypercalls.md,
     * "Where Mica differs": Mica fails the extent and changes nothing; Xen
     * accepts it and acts on the 2^order pages from gfn (put back here with
     * the same misaligned call). */
    cur = current_pages();
    long rc = decrease_one(0xa41, 5);
    gprintf("decrease_reservation of order 5 at gfn 0xa41 -> %ld\n", rc);
    if (mica) {
        CHECK_EQ(rc, 0);
        CHECK_EQ(current_pages(), cur);
    } else {
        CHECK_EQ(rc, 1);
        CHECK_EQ(current_pages(), cur - 32);
        CHECK_EQ(populate_one(0xa41, 5), 1);
        CHECK_EQ(current_pages(), cur);
    }
    CHECK_EQ(decrease_one(0xc10, 9), mica ? 0 : 1);
    CHECK_EQ(current_pages(), mica ? cur : cur - 512);
    if (!mica)
        CHECK_EQ(populate_one(0xc10, 9), 1);
    CHECK_EQ(current_pages(), cur);

    /* Into holes: populate_physmap at a misaligned gfn. */
    CHECK_EQ(decrease_one(0xa80, 5), 1);
    cur = current_pages();
    CHECK_EQ(populate_one(0xa90, 4), 1); /* order 4 there is aligned */
    CHECK_EQ(current_pages(), cur + 16);
    CHECK_EQ(decrease_one(0xa90, 4), 1);
    CHECK_EQ(current_pages(), cur);
    /* 0xa88 is misaligned for order 4; [0xa88, 0xa98) is all hole. */
    rc = populate_one(0xa88, 4);
    gprintf("populate_physmap of order 4 at gfn 0xa88 -> %ld\n", rc);
    if (mica) {
        CHECK_EQ(rc, 0);
        CHECK_EQ(current_pages(), cur);
    } else {
        CHECK_EQ(rc, 1);
        CHECK_EQ(current_pages(), cur + 16);
        CHECK_EQ(decrease_one(0xa88, 4), 1);
        CHECK_EQ(current_pages(), cur);
    }
    CHECK_EQ(populate_one(0xa80, 5), 1);
    CHECK_EQ(current_pages(), cur + 32);
}

/* gfns beyond the guest address width (2^36 frames = 48-bit addresses). */
static void beyond_address_width(void)
{
#ifdef __x86_64__
    const unsigned long far = 1UL << 36;
    long cur = current_pages();

    CHECK_EQ(decrease_one(far, 0), 0);
    /* populate_physmap there fails its extent in both (0 extents). Mica
     * charges the domain nothing; Xen 4.17 keeps the frame it allocated, one
     * page more per call (documented in docs/hypercalls.md). */
    long leaked = mica ? 0 : 1;
    CHECK_EQ(populate_one(far, 0), 0);
    gprintf("populate_physmap at gfn 2^36 -> 0 extents, current %ld (was %ld)\n", current_pages(),
            cur);
    CHECK_EQ(current_pages(), cur + leaked);
    cur = current_pages();
    CHECK_EQ(populate_one(far + (1UL << 40), 0), 0);
    CHECK_EQ(current_pages(), cur + leaked);
    /* The last gfn below 2^36 is fine. */
    cur = current_pages();
    CHECK_EQ(decrease_one(0x830, 0), 1);
    CHECK_EQ(populate_one(far - 1, 0), 1);
    CHECK_EQ(current_pages(), cur);
    CHECK_EQ(decrease_one(far - 1, 0), 1);
    CHECK_EQ(populate_one(0x830, 0), 1);
    CHECK_EQ(current_pages(), cur);
#endif
}

/* populate_physmap stops where the domain reaches max_pages. */
static void max_pages(void)
{
    long cur = current_pages();
    long max = memop_query(XENMEM_maximum_reservation, DOMID_SELF);
    long slack = max - cur;
    xen_pfn_t e[12];

    gprintf("current %ld, maximum %ld\n", cur, max);
    if (slack > 64) {
        /* Xen's PVH dom0 may grow far beyond what it has (no max_pages
         * limit unless dom0_mem=max:); the limit cannot be reached here. */
        CHECK(!mica);
        gprintf("maximum_reservation leaves %ld pages of room: limit not tested\n", slack);
        return;
    }
    for (unsigned int i = 0; i < 12; i++)
        e[i] = 0x2000 + i;
    CHECK_EQ(memop_reservation(XENMEM_decrease_reservation, e, 12, 0, DOMID_SELF), 12);
    /* 4 pages without a gfn, then populate 12 gfns with room for 8 + slack. */
    CHECK_EQ(memop_reservation(XENMEM_increase_reservation, NULL, 4, 0, DOMID_SELF), 4);
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, e, 12, 0, DOMID_SELF), 8 + slack);
    CHECK_EQ(current_pages(), max);
    CHECK_EQ(memop_reservation(XENMEM_increase_reservation, NULL, 1, 0, DOMID_SELF), 0);
    CHECK_EQ(populate_one(e[11], 0), 0);
    CHECK_EQ(current_pages(), max);
}

static void other_domains(void)
{
    xen_pfn_t e = 0x830;
    long cur = current_pages();
    /* A domain that does not exist: Mica -ESRCH, Xen 0 extents
     * (docs/hypercalls.md, "Where Mica differs"). */
    long rc = memop_reservation(XENMEM_decrease_reservation, &e, 1, 0, NO_SUCH_DOMID);
    gprintf("decrease_reservation for domid 0x%x -> %ld\n", NO_SUCH_DOMID, rc);
    CHECK_EQ(rc, mica ? -XEN_ESRCH : 0);
    rc = memop_reservation(XENMEM_increase_reservation, NULL, 1, 0, NO_SUCH_DOMID);
    CHECK_EQ(rc, mica ? -XEN_ESRCH : 0);
    rc = memop_reservation(XENMEM_populate_physmap, &e, 1, 0, NO_SUCH_DOMID);
    CHECK_EQ(rc, mica ? -XEN_ESRCH : 0);
    CHECK_EQ(current_pages(), cur);
    /* Our own domid is DOMID_SELF. */
    CHECK_EQ(memop_reservation(XENMEM_decrease_reservation, &e, 1, 0, own_domid()), 1);
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, &e, 1, 0, own_domid()), 1);
}

void test_main(void)
{
    mica = running_on_mica();
    gprintf("running on %s\n", mica ? "Mica" : "Xen");
    if (!gfns_are_ram(0x800, 0x3800))
        guest_test_abort("gfns 0x800-0x3fff are not all RAM: run with mem=128M");

    decrease_thrice();
    extent_arrays();
    array_into_a_hole();
    orders();
    beyond_address_width();
    other_domains();
    max_pages(); /* last: it leaves the domain at its limit */
}
