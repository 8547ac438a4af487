/*
 * A local APIC per vCPU (see include/x86/vlapic.h; the guest's view is
 * docs/platform.md, "Local APIC and interrupts").
 *
 * The registers are lib/apic_regs.c's model. This file binds them to a
 * vCPU: the three ways in (IA32_APIC_BASE, the x2APIC MSRs, the xAPIC MMIO
 * page), IPIs to the other vCPUs of the domain, the timer, INIT and
 * start-up.
 *
 * Who touches what. The vCPU itself, on its own CPU, does everything to
 * its APIC but two things other CPUs do: set an IRR bit (atomic, then wake
 * the vCPU: sched_wake_vcpu) and post an event that bypasses IRR (an NMI,
 * an INIT, a start-up IPI, a timer expiry: atomic flags the vCPU takes in
 * vlapic_run_events before its next entry).
 *
 * INIT and start-up change a vCPU's registers, which only the vCPU's own
 * CPU may do while it can run. The sender holds the domain's lock, which
 * serialises them with VCPUOP_up, _down and _initialise: an INIT takes the
 * target down (sched_stop_vcpu) and marks it waiting for a start-up IPI;
 * if the target has left its CPU, nothing can run it until someone holding
 * the lock starts it again, so the sender resets it at once; otherwise the
 * target applies the reset itself before its next entry (a request in
 * start_requests). A start-up IPI to a vCPU waiting for one gives it the
 * start-up state the same way and makes it runnable. A vCPU that finds
 * itself waiting for a start-up IPI takes itself down again, so a waiting
 * vCPU never runs guest code whatever VCPUOP_up says.
 *
 * The timer counts at 100 MHz (VLAPIC_BUS_CYCLE_NS, Xen's rate) on Mica's
 * system time, and fires through a struct timer (include/timer.h) whose
 * function only posts the expiry (timer_fired); the vCPU sets the IRR bit
 * and re-arms a periodic timer in vlapic_run_events. Whoever reprograms the
 * timer stops it first (timer_stop returns once the function cannot run
 * for the old arming) and then clears timer_fired, so a stale expiry never
 * fires the new one.
 */
#include "x86/vlapic.h"
#include "public/sched.h"
#include "schedule.h"
#include "spinlock.h"
#include "x86/guest.h"
#include "x86/cpuid_bits.h"
#include "x86/mmio.h"
#include "x86/msr.h"
#include "x86/vcpu.h"
#include "x86/vmcb.h"

/* A periodic timer fires at most every 100 us, as Xen's (its periodic
 * timers refuse shorter periods): a guest cannot make Mica do nothing but
 * fire its timer. */
#define MIN_PERIOD_NS 100000ULL
/* A TSC deadline further ahead than this is never reached while Mica
 * runs (decades at GHz rates); it stays set but is not armed, which keeps
 * the conversion to nanoseconds clear of overflow. */
#define MAX_TSC_AHEAD (1ULL << 56)

static struct vlapic *vl(struct vcpu *v)
{
    return &v->arch.vlapic;
}

bool vlapic_hw_enabled(const struct vcpu *v)
{
    return __atomic_load_n(&v->arch.vlapic.base_msr, __ATOMIC_RELAXED) & APIC_BASE_ENABLE;
}

/* Enabled in IA32_APIC_BASE and in SVR: the APIC accepts and delivers. */
static bool accepts_interrupts(const struct vcpu *v)
{
    return vlapic_hw_enabled(v) && apic_sw_enabled(&v->arch.vlapic.regs);
}

/* The register state INIT, or a disable-and-enable, leaves: reset
 * values, in the mode IA32_APIC_BASE selects (SDM 10.12.5.1). */
static void reset_registers(struct vcpu *v)
{
    bool x2 = v->arch.vlapic.base_msr & APIC_BASE_EXTD;

    apic_reset(&vl(v)->regs, VLAPIC_ID(v->id), x2 ? APIC_MODE_X2APIC : APIC_MODE_XAPIC);
}

/* ---- the timer -------------------------------------------------------------------- */

/* Its function, on the CPU the timer was armed on. */
static void timer_expired(void *data)
{
    struct vcpu *v = data;

    __atomic_store_n(&vl(v)->timer_fired, true, __ATOMIC_SEQ_CST);
    sched_wake_vcpu(v);
}

