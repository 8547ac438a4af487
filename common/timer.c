/*
 * System time and timers (see timer.h).
 *
 * Each CPU owns a struct cpu_timers: its armed timers sorted by deadline
 * (lib/timer_queue.c), the timer whose function it is running, and what it
 * has programmed into its APIC timer. The queue and `running` change under
 * the CPU's lock (taken with interrupts off); `earliest`, `programmed` and
 * `next_tick` are touched only by the CPU itself with interrupts off, so the
 * timer interrupt reads them without the lock. The interrupt takes no lock
 * at all: it runs the scheduler's tick when it is due, marks the CPU's
 * timers due when the first deadline has passed, and programs the next
 * interrupt.
 *
 * timer_stop from another CPU than the timer's: under that CPU's lock it
 * takes the timer off the queue; if the CPU is running the timer's function
 * at that moment (`running`), it lets go of the lock and waits until
 * `running` changes, then looks again (the function may have re-armed it).
 * A timer is armed on one CPU at a time and its t->cpu changes only under
 * that CPU's lock, so the lock of the CPU t->cpu names is the one that
 * guards t; a caller reads t->cpu, takes that lock and checks it again.
 */
#include "timer.h"
#include "arch.h"
#include "assert.h"
#include "printk.h"
#include "spinlock.h"

struct cpu_timers {
    spinlock_t lock;
    struct list_head queue; /* armed timers, by deadline */
    struct timer *running;  /* whose function this CPU runs now, or NULL */
    uint64_t earliest;      /* the queue's first deadline as this CPU last saw it
                               (later changes by others set timers_due) */
    uint64_t programmed;    /* when the APIC timer will interrupt */
    uint64_t next_tick;     /* when the scheduler's tick is due */
    bool started;
};

static DEFINE_PER_CPU(struct cpu_timers, cpu_timers);
DEFINE_PER_CPU(volatile bool, timers_due);

static struct time_scale tsc_scale;
static uint64_t tsc_origin;
static void (*tick_fn)(void);
static uint64_t tick_ns;

/* ---- system time ---------------------------------------------------------- */

uint64_t system_time_at_tsc(uint64_t tsc)
{
    return time_scale_apply(tsc_scale, tsc - tsc_origin);
}

uint64_t system_time_ns(void)
{
    return system_time_at_tsc(rdtsc());
}

struct time_scale system_time_scale(void)
{
    return tsc_scale;
}

/* ---- this CPU's APIC timer -------------------------------------------------- */

/* Program the next interrupt for the tick or the first deadline still
 * ahead, whichever is earlier (a deadline already passed is the run of
 * timers' business, not the interrupt's). Interrupts off. */
static void program(struct cpu_timers *ct, uint64_t now)
{
    uint64_t next = ct->next_tick, delay_us;

    if (ct->earliest > now && ct->earliest < next)
        next = ct->earliest;
    /* Rounded up: the interrupt never comes before the deadline on the
     * APIC's own count (on the TSC's, the handler checks, below). */
    delay_us = next > now ? (next - now + 999) / 1000 : 1;
    arch_timer_oneshot(delay_us > UINT32_MAX ? UINT32_MAX : (uint32_t)delay_us);
    ct->programmed = next;
}

static void timer_interrupt(void)
{
    struct cpu_timers *ct = &this_cpu_var(cpu_timers);
    uint64_t now;

    if (!ct->started)
        return;
    now = system_time_ns();
    if (now >= ct->next_tick) {
        tick_fn();
        /* The next tick one period on; ticks missed (a CPU busy with
         * interrupts off) are not replayed. */
        ct->next_tick += tick_ns;
        if (ct->next_tick <= now)
            ct->next_tick = now + tick_ns;
    }
    if (now >= ct->earliest)
        this_cpu_var(timers_due) = true;
    /* The APIC's clock and the TSC disagree by their calibration errors: an
     * interrupt a little early for both just programs the next one. */
    program(ct, now);
}

void timers_init(void (*tick)(void), uint64_t period_ns)
{
    tsc_scale = time_scale_for_hz(arch_tsc_hz());
    tsc_origin = rdtsc();
    tick_fn = tick;
    tick_ns = period_ns;
    arch_timer_set_handler(timer_interrupt);
    printk("Time: system time from the TSC (%lu kHz): ns = (ticks << %d) * %u >> 32\n",
           arch_tsc_hz() / 1000, tsc_scale.shift, tsc_scale.mul_frac);
}

void timers_cpu_start(void)
{
    struct cpu_timers *ct = &this_cpu_var(cpu_timers);
    unsigned long flags;

    spin_lock_init(&ct->lock, "timer_lock", LOCK_LEVEL_TIMERS);
    list_init(&ct->queue);
    ct->running = NULL;
    ct->earliest = TIMER_QUEUE_NEVER;
    flags = irq_save();
    ct->next_tick = system_time_ns() + tick_ns;
    ct->started = true;
    program(ct, system_time_ns());
    irq_restore(flags);
}

