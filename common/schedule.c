/* The round-robin scheduler (see schedule.h). */
#include "schedule.h"
#include "console_input.h"
#include "domain.h"
#include "end_of_run.h"
#include "event.h"
#include "arch.h"
#include "guest_time.h"
#include "percpu.h"
#include "runstate.h"
#include "spinlock.h"
#include "timer.h"
#include "watchdog.h"

static DEFINE_SPINLOCK(runq_lock, LOCK_LEVEL_RUNQUEUE);
static struct list_head runq = LIST_HEAD_INIT(runq);       /* RUNNABLE vCPUs */
static struct list_head blocked = LIST_HEAD_INIT(blocked); /* BLOCKED, off-CPU */
static uint64_t cpu0_ticks;     /* CPU 0's ticks since boot (only CPU 0 writes it) */
static uint64_t last_wake_tick; /* cpu0_ticks at the last wake-up */

/* Is the CPU halted in the idle loop (a kick wakes it)? */
static DEFINE_PER_CPU(volatile bool, cpu_idle);
/* The vCPU this CPU runs, or NULL when idle; read inline by current_vcpu. */
DEFINE_PER_CPU(struct vcpu *, current_vcpu);
/* Set by the timer tick; read inline by sched_preempt_pending (schedule.h). */
DEFINE_PER_CPU(volatile bool, need_resched);

/* The time slice's end, every SCHED_TICK_US on each CPU (interrupt
 * context, common/timer.c). */
static void tick(void)
{
    this_cpu_var(need_resched) = true;
    if (smp_processor_id() == 0)
        cpu0_ticks++;
    watchdog_tick();
}

void scheduler_init(void)
{
    timers_init(tick, SCHED_TICK_US * 1000ULL);
}

/* Wake a halted CPU so it looks at the queue. Call with runq_lock held.
 * The fence pairs with idle()'s: a CPU sets its idle flag and then reads the
 * queue, we write the queue and then read the flags. x86 lets a load pass an
 * earlier store (APM vol. 2, 7.2 "Multiprocessor Memory Access Ordering"),
 * so without both fences each side could miss the other's write, and the
 * CPU would halt beside a queued vCPU until its next tick. */
static void kick_idle_cpu(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
        if (percpu_areas[cpu].online && per_cpu(cpu_idle, cpu) && cpu != smp_processor_id()) {
            arch_kick_cpu(cpu);
            return;
        }
    }
}

/* v's runstate (common/runstate.c) follows its state here, under runq_lock:
 * RUNNING is running, BLOCKED blocked, a queued RUNNABLE runnable; OFFLINE,
 * and a RUNNABLE vCPU parked while its domain is paused, offline (Xen too
 * counts a paused vCPU as offline). Every change of state or of the queue
 * a vCPU is on ends with this. */
static void runstate_follow(struct vcpu *v)
{
    int state = RUNSTATE_offline;

    if (v->state == VCPU_RUNNING)
        state = RUNSTATE_running;
    else if (v->state == VCPU_BLOCKED)
        state = RUNSTATE_blocked;
    else if (v->state == VCPU_RUNNABLE && list_linked(&v->runq_link))
        state = RUNSTATE_runnable;
    runstate_change(v, state);
}

void sched_runstate_read(const struct vcpu *v, struct vcpu_runstate_info *out)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    *out = v->runstate.info;
    spin_unlock_irqrestore(&runq_lock, flags);
}

/* Make v runnable; true if that put it on the queue. A paused domain's
 * runnable vCPUs stay off the queue ("parked") until sched_unpause_domain
 * puts them on it. */
static bool enqueue_nokick(struct vcpu *v)
{
    bool queued = false;

    v->state = VCPU_RUNNABLE;
    /* Already queued (put_back and an unpause can both get here for the
     * same vCPU), or parked while its domain is paused. */
    if (!list_linked(&v->runq_link) && v->domain->state != DOMAIN_PAUSED) {
        list_add_tail(&v->runq_link, &runq);
        queued = true;
    }
    runstate_follow(v);
    return queued;
}

