/* Built-in self-tests (see selftest.h). Test-only: nothing else calls these. */
#include "selftest.h"
#include "call_function.h"
#include "lib/cmdline.h"
#include "heap.h"
#include "lib/string.h"
#include "mm.h"
#include "p2m/p2m_gfn.h"
#include "page_alloc.h"
#include "percpu.h"
#include "printk.h"
#include "schedule.h"
#include "smp.h"
#include "spinlock.h"
#include "arch.h"

static char selftest_name[32];
STRING_PARAM("selftest", selftest_name);

bool selftest_requested(void)
{
    return selftest_name[0] != '\0';
}

/* ---- memory: every free frame, handed out once each ------------------- */

/* Each allocated block records, in its own first bytes, the next block of
 * the chain and its own mfn; reading them back proves no block was handed
 * out twice (a second owner would have overwritten the first's record). */
struct block_record {
    struct frame *next;
    unsigned int order;
    mfn_t self;
};

static uint64_t allocate_all(unsigned int max_order, struct frame **chain)
{
    uint64_t frames = 0;
    unsigned int order = max_order;

    *chain = NULL;
    for (;;) {
        struct frame *f = alloc_frames(order);
        if (!f) {
            if (order == 0)
                return frames;
            order--;
            continue;
        }
        struct block_record *rec = frame_to_virt(f);
        rec->next = *chain;
        rec->order = order;
        rec->self = frame_to_mfn(f);
        *chain = f;
        frames += 1UL << order;
    }
}

static bool free_chain(struct frame *chain, uint64_t expected_frames)
{
    uint64_t frames = 0;

    while (chain) {
        const struct block_record *rec = frame_to_virt(chain);
        struct frame *next = rec->next;

        if (!mfn_eq(rec->self, frame_to_mfn(chain)) || frames > expected_frames) {
            pr_err("selftest memory: block at mfn %#lx was handed out twice\n",
                   mfn_x(frame_to_mfn(chain)));
            return false;
        }
        frames += 1UL << rec->order;
        free_frames(chain, rec->order);
        chain = next;
    }
    return frames == expected_frames;
}

static bool test_memory(void)
{
    uint64_t blocks_before[BUDDY_NR_ORDERS], blocks_after[BUDDY_NR_ORDERS];
    uint64_t before = page_alloc_free_frames();
    static const unsigned int max_orders[] = { 0, BUDDY_MAX_ORDER, 9 };
    bool ok = true;

    page_alloc_free_blocks(blocks_before);
    for (unsigned int i = 0; i < ARRAY_SIZE(max_orders) && ok; i++) {
        struct frame *chain;
        uint64_t got = allocate_all(max_orders[i], &chain);
        uint64_t left = page_alloc_free_frames();

        printk("selftest memory: orders <= %u: allocated %lu frames of %lu free, %lu left\n",
               max_orders[i], got, before, left);
        ok = got == before && left == 0;
        ok = free_chain(chain, got) && ok;
        page_alloc_free_blocks(blocks_after);
        ok = ok && page_alloc_free_frames() == before &&
             !memcmp(blocks_before, blocks_after, sizeof(blocks_before));
        printk("selftest memory: after freeing: %lu free, free lists %s\n",
               page_alloc_free_frames(),
               memcmp(blocks_before, blocks_after, sizeof(blocks_before)) ? "differ" : "identical");
    }
    return ok;
}

/* ---- heap ---------------------------------------------------------------- */

static bool test_heap(void)
{
    enum { COUNT = 512 };
    static void *objects[COUNT];
    uint64_t before = page_alloc_free_frames();
    bool ok = true;

    for (unsigned int i = 0; i < COUNT; i++) {
        size_t size = 1 + (i * 37) % 6000;
        objects[i] = xmalloc(size);
        if (!objects[i])
            return false;
        memset(objects[i], (int)i, size);
    }
    for (unsigned int i = 0; i < COUNT; i++) {
        if (*(unsigned char *)objects[i] != (unsigned char)i)
            ok = false;
        xfree(objects[i]);
    }
    printk("selftest heap: %d objects, free frames %lu before, %lu after\n", COUNT, before,
           page_alloc_free_frames());
    return ok && page_alloc_free_frames() == before;
}

/* ---- timer ------------------------------------------------------------------ */

