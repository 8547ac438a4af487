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
 */
#include "x86/vlapic.h"
#include "public/sched.h"
#include "schedule.h"
#include "spinlock.h"
#include "x86/guest.h"
#include "x86/mmio.h"
#include "x86/msr.h"
#include "x86/vcpu.h"

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

void vlapic_init(struct vcpu *v)
{
    struct vlapic *l = vl(v);

    l->base_msr = APIC_BASE_DEFAULT | APIC_BASE_ENABLE | (v->id == 0 ? APIC_BASE_BSP : 0);
    reset_registers(v);
    l->nmi_pending = false;
    l->start_requests = 0;
    l->waiting_for_sipi = v->id != 0;
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
    int irr = apic_highest_irr(a), isr = apic_highest_isr(a);
    unsigned int irr_class, isr_class = isr < 0 ? 0 : (unsigned int)isr >> 4;

    if (irr < 0 || !accepts_interrupts(v))
        return -1;
    irr_class = (unsigned int)irr >> 4;
    if (irr_class <= isr_class || irr_class > vlapic_cr8(v))
        return -1;
    return irr;
}

void vlapic_accept(struct vcpu *v, uint8_t vector)
{
    apic_accept(&vl(v)->regs, vector);
}

uint8_t vlapic_cr8(const struct vcpu *v)
{
    return (uint8_t)(v->arch.vlapic.regs.page[APIC_REG_TPR / 4] >> 4);
}

/* MOV to CR8 writes TPR[7:4] and clears TPR[3:0] (SDM 10.8.6.1); an
 * unchanged CR8 leaves a sub-class the guest wrote through the register. */
void vlapic_set_cr8(struct vcpu *v, uint8_t cr8)
{
    uint32_t *tpr = &vl(v)->regs.page[APIC_REG_TPR / 4];

    if ((*tpr >> 4) != (cr8 & 0xF))
        *tpr = (uint32_t)(cr8 & 0xF) << 4;
}

bool vlapic_nmi_pending(const struct vcpu *v)
{
    return __atomic_load_n(&v->arch.vlapic.nmi_pending, __ATOMIC_ACQUIRE);
}

bool vlapic_take_nmi(struct vcpu *v)
{
    return vlapic_nmi_pending(v) &&
           __atomic_exchange_n(&vl(v)->nmi_pending, false, __ATOMIC_ACQ_REL);
}

/* A per-vCPU upcall vector (HVMOP_set_evtchn_upcall_vector) is a fixed
 * interrupt of the local APIC: the guest acknowledges it with an EOI. */
void arch_evtchn_inject(struct vcpu *v)
{
    uint8_t vector = __atomic_load_n(&v->evtchn.upcall_vector, __ATOMIC_ACQUIRE);

    if (vector)
        vlapic_set_irq(v, vector);
}

/* ---- INIT and start-up ---------------------------------------------------------- */

/* INIT (SDM 10.4.7.3): the processor's INIT state, the APIC's registers
 * reset but for the ID and the mode, nothing pending. */
static void apply_init(struct vcpu *v)
{
    svm_vcpu_reset(v);
    reset_registers(v);
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

/* Domain lock held. */
static void deliver_init(struct vcpu *t)
{
    struct vlapic *l = vl(t);

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

bool vlapic_waiting_for_sipi(const struct vcpu *v)
{
    return __atomic_load_n(&v->arch.vlapic.waiting_for_sipi, __ATOMIC_ACQUIRE);
}

bool vlapic_events_pending(const struct vcpu *v)
{
    return __atomic_load_n(&v->arch.vlapic.start_requests, __ATOMIC_ACQUIRE);
}

void vlapic_run_events(struct vcpu *v)
{
    struct domain *d = v->domain;

    if (!vlapic_events_pending(v) && !vlapic_waiting_for_sipi(v))
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
    if (vlapic_waiting_for_sipi(t))
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
    unsigned int phys_bits = guest_cpuid(v, 0x80000008, 0).eax & 0xFF;
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
        reset_registers(v); /* disabled, or enabled again from disabled */
    else if (x2 && !was_x2)
        apic_enter_x2apic(&l->regs);
    return true;
}

/* ---- MSRs ------------------------------------------------------------------------- */

bool vlapic_msr_is_apic(uint32_t msr)
{
    return msr == MSR_APIC_BASE || (msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_LAST);
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
    /* The x2APIC MSRs exist only in x2APIC mode (SDM 10.12.1.2). */
    if (!in_x2apic_mode(v))
        return false;
    return read_register(v, (msr - MSR_X2APIC_FIRST) << 4, value);
}

bool vlapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t value)
{
    if (msr == MSR_APIC_BASE)
        return write_apic_base(v, value);
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
