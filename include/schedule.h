/*
 * The scheduler: round-robin of runnable vCPUs over all CPUs.
 *
 * One global run queue (runq_lock). Every CPU runs scheduler_run(): take the
 * first runnable vCPU, run it until its time slice ends (a 10 ms local APIC
 * tick), it yields, blocks or its domain stops, then put it at the back.
 * A vCPU is on at most one CPU at a time: it leaves the queue when a CPU
 * takes it (state RUNNING) and returns only when that CPU is done with it.
 * Idle CPUs halt until an interrupt (the tick, or a kick when work arrives).
 *
 * Blocking: a blocked vCPU (SCHEDOP_block, HLT with interrupts on) is woken
 * at once by an event for it (sched_wake_vcpu, from common/event_channel.c),
 * its own timers' VIRQ_TIMER among them (common/guest_time.c), and
 * otherwise by the next tick on CPU 0, as if a 10 ms timer event had arrived
 * (Xen would let it sleep on). A vCPU in SCHEDOP_poll is woken by an event
 * on a port it polls, or when its timeout passes (a timer of its own).
 */
#ifndef MICA_SCHEDULE_H
#define MICA_SCHEDULE_H

#include "domain.h"

#define SCHED_TICK_US 10000

void scheduler_init(void);

/* Enter the scheduler on this CPU; never returns. */
__attribute__((noreturn)) void scheduler_run(void);

/* Bring an OFFLINE vCPU of a running domain up: make it runnable (or, if it
 * was stopped but has not yet left its CPU, let it carry on). Nothing for a
 * vCPU that is already up or whose domain has stopped. */
void sched_start_vcpu(struct vcpu *v);

/* Take a vCPU down (VCPUOP_down): OFFLINE at once, off the queues; if it is
 * on another CPU, that CPU is kicked and drops it at its next exit (so the
 * stop is asynchronous, except for the calling vCPU itself). */
void sched_stop_vcpu(struct vcpu *v);

/* Is v up (not OFFLINE)? A snapshot: callers that need it stable hold the
 * domain's lock, which serialises VCPUOP_up and VCPUOP_down. */
bool sched_vcpu_is_up(const struct vcpu *v);

/* Is v down and off every CPU? Then nothing runs it until someone starts
 * it again (sched_start_vcpu, which callers serialise under the domain's
 * lock): a caller holding that lock may change v's state. */
bool sched_vcpu_off_cpu(const struct vcpu *v);

/* The running vCPU v gives up its CPU (it stays runnable) / sleeps (not if
 * arch_vcpu_should_wake says an event is already waiting). */
void vcpu_yield(struct vcpu *v);
void vcpu_block(struct vcpu *v);

/* An event for v: a BLOCKED v becomes runnable now (or, if it has not yet
 * left its CPU, carries on); a v RUNNING on another CPU is kicked so it
 * sees its upcall before its next VMRUN. Callable under an event lock. */
void sched_wake_vcpu(struct vcpu *v);

/* Port `port` of v's domain became pending: wake v if it polls that port
 * (or several ports). */
void sched_wake_poller(struct vcpu *v, uint32_t port);

/* v's SCHEDOP_poll timeout (its timer, common/guest_time.c): wake v if it
 * still polls and its deadline has passed. */
void sched_poll_timeout(struct vcpu *v);

/* SCHEDOP_poll: the running v blocks polling `port` (0: several ports)
 * until deadline_ns (0: none); the caller then re-checks its ports and
 * calls sched_wake_vcpu if one is already pending. */
void sched_poll_begin(struct vcpu *v, uint32_t port, uint64_t deadline_ns);

/* A copy of v's runstate (include/runstate.h), taken under runq_lock. */
void sched_runstate_read(const struct vcpu *v, struct vcpu_runstate_info *out);

/* Should v leave its CPU now? (arch_vcpu_run asks before each VMRUN.) */
bool sched_must_leave(const struct vcpu *v);

/* The vCPU this CPU runs, or NULL when it is idle. */
DECLARE_PER_CPU(struct vcpu *, current_vcpu);
static inline struct vcpu *current_vcpu(void)
{
    return this_cpu_var(current_vcpu);
}

/* Has this CPU's timer ticked since its vCPU was scheduled in? Long
 * hypercalls check it to offer a continuation (inline: it sits in their
 * loops). */
DECLARE_PER_CPU(volatile bool, need_resched);
static inline bool sched_preempt_pending(void)
{
    return this_cpu_var(need_resched);
}

/* Pausing: the caller has moved d to DOMAIN_PAUSED (or back to RUNNING).
 * sched_pause_domain returns once none of d's vCPUs is on a CPU; their
 * runnable vCPUs wait off the queue until sched_unpause_domain. */
void sched_pause_domain(struct domain *d);
void sched_unpause_domain(struct domain *d);

/* Take every vCPU of a stopping domain off the queues; kick CPUs running
 * one. Returns true if none of them is on a CPU: the domain is then DYING
 * and the caller tears it down (otherwise the last CPU to drop one does). */
bool sched_stop_domain(struct domain *d);

#endif