/* ... and wake an idle CPU to run it. */
static void enqueue(struct vcpu *v)
{
    if (enqueue_nokick(v))
        kick_idle_cpu();
}

void sched_start_vcpu(struct vcpu *v)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);
    enum domain_state state = __atomic_load_n(&v->domain->state, __ATOMIC_ACQUIRE);

    /* A paused domain's vCPU starts parked (enqueue): its unpause runs it. */
    if ((state == DOMAIN_RUNNING || state == DOMAIN_PAUSED) && v->state == VCPU_OFFLINE) {
        if (v->processor >= 0) {
            v->state = VCPU_RUNNING; /* stopped, but still on its CPU: carry on */
            runstate_follow(v);
        } else {
            enqueue(v);
        }
    }
    spin_unlock_irqrestore(&runq_lock, flags);
}

void sched_stop_vcpu(struct vcpu *v)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    if (v->state == VCPU_RUNNABLE || (v->state == VCPU_BLOCKED && v->processor < 0))
        list_del(&v->runq_link);
    if (v->processor >= 0 && v->processor != (int)smp_processor_id())
        arch_kick_cpu((unsigned int)v->processor);
    /* On a CPU, it leaves at its next exit: sched_must_leave sees OFFLINE,
     * and put_back leaves an OFFLINE vCPU off every queue. */
    v->state = VCPU_OFFLINE;
    runstate_follow(v);
    spin_unlock_irqrestore(&runq_lock, flags);
}

bool sched_vcpu_is_up(const struct vcpu *v)
{
    return __atomic_load_n(&v->state, __ATOMIC_ACQUIRE) != VCPU_OFFLINE;
}

bool sched_vcpu_off_cpu(const struct vcpu *v)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);
    bool off = v->state == VCPU_OFFLINE && v->processor < 0;

    spin_unlock_irqrestore(&runq_lock, flags);
    return off;
}

void vcpu_yield(struct vcpu *v)
{
    v->yield_requested = true;
}

void vcpu_block(struct vcpu *v)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);
    /* An event already waiting keeps it running: a sender posts it (an
     * upcall, an interrupt, an NMI) before it takes this lock to wake us,
     * so either it finds us BLOCKED or we see its event here. */
    if (v->state == VCPU_RUNNING && !arch_vcpu_should_wake(v)) {
        v->state = VCPU_BLOCKED;
        runstate_follow(v);
    }
    spin_unlock_irqrestore(&runq_lock, flags);
}

/* End a poll (runq_lock held). */
static void poll_end(struct vcpu *v)
{
    if (v->evtchn.polling) {
        v->evtchn.polling = false;
        __atomic_fetch_and(&v->domain->evtchn.poll_mask, ~(1u << v->id), __ATOMIC_SEQ_CST);
    }
}

/* Make a BLOCKED v run again (runq_lock held). */
static void unblock(struct vcpu *v)
{
    poll_end(v);
    if (v->processor < 0) {
        list_del(&v->runq_link); /* off the blocked list */
        enqueue(v);
    } else {
        v->state = VCPU_RUNNING; /* still on its CPU: it carries on */
        runstate_follow(v);
    }
}

void sched_wake_vcpu(struct vcpu *v)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    if (v->state == VCPU_BLOCKED)
        unblock(v);
    else if (v->state == VCPU_RUNNING && v->processor >= 0 &&
             v->processor != (int)smp_processor_id())
        arch_kick_cpu((unsigned int)v->processor);
    spin_unlock_irqrestore(&runq_lock, flags);
}

void sched_poll_timeout(struct vcpu *v)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    if (v->state == VCPU_BLOCKED && v->evtchn.polling && evtchn_poll_expired(v))
        unblock(v);
    spin_unlock_irqrestore(&runq_lock, flags);
}