/* Disarm: nothing fires for the old setting once this returns. */
static void timer_disarm(struct vlapic *l)
{
    timer_stop(&l->timer);
    __atomic_store_n(&l->timer_fired, false, __ATOMIC_RELEASE);
    l->timer_deadline_ns = 0;
}

static void timer_arm(struct vlapic *l, uint64_t deadline_ns)
{
    l->timer_deadline_ns = deadline_ns;
    timer_set(&l->timer, deadline_ns);
}

/* Nanoseconds per count of the countdown under way. */
static uint64_t ns_per_count(const struct vlapic *l)
{
    return (uint64_t)VLAPIC_BUS_CYCLE_NS * l->timer_divisor;
}

/* The initial count's worth of time. */
static uint64_t period_ns(const struct vlapic *l)
{
    return l->regs.page[APIC_REG_TIMER_INITIAL / 4] * ns_per_count(l);
}

/* Counting down (one-shot, periodic) from the initial count, from now. */
static void timer_start_count(struct vlapic *l)
{
    uint64_t period;

    timer_disarm(l);
    l->timer_divisor = apic_timer_divisor(&l->regs);
    period = period_ns(l);
    if (period == 0)
        return; /* an initial count of 0 stops the timer */
    if (apic_timer_mode(&l->regs) == APIC_TIMER_PERIODIC)
        period = MAX(period, MIN_PERIOD_NS);
    timer_arm(l, system_time_ns() + period);
}

/* The current count (SDM 10.5.4): the whole counts left; 0 when the timer
 * does not count. A periodic timer past its deadline (the expiry not yet
 * applied) has reloaded and counts on. */
static uint32_t timer_current_count(const struct vlapic *l)
{
    uint64_t now = system_time_ns(), deadline = l->timer_deadline_ns;
    uint64_t period = period_ns(l);

    if (!deadline || apic_timer_mode(&l->regs) == APIC_TIMER_TSC_DEADLINE)
        return 0;
    if (now < deadline)
        return (uint32_t)((deadline - now) / ns_per_count(l));
    if (apic_timer_mode(&l->regs) != APIC_TIMER_PERIODIC || period == 0)
        return 0;
    return (uint32_t)((period - (now - deadline) % period) / ns_per_count(l));
}

/* A new divide configuration while counting: the counts left go on at the
 * new rate. */
static void timer_new_divisor(struct vlapic *l)
{
    uint32_t left = timer_current_count(l);
    bool counting = l->timer_deadline_ns && apic_timer_mode(&l->regs) != APIC_TIMER_TSC_DEADLINE;

    if (counting)
        timer_disarm(l);
    l->timer_divisor = apic_timer_divisor(&l->regs);
    if (counting)
        timer_arm(l, system_time_ns() + left * ns_per_count(l));
}

/* The LVT timer's mode changed. To or from TSC-deadline mode the timer is
 * disarmed and IA32_TSC_DEADLINE cleared (SDM 10.5.4.1); between one-shot
 * and periodic it goes on counting, and the new mode applies when the
 * count reaches 0. (The count of a one-shot or periodic timer is 0 in
 * TSC-deadline mode, so leaving that mode finds nothing counting.) */
static void timer_new_mode(struct vlapic *l)
{
    if (l->tsc_deadline || apic_timer_mode(&l->regs) == APIC_TIMER_TSC_DEADLINE) {
        timer_disarm(l);
        l->tsc_deadline = 0;
    }
}

/* IA32_TSC_DEADLINE (SDM 10.5.4.1): in TSC-deadline mode, the guest's TSC
 * value at which the timer fires (0 disarms); elsewhere writes are
 * ignored. The guest's TSC is the host's plus the VMCB's offset. */
static void timer_set_tsc_deadline(struct vcpu *v, uint64_t deadline)
{
    struct vlapic *l = vl(v);
    uint64_t now_tsc = rdtsc() + v->arch.vmcb->control.tsc_offset;
    uint64_t now = system_time_ns();

    if (apic_timer_mode(&l->regs) != APIC_TIMER_TSC_DEADLINE)
        return;
    timer_disarm(l);
    l->tsc_deadline = deadline;
    if (!deadline)
        return;
    if (deadline <= now_tsc)
        timer_arm(l, now);
    else if (deadline - now_tsc < MAX_TSC_AHEAD)
        timer_arm(l, now + time_scale_apply(system_time_scale(), deadline - now_tsc));
}

