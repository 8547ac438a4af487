/*
 * IPIs between the four vCPUs of one domain (run on two CPUs), in x2APIC
 * mode, every one counted where it lands and nowhere else: physical
 * destinations, logical (x2APIC cluster) destinations, the shorthands
 * self, all-including-self and all-excluding-self, the physical
 * broadcast, lowest priority (to the vCPU with the lowest TPR), NMI, and
 * the APs sending to each other. Between commands the APs sit in HLT with
 * interrupts on; each checks that its HLT never returned without an
 * interrupt. 64-bit only.
 */
#include "irq.h"
#include "lapic.h"
#include "test.h"

TEST_NAME("lapic_ipi");

#ifndef __x86_64__
void test_main(void)
{
    guest_test_abort("64-bit only (interrupt handlers need a long-mode IDT)");
}
#else
#define NCPU 4
#define VEC_FIRST 0x80 /* vectors 0x80.. count; 0x7F wakes an AP for a command */
#define VEC_COUNT 8
#define VEC_WAKE 0x7F
#define WAIT 1000000UL /* rounds of yield */
#define RING_ROUNDS 100

enum { VEC_PHYS, VEC_LOGICAL, VEC_SELF, VEC_ALL, VEC_OTHERS, VEC_BCAST, VEC_LOWEST, VEC_RING };

static volatile unsigned long count[NCPU][VEC_COUNT], nmis[NCPU], irqs[NCPU];
static volatile unsigned long spurious_wakes[NCPU];
static volatile int command[NCPU], done[NCPU];

enum { CMD_NONE, CMD_TPR, CMD_RING, CMD_STOP };

static unsigned int my_id(void)
{
    return (unsigned int)(lapic_read(APIC_REG_ID) / 2);
}

/* EOI first: once a count shows, the vector is out of service (the
 * lowest-priority test reads the targets' PPR). */
static void counting_handler(unsigned int vector)
{
    unsigned int id = my_id();

    lapic_eoi();
    irqs[id]++;
    if (vector >= VEC_FIRST && vector < VEC_FIRST + VEC_COUNT)
        count[id][vector - VEC_FIRST]++;
}

static void nmi_handler(struct guest_trap_frame *f)
{
    (void)f;
    nmis[my_id()]++;
}

static void send(uint32_t dest, uint32_t icr)
{
    lapic_send(dest, icr);
}

