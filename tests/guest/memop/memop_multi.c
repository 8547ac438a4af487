/*
 * memory_op between domains (Mica only: under Xen the oracle runs a single
 * dom0). The role comes after " -- " in the module command line:
 *
 *   role=mapper     (d0, privileged) maps two frames of d1 with
 *                   add_to_physmap_batch(gmfn_foreign): OWNER_GFN, where d1
 *                   wrote a pattern, and MAILBOX_GFN, where the mapper
 *                   writes ACK to tell d1 it may go (having checked that a
 *                   hypercall buffer in the foreign mapping is -EFAULT both
 *                   ways). decrease_reservation of a foreign mapping removes
 *                   it (as Xen). Then it waits until d1
 *                   is destroyed and checks that the pattern is still there
 *                   (a mapped frame is never freed), churns its own memory
 *                   to reuse whatever d1 freed, checks again, and removes
 *                   the mappings. The end-of-run memory line shows nothing
 *                   leaked.
 *   role=owner      (d1, unprivileged) writes the pattern, checks that it may
 *                   not touch d0's memory (-EPERM), waits for ACK, powers off.
 *   role=big        increase_reservation of 2^20 extents after giving back
 *                   BIG_PAGES pages: the call returns BIG_PAGES (it stops at
 *                   max_pages), and takes long enough that Mica must preempt
 *                   it (continuations).
 *   role=heartbeat  on the same CPU as big: blocks in a loop and prints a
 *                   heartbeat every HEARTBEAT_BLOCKS wake-ups, proving it
 *                   got the CPU while big's hypercall was in progress.
 */
#include "memop.h"
#include "args.h"

TEST_NAME("memop_multi");

#define OWNER_DOMID 1
#define MAPPER_DOMID 0
#define OWNER_GFN 0x880UL       /* in d1 */
#define MAILBOX_GFN 0x881UL     /* in d1 */
#define MAP_GFN 0x900UL         /* in d0: where OWNER_GFN appears */
#define MAP_MAILBOX_GFN 0x901UL /* in d0: where MAILBOX_GFN appears */
#define SEED 0xF0E1D2C3u
#define ACK 0xAC4AC4ACu
#define WAIT_BLOCKS 2000 /* 20 s of 10 ms scheduler ticks */

#define BIG_FIRST_GFN 0x8000UL /* 128 MiB: 128 extents of 2 MiB from here */
#define BIG_EXTENTS 128
#define BIG_PAGES (BIG_EXTENTS * 512L)
#define HEARTBEAT_BLOCKS 5
#define HEARTBEATS 100