/*
 * The local APIC timer against an independent clock: the TSC, whose rate is
 * measured here against the PIT. Each CPU notes its tick count and the TSC
 * when its timer starts and when it stops; the ticks it took must be the
 * TSC time elapsed over the period, within TIMER_TOLERANCE_PCT percent (and
 * one tick either way for where the window cuts a period). boot_tests.py
 * runs this under QEMU's -icount, where the TSC, the PIT and the APIC timer
 * all follow the same instruction count: no host load shifts one against
 * another, and a tolerance of a few percent holds.
 */
#define TIMER_PERIOD_US 10000
#define TIMER_WINDOW_US 500000
#define TIMER_TOLERANCE_PCT 3

struct timer_sample {
    uint64_t ticks, tsc; /* the CPU's tick count and TSC at that moment */
};
static struct timer_sample timer_started[MAX_CPUS], timer_stopped[MAX_CPUS];

static struct timer_sample timer_sample(void)
{
    return (struct timer_sample){ arch_timer_ticks(smp_processor_id()), rdtsc() };
}

static void timer_start_periodic(void *arg)
{
    timer_started[smp_processor_id()] = timer_sample();
    arch_timer_periodic((uint32_t)(uintptr_t)arg);
}

static void timer_start_oneshot(void *arg)
{
    timer_started[smp_processor_id()] = timer_sample();
    arch_timer_oneshot((uint32_t)(uintptr_t)arg);
}

static void timer_stop(void *arg)
{
    (void)arg;
    arch_timer_stop();
    timer_stopped[smp_processor_id()] = timer_sample();
}

/* TSC ticks per millisecond, by the PIT: the least of three 20 ms windows
 * (a window only looks longer than it is, when the CPU notices the PIT's
 * end late). */
static uint64_t tsc_per_ms(void)
{
    uint64_t best = UINT64_MAX;

    for (int i = 0; i < 3; i++) {
        uint64_t t0 = rdtsc();
        udelay(20000);
        best = MIN(best, (rdtsc() - t0) / 20);
    }
    return best;
}

/* Wait until the TSC has run us microseconds. With halt, sleep between
 * looks until an interrupt (the timer under test ticks): under -icount a
 * CPU that spins costs real time for every instruction, one that halts
 * none. */
static void tsc_wait(uint64_t tsc_ms, uint64_t us, bool halt)
{
    uint64_t start = rdtsc();

    while (rdtsc() - start < tsc_ms * us / 1000) {
        if (halt)
            irq_enable_and_halt();
        else
            cpu_relax();
    }
}

static bool test_timer(void)
{
    uint64_t tsc_ms = tsc_per_ms();
    bool ok = tsc_ms > 0;

    printk("selftest timer: the TSC runs at %lu kHz (by the PIT)\n", tsc_ms);
    call_function_all(timer_start_periodic, (void *)(uintptr_t)TIMER_PERIOD_US);
    tsc_wait(tsc_ms, TIMER_WINDOW_US, true);
    call_function_all(timer_stop, NULL);
    for (unsigned int cpu = 0; cpu < nr_cpus && tsc_ms; cpu++) {
        uint64_t ticks = timer_stopped[cpu].ticks - timer_started[cpu].ticks;
        uint64_t elapsed_us = (timer_stopped[cpu].tsc - timer_started[cpu].tsc) * 1000 / tsc_ms;
        /* In hundredths of a tick, and the tolerance with them. */
        uint64_t expected = elapsed_us * 100 / TIMER_PERIOD_US;
        uint64_t slack = 100 + expected * TIMER_TOLERANCE_PCT / 100;
        bool good = ticks > 0 && ticks * 100 <= expected + slack && ticks * 100 + slack >= expected;

        printk("selftest timer: CPU%u: %lu periodic ticks in %lu us of TSC time at %u us period "
               "(%lu.%02lu expected): %s\n",
               cpu, ticks, elapsed_us, TIMER_PERIOD_US, expected / 100, expected % 100,
               good ? "ok" : "WRONG");
        ok = ok && good;
    }

    call_function_all(timer_start_oneshot, (void *)(uintptr_t)2000);
    tsc_wait(tsc_ms, 6000, false); /* no tick after the one-shot's to wake a halt */
    for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
        uint64_t ticks = arch_timer_ticks(cpu) - timer_started[cpu].ticks;
        printk("selftest timer: CPU%u: %lu one-shot tick(s)\n", cpu, ticks);
        ok = ok && ticks == 1;
    }
    call_function_all(timer_stop, NULL);
    return ok;
}

