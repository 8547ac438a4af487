/*
 * TLB shootdown: vCPU 1 reads a gfn on one CPU while vCPU 0, on another,
 * changes what the gfn maps. The reader never leaves the guest on its own.
 *
 * Each round r: the reader reads gfn POLLED_GFN + r for a while (its CPU now
 * holds the translation), then stops touching it and waits; vCPU 0 makes the
 * change and, once its hypercalls have returned, says so; the reader reads
 * the gfn once more. Mica returns only after every CPU running the domain
 * has dropped the old translation, so that read must see the new state. QEMU
 * keeps stale translations while a guest runs (docs/qemu.md), so without a
 * real shootdown the reader would still reach the old frame: one Mica may
 * already have freed and handed to someone else. Any value but the expected
 * one is such a stale read.
 *
 * Command line (after " -- "), mode= one of:
 *   remap     add_to_physmap(gmfn) moves the frame of NEW_GFN + r onto the gfn
 *             (Mica frees the frame it replaces): the reader sees NEW_VALUE(r);
 *   batch     the same through add_to_physmap_batch;
 *   remove    remove_from_physmap, then populate_physmap fills the hole: the
 *             reader sees a fresh, zeroed frame (the removed one keeps the old
 *             value: it stays ours, unmapped);
 *   decrease  decrease_reservation gives the frame back (Mica frees it), a
 *             populate of SPARE_GFN + r most likely gets that very frame and
 *             is marked, then populate_physmap fills the gfn: the reader sees
 *             a fresh frame, never the old value nor the mark;
 *   foreign   add_to_physmap_batch(gmfn_foreign) replaces the gfn's RAM (which
 *             Mica frees) with a frame of d1, which runs this guest with
 *             role=owner: it writes OWNER_VALUE into OWNER_GFN and waits for
 *             DONE_VALUE there. The mapper pauses d1 while it measures, so
 *             the reader keeps its CPU. Run the mapper privileged.
 * The reader never reads a hole (it waits while the gfn is one), so the test
 * holds whatever Mica does with such a read.
 *
 * Two measures make a missing shootdown show (both measured, docs/qemu.md):
 * the gfns are split to 4 KiB first (while a 2 MiB leaf still mapped them,
 * the split a change needs made QEMU drop the reader's translation anyway),
 * and the change is made ROUNDS times: the reader's vCPU may take an exit at
 * the wrong moment (its CPU's tick), which flushes everything, and on a
 * loaded host many rounds last long enough for one (measured: 8 rounds of
 * 16 saw a missing flush, on a busy machine now and then none).
 * rounds=N overrides the number of rounds (make figures: 1).
 * Run with vcpus=2 on 2 CPUs. 64-bit only (the library starts secondary
 * vCPUs in 64-bit mode).
 */
#include "../memop/memop.h"
#include "args.h"
#include "public/domctl.h"

TEST_NAME("shootdown");

#define POLLED_GFN 0x900UL /* 9 MiB: round r changes gfn POLLED_GFN + r */
#define NEW_GFN 0xA00UL    /* 10 MiB: round r's new frame is at NEW_GFN + r */
#define SPARE_GFN \
    0xA80UL                 /* given back first: room for the populates, and
                               the gfns decrease mode fills with freed frames */
#define SPLIT_GFN 0x9FFUL   /* given back and populated again: splits 8..10 MiB */
#define SCRATCH_GFN 0xB00UL /* foreign: d1's OWNER_GFN, mapped first to wait for it */
#define OWNER_GFN 0x880UL   /* foreign: in d1 */
#define OWNER_DOMID 1
#define ROUNDS 64
#define OLD_VALUE(r) (0x01D01D01D0000000ULL + (r))
#define NEW_VALUE(r) (0x0E30E30E30000000ULL + (r))
#define MARK_VALUE(r) (0x3A7E3A7E30000000ULL + (r))
#define OWNER_VALUE 0x0E30E30E3FFFFFFFULL
#define DONE_VALUE 0xD0E0D0E0D0E0D0EULL
#define WAIT_ROUNDS 2000000

enum mode { REMAP, BATCH, REMOVE, DECREASE, FOREIGN };
static enum mode mode;