void sched_wake_poller(struct vcpu *v, uint32_t port)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    if (v->state == VCPU_BLOCKED && v->evtchn.polling &&
        (v->evtchn.poll_port == 0 || v->evtchn.poll_port == port))
        unblock(v);
    spin_unlock_irqrestore(&runq_lock, flags);
}

void sched_poll_begin(struct vcpu *v, uint32_t port, uint64_t deadline_ns)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    if (v->state == VCPU_RUNNING) {
        v->state = VCPU_BLOCKED;
        v->evtchn.polling = true;
        v->evtchn.poll_port = port;
        v->evtchn.poll_deadline = deadline_ns;
        runstate_follow(v);
    }
    spin_unlock_irqrestore(&runq_lock, flags);
}

bool sched_must_leave(const struct vcpu *v)
{
    watchdog_pass(); /* asked before every VMRUN: this CPU is not stuck */
    return v->state != VCPU_RUNNING || v->domain->state != DOMAIN_RUNNING || v->yield_requested ||
           this_cpu_var(need_resched);
}

/* The tick's wake-up for blocked vCPUs (see schedule.h): every one but
 * the pollers whose timeout has not passed. */
static void wake_blocked(void)
{
    struct list_head *pos, *tmp;

    list_for_each_safe(pos, tmp, &blocked) {
        struct vcpu *v = list_entry(pos, struct vcpu, runq_link);
        if (v->evtchn.polling && !evtchn_poll_expired(v))
            continue;
        poll_end(v);
        list_del(&v->runq_link);
        enqueue(v);
    }
}

static struct vcpu *pick_next(void)
{
    struct vcpu *v = NULL;
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    /* The tick's wake-up: once per tick of CPU 0, not at every pick. */
    if (smp_processor_id() == 0 && cpu0_ticks != last_wake_tick) {
        last_wake_tick = cpu0_ticks;
        wake_blocked();
    }
    if (!list_empty(&runq)) {
        v = list_first_entry(&runq, struct vcpu, runq_link);
        list_del(&v->runq_link);
        v->state = VCPU_RUNNING;
        v->processor = (int)smp_processor_id();
        v->yield_requested = false;
        poll_end(v); /* a poll cut short by VCPUOP_down or a pause */
        runstate_follow(v);
    }
    spin_unlock_irqrestore(&runq_lock, flags);
    return v;
}

static bool any_vcpu_on_cpu(const struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        if (d->vcpus[i]->processor >= 0)
            return true;
    }
    return false;
}

/* The one CPU that sees a stopped domain with no vCPU on a CPU moves it to
 * DYING and tears it down. Called with runq_lock held. */
static bool claim_teardown(struct domain *d)
{
    if (d->state != DOMAIN_SHUTDOWN || any_vcpu_on_cpu(d))
        return false;
    d->state = DOMAIN_DYING;
    return true;
}

/* v is about to leave this CPU: publish its runstate copy, if it has one,
 * before put_back lets another CPU take it. A vCPU still RUNNING was
 * preempted or yielded and waits from now on (runnable; offline if its
 * domain is paused or has stopped): its runstate changes here, so that the
 * copy says so (put_back would find it already changed). Without a copy
 * there is nothing to publish, and put_back does the accounting alone. */
static void publish_leaving(struct vcpu *v)
{
    unsigned long flags;
    enum domain_state state;

    if (!__atomic_load_n(&v->runstate.area, __ATOMIC_ACQUIRE))
        return;
    flags = spin_lock_irqsave(&runq_lock);
    state = __atomic_load_n(&v->domain->state, __ATOMIC_ACQUIRE);
    if (v->state == VCPU_RUNNING)
        runstate_change(v, state == DOMAIN_RUNNING ? RUNSTATE_runnable : RUNSTATE_offline);
    spin_unlock_irqrestore(&runq_lock, flags);
    runstate_publish(v);
}

/* v has left this CPU. Returns true if its domain has stopped and v was
 * the last of its vCPUs on a CPU: then this CPU tears the domain down. */