/* The timer function posted an expiry: on v's own CPU. */
static void timer_fire(struct vcpu *v)
{
    struct vlapic *l = vl(v);
    uint64_t now = system_time_ns(), deadline = l->timer_deadline_ns, period;

    if (!deadline || now < deadline)
        return; /* disarmed or moved since */
    apic_lvt_fire(&l->regs, APIC_REG_LVT_TIMER);
    switch (apic_timer_mode(&l->regs)) {
    case APIC_TIMER_PERIODIC:
        /* Reloaded from the initial count. Periods the vCPU missed while it
         * did not run are skipped: their interrupts would have coalesced
         * in IRR anyway. */
        period = MAX(period_ns(l), MIN_PERIOD_NS);
        timer_arm(l, deadline + period * ((now - deadline) / period + 1));
        break;
    case APIC_TIMER_TSC_DEADLINE:
        l->tsc_deadline = 0; /* the timer disarms itself (SDM 10.5.4.1) */
        l->timer_deadline_ns = 0;
        break;
    default:
        l->timer_deadline_ns = 0;
        break;
    }
}

/* What INIT and a disable leave: the registers reset, the timer stopped. */
static void reset_apic(struct vcpu *v)
{
    timer_disarm(vl(v));
    vl(v)->tsc_deadline = 0;
    reset_registers(v);
    vl(v)->timer_divisor = apic_timer_divisor(&vl(v)->regs);
}

void vlapic_init(struct vcpu *v)
{
    struct vlapic *l = vl(v);

    l->base_msr = APIC_BASE_DEFAULT | APIC_BASE_ENABLE | (v->id == 0 ? APIC_BASE_BSP : 0);
    timer_init(&l->timer, timer_expired, v);
    reset_apic(v);
    l->nmi_pending = false;
    l->start_requests = 0;
    l->waiting_for_sipi = v->id != 0;
}

void vlapic_destroy(struct vcpu *v)
{
    timer_kill(&vl(v)->timer);
}

/* ---- interrupts for the injection path ----------------------------------------- */

void vlapic_set_irq(struct vcpu *v, uint8_t vector)
{
    if (accepts_interrupts(v))
        apic_set_irr(&vl(v)->regs, vector);
}

int vlapic_pending_vector(const struct vcpu *v)
{
    return vlapic_hw_enabled(v) ? apic_deliverable(&v->arch.vlapic.regs) : -1;
}

int vlapic_tpr_blocked_vector(const struct vcpu *v)
{
    const struct apic_regs *a = &v->arch.vlapic.regs;
    int irr = apic_highest_irr(a), isr;
    unsigned int irr_class, isr_class;

    if (irr < 0 || !accepts_interrupts(v))
        return -1;
    isr = apic_highest_isr(a);
    isr_class = isr < 0 ? 0 : (unsigned int)isr >> 4;
    irr_class = (unsigned int)irr >> 4;
    if (irr_class <= isr_class || irr_class > vlapic_cr8(&v->arch.vlapic))
        return -1;
    return irr;
}

void vlapic_accept(struct vcpu *v, uint8_t vector)
{
    apic_accept(&vl(v)->regs, vector);
}

/* MOV to CR8 writes TPR[7:4] and clears TPR[3:0] (SDM 10.8.6.1). */
void vlapic_set_cr8(struct vcpu *v, uint8_t cr8)
{
    vl(v)->regs.page[APIC_REG_TPR / 4] = (uint32_t)(cr8 & 0xF) << 4;
}

bool vlapic_take_nmi(struct vcpu *v)
{
    return vlapic_nmi_pending(vl(v)) &&
           __atomic_exchange_n(&vl(v)->nmi_pending, false, __ATOMIC_ACQ_REL);
}

/* A per-vCPU upcall vector (HVMOP_set_evtchn_upcall_vector) is a fixed
 * interrupt of the local APIC: the guest acknowledges it with an EOI. As
 * in Xen (hvm_assert_evtchn_irq sets IRR whatever the APIC's state), the
 * request is kept even while the APIC is software-disabled and delivered
 * once it is enabled: an upcall stays pending (evtchn_upcall_pending) until
 * the guest takes it, and later events do not request it again, so one
 * dropped here would be lost for good. (Linux sets its upcall vector, and
 * the registration of its vcpu_info has made an upcall pending, before it
 * enables its APIC.) */
void arch_evtchn_inject(struct vcpu *v)
{
    uint8_t vector = __atomic_load_n(&v->evtchn.upcall_vector, __ATOMIC_ACQUIRE);

    if (vector)
        apic_set_irr(&vl(v)->regs, vector);
}

