/*
 * Time as a guest sees it, in Xen's ABI (common/guest_time.c,
 * docs/platform.md "Time and timers"):
 *
 *   - each vCPU's pvclock, the vcpu_time_info in its vcpu_info: system time
 *     at a TSC value and the scale from TSC ticks to nanoseconds, rewritten
 *     each time the vCPU is scheduled in (at least every 10 ms tick while it
 *     runs);
 *   - the wallclock in shared_info: the time of day at system time 0, read
 *     from the real-time clock at boot;
 *   - the vCPU's timers, which raise VIRQ_TIMER on it: the singleshot timer
 *     (VCPUOP_set_singleshot_timer, __HYPERVISOR_set_timer_op) and the
 *     periodic one (VCPUOP_set_periodic_timer), which, as in Xen, runs only
 *     while the vCPU runs; and the timeout of its SCHEDOP_poll.
 */
#ifndef MICA_GUEST_TIME_H
#define MICA_GUEST_TIME_H

#include "spinlock.h"
#include "timer.h"
#include "types.h"

struct domain;
struct vcpu;

struct vcpu_time {
    struct timer singleshot;   /* VCPUOP_set_singleshot_timer, set_timer_op */
    struct timer poll_timeout; /* SCHEDOP_poll's timeout */
    /* The periodic timer: armed only on the vCPU's own CPU while it runs
     * (scheduled in, out, or by the vCPU itself); another vCPU changes just
     * period_ns and last_event, under lock. */
    struct timer periodic;
    spinlock_t lock;     /* period_ns, last_event */
    uint64_t period_ns;  /* 0: no periodic timer */
    uint64_t last_event; /* system time of its last event (or of its setting) */
};

/* Read the real-time clock: the time of day at system time 0 (boot CPU,
 * once, after timers_init). */
void guest_time_init(void);

/* A new domain (domain_create, once shared_info and the vCPUs exist): the
 * vCPUs' timers, and the wallclock in shared_info. */
void guest_time_domain_init(struct domain *d);

/* A dying domain (domain_destroy, before its event channels close): its
 * vCPUs' timers are stopped for good. */
void guest_time_domain_destroy(struct domain *d);

/* Write the wallclock into d's shared_info in the 32-bit (compat) or 64-bit
 * layout: its offset differs. Called again whenever the layout is latched
 * (common/event_channel.c), as Xen does. */
void guest_time_wallclock_update(struct domain *d, bool compat);

/* v is about to run on this CPU / has just left it (the scheduler loop):
 * its pvclock is brought up to date, and its periodic timer starts (with
 * an event at once if a period has passed) / stops. */
void vcpu_time_schedule_in(struct vcpu *v);
void vcpu_time_schedule_out(struct vcpu *v);

/* VCPUOP_set_periodic_timer, stop_periodic_timer, set_singleshot_timer and
 * stop_singleshot_timer from caller on target (a vCPU of its domain); arg
 * is the guest pointer of the first and third, in the 32-bit layout for a
 * compat caller. 0 or -errno (guest_time.c has the rules). */
long vcpu_time_op(struct vcpu *caller, struct vcpu *target, int cmd, uint64_t arg, bool compat);

/* __HYPERVISOR_set_timer_op: the caller's singleshot timer at timeout (0:
 * stop it). Always 0. */
long vcpu_time_set_timer_op(struct vcpu *v, int64_t timeout);

/* SCHEDOP_poll with a timeout: wake v at deadline_ns if it still polls. */
void vcpu_time_poll_timeout(struct vcpu *v, uint64_t deadline_ns);

#endif