/* ---- cross-CPU calls ------------------------------------------------------ */

static void count_call(void *arg)
{
    __atomic_fetch_add((unsigned int *)arg, 1, __ATOMIC_RELAXED);
}

static void record_cpu(void *arg)
{
    *(unsigned int *)arg = smp_processor_id();
}

static bool test_ipi(void)
{
    unsigned int calls = 0;
    bool ok = true;

    call_function_all(count_call, &calls);
    printk("selftest ipi: call_function_all ran on %u of %u online CPUs\n", calls, cpus_online());
    ok = calls == cpus_online();
    for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
        unsigned int ran_on = ~0u;
        call_function_on(cpu, record_cpu, &ran_on);
        printk("selftest ipi: call_function_on(%u) ran on CPU%u\n", cpu, ran_on);
        ok = ok && ran_on == cpu;
    }
    return ok;
}

/* ---- deliberate failures: these end the run with MICA_EXIT_PANIC ---------- */

__attribute__((noinline)) void selftest_fault_trigger(void);
__attribute__((noinline)) void selftest_fault_trigger(void)
{
    /* Page 0 is never mapped: a NULL-pointer write must fault. The empty asm
     * hides the constant from gcc, which would otherwise refuse the store. */
    uintptr_t near_null = 0x10;

    __asm__("" : "+r"(near_null));
    *(volatile uint64_t *)near_null = 0xDEAD;
}

static bool test_fault(void)
{
    selftest_fault_trigger();
    return false; /* still here: the fault did not happen */
}

static DEFINE_SPINLOCK(selftest_outer, LOCK_LEVEL_SELFTEST_OUTER);
static DEFINE_SPINLOCK(selftest_inner, LOCK_LEVEL_SELFTEST_INNER);

static bool test_lockorder(void)
{
    /* The wrong order: inner first. Debug builds panic on the second lock. */
    spin_lock(&selftest_inner);
    spin_lock(&selftest_outer);
    spin_unlock(&selftest_outer);
    spin_unlock(&selftest_inner);
    pr_err("selftest lockorder: the violation went unnoticed (not a debug build?)\n");
    return false;
}

/* A get_gfn without its put_gfn: the check made before every VMRUN must
 * stop Mica and name this line. */
static bool test_gfnleak(void)
{
    static struct p2m p2m;
    enum p2m_type t;
    unsigned int order;

    if (p2m_init(&p2m, P2M_ORDER_2M, NULL))
        return false;
    get_gfn(&p2m, _gfn(0), &t, &order); /* and no put_gfn */
    check_no_gfn_held();
    pr_err("selftest gfnleak: the missing put_gfn went unnoticed\n");
    return false;
}

/* A deadlock for the watchdog (common/watchdog.c) to report: CPU1, in a
 * cross-CPU call (interrupts off), waits for a lock CPU0 holds and never
 * releases, while CPU0 waits for the call to end. CPU0's timer ticks, so
 * it sees CPU1 stop passing its scheduler loop, names the lock and CPU0 as
 * its holder, and panics. */
static void take_outer(void *arg)
{
    (void)arg;
    spin_lock(&selftest_outer);
}

static bool test_deadlock(void)
{
    if (nr_cpus < 2) {
        pr_err("selftest deadlock: needs two CPUs\n");
        return false;
    }
    arch_timer_periodic(SCHED_TICK_US); /* CPU0's watch needs its ticks */
    spin_lock(&selftest_outer);
    call_function_on(1, take_outer, NULL);
    pr_err("selftest deadlock: CPU1 took a lock CPU0 holds\n");
    return false;
}

static const struct {
    const char *name;
    bool (*run)(void);
} selftests[] = {
    { "memory", test_memory },   { "heap", test_heap },         { "timer", test_timer },
    { "ipi", test_ipi },         { "fault", test_fault },       { "lockorder", test_lockorder },
    { "gfnleak", test_gfnleak }, { "deadlock", test_deadlock },
};

bool selftest_run(void)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(selftests); i++) {
        if (!strcmp(selftest_name, selftests[i].name)) {
            bool passed = selftests[i].run();
            printk("selftest %s: %s\n", selftest_name, passed ? "PASS" : "FAIL");
            return passed;
        }
    }
    pr_err("selftest: no test called '%s'\n", selftest_name);
    return false;
}
