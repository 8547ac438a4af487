/*
 * TLB shootdown: vCPU 1 polls a gfn on one CPU while vCPU 0, on another,
 * changes what the gfn maps. The poller never leaves the guest on its own.
 *
 * The poller reads, in this order, `published` then the polled gfn. vCPU 0
 * sets `published` only after its hypercall has returned, and Mica returns
 * only after every CPU running the domain has dropped the old translation.
 * So once the poller sees `published`, its next read of the gfn must see the
 * change: the new frame, or a hole. QEMU keeps stale translations while a
 * guest runs (docs/qemu.md), so without a real shootdown the poller would
 * read the old frame here and report it: a frame Mica may already have freed
 * and handed to someone else.
 *
 * Two measures make a missing shootdown show (both measured, docs/qemu.md):
 *   - the polled gfns are split to 4 KiB first, and the poller reads the
 *     gfn a while before the change: while a 2 MiB leaf still maps it, the
 *     split the change needs made QEMU drop the poller's translation anyway,
 *     and a missing flush went unseen;
 *   - the change is made ROUNDS times, each on a fresh gfn, where a hole
 *     does not end the test: one round sees the stale frame most of the
 *     time, not always (the poller's vCPU may take an exit in between).
 *
 * Command line (after " -- "), mode= one of:
 *   remap     add_to_physmap(gmfn) moves the frame of NEW_GFN + r onto the gfn;
 *   batch     the same through add_to_physmap_batch;
 *   remove    remove_from_physmap leaves a hole (one round);
 *   decrease  decrease_reservation gives the frame back, Mica frees it (one
 *             round);
 *   foreign   add_to_physmap_batch(gmfn_foreign) replaces the gfn's RAM (which
 *             Mica frees) with a frame of d1, which runs this guest with
 *             role=owner: it writes OWNER_VALUE into OWNER_GFN and waits for
 *             DONE_VALUE there. The mapper pauses d1 while it measures, so
 *             the poller keeps its CPU. Run the mapper privileged.
 * rounds=N overrides the number of rounds (make figures: 1).
 * A hole reads as a #NPF, which crashes the domain when Mica runs with
 * npf=crash (the tests do), or as all ones: either way never the old value.
 * Run with vcpus=2 on 2 CPUs. 64-bit only (the library starts secondary
 * vCPUs in 64-bit mode).
 */
#include "../memop/memop.h"
#include "args.h"
#include "public/domctl.h"

TEST_NAME("shootdown");

#define POLLED_GFN 0x900UL  /* 9 MiB: round r changes gfn POLLED_GFN + r */
#define NEW_GFN 0xA00UL     /* 10 MiB: round r's new frame is at NEW_GFN + r */
#define SPLIT_GFN 0x9FFUL   /* given back and populated again: splits 8..10 MiB */
#define SCRATCH_GFN 0xB00UL /* foreign: d1's OWNER_GFN, mapped first to wait for it */
#define OWNER_GFN 0x880UL   /* foreign: in d1 */
#define OWNER_DOMID 1
#define ROUNDS 16
#define OLD_VALUE(r) (0x01D01D01D0000000ULL + (r))
#define NEW_VALUE(r) (0x0E30E30E30000000ULL + (r))
#define OWNER_VALUE 0x0E30E30E3FFFFFFFULL
#define DONE_VALUE 0xD0E0D0E0D0E0D0EULL
#define HOLE_VALUE (~0ULL) /* what a read of a hole gives when it does not crash */
#define WAIT_ROUNDS 2000000

enum mode { REMAP, BATCH, REMOVE, DECREASE, FOREIGN };
static enum mode mode;

static volatile unsigned int round_no;  /* the round being measured */
static volatile unsigned int polling;   /* r + 1: the poller reads round r's gfn */
static volatile unsigned int published; /* r + 1: round r's change is complete */
static volatile unsigned int finished;  /* r + 1: the poller saw round r's change */
static volatile int stale_reads;        /* reads of an old frame after its change */
static volatile unsigned int saw_new, saw_hole;
static uint8_t poller_stack[16384] __attribute__((aligned(16)));