static bool put_back(struct vcpu *v)
{
    struct domain *d = v->domain;
    bool teardown = false;
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    /* Read the domain's state once: pause and unpause change it under the
     * domain lock, not this one, and two reads could see two states. */
    enum domain_state state = __atomic_load_n(&d->state, __ATOMIC_ACQUIRE);

    v->processor = -1;
    if (state != DOMAIN_RUNNING && state != DOMAIN_PAUSED) {
        v->state = VCPU_OFFLINE;
        teardown = claim_teardown(d);
    } else if (v->state == VCPU_RUNNING) {
        /* This CPU picks from the queue next: another is needed only if
         * v is not alone there (a lone yielder runs on here, as on Xen). */
        if (enqueue_nokick(v) && !list_is_singular(&runq))
            kick_idle_cpu();
    } else if (v->state == VCPU_BLOCKED) {
        list_add_tail(&v->runq_link, &blocked);
    }
    runstate_follow(v);
    spin_unlock_irqrestore(&runq_lock, flags);
    return teardown;
}

void sched_pause_domain(struct domain *d)
{
    bool on_cpu;
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (v->state == VCPU_RUNNABLE) {
            list_del(&v->runq_link); /* parked (a no-op if it already was) */
            runstate_follow(v);
        }
        if (v->processor >= 0 && v->processor != (int)smp_processor_id())
            arch_kick_cpu((unsigned int)v->processor);
    }
    spin_unlock_irqrestore(&runq_lock, flags);

    /* Synchronous, as Xen's: when we return, none of its vCPUs runs. The
     * kicked CPUs drop them at their next exit (sched_must_leave). */
    do {
        on_cpu = false;
        for (unsigned int i = 0; i < d->nr_vcpus; i++)
            on_cpu |= __atomic_load_n(&d->vcpus[i]->processor, __ATOMIC_ACQUIRE) >= 0;
        if (on_cpu)
            cpu_relax();
    } while (on_cpu);
}

void sched_unpause_domain(struct domain *d)
{
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (v->state == VCPU_RUNNABLE && v->processor < 0)
            enqueue(v); /* the parked ones */
    }
    spin_unlock_irqrestore(&runq_lock, flags);
}

bool sched_stop_domain(struct domain *d)
{
    bool teardown;
    unsigned long flags = spin_lock_irqsave(&runq_lock);

    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (v->state == VCPU_RUNNABLE || (v->state == VCPU_BLOCKED && v->processor < 0))
            list_del(&v->runq_link);
        if (v->processor >= 0 && v->processor != (int)smp_processor_id())
            arch_kick_cpu((unsigned int)v->processor);
        if (v->processor < 0)
            v->state = VCPU_OFFLINE;
        runstate_follow(v);
    }
    teardown = claim_teardown(d);
    spin_unlock_irqrestore(&runq_lock, flags);
    return teardown;
}

static void idle(void)
{
    irq_disable();
    this_cpu_var(cpu_idle) = true;
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* see kick_idle_cpu */
    if (list_empty(&runq) && !this_cpu_var(need_resched) && !timers_pending())
        irq_enable_and_halt();
    irq_disable();
    this_cpu_var(cpu_idle) = false;
    this_cpu_var(need_resched) = false;
    irq_enable();
}

void scheduler_run(void)
{
    irq_enable();
    timers_cpu_start();
    for (;;) {
        struct vcpu *v;

        watchdog_pass();
        timers_run();
        if (smp_processor_id() == 0) {
            console_input_poll();
            end_of_run_timeout_check();
        }
        v = pick_next();

        if (!v) {
            end_of_run_check();
            idle();
            continue;
        }
        this_cpu_var(current_vcpu) = v;
        this_cpu_var(need_resched) = false;
        vcpu_time_schedule_in(v);
        runstate_publish(v);
        arch_vcpu_run(v);
        vcpu_time_schedule_out(v);
        publish_leaving(v);
        this_cpu_var(current_vcpu) = NULL;
        if (put_back(v))
            domain_destroy(v->domain);
    }
}
