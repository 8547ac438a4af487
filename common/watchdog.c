/*
 * The deadlock watchdog (see watchdog.h).
 *
 * Each CPU counts its passes through the scheduler loop. At each of its
 * timer ticks a CPU looks at two counts: its own and the next CPU's (CPU
 * nr_cpus - 1 watches CPU 0). A count that has not moved for `watchdog`
 * seconds of ticks means that CPU is stuck. Watching oneself catches a CPU
 * that spins with interrupts on (a hypercall waiting for a p2m lock that a
 * forgotten put_gfn left held: its own ticks still come); watching a
 * neighbour catches one that spins with interrupts off (a lock taken with
 * spin_lock_irqsave), whose own ticks no longer come. A CPU idle in HLT is
 * woken by each tick and passes the loop, so it is never stuck; one that
 * runs a guest passes before each VMRUN, and a guest cannot stay in for
 * long: a tick makes it exit.
 *
 * Time is system time (common/timer.c), the same clock on every CPU; the
 * ticks only decide when to look. The counts are plain numbers read without
 * a lock: the watchdog needs only to see that one changes.
 */
#include "watchdog.h"
#include "arch.h"
#include "lib/cmdline.h"
#include "p2m/p2m_gfn.h"
#include "panic.h"
#include "percpu.h"
#include "printk.h"
#include "spinlock.h"
#include "timer.h"

static unsigned long watchdog_seconds = 20;
UINT_PARAM("watchdog", watchdog_seconds);

/* Written by each CPU for itself; read by its watchers. */
static uint64_t passes[MAX_CPUS];
static bool armed[MAX_CPUS];

/* What a watcher saw of the CPU it watches: its count, and since when (system
 * time) it has stayed so. [0]: itself, [1]: the next CPU. */
struct watches {
    struct watch {
        uint64_t passes;
        uint64_t since_ns;
    } of[2];
};
static DEFINE_PER_CPU(struct watches, watches);

static bool reported;

void watchdog_pass(void)
{
    unsigned int cpu = smp_processor_id();

    __atomic_store_n(&passes[cpu], passes[cpu] + 1, __ATOMIC_RELAXED);
    if (!armed[cpu])
        __atomic_store_n(&armed[cpu], true, __ATOMIC_RELEASE);
}

/* Everything that may say who is stuck on what, for every CPU. */
static void report(unsigned int stuck)
{
    printk("watchdog: CPU%u has not passed its scheduler loop for %lu s\n", stuck,
           watchdog_seconds);
    for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
        const spinlock_t *lock = spin_waiting_for(cpu);
        const char *file;
        int line;

        if (!percpu_areas[cpu].online)
            continue;
        if (lock && lock->holder != SPIN_NO_HOLDER)
            printk("watchdog: CPU%u waits for '%s' (level %u), held by CPU%u\n", cpu, lock->name,
                   lock->level, lock->holder);
        else if (lock)
            printk("watchdog: CPU%u waits for '%s' (level %u)\n", cpu, lock->name, lock->level);
        else
            printk("watchdog: CPU%u waits for no lock\n", cpu);
        if (gfn_held_by(cpu, &file, &line))
            printk("watchdog: CPU%u holds a domain's p2m: get_gfn at %s:%d\n", cpu, file, line);
    }
}

void watchdog_tick(void)
{
    unsigned int me = smp_processor_id();
    uint64_t limit_ns = watchdog_seconds * 1000000000ULL, now_ns = system_time_ns();

    if (!limit_ns)
        return;
    for (unsigned int k = 0; k < 2 && k < nr_cpus; k++) {
        unsigned int cpu = (me + k) % nr_cpus;
        struct watch *w = &this_cpu_var(watches).of[k];
        uint64_t count = __atomic_load_n(&passes[cpu], __ATOMIC_RELAXED);

        if (!__atomic_load_n(&armed[cpu], __ATOMIC_ACQUIRE) || count != w->passes) {
            w->passes = count;
            w->since_ns = now_ns;
            continue;
        }
        if (now_ns - w->since_ns < limit_ns ||
            __atomic_exchange_n(&reported, true, __ATOMIC_ACQ_REL))
            continue;
        console_break_lock(); /* the stuck CPU may hold the console */
        report(cpu);
        panic("MICA WATCHDOG: CPU%u stuck for %lu s (deadlock?); see the lines above\n", cpu,
              watchdog_seconds);
    }
}
