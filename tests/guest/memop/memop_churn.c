/*
 * Two privileged domains foreign-mapping each other's RAM in a loop, with
 * p2m-audit (every memory_op audits the caller's p2m, whose frames the other
 * domain maps at that moment). Each round maps the other's frame OTHER_GFN
 * over our hole HOLE_GFN (replacing the previous foreign mapping), and
 * every second round removes it. An audit must be exact whatever the other
 * CPU is doing: a foreign reference's two counts change together
 * (include/frame_ref.h); before that, the owner's audit could see one
 * reference too many ("mfn ... has 3 references, expected 2").
 *
 * Module arguments: other=DOMID. Both run until they have done ROUNDS
 * rounds or the other has gone (then -ESRCH ends the loop).
 */
#include "args.h"
#include "memop.h"

TEST_NAME("memop_churn");

#define ROUNDS 1500
#define HOLE_GFN 0x380UL  /* ours, given back first */
#define OTHER_GFN 0x300UL /* the other's RAM */
#define WAIT_BLOCKS 2000  /* 20 s of 10 ms ticks for the other to start */

static long map_other(domid_t other)
{
    return map_foreign_one(other, OTHER_GFN, HOLE_GFN);
}

void test_main(void)
{
    unsigned long other = 0;
    long rc = -XEN_ESRCH;
    unsigned int rounds = 0;

    CHECK(domain_is_privileged());
    if (!CHECK_EQ(guest_arg_ulong("other", &other), 0))
        return;
    CHECK_EQ(decrease_one(HOLE_GFN, 0), 1);
    /* The other domain may not be built or started yet. */
    for (unsigned int i = 0; i < WAIT_BLOCKS && rc != 0; i++) {
        rc = map_other((domid_t)other);
        if (rc)
            HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    }
    if (!CHECK_EQ(rc, 0))
        return;
    for (rounds = 1; rounds < ROUNDS; rounds++) {
        rc = map_other((domid_t)other);
        if (rc == -XEN_ESRCH || rc == -XEN_EINVAL)
            break; /* the other has finished: gone, or going */
        CHECK_EQ(rc, 0);
        if (rounds % 2)
            CHECK_EQ(remove_from_physmap(DOMID_SELF, HOLE_GFN), 0);
    }
    gprintf("churn: %u rounds\n", rounds);
}
