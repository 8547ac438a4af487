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
#include "timer.h"

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

/* ---- timer: system time against the PIT; timers on this CPU and another -- */

struct fire_record {
    uint64_t deadline, armed, at; /* due at the later of deadline and armed */
    unsigned int cpu, rank, count;
};

#define LOCAL_TIMERS 6
static struct timer local_timers[LOCAL_TIMERS], remote_timer, alarm;
static struct fire_record local_fired[LOCAL_TIMERS], remote_fired;
static unsigned int fire_rank;

static void record_fire(void *arg)
{
    struct fire_record *r = arg;

    r->at = system_time_ns();
    r->cpu = smp_processor_id();
    r->rank = __atomic_fetch_add(&fire_rank, 1, __ATOMIC_ACQ_REL);
    __atomic_fetch_add(&r->count, 1, __ATOMIC_ACQ_REL);
}

static void nothing(void *arg)
{
    (void)arg;
}

/* Run this CPU's timers, halting between interrupts, until system time
 * `until` (an alarm timer ends the last halt on time). */
static void run_timers_until(uint64_t until)
{
    timer_set(&alarm, until);
    while (system_time_ns() < until) {
        timers_run();
        irq_disable();
        if (!timers_pending())
            irq_enable_and_halt();
        irq_enable();
    }
    timers_run();
}

/* How late r fired: after its deadline, or after it was armed if that
 * deadline had passed already. */
static uint64_t lateness(const struct fire_record *r)
{
    return r->at - MAX(r->deadline, r->armed);
}

static bool fired_on_time(const char *what, const struct fire_record *r, unsigned int cpu)
{
    bool ok = r->count == 1 && r->cpu == cpu && r->at >= r->deadline &&
              lateness(r) <= TIMER_SLACK_NS;

    if (!ok)
        printk("selftest timer: %s: fired %u time(s), on CPU%u, %ld ns after its deadline\n", what,
               r->count, r->cpu, (long)(r->at - r->deadline));
    return ok;
}

/* Deadlines (ms from now) of the local timers: ties fire in arming order,
 * one is already past, and the last is stopped before it fires. */
static const int local_deadline_ms[LOCAL_TIMERS] = { 3, 1, 2, 2, -1, 4 };
static const unsigned int local_rank[LOCAL_TIMERS - 1] = { 4, 1, 2, 3, 0 };

static bool test_local_timers(void)
{
    uint64_t now = system_time_ns();
    uint64_t latest = 0;
    bool ok = true;

    for (unsigned int i = 0; i < LOCAL_TIMERS; i++) {
        local_fired[i].deadline = now + (int64_t)local_deadline_ms[i] * 1000000;
        local_fired[i].armed = now;
        timer_init(&local_timers[i], record_fire, &local_fired[i]);
        timer_set(&local_timers[i], local_fired[i].deadline);
    }
    timer_stop(&local_timers[LOCAL_TIMERS - 1]);
    run_timers_until(now + 10000000);
    for (unsigned int i = 0; i < LOCAL_TIMERS - 1; i++) {
        ok = fired_on_time("local timer", &local_fired[i], 0) && ok;
        ok = ok && local_fired[i].rank == local_rank[i];
        latest = MAX(latest, lateness(&local_fired[i]));
    }
    ok = ok && local_fired[LOCAL_TIMERS - 1].count == 0;
    printk("selftest timer: CPU0: %u timers fired in deadline order, at most %lu ns late; "
           "the stopped one never fired\n",
           LOCAL_TIMERS - 1, latest);
    return ok;
}

static void arm_here(void *deadline)
{
    timer_set(&remote_timer, *(uint64_t *)deadline);
}

/* A timer another CPU arms fires there; set from here it keeps its CPU and
 * only moves; stopped from here before its deadline it never fires. */
static bool test_remote_timer(unsigned int cpu)
{
    uint64_t far = system_time_ns() + 20000000;
    bool ok;

    remote_fired = (struct fire_record){ 0 };
    timer_init(&remote_timer, record_fire, &remote_fired);
    call_function_on(cpu, arm_here, &far);
    remote_fired.armed = system_time_ns();
    remote_fired.deadline = remote_fired.armed + 3000000;
    timer_set(&remote_timer, remote_fired.deadline); /* moved, still on cpu */
    run_timers_until(far + 2000000);
    ok = fired_on_time("remote timer", &remote_fired, cpu);

    remote_fired.count = 0;
    far = system_time_ns() + 5000000;
    call_function_on(cpu, arm_here, &far);
    timer_stop(&remote_timer);
    run_timers_until(far + 5000000);
    ok = ok && remote_fired.count == 0;
    printk("selftest timer: CPU%u: a timer moved from CPU0 fired there %lu ns late; one "
           "stopped from CPU0 never fired\n",
           cpu, lateness(&remote_fired));
    return ok;
}

/* A function that runs 2 ms and re-arms its timer each time: timer_stop
 * from here while it runs returns only once it has returned, and it never
 * runs again. */
static volatile bool busy;
static unsigned int busy_runs;

static void busy_fn(void *arg)
{
    uint64_t end = system_time_ns() + 2000000;

    (void)arg;
    busy = true;
    while (system_time_ns() < end)
        cpu_relax();
    timer_set(&remote_timer, system_time_ns() + 1000000);
    __atomic_fetch_add(&busy_runs, 1, __ATOMIC_ACQ_REL);
    busy = false;
}

static bool test_stop_while_running(unsigned int cpu)
{
    uint64_t now = system_time_ns(), until = now + 50000000;
    unsigned int runs;
    bool ok;

    timer_init(&remote_timer, busy_fn, NULL);
    call_function_on(cpu, arm_here, &now);
    while (!busy && system_time_ns() < until)
        cpu_relax();
    timer_stop(&remote_timer);
    runs = __atomic_load_n(&busy_runs, __ATOMIC_ACQUIRE);
    ok = !busy && runs >= 1;
    run_timers_until(system_time_ns() + 5000000);
    ok = ok && __atomic_load_n(&busy_runs, __ATOMIC_ACQUIRE) == runs;
    printk("selftest timer: CPU%u: timer_stop from CPU0 waited for the running function "
           "(%u run(s)), which re-armed it and never ran again\n",
           cpu, runs);
    return ok;
}

static bool test_timer(void)
{
    uint64_t start = system_time_ns(), elapsed;
    bool ok;

    /* Both clocks were measured against the PIT at boot: they must agree
     * with it now (within 0.1% and the wait's own overshoot). */
    udelay(20000);
    elapsed = system_time_ns() - start;
    ok = elapsed >= 19980000 && elapsed <= 20400000;
    printk("selftest timer: 20 ms of the PIT took %lu ns of system time\n", elapsed);

    /* The other CPUs run their timers in the scheduler; this one has not
     * entered it, so start its timers here. */
    timers_cpu_start();
    timer_init(&alarm, nothing, NULL);
    ok = test_local_timers() && ok;
    if (nr_cpus > 1)
        ok = test_remote_timer(1) && test_stop_while_running(1) && ok;
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
    timers_cpu_start(); /* CPU0's watch needs its ticks */
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
