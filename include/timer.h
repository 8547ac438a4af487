/*
 * Timers: call a function at (or shortly after) a point in system time.
 *
 * System time is nanoseconds since Mica booted (since timers_init), read
 * from the TSC (system_time_ns): the same clock on every CPU, and the clock
 * guests read through their pvclock (common/guest_time.c).
 *
 * Each CPU keeps its armed timers in a list sorted by deadline, under its
 * own lock (level LOCK_LEVEL_TIMERS, a leaf). Its local APIC timer is
 * programmed one-shot for the earlier of its first deadline and the
 * scheduler's next tick, so a timer fires on time even on a CPU that halts
 * in the idle loop. The interrupt itself runs no timer: it marks the CPU's
 * timers due (timers_pending), and the CPU runs them from its scheduler
 * loop or before its next VMRUN (timers_run): with interrupts enabled and no
 * lock held, so a timer's function may send events, wake vCPUs and take any
 * lock. A timer fires no earlier than its deadline and, unless the CPU is
 * busy in Mica (a long hypercall), within TIMER_SLACK_NS after it.
 *
 * Where a timer fires: a timer that is idle (not armed, its function not
 * running) is armed on the CPU that calls timer_set; one that is armed or
 * running stays on its CPU, and timer_set only moves its deadline. So a
 * timer is on one CPU's list at a time, and its function never runs on two
 * CPUs at once.
 *
 * A struct timer lives in its owner's structure (a vCPU's singleshot timer,
 * its virtual LAPIC timer); timer_kill it before freeing it. Its function
 * must not free it.
 */
#ifndef MICA_TIMER_H
#define MICA_TIMER_H

#include "lib/time_scale.h"
#include "lib/timer_queue.h"
#include "percpu.h"
#include "types.h"

#define TIMER_SLACK_NS 100000ULL /* 100 us */

struct timer {
    struct timer_queue_entry entry; /* its deadline, and its place on its CPU's
                                       list (lib/timer_queue.c) */
    void (*fn)(void *data);
    void *data;
    int cpu; /* the CPU whose list holds it or that runs its function, or -1;
                changed only under that CPU's timer lock */
};

/* Nanoseconds since boot; monotonic, the same clock on every CPU. */
uint64_t system_time_ns(void);

/* The scale from TSC ticks to nanoseconds that system time uses (the one a
 * guest's pvclock and CPUID leaf 0x40000003 report). */
struct time_scale system_time_scale(void);

/* System time at the moment this CPU's TSC read tsc (pvclock records such
 * a pair). */
uint64_t system_time_at_tsc(uint64_t tsc);

void timer_init(struct timer *t, void (*fn)(void *data), void *data);
/* (Re)arm t for deadline_ns: on this CPU if t is idle, else on the CPU that
 * has it. A deadline in the past fires at that CPU's next run of timers.
 * Callable with any lock of a level below LOCK_LEVEL_TIMERS held, and from
 * t's own function (a periodic timer re-arms itself so). */
void timer_set(struct timer *t, uint64_t deadline_ns);
/* Disarm t (nothing if it is not armed). Once it returns, t's function is
 * not running and will not run for this arming, on any CPU: if it is
 * running on another CPU, timer_stop waits until it has returned (and
 * disarms it again if it re-armed itself). So the caller must hold no lock
 * the function takes. Called from t's own function, it disarms t and
 * returns at once. Not from interrupt context. */
void timer_stop(struct timer *t);
/* timer_stop, for a timer about to be freed. */
void timer_kill(struct timer *t);

/* Start system time (its zero is now) and the timer interrupt: tick runs in
 * interrupt context every tick_ns on each CPU that has started its timers
 * (the scheduler's time slice). Boot CPU, once, before any other call here. */
void timers_init(void (*tick)(void), uint64_t tick_ns);

/* Start this CPU's timers and its tick (each CPU, once, with interrupts
 * enabled, as it enters the scheduler). */
void timers_cpu_start(void);

/* Are some of this CPU's timers due? Inline: the run loop reads it before
 * each VMRUN, with interrupts off (an interrupt that comes later forces the
 * guest straight back out). */
DECLARE_PER_CPU(volatile bool, timers_due);
static inline bool timers_pending(void)
{
    return this_cpu_var(timers_due);
}

/* Run this CPU's expired timers, if any are due (scheduler loop and the
 * VMRUN path; interrupts enabled, no lock held). */
void timers_run(void);

#endif