/* Sleep until the next scheduler tick (Mica: SCHEDOP_block, no events). */
static void block(void)
{
    HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* Map frame idx of d1 at gpfn: the call's result, else errs[0]. */
static long try_map_foreign(unsigned long idx, unsigned long gpfn)
{
    return map_foreign_one(OWNER_DOMID, idx, gpfn);
}

/* Mica builds and starts the domains one after the other: d1 may not exist
 * yet (-ESRCH), or have no RAM yet (-EINVAL). */
static void map_foreign_when_ready(unsigned long idx, unsigned long gpfn)
{
    long rc = try_map_foreign(idx, gpfn);

    for (unsigned int waited = 0; waited < WAIT_BLOCKS && rc; waited++) {
        block();
        rc = try_map_foreign(idx, gpfn);
    }
    if (rc)
        guest_test_abort("could not map d1's frame");
}

static void mapper(void)
{
    long cur = current_pages();
    volatile uint32_t *mailbox = gfn_ptr(MAP_MAILBOX_GFN);
    unsigned int waited;

    /* Holes to map into (a foreign mapping costs the mapper nothing). */
    CHECK_EQ(decrease_one(MAP_GFN, 0), 1);
    CHECK_EQ(decrease_one(MAP_MAILBOX_GFN, 0), 1);

    map_foreign_when_ready(OWNER_GFN, MAP_GFN);
    map_foreign_when_ready(MAILBOX_GFN, MAP_MAILBOX_GFN);
    CHECK_EQ(current_pages(), cur - 2);
    /* Not d1's RAM: refused page by page, and gpfn keeps its own page. */
    fill_page(0x902, 42);
    CHECK_EQ(try_map_foreign(0x100000, 0x902), -XEN_EINVAL);
    CHECK(page_has_pattern(0x902, 42));

    /* d1 writes the pattern and then the mailbox's second word. */
    for (waited = 0; waited < WAIT_BLOCKS && mailbox[1] != SEED; waited++)
        block();
    CHECK_EQ(mailbox[1], SEED);
    CHECK(page_has_pattern(MAP_GFN, SEED));
    /* We read d1's page, but a hypercall may not take it as a buffer. */
    check_buffer_faults((char *)gfn_ptr(MAP_GFN) + 1000);
    CHECK(page_has_pattern(MAP_GFN, SEED));
    gprintf("a hypercall buffer in the foreign mapping: -EFAULT both ways\n");
    /* decrease_reservation of a foreign mapping (one page): as Xen, the
     * mapping goes and the extent counts; our own pages do not change and
     * d1 keeps its frame (mapped again below). */
    CHECK_EQ(decrease_one(MAP_GFN, 0), 1);
    CHECK_EQ(current_pages(), cur - 2);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, MAP_GFN), -XEN_ENOENT);
    CHECK_EQ(try_map_foreign(OWNER_GFN, MAP_GFN), 0);
    CHECK(page_has_pattern(MAP_GFN, SEED));
    gprintf("read d1's pattern through the foreign mapping; telling d1 to go\n");
    mailbox[0] = ACK;

    /* Wait until d1 no longer exists. */
    for (waited = 0;
         waited < WAIT_BLOCKS && memop_query(XENMEM_current_reservation, OWNER_DOMID) != -XEN_ESRCH;
         waited++)
        block();
    CHECK_EQ(memop_query(XENMEM_current_reservation, OWNER_DOMID), -XEN_ESRCH);
    gprintf("d1 is gone; its frame is still mapped here\n");
    CHECK(page_has_pattern(MAP_GFN, SEED));
    CHECK_EQ(mailbox[0], ACK);

    /* Take and give back 4 MiB, so freed frames (d1's) get reused. */
    CHECK_EQ(decrease_one(0xc00, 9), 1);
    CHECK_EQ(decrease_one(0xe00, 9), 1);
    CHECK_EQ(populate_one(0xc00, 9), 1);
    CHECK_EQ(populate_one(0xe00, 9), 1);
    CHECK(page_is_zero(0xc00) && page_is_zero(0xfff));
    CHECK(page_has_pattern(MAP_GFN, SEED));

    /* No new mappings from a domain that is gone. */
    CHECK_EQ(try_map_foreign(OWNER_GFN, 0x902), -XEN_ESRCH);

    /* A foreign mapping goes with decrease_reservation (as Xen) and then
     * remove_from_physmap finds nothing (-ENOENT). d1 is gone, so its frame
     * is freed now (the end-of-run memory line shows whether it was). */
    CHECK_EQ(decrease_one(MAP_GFN, 0), 1);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, MAP_GFN), -XEN_ENOENT);
    /* Replacing a foreign mapping drops it too. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, MAP_MAILBOX_GFN), 0);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, MAP_MAILBOX_GFN), 0);
    CHECK_EQ(current_pages(), cur - 2);
    xen_pfn_t e[2] = { MAP_GFN, MAP_MAILBOX_GFN };
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, e, 2, 0, DOMID_SELF), 2);
    CHECK_EQ(current_pages(), cur);
}

static void owner(void)
{
    volatile uint32_t *mailbox = gfn_ptr(MAILBOX_GFN);
    xen_pfn_t e = MAP_GFN;
    xen_ulong_t idx = 0x800;
    xen_pfn_t gpfn = 0x800;
    int err = 99;
    unsigned int waited;

    CHECK(!domain_is_privileged());
    CHECK_EQ(own_domid(), OWNER_DOMID);
    fill_page(OWNER_GFN, SEED);
    mailbox[0] = 0;

    /* An unprivileged domain may not act on another one. */
    CHECK_EQ(add_to_physmap(MAPPER_DOMID, XENMAPSPACE_shared_info, 0, 0x800), -XEN_EPERM);
    CHECK_EQ(add_to_physmap(MAPPER_DOMID, XENMAPSPACE_gmfn, 0x800, 0x801), -XEN_EPERM);
    CHECK_EQ(remove_from_physmap(MAPPER_DOMID, 0x800), -XEN_EPERM);
    CHECK_EQ(memop_reservation(XENMEM_decrease_reservation, &e, 1, 0, MAPPER_DOMID), -XEN_EPERM);
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, &e, 1, 0, MAPPER_DOMID), -XEN_EPERM);
    CHECK_EQ(memop_reservation(XENMEM_increase_reservation, NULL, 1, 0, MAPPER_DOMID), -XEN_EPERM);
    CHECK_EQ(memop_query(XENMEM_current_reservation, MAPPER_DOMID), -XEN_EPERM);
    CHECK_EQ(memop_query(XENMEM_maximum_gpfn, MAPPER_DOMID), -XEN_EPERM);
    CHECK_EQ(add_to_physmap_batch(MAPPER_DOMID, XENMAPSPACE_gmfn, 0, &idx, &gpfn, &err, 1),
             -XEN_EPERM);
    /* Nor map another domain's frames into its own physmap: the call
     * succeeds, the page fails (as in Xen). */
    CHECK_EQ(add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn_foreign, MAPPER_DOMID, &idx, &gpfn,
                                  &err, 1),
             0);
    CHECK_EQ(err, -XEN_EPERM);
    /* Nor read the host's memory map. */
    struct xen_memory_map m = { .nr_entries = 0 };
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_machine_memory_map, &m), -XEN_EPERM);
    /* The largest order an unprivileged domain may use is 9. */
    CHECK_EQ(decrease_one(0xe00, 10), 0);
    CHECK_EQ(decrease_one(0xe00, 9), 1);
    CHECK_EQ(populate_one(0xe00, 9), 1);

    /* Ready: the pattern is in place. */
    __atomic_store_n(&mailbox[1], SEED, __ATOMIC_RELEASE);
    for (waited = 0; waited < WAIT_BLOCKS && mailbox[0] != ACK; waited++)
        block();
    CHECK_EQ(mailbox[0], ACK);
    gprintf("d0 read the pattern; leaving while it still maps our frame\n");
}

