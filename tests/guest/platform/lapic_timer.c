/*
 * The local APIC timer (x2APIC mode), run under QEMU's -icount, where the
 * TSC counts virtual nanoseconds exactly (one tick per instruction, and
 * idle time skipped ahead): Mica's APIC timer counts at 100 MHz (10 ns per
 * count at divide-by-1, Xen's rate), so the guest can predict its TSC.
 *
 *  - periodic at 1 kHz (initial count 100,000): 1000 interrupts, the 1000th
 *    1,000,000,000 TSC ticks after the start, to within 0.01% + 100 us: each
 *    period is counted from the previous deadline, so only Mica's measure
 *    of the TSC rate (against the PIT over 10 ms, good to a PIT tick or
 *    84 ppm) and the last interrupt's latency (a timer may fire up to
 *    TIMER_SLACK_NS = 100 us late) separate it from the ideal;
 *  - one-shot: the current count falls at the divided rate, one interrupt,
 *    then 0; a masked entry counts but interrupts nothing; HLT wakes for it;
 *  - TSC-deadline (MSR 0x6E0): fires at the deadline, clears itself, a past
 *    deadline fires at once, 0 disarms, other modes read 0 and ignore it.
 * 64-bit only.
 */
#include "irq.h"
#include "lapic.h"
#include "test.h"

TEST_NAME("lapic_timer");

#ifndef __x86_64__
void test_main(void)
{
    guest_test_abort("64-bit only (interrupt handlers need a long-mode IDT)");
}
#else
#define VECTOR 0xE0
#define TICKS 1000
#define NS_PER_COUNT 10 /* 100 MHz at divide-by-1 */
#define DIV_1 0xB       /* divide configuration 1011b */
#define DIV_16 0x3      /* 0011b */
#define PERIODIC (1u << 17)
#define TSC_DEADLINE (2u << 17)

static volatile unsigned long ticks;
static volatile uint64_t last_tsc;

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static void handler(unsigned int vector)
{
    (void)vector;
    last_tsc = rdtsc();
    ticks++;
    lapic_eoi();
}

/* Interrupts on, halted until the next one arrives. */
static void wait_ticks(unsigned long n)
{
    while (ticks < n)
        __asm__ volatile("sti; hlt; cli" ::: "memory");
}

