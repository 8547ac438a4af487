/*
 * A live guest for the debug keys and the debugger (docs/debugging.md): it keeps
 * changing its own p2m, round after round, until its time is up.
 *
 * Each round (about 0.1 s) it
 *   - moves a frame with add_to_physmap(XENMAPSPACE_gmfn, A -> B) and checks
 *     that the contents moved with it; B's old frame is freed, A is a hole;
 *   - fills the hole again with populate_physmap(A);
 *   - maps shared_info over RAM at S (add_to_physmap), takes it out again
 *     (remove_from_physmap) and repopulates S;
 * and every 16 rounds it gives back the 2 MiB at gfn 0xa00 with
 * decrease_reservation (order 9), to populate it again 8 rounds later. The
 * first moves split the 2 MiB leaves around 0x800-0x9ff into 4 KiB ones, so
 * the `p` key's dump changes shape while it runs. About once a second it
 * prints a line.
 *
 * Arguments (after " -- "): seconds=N stops after about N seconds (a round is
 * 10 SCHEDOP_block, each waiting for a 10 ms scheduler tick while the machine
 * is otherwise idle: the clock is approximate); without it, or with 0, it runs
 * until QEMU is quit or Mica's timeout= ends it. Needs mem >= 12M (gfns
 * 0x800-0xbff are its scratch area); prints PASS guest/p2m_demo at the end.
 */
#include "args.h"
#include "../memop/memop.h"

TEST_NAME("p2m_demo");

#define MOVE_FROM 0x800UL   /* A: 0x800..0x83f */
#define MOVE_TO 0x880UL     /* B: 0x880..0x8bf */
#define SHARED_INFO 0x900UL /* S: 0x900..0x93f */
#define BIG 0xa00UL         /* the 2 MiB given back and populated again */
#define SLOTS 64            /* rounds before A, B and S repeat */
#define BLOCKS_PER_ROUND 10 /* SCHEDOP_block per round: about 0.1 s */
#define ROUNDS_PER_SECOND 10

static int big_mapped = 1;

static void one_round(unsigned long round)
{
    unsigned long slot = round % SLOTS;
    unsigned long a = MOVE_FROM + slot, b = MOVE_TO + slot, s = SHARED_INFO + slot;
    uint32_t seed = (uint32_t)round + 1;

    fill_page(a, seed);
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, a, b), 0);
    CHECK(page_has_pattern(b, seed));
    CHECK_EQ(populate_one(a, 0), 1);

    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, s), 0);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, s), 0);
    CHECK_EQ(populate_one(s, 0), 1);

    if (round % 16 == 0 && big_mapped) {
        CHECK_EQ(decrease_one(BIG, 9), 1);
        big_mapped = 0;
    } else if (round % 16 == 8 && !big_mapped) {
        CHECK_EQ(populate_one(BIG, 9), 1);
        big_mapped = 1;
    }
}

void test_main(void)
{
    unsigned long seconds = 0, rounds;
    size_t len;

    if (guest_arg("seconds", &len) && guest_arg_ulong("seconds", &seconds))
        guest_test_abort("seconds= wants a number");
    if (!gfns_are_ram(MOVE_FROM, 0x400))
        guest_test_abort("needs mem=12M or more (scratch gfns 0x800-0xbff)");
    rounds = seconds * ROUNDS_PER_SECOND;
    if (seconds)
        gprintf("p2m demo: changing my p2m for about %lu s\n", seconds);
    else
        gprintf("p2m demo: changing my p2m until QEMU is quit (or Mica's timeout=)\n");

    for (unsigned long round = 0; !rounds || round < rounds; round++) {
        one_round(round);
        if (round % ROUNDS_PER_SECOND == 0)
            gprintf("round %lu: moved gfn 0x%lx -> 0x%lx, shared_info in and out at 0x%lx, "
                    "%ld pages, 2M at 0x%lx %s\n",
                    round, MOVE_FROM + round % SLOTS, MOVE_TO + round % SLOTS,
                    SHARED_INFO + round % SLOTS, current_pages(), BIG,
                    big_mapped ? "mapped" : "given back");
        if (guest_test_failures())
            break;
        for (int i = 0; i < BLOCKS_PER_ROUND; i++)
            HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    }
}
