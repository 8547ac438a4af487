/*
 * Timers: call a function at (or shortly after) a point in system time.
 *
 * System time is nanoseconds since Mica booted, read from the TSC
 * (system_time_ns). A timer fires on the CPU that set it, from that CPU's
 * scheduler loop or before its next VMRUN: with interrupts enabled and no
 * lock held, so its function may send events, wake vCPUs and take any lock.
 * It fires no earlier than its deadline and, unless the CPU is busy in
 * Mica, within TIMER_SLACK_NS after it (the CPU's APIC timer is programmed
 * for the earliest deadline, not only for the scheduler's tick).
 *
 * A struct timer lives in its owner's structure (a vCPU's singleshot timer,
 * its virtual LAPIC timer); timer_kill before freeing it.
 */
#ifndef MICA_TIMER_H
#define MICA_TIMER_H

#include "list.h"
#include "types.h"

#define TIMER_SLACK_NS 100000ULL /* 100 us */

struct timer {
    struct list_head link; /* on its CPU's list, sorted by deadline */
    uint64_t deadline_ns;
    void (*fn)(void *data);
    void *data;
    int cpu; /* the CPU whose list holds it, or -1 */
};

/* Nanoseconds since boot; monotonic, the same clock on every CPU. */
uint64_t system_time_ns(void);

void timer_init(struct timer *t, void (*fn)(void *data), void *data);
/* (Re)arm t for deadline_ns on this CPU; a deadline in the past fires at
 * the next run of this CPU's timers. */
void timer_set(struct timer *t, uint64_t deadline_ns);
/* Disarm t (no-op if not armed); once it returns, fn is not running and
 * will not run for this arming, on any CPU. */
void timer_stop(struct timer *t);
/* timer_stop, for a timer about to be freed. */
void timer_kill(struct timer *t);

/* Run this CPU's expired timers (scheduler loop and the VMRUN path). */
void timers_run(void);

#endif