static uint64_t abs_diff(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

static void periodic(void)
{
    uint64_t start, elapsed, want = (uint64_t)TICKS * 1000000;

    ticks = 0;
    lapic_write(APIC_REG_TIMER_DIVIDE, DIV_1);
    lapic_write(APIC_REG_LVT_TIMER, PERIODIC | VECTOR);
    start = rdtsc();
    lapic_write(APIC_REG_TIMER_INITIAL, 100000); /* 1 ms */
    wait_ticks(TICKS);
    lapic_write(APIC_REG_TIMER_INITIAL, 0); /* stop */
    elapsed = last_tsc - start;
    gprintf("periodic 1 kHz: %lu interrupts in %lu TSC ticks (ideal %lu, off by %lu)\n",
            (unsigned long)ticks, (unsigned long)elapsed, (unsigned long)want,
            (unsigned long)abs_diff(elapsed, want));
    CHECK(abs_diff(elapsed, want) <= want / 10000 + 100000);
    CHECK_EQ(lapic_read(APIC_REG_TIMER_CURRENT), 0);
}

static void oneshot(void)
{
    uint64_t c1, c2, t1, t2;

    ticks = 0;
    /* Divide by 16: 160 ns per count. */
    lapic_write(APIC_REG_TIMER_DIVIDE, DIV_16);
    lapic_write(APIC_REG_LVT_TIMER, VECTOR);
    lapic_write(APIC_REG_TIMER_INITIAL, 1000000); /* 160 ms */
    t1 = rdtsc();
    c1 = lapic_read(APIC_REG_TIMER_CURRENT);
    for (volatile unsigned int i = 0; i < 100000; i++)
        ;
    t2 = rdtsc();
    c2 = lapic_read(APIC_REG_TIMER_CURRENT);
    CHECK(c1 <= 1000000 && c2 < c1);
    /* The counts that passed match the TSC ticks (within a few counts). */
    CHECK(abs_diff((c1 - c2) * 160, t2 - t1) < 2000);
    CHECK_EQ(ticks, 0);
    wait_ticks(1);
    CHECK_EQ(lapic_read(APIC_REG_TIMER_CURRENT), 0);
    for (unsigned int i = 0; i < 100; i++)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    CHECK_EQ(ticks, 1); /* one-shot: once */

    /* Masked: it counts, and interrupts nothing. */
    lapic_write(APIC_REG_TIMER_DIVIDE, DIV_1);
    lapic_write(APIC_REG_LVT_TIMER, APIC_LVT_MASKED | VECTOR);
    lapic_write(APIC_REG_TIMER_INITIAL, 1000);
    CHECK(lapic_read(APIC_REG_TIMER_CURRENT) <= 1000);
    t1 = rdtsc();
    while (lapic_read(APIC_REG_TIMER_CURRENT) && rdtsc() - t1 < 100000000)
        ;
    CHECK_EQ(lapic_read(APIC_REG_TIMER_CURRENT), 0);
    __asm__ volatile("sti; nop; cli");
    CHECK_EQ(ticks, 1);
}

static void tsc_deadline(void)
{
    uint64_t deadline, v = 0;

    /* Outside TSC-deadline mode the MSR reads 0 and ignores writes. */
    lapic_write(APIC_REG_LVT_TIMER, VECTOR);
    guest_wrmsr(LAPIC_MSR_TSC_DEADLINE, rdtsc() + 1000);
    CHECK_EQ(guest_rdmsr(LAPIC_MSR_TSC_DEADLINE), 0);

    ticks = 0;
    lapic_write(APIC_REG_LVT_TIMER, TSC_DEADLINE | VECTOR);
    deadline = rdtsc() + 5000000; /* 5 ms */
    guest_wrmsr(LAPIC_MSR_TSC_DEADLINE, deadline);
    CHECK_EQ(guest_rdmsr(LAPIC_MSR_TSC_DEADLINE), deadline);
    CHECK_EQ(lapic_read(APIC_REG_TIMER_CURRENT), 0);
    wait_ticks(1);
    CHECK(last_tsc >= deadline);
    CHECK(last_tsc - deadline < 200000);              /* TIMER_SLACK_NS, plus delivery */
    CHECK_EQ(guest_rdmsr(LAPIC_MSR_TSC_DEADLINE), 0); /* it disarmed itself */

    /* A deadline already past fires at once. */
    guest_wrmsr(LAPIC_MSR_TSC_DEADLINE, 1);
    wait_ticks(2);
    /* 0 disarms. */
    guest_wrmsr(LAPIC_MSR_TSC_DEADLINE, rdtsc() + 1000000);
    guest_wrmsr(LAPIC_MSR_TSC_DEADLINE, 0);
    /* Leaving the mode disarms too, and clears the MSR. */
    guest_wrmsr(LAPIC_MSR_TSC_DEADLINE, rdtsc() + 2000000);
    lapic_write(APIC_REG_LVT_TIMER, VECTOR);
    lapic_write(APIC_REG_LVT_TIMER, TSC_DEADLINE | VECTOR);
    CHECK_EQ(guest_rdmsr_safe(LAPIC_MSR_TSC_DEADLINE, &v), 0);
    CHECK_EQ(v, 0);
    deadline = rdtsc() + 10000000;
    while (rdtsc() < deadline)
        __asm__ volatile("sti; nop; cli");
    CHECK_EQ(ticks, 2);
}

void test_main(void)
{
    guest_trap_init();
    guest_irq_set(VECTOR, handler);
    CHECK(guest_cpuid(1, 0).ecx & (1u << 24)); /* TSC-deadline */
    lapic_enable_x2apic();
    periodic();
    oneshot();
    tsc_deadline();
    lapic_write(APIC_REG_LVT_TIMER, APIC_LVT_MASKED);
}
#endif
