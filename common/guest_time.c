/*
 * Time as a guest sees it (see guest_time.h): pvclock, the wallclock, and
 * the vCPU timers that raise VIRQ_TIMER.
 *
 * The guest's TSC is the host's: Mica leaves the VMCB's TSC_OFFSET (offset
 * 0x50, APM vol. 2 Appendix B) at 0 and does not intercept RDTSC, so a
 * guest reads the same TSC as Mica on every CPU. Its pvclock therefore holds
 * Mica's own scale (system_time_scale) and a (TSC, system time) pair Mica
 * computed: the guest's nanoseconds are Mica's, exactly, on every vCPU.
 */
#include "guest_time.h"
#include "arch.h"
#include "compat/vcpu.h"
#include "domain.h"
#include "event.h"
#include "guest_access.h"
#include "page_alloc.h"
#include "printk.h"
#include "public/errno.h"
#include "public/vcpu.h"
#include "public/xen.h"
#include "schedule.h"

/* The time of day at system time 0, in ns since the Unix epoch. */
static uint64_t wallclock_at_boot_ns;

void guest_time_init(void)
{
    uint64_t seconds = arch_rtc_seconds(), now = system_time_ns();

    /* The clock ticks in whole seconds: this is up to a second early. */
    if (seconds * NSEC_PER_SEC > now)
        wallclock_at_boot_ns = seconds * NSEC_PER_SEC - now;
    printk("Time: the real-time clock reads %lu s since 1970 (UTC)%s\n", seconds,
           seconds ? "" : ": no valid date, guests see the wallclock at 0");
}

/* ---- pvclock ------------------------------------------------------------- */

/* Xen's version protocol: odd while the fields change (whatever the guest
 * may have written there), even after. Volatile stores stay in program
 * order, and x86 makes stores visible in that order (APM vol. 2 §7.2). */
static void pvclock_update(struct vcpu *v)
{
    struct vcpu_info *vi = __atomic_load_n(&v->evtchn.vcpu_info, __ATOMIC_ACQUIRE);
    volatile struct vcpu_time_info *ti = &vi->time;
    struct time_scale scale = system_time_scale();
    uint64_t tsc = rdtsc();

    ti->version = (ti->version + 1) | 1;
    ti->tsc_timestamp = tsc;
    ti->system_time = system_time_at_tsc(tsc);
    ti->tsc_to_system_mul = scale.mul_frac;
    ti->tsc_shift = scale.shift;
    /* Every CPU's TSC counts from one origin at one rate (arch_tsc_hz):
     * no vCPU's clock can be behind another's. */
    ti->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
    ti->version = (ti->version + 1) & ~1u;
}

/* ---- the wallclock ------------------------------------------------------- */

void guest_time_wallclock_update(struct domain *d, bool compat)
{
    uint8_t *shinfo = frame_to_virt(d->shared_info);
    volatile uint32_t *wc = (uint32_t *)(shinfo +
                                         (compat ? SHINFO_WC_VERSION_32 : SHINFO_WC_VERSION_64));
    volatile uint32_t *sec_hi = (uint32_t *)(shinfo +
                                             (compat ? SHINFO_WC_SEC_HI_32 : SHINFO_WC_SEC_HI_64));
    uint64_t seconds = wallclock_at_boot_ns / NSEC_PER_SEC;

    wc[0] = (wc[0] + 1) | 1; /* wc_version, as a pvclock's */
    wc[1] = (uint32_t)seconds;
    wc[2] = (uint32_t)(wallclock_at_boot_ns % NSEC_PER_SEC);
    *sec_hi = (uint32_t)(seconds >> 32);
    wc[0] = (wc[0] + 1) & ~1u;
}

/* ---- the vCPU timers ------------------------------------------------------ */

static void singleshot_fired(void *data)
{
    send_guest_vcpu_virq(data, VIRQ_TIMER);
}

/* The periodic timer's work, on the vCPU's CPU (its timer firing, or the
 * vCPU scheduled in): an event if a period has passed since the last one
 * (one, however many have passed), then the timer for the next. As Xen's:
 * the next period counts from when the event was sent. */
static void periodic_work(struct vcpu *v)
{
    struct vcpu_time *vt = &v->time;
    uint64_t now = system_time_ns(), next = 0;
    bool send = false;

    spin_lock(&vt->lock);
    if (vt->period_ns) {
        next = vt->last_event + vt->period_ns;
        if (now >= next) {
            send = true;
            vt->last_event = now;
            next = now + vt->period_ns;
        }
    }
    spin_unlock(&vt->lock);
    if (send)
        send_guest_vcpu_virq(v, VIRQ_TIMER);
    if (next)
        timer_set(&vt->periodic, next);
}

static void periodic_fired(void *data)
{
    periodic_work(data);
}