static volatile uint64_t *polled(unsigned int r)
{
    return gfn_ptr(POLLED_GFN + r);
}

/* What round r's gfn reads after the change, if it is not a hole. */
static uint64_t new_value(unsigned int r)
{
    return mode == FOREIGN ? OWNER_VALUE : NEW_VALUE(r);
}

static void poller(unsigned int id)
{
    (void)id;
    for (;;) {
        unsigned int r = round_no;
        volatile uint64_t *p = polled(r);
        polling = r + 1;
        for (;;) {
            int after = published == r + 1; /* first the flag ... */
            uint64_t value = *p;            /* ... then the page (loads stay in order on x86) */
            if (after && value == OLD_VALUE(r))
                stale_reads++;
            if (after && value == new_value(r)) {
                saw_new++;
                break;
            }
            if (after && value == HOLE_VALUE) {
                saw_hole++;
                break;
            }
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

/* Round r's change under the poller, as the mode says. */
static void change(unsigned int r)
{
    unsigned long gfn = POLLED_GFN + r;

    switch (mode) {
    case REMOVE:
        CHECK_EQ(remove_from_physmap(DOMID_SELF, gfn), 0);
        break;
    case DECREASE:
        CHECK_EQ(decrease_one(gfn, 0), 1);
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
    "remapping",   "remapping by add_to_physmap_batch", "removing",
    "giving back", "mapping d1's frame over",
};

static void mapper(void)
{
    unsigned long rounds = ROUNDS;

    for (unsigned int m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++)
        if (guest_arg_is("mode", mode_names[m]))
            mode = (enum mode)m;
    if (mode == REMOVE || mode == DECREASE)
        rounds = 1; /* a hole may crash us */
    guest_arg_ulong("rounds", &rounds);
    if (rounds > ROUNDS)
        rounds = ROUNDS;

    /* 4 KiB leaves under the polled gfns (see above). */
    CHECK_EQ(decrease_one(SPLIT_GFN, 0), 1);
    CHECK_EQ(populate_one(SPLIT_GFN, 0), 1);
    for (unsigned int r = 0; r < rounds; r++) {
        *polled(r) = OLD_VALUE(r);
        *(volatile uint64_t *)gfn_ptr(NEW_GFN + r) = NEW_VALUE(r);
    }
    if (mode == FOREIGN)
        wait_for_owner();
    round_no = 0;
    CHECK_EQ(guest_start_vcpu(1, poller, poller_stack + sizeof(poller_stack)), 0);

    gprintf("%s gfns 0x%lx.. under the poller, %lu round(s)\n", what[mode], POLLED_GFN, rounds);
    for (unsigned int r = 0; r < rounds && !stale_reads; r++) {
        round_no = r;
        for (int i = 0; i < WAIT_ROUNDS && polling != r + 1; i++)
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        CHECK_EQ(polling, r + 1);
        /* Let the poller read the old frame for a while. */
        for (volatile int i = 0; i < 200000; i++)
            ;
        change(r);
        published = r + 1;
        /* The poller must see the new frame, or fault (the domain crashes)
         * or read all ones on a hole; never the old frame. */
        for (int i = 0; i < WAIT_ROUNDS && finished != r + 1 && !stale_reads; i++)
            __asm__ volatile("pause");
    }
    gprintf("poller: %d stale read(s) after %lu change(s); the new frame seen %u time(s), "
            "a hole %u\n",
            stale_reads, rounds, saw_new, saw_hole);
    CHECK_EQ(stale_reads, 0);
    CHECK_EQ(saw_new + saw_hole, rounds);
    if (mode == FOREIGN) {
        volatile uint64_t *scratch = gfn_ptr(SCRATCH_GFN);
        /* Every mapping goes before d1 may: an unmap changes the frame's
         * foreign and total counts one after the other, and d1's teardown
         * audit must not look in between. */
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