/* ---- arming and disarming ------------------------------------------------- */

void timer_init(struct timer *t, void (*fn)(void *data), void *data)
{
    list_init(&t->entry.link);
    t->entry.deadline_ns = 0;
    t->fn = fn;
    t->data = data;
    t->cpu = -1;
}

/* t has just been queued on this CPU for deadline_ns (lock held). */
static void armed_here(struct cpu_timers *ct, uint64_t deadline_ns)
{
    uint64_t now;

    if (deadline_ns < ct->earliest)
        ct->earliest = deadline_ns;
    if (deadline_ns >= ct->programmed)
        return; /* the interrupt already programmed comes first */
    now = system_time_ns();
    if (deadline_ns <= now)
        this_cpu_var(timers_due) = true;
    else
        program(ct, now);
}

void timer_set(struct timer *t, uint64_t deadline_ns)
{
    unsigned int me = smp_processor_id(), owner;
    bool kick = false;

    for (;;) {
        int cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE), idle = -1;
        struct cpu_timers *ct;
        unsigned long flags;

        owner = cpu < 0 ? me : (unsigned int)cpu;
        ct = &per_cpu(cpu_timers, owner);
        ASSERT(ct->started);
        flags = spin_lock_irqsave(&ct->lock);
        /* Still where we saw it; an idle timer becomes ours only if no
         * other CPU claimed it meanwhile. */
        if (cpu < 0 ? !__atomic_compare_exchange_n(&t->cpu, &idle, (int)me, false, __ATOMIC_ACQ_REL,
                                                   __ATOMIC_ACQUIRE)
                    : __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE) != cpu) {
            spin_unlock_irqrestore(&ct->lock, flags);
            continue;
        }
        if (list_linked(&t->entry.link))
            list_del(&t->entry.link);
        t->entry.deadline_ns = deadline_ns;
        timer_queue_insert(&ct->queue, &t->entry);
        if (owner == me) {
            armed_here(ct, deadline_ns);
        } else if (ct->queue.next == &t->entry.link) {
            /* Now first on another CPU's queue: that CPU must look again at
             * what it programmed. */
            per_cpu(timers_due, owner) = true;
            kick = true;
        }
        spin_unlock_irqrestore(&ct->lock, flags);
        break;
    }
    if (kick)
        arch_kick_cpu(owner);
}

void timer_stop(struct timer *t)
{
    for (;;) {
        int cpu = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
        struct cpu_timers *ct;
        unsigned long flags;
        bool wait;

        if (cpu < 0)
            return; /* idle: nothing armed, nothing running */
        ct = &per_cpu(cpu_timers, cpu);
        flags = spin_lock_irqsave(&ct->lock);
        if (__atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE) != cpu) {
            spin_unlock_irqrestore(&ct->lock, flags);
            continue;
        }
        if (list_linked(&t->entry.link))
            list_del(&t->entry.link);
        /* Its function running here means we are called from it: the run
         * loop marks t idle when it returns. Running elsewhere: wait. */
        wait = ct->running == t && cpu != (int)smp_processor_id();
        if (ct->running != t)
            __atomic_store_n(&t->cpu, -1, __ATOMIC_RELEASE);
        spin_unlock_irqrestore(&ct->lock, flags);
        if (!wait)
            return;
        while (__atomic_load_n(&ct->running, __ATOMIC_ACQUIRE) == t)
            cpu_relax();
    }
}

void timer_kill(struct timer *t)
{
    timer_stop(t);
}

/* ---- running the expired ones --------------------------------------------- */

void timers_run(void)
{
    struct cpu_timers *ct = &this_cpu_var(cpu_timers);
    unsigned long flags;
    struct timer_queue_entry *e;

    if (!timers_pending())
        return;
    flags = spin_lock_irqsave(&ct->lock);
    this_cpu_var(timers_due) = false;
    while ((e = timer_queue_pop_expired(&ct->queue, system_time_ns()))) {
        struct timer *t = container_of(e, struct timer, entry);

        /* Off the queue but still this CPU's (t->cpu): a timer_set meanwhile
         * re-arms it here, a timer_stop waits for `running`. */
        __atomic_store_n(&ct->running, t, __ATOMIC_RELEASE);
        spin_unlock_irqrestore(&ct->lock, flags);
        t->fn(t->data);
        flags = spin_lock_irqsave(&ct->lock);
        if (!list_linked(&t->entry.link))
            __atomic_store_n(&t->cpu, -1, __ATOMIC_RELEASE);
        __atomic_store_n(&ct->running, NULL, __ATOMIC_RELEASE);
    }
    ct->earliest = timer_queue_earliest(&ct->queue);
    program(ct, system_time_ns());
    spin_unlock_irqrestore(&ct->lock, flags);
}