static void poll_timed_out(void *data)
{
    sched_poll_timeout(data);
}

void guest_time_domain_init(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu_time *vt = &d->vcpus[i]->time;
        timer_init(&vt->singleshot, singleshot_fired, d->vcpus[i]);
        timer_init(&vt->periodic, periodic_fired, d->vcpus[i]);
        timer_init(&vt->poll_timeout, poll_timed_out, d->vcpus[i]);
        spin_lock_init(&vt->lock, "vcpu_time_lock", LOCK_LEVEL_VCPU_TIME);
    }
    guest_time_wallclock_update(d, false); /* a new domain's layout is 64-bit */
}

void guest_time_domain_destroy(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu_time *vt = &d->vcpus[i]->time;
        timer_kill(&vt->singleshot);
        timer_kill(&vt->periodic);
        timer_kill(&vt->poll_timeout);
    }
}

void vcpu_time_schedule_in(struct vcpu *v)
{
    pvclock_update(v);
    if (__atomic_load_n(&v->time.period_ns, __ATOMIC_RELAXED))
        periodic_work(v);
}

void vcpu_time_schedule_out(struct vcpu *v)
{
    /* Its function runs only on this CPU, from the loop v has left: this
     * never waits. */
    timer_stop(&v->time.periodic);
}

/* A new period for target (0: none), from its first event one period on.
 * The timer itself is the target's own CPU's business: the caller changes
 * it only when it is the target, and otherwise the target's next
 * scheduling in (at least every tick), or its timer firing, picks the new
 * period up. */
static void periodic_set(struct vcpu *caller, struct vcpu *target, uint64_t period_ns)
{
    struct vcpu_time *vt = &target->time;
    uint64_t now = system_time_ns();

    spin_lock(&vt->lock);
    vt->period_ns = period_ns;
    vt->last_event = now;
    spin_unlock(&vt->lock);
    if (caller == target) {
        timer_stop(&vt->periodic);
        if (period_ns)
            timer_set(&vt->periodic, now + period_ns);
    }
}

/* Xen's bounds: at least 1 ms, and a positive s_time_t. */
#define PERIOD_MIN_NS 1000000ULL
#define PERIOD_MAX_NS 0x7FFFFFFFFFFFFFFFULL

long vcpu_time_op(struct vcpu *caller, struct vcpu *target, int cmd, uint64_t arg, bool compat)
{
    struct vcpu_set_periodic_timer periodic;
    struct vcpu_set_singleshot_timer singleshot;

    switch (cmd) {
    case VCPUOP_set_periodic_timer:
        if (copy_from_guest(caller, &periodic, arg, sizeof(periodic)))
            return -XEN_EFAULT;
        if (periodic.period_ns < PERIOD_MIN_NS || periodic.period_ns > PERIOD_MAX_NS)
            return -XEN_EINVAL;
        periodic_set(caller, target, periodic.period_ns);
        return 0;
    case VCPUOP_stop_periodic_timer:
        periodic_set(caller, target, 0);
        return 0;
    case VCPUOP_set_singleshot_timer:
        /* Xen's order: another vCPU's timer is -EINVAL before the pointer
         * is read. */
        if (target != caller)
            return -XEN_EINVAL;
        if (xlat_vcpu_set_singleshot_timer_in(caller, compat, arg, &singleshot))
            return -XEN_EFAULT;
        if ((singleshot.flags & VCPU_SSHOTTMR_future) &&
            singleshot.timeout_abs_ns < system_time_ns())
            return -XEN_ETIME;
        timer_set(&caller->time.singleshot, singleshot.timeout_abs_ns);
        return 0;
    default: /* VCPUOP_stop_singleshot_timer */
        if (target != caller)
            return -XEN_EINVAL;
        timer_stop(&caller->time.singleshot);
        return 0;
    }
}

/* Beyond 2^50 ns (13 days) ahead, or negative: Xen takes it for a wrapped
 * Linux jiffies value and fires in 100 ms instead. */
#define SET_TIMER_OP_FAR_NS (1ULL << 50)
#define SET_TIMER_OP_FALLBACK_NS 100000000ULL

long vcpu_time_set_timer_op(struct vcpu *v, int64_t timeout)
{
    uint64_t now = system_time_ns();

    if (timeout == 0)
        timer_stop(&v->time.singleshot);
    else if (timeout < 0 || (uint64_t)timeout >= now + SET_TIMER_OP_FAR_NS)
        timer_set(&v->time.singleshot, now + SET_TIMER_OP_FALLBACK_NS);
    else
        timer_set(&v->time.singleshot, (uint64_t)timeout);
    return 0;
}

void vcpu_time_poll_timeout(struct vcpu *v, uint64_t deadline_ns)
{
    timer_set(&v->time.poll_timeout, deadline_ns);
}