static void big(void)
{
    static xen_pfn_t extents[BIG_EXTENTS];
    long max = memop_query(XENMEM_maximum_reservation, DOMID_SELF);

    CHECK_EQ(current_pages(), max);
    for (unsigned int i = 0; i < BIG_EXTENTS; i++)
        extents[i] = BIG_FIRST_GFN + i * 512UL;
    CHECK_EQ(memop_reservation(XENMEM_decrease_reservation, extents, BIG_EXTENTS, 9, DOMID_SELF),
             BIG_EXTENTS);
    CHECK_EQ(current_pages(), max - BIG_PAGES);

    gprintf("increase_reservation of 1048576 extents: start\n");
    long rc = memop_reservation(XENMEM_increase_reservation, NULL, 1UL << 20, 0, DOMID_SELF);
    gprintf("increase_reservation of 1048576 extents returned %ld\n", rc);
    CHECK_EQ(rc, BIG_PAGES);
    CHECK_EQ(current_pages(), max);
}

static void heartbeat(void)
{
    for (unsigned int beat = 1; beat <= HEARTBEATS; beat++) {
        for (unsigned int i = 0; i < HEARTBEAT_BLOCKS; i++)
            block();
        gprintf("heartbeat %u\n", beat);
    }
}

void test_main(void)
{
    GUEST_PLAY_ROLE({ "mapper", mapper }, { "owner", owner }, { "big", big },
                    { "heartbeat", heartbeat });
}
