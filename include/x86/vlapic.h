/*
 * A vCPU's local APIC (arch/x86/vlapic.c): the register model of
 * lib/apic_regs.c bound to a vCPU, reached through IA32_APIC_BASE (MSR
 * 0x1B), the x2APIC MSRs (0x800-0x8FF), IA32_TSC_DEADLINE (0x6E0) and, in
 * xAPIC mode, the 4 KiB MMIO page at the APIC base (an emulated MMIO
 * handler, include/x86/mmio.h). It sends IPIs to the vCPUs of its domain,
 * runs the APIC timer, and holds the events that bypass IRR: NMI, INIT,
 * start-up. arch/x86/svm/intr.c turns what it requests into injections.
 * docs/platform.md, "Local APIC and interrupts", is the guest's view.
 */
#ifndef MICA_X86_VLAPIC_H
#define MICA_X86_VLAPIC_H

#include "lib/apic_regs.h"
#include "timer.h"
#include "types.h"

struct vcpu;

/* Xen's HVM convention, which the guest's ACPI MADT follows too: vCPU n
 * has APIC ID 2n (CPUID leaf 1 EBX[31:24], leaf 0xB, the ID register). */
#define VLAPIC_ID(vcpu_id) (2u * (vcpu_id))

/* The APIC timer counts at 100 MHz, 10 ns per count at divide-by-1, as
 * Xen's virtual APIC (its APIC_BUS_CYCLE_NS). */
#define VLAPIC_BUS_CYCLE_NS 10

/* Start-up requests waiting for the vCPU to apply them (vlapic.c). */
#define VLAPIC_START_INIT (1u << 0)
#define VLAPIC_START_SIPI (1u << 1)

struct vlapic {
    struct apic_regs regs; /* the registers (lib/apic_regs.c) */
    uint64_t base_msr;     /* IA32_APIC_BASE: base address, EN, EXTD, BSP */

    /* Set by any CPU, taken by the vCPU (atomic). */
    bool nmi_pending;        /* an NMI waits for injection */
    uint32_t start_requests; /* VLAPIC_START_*: see vlapic.c */
    uint8_t sipi_vector;     /* ... the start-up page of VLAPIC_START_SIPI */

    /* Waiting for a start-up IPI: from creation (vCPUs but 0) until a SIPI
     * or VCPUOP_initialise starts it, and after each INIT. Under the
     * domain's lock. */
    bool waiting_for_sipi;

    /* The APIC timer (vlapic.c, "the timer"). timer fires at
     * timer_deadline_ns (0: not armed): when the count reaches 0 (one-shot,
     * periodic; it counts down from the initial count at timer_divisor), or
     * at IA32_TSC_DEADLINE (tsc_deadline, 0: disarmed). Its function, on
     * whatever CPU it fires, only sets timer_fired and wakes the vCPU, which
     * does the rest itself. */
    struct timer timer;
    uint64_t timer_deadline_ns;
    unsigned int timer_divisor;
    uint64_t tsc_deadline;
    bool timer_fired;
};

/* Reset values at creation (arch_vcpu_init): xAPIC mode at 0xFEE00000,
 * enabled, BSP on vCPU 0; vCPUs but 0 wait for a start-up IPI. */
void vlapic_init(struct vcpu *v);
/* Stop the timer before the vCPU is freed (arch_vcpu_destroy). */
void vlapic_destroy(struct vcpu *v);

/* RDMSR/WRMSR of IA32_APIC_BASE, the x2APIC range and IA32_TSC_DEADLINE:
 * false means #GP. */
bool vlapic_msr_read(struct vcpu *v, uint32_t msr, uint64_t *value);
bool vlapic_msr_write(struct vcpu *v, uint32_t msr, uint64_t value);
bool vlapic_msr_is_apic(uint32_t msr);

/* Is the APIC enabled in IA32_APIC_BASE (CPUID leaf 1 EDX.APIC follows)? */
bool vlapic_hw_enabled(const struct vcpu *v);

/* ---- the run loop (arch/x86/svm/vcpu.c, intr.c), on v's own CPU -------- */

/* The questions the run loop asks before every entry are inline, on the
 * vCPU's `struct vlapic` (&v->arch.vlapic): one or two loads each. */

/* Is something posted that vlapic_run_events applies: an INIT or start-up
 * IPI, a timer expiry? */
static inline bool vlapic_events_pending(const struct vlapic *l)
{
    return __atomic_load_n(&l->start_requests, __ATOMIC_ACQUIRE) ||
           __atomic_load_n(&l->timer_fired, __ATOMIC_ACQUIRE);
}

/* Waiting for a start-up IPI: the vCPU must not run. */
static inline bool vlapic_waiting_for_sipi(const struct vlapic *l)
{
    return __atomic_load_n(&l->waiting_for_sipi, __ATOMIC_ACQUIRE);
}

/* Is an NMI pending, or a vector requested (IRR not empty)? */
static inline bool vlapic_has_requests(const struct vlapic *l)
{
    return __atomic_load_n(&l->nmi_pending, __ATOMIC_ACQUIRE) || apic_irr_pending(&l->regs);
}

static inline bool vlapic_nmi_pending(const struct vlapic *l)
{
    return __atomic_load_n(&l->nmi_pending, __ATOMIC_ACQUIRE);
}

/* TPR[7:4] as CR8 shows it. */
static inline uint8_t vlapic_cr8(const struct vlapic *l)
{
    return (uint8_t)(l->regs.page[APIC_REG_TPR / 4] >> 4);
}

/* Apply what vlapic_events_pending or vlapic_waiting_for_sipi found
 * (taking the domain's lock for INIT and start-up). */
void vlapic_run_events(struct vcpu *v);

/* The vector the APIC presents now (above PPR, enabled), or -1. */
int vlapic_pending_vector(const struct vcpu *v);
/* The highest requested vector held back only by TPR (its class is above
 * the in-service class but not above TPR's), or -1. */
int vlapic_tpr_blocked_vector(const struct vcpu *v);
/* The vCPU takes vector: IRR -> ISR. */
void vlapic_accept(struct vcpu *v, uint8_t vector);

/* A guest's MOV to CR8 (through V_TPR, or emulated). */
void vlapic_set_cr8(struct vcpu *v, uint8_t cr8);

/* Take the pending NMI, if any. */
bool vlapic_take_nmi(struct vcpu *v);

/* ---- from any CPU ---------------------------------------------------- */

/* A fixed interrupt for v: its IRR bit, if v's APIC is enabled (a
 * disabled APIC accepts none). The caller wakes v (sched_wake_vcpu). */
void vlapic_set_irq(struct vcpu *v, uint8_t vector);

#endif