static volatile unsigned int round_no;  /* the round being measured */
static volatile unsigned int reading;   /* r + 1: the reader reads round r's gfn */
static volatile unsigned int hands_off; /* r + 1: the reader must stop reading it */
static volatile unsigned int waiting;   /* r + 1: it has stopped */
static volatile unsigned int published; /* r + 1: round r's change is complete */
static volatile unsigned int finished;  /* r + 1: the reader has read it again */
static volatile unsigned int stale_reads;
static volatile uint64_t stale_value;
static uint8_t reader_stack[16384] __attribute__((aligned(16)));

static volatile uint64_t *polled(unsigned int r)
{
    return gfn_ptr(POLLED_GFN + r);
}

/* What round r's gfn must read after the change. */
static uint64_t new_value(unsigned int r)
{
    switch (mode) {
    case FOREIGN:
        return OWNER_VALUE;
    case REMOVE:
    case DECREASE:
        return 0; /* a fresh frame */
    default:
        return NEW_VALUE(r);
    }
}

static void reader(unsigned int id)
{
    (void)id;
    for (;;) {
        unsigned int r = round_no;
        volatile uint64_t *p = polled(r);
        uint64_t value = 0;

        reading = r + 1;
        while (hands_off != r + 1)
            value += *p; /* keeps the translation in this CPU's TLB */
        (void)value;
        waiting = r + 1;
        while (published != r + 1)
            ;
        value = *p;
        if (value != new_value(r)) {
            stale_value = value;
            stale_reads++;
        }
        finished = r + 1;
        while (round_no == r)
            ;
    }
}

static long domctl(uint32_t cmd, domid_t domain)
{
    struct xen_domctl_header op = { .cmd = cmd,
                                    .interface_version = XEN_DOMCTL_INTERFACE_VERSION,
                                    .domain = domain };
    return hypercall5(__HYPERVISOR_domctl, (unsigned long)&op, 0, 0, 0, 0);
}

static long map_foreign(unsigned long idx, unsigned long gpfn)
{
    xen_ulong_t i = idx;
    xen_pfn_t g = gpfn;
    int err = 99;
    long rc = add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn_foreign, OWNER_DOMID, &i, &g, &err,
                                   1);
    return rc ? rc : err;
}

/* foreign: map d1's page once d1 has written OWNER_VALUE into it (d1 is
 * built after us: -ESRCH until it exists), then pause d1. */
static void wait_for_owner(void)
{
    volatile uint64_t *scratch = gfn_ptr(SCRATCH_GFN);
    long rc = map_foreign(OWNER_GFN, SCRATCH_GFN);

    for (int i = 0; i < WAIT_ROUNDS && rc; i++) {
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        rc = map_foreign(OWNER_GFN, SCRATCH_GFN);
    }
    CHECK_EQ(rc, 0);
    for (int i = 0; i < WAIT_ROUNDS && *scratch != OWNER_VALUE; i++)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    CHECK_EQ(*scratch, OWNER_VALUE);
    CHECK_EQ(domctl(XEN_DOMCTL_pausedomain, OWNER_DOMID), 0);
}

/* Round r's change, as the mode says. */
static void change(unsigned int r)
{
    unsigned long gfn = POLLED_GFN + r;

    switch (mode) {
    case REMOVE:
        CHECK_EQ(remove_from_physmap(DOMID_SELF, gfn), 0);
        CHECK_EQ(populate_one(gfn, 0), 1);
        break;
    case DECREASE:
        CHECK_EQ(decrease_one(gfn, 0), 1);
        CHECK_EQ(populate_one(SPARE_GFN + r, 0), 1);
        *(volatile uint64_t *)gfn_ptr(SPARE_GFN + r) = MARK_VALUE(r);
        CHECK_EQ(populate_one(gfn, 0), 1);
        break;
    case BATCH: {
        xen_ulong_t idx = NEW_GFN + r;
        xen_pfn_t gpfn = gfn;
        int err = 99;
        CHECK_EQ(add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn, 0, &idx, &gpfn, &err, 1), 0);
        CHECK_EQ(err, 0);
        break;
    }
    case FOREIGN:
        CHECK_EQ(map_foreign(OWNER_GFN, gfn), 0);
        break;
    case REMAP:
        CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, NEW_GFN + r, gfn), 0);
        break;
    }
}