/* ---- INIT and start-up ---------------------------------------------------------- */

/* INIT (SDM 10.4.7.3): the processor's INIT state, the APIC's registers
 * reset but for the ID and the mode, nothing pending. */
static void apply_init(struct vcpu *v)
{
    svm_vcpu_reset(v);
    reset_apic(v);
    __atomic_store_n(&vl(v)->nmi_pending, false, __ATOMIC_RELEASE);
}

/* Apply requests to v, which is on this CPU or cannot run (see the top). */
static void apply_start_requests(struct vcpu *v, uint32_t requests)
{
    if (requests & VLAPIC_START_INIT)
        apply_init(v);
    if (requests & VLAPIC_START_SIPI)
        svm_vcpu_startup(v, vl(v)->sipi_vector);
}

/* Domain lock held. As in Xen (vlapic_init_sipi_one), an INIT to a vCPU
 * that has never been given registers does nothing: it is in its reset
 * state already, and its APIC keeps what was requested meanwhile (Linux
 * sets an AP's upcall vector, and so requests an upcall, before it sends
 * the INIT). Otherwise the vCPU goes down and is no longer initialised:
 * VCPUOP_initialise may give it registers again, as a start-up IPI does. */
static void deliver_init(struct vcpu *t)
{
    struct vlapic *l = vl(t);

    if (!t->initialised)
        return;
    t->initialised = false;
    l->waiting_for_sipi = true;
    sched_stop_vcpu(t);
    if (sched_vcpu_off_cpu(t)) {
        __atomic_store_n(&l->start_requests, 0, __ATOMIC_RELEASE);
        apply_init(t);
    } else {
        /* An INIT supersedes a start-up the target has not applied yet. */
        __atomic_store_n(&l->start_requests, VLAPIC_START_INIT, __ATOMIC_RELEASE);
    }
}

/* Domain lock held. A start-up IPI is ignored unless the target waits for
 * one (SDM 10.4.4.1; so the second SIPI of INIT-SIPI-SIPI finds it running). */
static void deliver_startup(struct vcpu *t, uint8_t vector)
{
    struct vlapic *l = vl(t);

    if (!l->waiting_for_sipi)
        return;
    l->waiting_for_sipi = false;
    t->initialised = true; /* it has its registers now (VCPUOP_initialise: -EEXIST) */
    l->sipi_vector = vector;
    if (sched_vcpu_off_cpu(t))
        apply_start_requests(t, __atomic_exchange_n(&l->start_requests, 0, __ATOMIC_ACQ_REL) |
                                    VLAPIC_START_SIPI);
    else
        __atomic_fetch_or(&l->start_requests, VLAPIC_START_SIPI, __ATOMIC_RELEASE);
    sched_start_vcpu(t);
}

void vlapic_run_events(struct vcpu *v)
{
    struct domain *d = v->domain;

    if (__atomic_exchange_n(&vl(v)->timer_fired, false, __ATOMIC_ACQ_REL))
        timer_fire(v);
    if (!__atomic_load_n(&vl(v)->start_requests, __ATOMIC_ACQUIRE) &&
        !vlapic_waiting_for_sipi(vl(v)))
        return;
    spin_lock(&d->lock);
    apply_start_requests(v, __atomic_exchange_n(&vl(v)->start_requests, 0, __ATOMIC_ACQ_REL));
    if (vl(v)->waiting_for_sipi)
        sched_stop_vcpu(v); /* it leaves its CPU before any guest code runs */
    spin_unlock(&d->lock);
}

/* ---- IPIs ------------------------------------------------------------------------ */

/* Lowest-priority delivery (SDM 10.6.2.4) without bus arbitration: the
 * matching vCPU whose APIC has the lowest PPR, the first by vCPU id among
 * equals. No focus processor. */
static struct vcpu *lowest_priority(struct vcpu *src, const struct apic_icr *icr)
{
    struct domain *d = src->domain;
    struct vcpu *best = NULL;
    uint32_t best_ppr = 0;

    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *t = d->vcpus[i];
        uint32_t ppr = apic_ppr(&t->arch.vlapic.regs);
        if (!accepts_interrupts(t) || !apic_match_dest(&t->arch.vlapic.regs, icr, t == src))
            continue;
        if (!best || ppr < best_ppr)
            best = t, best_ppr = ppr;
    }
    return best;
}