/* Four vCPUs share two CPUs: waiting gives the CPU away. */
static void relax(void)
{
    HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

/* Wait until vCPU id counted n of slot (bounded). */
static int wait_count(unsigned int id, unsigned int slot, unsigned long n)
{
    for (unsigned long i = 0; i < WAIT; i++) {
        if (count[id][slot] >= n)
            return 1;
        relax();
    }
    return 0;
}

/* After all deliveries of a round: exactly want[i] of slot on vCPU i. */
static void expect_counts(unsigned int slot, const unsigned long want[NCPU], const char *what)
{
    for (unsigned int i = 0; i < NCPU; i++)
        wait_count(i, slot, want[i]);
    for (unsigned int spin = 0; spin < 100; spin++) /* anything extra lands */
        relax();
    for (unsigned int i = 0; i < NCPU; i++) {
        if (!CHECK_EQ(count[i][slot], want[i]))
            gprintf("  %s: vCPU %u\n", what, i);
    }
}

static void tell(unsigned int id, int cmd)
{
    done[id] = 0;
    command[id] = cmd;
    send(LAPIC_ID_OF(id), LAPIC_ICR_FIXED | VEC_WAKE);
    for (unsigned long i = 0; i < WAIT && !done[id]; i++)
        relax();
    CHECK(done[id]);
}

/* ---- the APs ------------------------------------------------------------- */

static uint8_t stacks[NCPU][16384] __attribute__((aligned(16)));

/* Called with IF=0. STI's shadow covers HLT, so no interrupt slips in
 * between; HLT returns only after an interrupt (or an NMI). */
static void halt(unsigned int id)
{
    unsigned long before = irqs[id] + nmis[id];

    __asm__ volatile("sti; hlt; cli" ::: "memory");
    if (irqs[id] + nmis[id] == before)
        spurious_wakes[id]++;
}

static void ap_main(unsigned int id)
{
    lapic_enable_x2apic();
    done[id] = 1;
    for (;;) {
        __asm__ volatile("cli" ::: "memory");
        while (command[id] == CMD_NONE)
            halt(id);
        __asm__ volatile("sti" ::: "memory");
        switch (command[id]) {
        case CMD_TPR: /* TPRs 0x20, 0x10, 0x60: vCPU 2's is the lowest */
            lapic_write(APIC_REG_TPR, id == 2 ? 0x10 : id * 0x20);
            break;
        case CMD_RING: { /* RING_ROUNDS IPIs to the next AP (1 -> 2 -> 3 -> 1) */
            unsigned int next = id % 3 + 1;
            for (unsigned int r = 0; r < RING_ROUNDS; r++) {
                send(LAPIC_ID_OF(next), LAPIC_ICR_FIXED | (VEC_FIRST + VEC_RING));
                wait_count(next, VEC_RING, r + 1); /* taken: the next one is not coalesced */
            }
            break;
        }
        case CMD_STOP:
            command[id] = CMD_NONE;
            done[id] = 1;
            __asm__ volatile("cli");
            return; /* the library takes the vCPU down */
        }
        command[id] = CMD_NONE;
        done[id] = 1;
    }
}

/* ---- vCPU 0 -------------------------------------------------------------- */

static void physical(void)
{
    for (unsigned int t = 0; t < NCPU; t++) {
        unsigned long want[NCPU] = { 0 };
        for (unsigned int i = 0; i < NCPU; i++)
            want[i] = i <= t;
        send(LAPIC_ID_OF(t), LAPIC_ICR_FIXED | (VEC_FIRST + VEC_PHYS));
        expect_counts(VEC_PHYS, want, "physical");
    }
}

/* x2APIC logical: cluster 0 holds APIC IDs 0..15, bit n for ID n. */
static void logical(void)
{
    const unsigned long want[NCPU] = { 0, 0, 1, 1 };

    send((1u << LAPIC_ID_OF(2)) | (1u << LAPIC_ID_OF(3)),
         LAPIC_ICR_LOGICAL | LAPIC_ICR_FIXED | (VEC_FIRST + VEC_LOGICAL));
    expect_counts(VEC_LOGICAL, want, "logical {2,3}");
    /* Cluster 1 has nobody. */
    send((1u << 16) | 0xFFFF, LAPIC_ICR_LOGICAL | LAPIC_ICR_FIXED | (VEC_FIRST + VEC_LOGICAL));
    expect_counts(VEC_LOGICAL, want, "logical cluster 1");
}

static void shorthands(void)
{
    const unsigned long self[NCPU] = { 1, 0, 0, 0 }, all[NCPU] = { 1, 1, 1, 1 },
                        others[NCPU] = { 0, 1, 1, 1 }, bcast[NCPU] = { 1, 1, 1, 1 };

    send(0x55, LAPIC_ICR_SELF | (VEC_FIRST + VEC_SELF)); /* the destination is ignored */
    expect_counts(VEC_SELF, self, "self");
    send(0, LAPIC_ICR_ALL | (VEC_FIRST + VEC_ALL));
    expect_counts(VEC_ALL, all, "all including self");
    send(0, LAPIC_ICR_OTHERS | (VEC_FIRST + VEC_OTHERS));
    expect_counts(VEC_OTHERS, others, "all excluding self");
    send(0xFFFFFFFFu, LAPIC_ICR_FIXED | (VEC_FIRST + VEC_BCAST));
    expect_counts(VEC_BCAST, bcast, "broadcast");
}

/* Lowest priority to {1, 2, 3}: the vCPU with the lowest TPR (2) takes it. */
static void lowest_priority(void)
{
    const unsigned long want[NCPU] = { 0, 0, 3, 0 };

    for (unsigned int i = 1; i < NCPU; i++)
        tell(i, CMD_TPR);
    for (unsigned int n = 0; n < 3; n++) {
        send((1u << LAPIC_ID_OF(1)) | (1u << LAPIC_ID_OF(2)) | (1u << LAPIC_ID_OF(3)),
             LAPIC_ICR_LOGICAL | LAPIC_ICR_LOWEST | (VEC_FIRST + VEC_LOWEST));
        wait_count(2, VEC_LOWEST, n + 1);
    }
    expect_counts(VEC_LOWEST, want, "lowest priority");
}

static void nmi(void)
{
    send(LAPIC_ID_OF(1), LAPIC_ICR_NMI);
    for (unsigned long i = 0; i < WAIT && !nmis[1]; i++)
        relax();
    send(LAPIC_ID_OF(3), LAPIC_ICR_NMI);
    for (unsigned long i = 0; i < WAIT && !nmis[3]; i++)
        relax();
    CHECK_EQ(nmis[0], 0);
    CHECK_EQ(nmis[1], 1);
    CHECK_EQ(nmis[2], 0);
    CHECK_EQ(nmis[3], 1);
}

/* The APs send to each other at once: every IPI is counted. Each waits
 * for its target's EOI before the next (otherwise IPIs of one vector
 * coalesce in IRR, as on hardware). */
static void ring(void)
{
    const unsigned long want[NCPU] = { 0, RING_ROUNDS, RING_ROUNDS, RING_ROUNDS };

    for (unsigned int i = 1; i < NCPU; i++) {
        done[i] = 0;
        command[i] = CMD_RING;
    }
    for (unsigned int i = 1; i < NCPU; i++)
        send(LAPIC_ID_OF(i), LAPIC_ICR_FIXED | VEC_WAKE);
    for (unsigned int i = 1; i < NCPU; i++) {
        for (unsigned long n = 0; n < WAIT && !done[i]; n++)
            relax();
    }
    expect_counts(VEC_RING, want, "ring");
}

void test_main(void)
{
    guest_trap_init();
    for (unsigned int v = VEC_WAKE; v < VEC_FIRST + VEC_COUNT; v++)
        guest_irq_set(v, counting_handler);
    guest_set_trap_handler(2, nmi_handler);
    lapic_enable_x2apic();
    __asm__ volatile("sti");
    for (unsigned int i = 1; i < NCPU; i++) {
        if (!CHECK_EQ(guest_start_vcpu(i, ap_main, stacks[i] + sizeof(stacks[i])), 0))
            return;
        for (unsigned long n = 0; n < WAIT && !done[i]; n++)
            relax();
    }
    physical();
    logical();
    shorthands();
    lowest_priority();
    nmi();
    ring();
    for (unsigned int i = 1; i < NCPU; i++) {
        tell(i, CMD_STOP);
        CHECK_EQ(spurious_wakes[i], 0);
    }
    gprintf("%lu + %lu + %lu interrupts on the APs, none of their HLTs returned without one\n",
            irqs[1], irqs[2], irqs[3]);
    __asm__ volatile("cli");
}
#endif