static const char *const mode_names[] = { "remap", "batch", "remove", "decrease", "foreign" };
static const char *const what[] = {
    "remapping",
    "remapping by add_to_physmap_batch",
    "removing and refilling",
    "giving back and refilling",
    "mapping d1's frame over",
};

/* Wait until *flag reads value; false if it never does (within seconds,
 * even when the host leaves the other vCPU's thread waiting a while). */
static int wait_for(volatile unsigned int *flag, unsigned int value)
{
    for (long i = 0; i < 50L * WAIT_ROUNDS && *flag != value; i++)
        __asm__ volatile("pause");
    return *flag == value;
}

static void mapper(void)
{
    unsigned long rounds = ROUNDS;

    for (unsigned int m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++)
        if (guest_arg_is("mode", mode_names[m]))
            mode = (enum mode)m;
    guest_arg_ulong("rounds", &rounds);
    if (rounds > ROUNDS)
        rounds = ROUNDS;

    /* 4 KiB leaves under the polled gfns (see above), and room under
     * max_pages for the populates. */
    CHECK_EQ(decrease_one(SPLIT_GFN, 0), 1);
    CHECK_EQ(populate_one(SPLIT_GFN, 0), 1);
    for (unsigned int r = 0; r < ROUNDS; r++)
        CHECK_EQ(decrease_one(SPARE_GFN + r, 0), 1);
    for (unsigned int r = 0; r < rounds; r++) {
        *polled(r) = OLD_VALUE(r);
        *(volatile uint64_t *)gfn_ptr(NEW_GFN + r) = NEW_VALUE(r);
    }
    if (mode == FOREIGN)
        wait_for_owner();
    round_no = 0;
    CHECK_EQ(guest_start_vcpu(1, reader, reader_stack + sizeof(reader_stack)), 0);

    gprintf("%s gfns 0x%lx.. under the reader, %lu round(s)\n", what[mode], POLLED_GFN, rounds);
    for (unsigned int r = 0; r < rounds; r++) {
        round_no = r;
        if (!wait_for(&reading, r + 1))
            guest_test_abort("the reader does not run");
        for (volatile int i = 0; i < 200000; i++) /* let it read the old frame a while */
            ;
        hands_off = r + 1;
        if (!wait_for(&waiting, r + 1))
            guest_test_abort("the reader does not stop");
        change(r);
        published = r + 1;
        if (!wait_for(&finished, r + 1))
            guest_test_abort("the reader does not read again");
    }
    gprintf("reader: %u stale read(s) in %lu round(s)\n", stale_reads, rounds);
    if (stale_reads)
        gprintf("reader: the last stale read gave 0x%lx\n", (unsigned long)stale_value);
    CHECK_EQ(stale_reads, 0);
    if (mode == FOREIGN) {
        volatile uint64_t *scratch = gfn_ptr(SCRATCH_GFN);
        /* Every mapping goes before d1 may: d1 ends with no foreign
         * reference left on its frame. */
        *scratch = DONE_VALUE;
        CHECK_EQ(remove_from_physmap(DOMID_SELF, SCRATCH_GFN), 0);
        for (unsigned int r = 0; r < rounds; r++)
            CHECK_EQ(remove_from_physmap(DOMID_SELF, POLLED_GFN + r), 0);
        CHECK_EQ(domctl(XEN_DOMCTL_unpausedomain, OWNER_DOMID), 0);
    }
}

/* foreign, d1: the page the mapper maps over its polled gfns. */
static void owner(void)
{
    volatile uint64_t *page = gfn_ptr(OWNER_GFN);

    *page = OWNER_VALUE;
    for (int i = 0; i < WAIT_ROUNDS && *page != DONE_VALUE; i++)
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    CHECK_EQ(*page, DONE_VALUE);
}

void test_main(void)
{
    if (guest_arg_is("role", "owner"))
        owner();
    else
        mapper();
}
