/*
 * TLB shootdown: vCPU 1 polls a gfn on one CPU while vCPU 0, on another,
 * remaps or removes it. The poller never leaves the guest on its own.
 *
 * The poller reads, in this order, `published` then the polled gfn. vCPU 0
 * sets `published` only after its hypercall has returned, and Mica returns
 * only after every CPU running the domain has dropped the old translation.
 * So once the poller sees `published`, its next read of the gfn must see the
 * change: the new frame (remap) or a hole (remove: the read faults, and Mica
 * emulates it as a read of a hole, all ones: docs/platform.md). QEMU keeps stale
 * translations while a guest runs (docs/qemu.md), so without a
 * real shootdown the poller would read the old frame here and report it.
 *
 * Command line (after " -- "): mode=remap (the default) or mode=remove.
 * Run with vcpus=2 on 2 CPUs. 64-bit only (the library starts secondary
 * vCPUs in 64-bit mode).
 */
#include "args.h"
#include "test.h"

TEST_NAME("shootdown");

#define POLLED_GFN 0x900UL /* 9 MiB: the page whose mapping changes */
#define NEW_GFN 0xA00UL    /* 10 MiB: the frame that replaces it */
#define OLD_VALUE 0x01D01D01D01D01DULL
#define NEW_VALUE 0x0E30E30E30E30E3ULL
#define HOLE_VALUE (~0ULL) /* what a read of a hole returns */
#define WAIT_ROUNDS 2000000

static volatile uint64_t *const polled = (volatile uint64_t *)(POLLED_GFN << 12);
static volatile uint64_t *const replacement = (volatile uint64_t *)(NEW_GFN << 12);

static volatile int poller_running;
static volatile int published;   /* vCPU 0's change is complete */
static volatile int stale_reads; /* reads of the old frame after that */
static volatile int saw_new;
static volatile int saw_hole;
static uint8_t poller_stack[16384] __attribute__((aligned(16)));

static void poller(unsigned int id)
{
    (void)id;
    poller_running = 1;
    for (;;) {
        int after = published;    /* first the flag ... */
        uint64_t value = *polled; /* ... then the page (loads stay in order on x86) */
        if (after && value == OLD_VALUE)
            stale_reads++;
        if (after && value == NEW_VALUE) {
            saw_new = 1;
            break;
        }
        if (after && value == HOLE_VALUE) {
            saw_hole = 1;
            break;
        }
    }
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

void test_main(void)
{
    int remove = guest_arg_is("mode", "remove");

    *polled = OLD_VALUE;
    *replacement = NEW_VALUE;
    CHECK_EQ(guest_start_vcpu(1, poller, poller_stack + sizeof(poller_stack)), 0);
    for (int i = 0; i < WAIT_ROUNDS && !poller_running; i++)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    CHECK(poller_running);

    /* Let the poller spin on the old frame for a while. */
    for (volatile int i = 0; i < 1000000; i++)
        ;
    if (remove) {
        struct xen_remove_from_physmap rm = { .domid = DOMID_SELF, .gpfn = POLLED_GFN };
        gprintf("removing gfn 0x%lx under the poller\n", POLLED_GFN);
        CHECK_EQ(HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &rm), 0);
    } else {
        struct xen_add_to_physmap add = {
            .domid = DOMID_SELF,
            .space = XENMAPSPACE_gmfn,
            .idx = NEW_GFN,
            .gpfn = POLLED_GFN,
        };
        gprintf("remapping gfn 0x%lx under the poller\n", POLLED_GFN);
        CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &add), 0);
    }
    published = 1;

    /* remap: the poller must see the new frame; remove: the hole. */
    for (int i = 0; i < WAIT_ROUNDS && !saw_new && !saw_hole && !stale_reads; i++)
        __asm__ volatile("pause");
    gprintf("poller: %d stale read(s) after the change, saw the new frame: %d, the hole: %d\n",
            stale_reads, saw_new, saw_hole);
    CHECK_EQ(stale_reads, 0);
    CHECK(remove ? saw_hole : saw_new);
}
