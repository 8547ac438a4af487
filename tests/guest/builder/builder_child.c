/*
 * The domain a builder guest creates (builder.c, builder_errors.c): it has
 * no module of its own at boot; the builder loaded this image into it
 * through foreign mappings and started vCPU 0 in the PVH entry state.
 *
 * It finds its task in the mailbox page (builder.h), answers with the sum
 * of its own code as the builder wrote it and its domid, then by the mode:
 * CHILD_EXIT powers off (PASS guest/builder_child), CHILD_WAIT waits for
 * the builder to destroy it. Its command line, "-- seq=N", must name the
 * same child as the mailbox (the start info the builder wrote reached it).
 */
#include "args.h"
#include "builder.h"

TEST_NAME("builder_child");

void test_main(void)
{
    volatile struct child_mailbox *mb = gfn_ptr(CHILD_MAILBOX_GFN);
    unsigned long seq = ~0UL;

    if (__atomic_load_n(&mb->magic, __ATOMIC_ACQUIRE) != MAILBOX_MAGIC)
        guest_test_abort("no task in the mailbox");
    CHECK_EQ(guest_arg_ulong("seq", &seq), 0);
    CHECK_EQ(seq, mb->seq);
    CHECK_EQ(guest_start_info()->memmap_entries, 1);

    mb->domid = own_domid();
    mb->result = child_sum(mb->seq, (const volatile uint8_t *)(uintptr_t)mb->sum_addr, mb->sum_len);
    __atomic_store_n(&mb->done, 1 + guest_test_failures(), __ATOMIC_RELEASE);
    if (mb->mode != CHILD_WAIT)
        return; /* PASS, and power off */
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_block, NULL); /* until destroyed */
}