static void send_fixed(struct vcpu *t, uint8_t vector)
{
    vlapic_set_irq(t, vector);
    sched_wake_vcpu(t);
}

static void send_nmi(struct vcpu *t)
{
    if (vlapic_waiting_for_sipi(vl(t)))
        return; /* NMIs are held off in wait-for-SIPI */
    __atomic_store_n(&vl(t)->nmi_pending, true, __ATOMIC_SEQ_CST);
    sched_wake_vcpu(t);
}

/* INIT and start-up change the targets' state: under the domain lock. If
 * that took the last of the domain's vCPUs down, nothing can bring one
 * back: the domain powers off, as after VCPUOP_down of its last vCPU (and
 * as Xen's hvm_vcpu_down). */
static void send_start(struct vcpu *src, const struct apic_icr *icr)
{
    struct domain *d = src->domain;
    bool any_up = false;

    spin_lock(&d->lock);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *t = d->vcpus[i];
        if (!apic_match_dest(&t->arch.vlapic.regs, icr, t == src))
            continue;
        if (icr->delivery == APIC_DM_INIT)
            deliver_init(t);
        else
            deliver_startup(t, icr->vector);
    }
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        any_up |= sched_vcpu_is_up(d->vcpus[i]);
    spin_unlock(&d->lock);
    if (!any_up)
        domain_shutdown(d, SHUTDOWN_poweroff);
}

/* The ICR was written: send what it holds to the vCPUs of src's domain. */
static void send_ipi(struct vcpu *src)
{
    struct domain *d = src->domain;
    struct apic_icr icr;
    struct vcpu *t;

    if (!apic_icr_decode(&vl(src)->regs, &icr))
        return;
    switch (icr.delivery) {
    case APIC_DM_LOWEST:
        t = lowest_priority(src, &icr);
        if (t)
            send_fixed(t, icr.vector);
        return;
    case APIC_DM_INIT:
    case APIC_DM_STARTUP:
        send_start(src, &icr);
        return;
    default: /* fixed, NMI */
        for (unsigned int i = 0; i < d->nr_vcpus; i++) {
            t = d->vcpus[i];
            if (!apic_match_dest(&t->arch.vlapic.regs, &icr, t == src))
                continue;
            if (icr.delivery == APIC_DM_NMI)
                send_nmi(t);
            else
                send_fixed(t, icr.vector);
        }
        return;
    }
}

/* ---- register access (both modes) ------------------------------------------------ */

static bool read_register(struct vcpu *v, unsigned int offset, uint64_t *value)
{
    if (offset == APIC_REG_TIMER_CURRENT)
        vl(v)->regs.page[offset / 4] = timer_current_count(vl(v));
    return apic_read(&vl(v)->regs, offset, value);
}

/* false: #GP (x2APIC only). */
static bool write_register(struct vcpu *v, unsigned int offset, uint64_t value)
{
    switch (apic_write(&vl(v)->regs, offset, value)) {
    case APIC_WRITE_FAULT:
        return false;
    case APIC_WRITE_SEND_IPI:
        send_ipi(v);
        return true;
    case APIC_WRITE_TIMER_START:
        timer_start_count(vl(v));
        return true;
    case APIC_WRITE_TIMER_MODE:
        timer_new_mode(vl(v));
        return true;
    case APIC_WRITE_TIMER_DIVIDE:
        timer_new_divisor(vl(v));
        return true;
    default:
        return true;
    }
}

/* ---- IA32_APIC_BASE ---------------------------------------------------------------- */

/*
 * The modes and the moves between them (SDM 10.12.5, figure 10-27):
 * disabled (EN=0, EXTD=0) -> xAPIC (EN=1) -> x2APIC (EN=1, EXTD=1) ->
 * disabled. EN=0 with EXTD=1, x2APIC -> xAPIC and disabled -> x2APIC are
 * #GP, as are reserved bits (bits 7:0, 9, and address bits beyond the
 * guest's physical-address width). BSP is read-only. Disabling loses the
 * register state but the ID; entering x2APIC mode keeps it.
 */
static bool write_apic_base(struct vcpu *v, uint64_t value)
{
    struct vlapic *l = vl(v);
    unsigned int phys_bits = guest_cpuid(v, CPUID_LEAF_ADDRESS_SIZES, 0).eax &
                             CPUID_E8_EAX_PHYS_BITS_MASK;
    uint64_t addr_mask = APIC_BASE_ADDR_MASK & ((1ULL << phys_bits) - 1);
    uint64_t allowed = addr_mask | APIC_BASE_BSP | APIC_BASE_EXTD | APIC_BASE_ENABLE;
    bool was_en = l->base_msr & APIC_BASE_ENABLE, was_x2 = l->base_msr & APIC_BASE_EXTD;
    bool en = value & APIC_BASE_ENABLE, x2 = value & APIC_BASE_EXTD;

    if (value & ~allowed)
        return false;
    if ((x2 && !en) || (was_x2 && en && !x2) || (!was_en && x2))
        return false;
    value = (value & ~APIC_BASE_BSP) | (l->base_msr & APIC_BASE_BSP);
    __atomic_store_n(&l->base_msr, value, __ATOMIC_RELEASE);
    if (!en || (en && !was_en))
        reset_apic(v); /* disabled, or enabled again from disabled */
    else if (x2 && !was_x2)
        apic_enter_x2apic(&l->regs);
    return true;
}

/* ---- MSRs ------------------------------------------------------------------------- */

bool vlapic_msr_is_apic(uint32_t msr)
{
    return msr == MSR_APIC_BASE || msr == MSR_TSC_DEADLINE ||
           (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
}

static bool in_x2apic_mode(const struct vcpu *v)
{
    return (v->arch.vlapic.base_msr & (APIC_BASE_ENABLE | APIC_BASE_EXTD)) ==
           (APIC_BASE_ENABLE | APIC_BASE_EXTD);
}

bool vlapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *value)
{
    if (msr == MSR_APIC_BASE) {
        *value = vl(v)->base_msr;
        return true;
    }
    if (msr == MSR_TSC_DEADLINE) {
        /* Reads 0 outside TSC-deadline mode (SDM 10.5.4.1). */
        *value = apic_timer_mode(&vl(v)->regs) == APIC_TIMER_TSC_DEADLINE ? vl(v)->tsc_deadline : 0;
        return true;
    }
    /* The x2APIC MSRs exist only in x2APIC mode (SDM 10.12.1.2). */
    if (!in_x2apic_mode(v))
        return false;
    return read_register(v, (msr - MSR_X2APIC_FIRST) << 4, value);
}

bool vlapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t value)
{
    if (msr == MSR_APIC_BASE)
        return write_apic_base(v, value);
    if (msr == MSR_TSC_DEADLINE) {
        timer_set_tsc_deadline(v, value);
        return true;
    }
    if (!in_x2apic_mode(v))
        return false;
    return write_register(v, (msr - MSR_X2APIC_FIRST) << 4, value);
}

/* ---- the xAPIC MMIO page --------------------------------------------------------------- */

/*
 * Each register is the first 4 bytes of a 16-byte slot. Reads of any size
 * return the register's bytes (and 0 for the rest of the slot); a write
 * must be a 32-bit (or 64-bit, its low half counts) store at the start of
 * the slot, as the SDM asks software to use (10.4.1): other stores are
 * ignored, as are bytes beyond the register.
 */
static bool mmio_claims(const struct vcpu *v, uint64_t gpa)
{
    uint64_t base = __atomic_load_n(&v->arch.vlapic.base_msr, __ATOMIC_ACQUIRE);

    return (base & (APIC_BASE_ENABLE | APIC_BASE_EXTD)) == APIC_BASE_ENABLE &&
           (gpa & APIC_BASE_ADDR_MASK) == (base & APIC_BASE_ADDR_MASK);
}

static int mmio_read(struct vcpu *v, uint64_t gpa, unsigned int size, uint64_t *value)
{
    unsigned int offset = gpa & 0xFFF, in_slot = offset & 0xF;
    uint64_t reg = 0;

    read_register(v, offset & ~0xFu, &reg);
    reg = in_slot < 4 ? (reg & 0xFFFFFFFFu) >> (8 * in_slot) : 0;
    *value = size == 8 ? reg : reg & ((1ULL << (8 * size)) - 1);
    return 0;
}

static int mmio_write(struct vcpu *v, uint64_t gpa, unsigned int size, uint64_t value)
{
    unsigned int offset = gpa & 0xFFF;

    if ((offset & 0xF) == 0 && size >= 4)
        write_register(v, offset, (uint32_t)value);
    return 0;
}

static const struct mmio_handler vlapic_mmio = { "lapic", mmio_claims, mmio_read, mmio_write };
MMIO_HANDLER(vlapic_mmio);
