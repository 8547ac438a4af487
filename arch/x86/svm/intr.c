/*
 * Interrupts into a vCPU under SVM (see include/x86/svm_intr.h).
 *
 * One path for every maskable interrupt. Before each VMRUN, with the
 * host's interrupts off, svm_intr_before_entry (x86/svm_intr_path.h) and
 * svm_intr_deliver pick the event to deliver,
 * in Xen's order (its hvm_vcpu_has_pending_irq):
 *
 *   1. an NMI, unless the vCPU is still in the handler of the last one;
 *   2. the event-channel upcall on the domain's callback vector
 *      (HVM_PARAM_CALLBACK_IRQ type 2): like Xen's, it bypasses the local
 *      APIC (no IRR, no ISR, no EOI, not masked by TPR) and is level-
 *      triggered, injected again while evtchn_upcall_pending stays set;
 *   3. the local APIC's highest requested vector above PPR (a per-vCPU
 *      upcall vector, HVMOP_set_evtchn_upcall_vector, is one of these: Xen
 *      sets it in IRR, so the guest acknowledges it with an EOI).
 *
 * An NMI goes in by EVENTINJ (APM vol. 2 §15.20); NMIs are then blocked
 * until the handler's IRET, which Mica intercepts (§15.9: the exit comes
 * before the IRET executes, so the block ends once RIP has moved past it).
 * An interrupt goes in by EVENTINJ when the guest can take one now:
 * RFLAGS.IF set, no interrupt shadow (§15.21.5), no other event being
 * injected; the APIC's vector then moves from IRR to ISR. Otherwise Mica
 * arms a virtual interrupt (V_IRQ, §15.21.4) with V_IGN_TPR and the VINTR
 * intercept: it never reaches the guest, but the guest exits the moment it
 * could take it, and the next entry injects.
 *
 * TPR. V_INTR_MASKING makes the guest's CR8 the VMCB's V_TPR (§15.21.1):
 * Mica copies V_TPR into TPR after each exit and TPR[7:4] into V_TPR before
 * each entry. A vector held back only by TPR waits for the guest to lower
 * it: through the TPR MSR (an exit anyway) or CR8, whose writes Mica then
 * intercepts and emulates, as KVM does on SVM. (A V_IRQ window that
 * compares with V_TPR would do without the exit, but the APM takes the
 * virtual interrupt when its priority is above V_TPR and QEMU 7.2 also
 * when equal, and QEMU cannot take a guest's CR8 write under V_IRQ at all:
 * see arm_window.)
 */
#include "x86/svm_intr_path.h"
#include "event.h"
#include "guest_access.h"
#include "schedule.h"
#include "x86/control_regs.h"
#include "x86/guest_state.h"
#include "x86/vcpu.h"
#include "x86/vlapic.h"
#include "x86/vmcb.h"

#define EXC_GP 13

/*
 * A window also intercepts MOV to CR8. QEMU 7.2 raises the virtual
 * interrupt after a guest's CR8 write with cpu_interrupt() without the
 * lock that function asserts (helper_write_crN), which aborts QEMU
 * whenever V_IRQ is set (with V_IGN_TPR, any CR8 value lets it through):
 * a guest could end the whole machine. Intercepted, the write never
 * reaches that code; Mica emulates it (svm_exit_cr8_write).
 */
static void arm_window(struct vmcb *vmcb)
{
    vmcb->control.int_ctl = (vmcb->control.int_ctl & ~INT_CTL_V_IRQ_ALL) | INT_CTL_V_IRQ |
                            INT_CTL_V_INTR_PRIO(0xF) | INT_CTL_V_IGN_TPR;
    vmcb->control.intercept_misc1 |= INTERCEPT_VINTR;
    vmcb->control.intercept_cr_write |= INTERCEPT_CR8_WRITE;
}

/* (Both intercepts go together: arm_window sets CR8's with VINTR's, and a
 * TPR-held vector sets CR8's alone.) */
static void disarm_window(struct vmcb *vmcb)
{
    vmcb->control.int_ctl &= ~INT_CTL_V_IRQ_ALL;
    vmcb->control.intercept_misc1 &= ~INTERCEPT_VINTR;
    vmcb->control.intercept_cr_write &= ~INTERCEPT_CR8_WRITE;
}

/* Still in the last NMI's handler? */
static bool nmi_blocked(const struct vcpu *v)
{
    const struct svm_intr *in = &v->arch.intr;

    return in->nmi_masked && !(in->nmi_iret_seen && v->arch.vmcb->save.rip != in->nmi_iret_rip);
}

/* The domain's callback vector if v's upcall is pending and goes there
 * (v has no vector of its own), else 0. */
static unsigned int callback_vector(const struct vcpu *v)
{
    if (!__atomic_load_n(&v->evtchn.vcpu_info->evtchn_upcall_pending, __ATOMIC_ACQUIRE))
        return 0; /* the usual case: one byte read */
    if (__atomic_load_n(&v->evtchn.upcall_vector, __ATOMIC_ACQUIRE) || !evtchn_vcpu_wants_upcall(v))
        return 0;
    return evtchn_upcall_vector(v);
}

static void inject_nmi(struct vcpu *v, struct vmcb *vmcb)
{
    vmcb->control.event_inject = EVENT_VECTOR_NMI | EVENT_TYPE_NMI | EVENT_INJECT_VALID;
    v->arch.intr.nmi_masked = true;
    v->arch.intr.nmi_iret_seen = false;
    vmcb->control.intercept_misc1 |= INTERCEPT_IRET;
}

void svm_intr_deliver(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct svm_intr *in = &v->arch.intr;
    bool busy, shadow, can_take;
    unsigned int callback;
    int vector;

    if (vmcb->control.intercept_cr_write & INTERCEPT_CR8_WRITE)
        disarm_window(vmcb); /* recomputed below */
    if (!svm_intr_pending(v))
        return;

    busy = vmcb->control.event_inject & EVENT_INJECT_VALID;
    shadow = vmcb->control.interrupt_shadow & INTERRUPT_SHADOW_ACTIVE;
    can_take = (vmcb->save.rflags & RFLAGS_IF) && !shadow && !busy;

    if (in->nmi_masked && !nmi_blocked(v))
        in->nmi_masked = in->nmi_iret_seen = false; /* its IRET has run */
    /* An NMI waits out an interrupt shadow (MOV SS) until the next entry. */
    if (!busy && !shadow && !in->nmi_masked && vlapic_take_nmi(v)) {
        inject_nmi(v, vmcb);
        busy = true;
        can_take = false;
    }

    callback = callback_vector(v);
    vector = callback ? (int)callback : vlapic_pending_vector(v);
    if (vector >= 0) {
        if (!can_take) {
            /* The priority is Mica's to judge: wait only for IF, the
             * shadow and the event in flight. */
            arm_window(vmcb);
            return;
        }
        vmcb->control.event_inject = (uint64_t)vector | EVENT_TYPE_INTR | EVENT_INJECT_VALID;
        if (!callback)
            vlapic_accept(v, (uint8_t)vector);
        if (callback || vector == __atomic_load_n(&v->evtchn.upcall_vector, __ATOMIC_RELAXED))
            v->evtchn.upcalls++;
        return;
    }

    /* Held back by TPR: the guest's CR8 writes exit until it is not. */
    if (vlapic_tpr_blocked_vector(v) >= 0)
        vmcb->control.intercept_cr_write |= INTERCEPT_CR8_WRITE;
}

void svm_exit_vintr(struct vcpu *v, struct vmcb *vmcb)
{
    (void)v;
    disarm_window(vmcb); /* the next entry injects what it waited for */
}

void svm_exit_iret(struct vcpu *v, struct vmcb *vmcb)
{
    vmcb->control.intercept_misc1 &= ~INTERCEPT_IRET;
    v->arch.intr.nmi_iret_seen = true;
    v->arch.intr.nmi_iret_rip = vmcb->save.rip;
}

/* ---- MOV to CR8, intercepted while a window is armed or TPR holds a vector ------------------------------ */

/* MOV to CR8 (or LOCK MOV to CR0, AMD's alternative encoding): QEMU has no
 * decode assists (docs/qemu.md), so the exit does not name the source
 * register; guest_cr.c reads and decodes the instruction, as for CR0 and
 * CR4. An instruction Mica cannot decode would only exit again if the
 * guest ran it: the domain is crashed instead. */
void svm_exit_cr8_write(struct vcpu *v, struct vmcb *vmcb)
{
    struct cr_write_insn insn;
    uint64_t value;

    if (!guest_cr_write_insn(v, 8, &insn)) {
        domain_crash(v->domain, "d%u v%u: CR8 write Mica cannot decode at RIP %#lx",
                     v->domain->domid, v->id, vmcb->save.rip);
        return;
    }
    value = guest_gpr(v, insn.gpr);
    if (!vcpu_in_long_mode(v))
        value = (uint32_t)value;
    if (value > 0xF) {
        svm_inject_exception(v, EXC_GP, true, 0); /* bits 63:4 are reserved */
        return;
    }
    vlapic_set_cr8(v, (uint8_t)value);
    vmcb->save.rip += insn.length;
}

/* ---- HLT ------------------------------------------------------------------------- */

static bool another_vcpu_up(const struct vcpu *v)
{
    const struct domain *d = v->domain;

    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        if (i != v->id && sched_vcpu_is_up(d->vcpus[i]))
            return true;
    }
    return false;
}

/*
 * HLT (1 byte, F4) completes (svm_handle_exit then ends an STI shadow
 * before it, as in `sti; hlt`), and the vCPU halts until it can take an interrupt or gets an NMI. With IF=0
 * only an NMI can wake it, and only another vCPU of the domain can send
 * one: alone, the vCPU has stopped for good and the domain is crashed.
 */
void svm_exit_hlt(struct vcpu *v, struct vmcb *vmcb)
{
    if (!(vmcb->save.rflags & RFLAGS_IF) && !another_vcpu_up(v)) {
        domain_crash(v->domain, "d%u v%u: HLT with interrupts disabled at RIP %#lx",
                     v->domain->domid, v->id, vmcb->save.rip);
        return;
    }
    vmcb->save.rip += 1;
    v->arch.intr.halted = true;
}

/*
 * Should v, about to block, stay awake? A start-up or an NMI always wakes
 * it. Halted (HLT), it wakes for what the CPU would take: an interrupt,
 * only with IF set. Blocked in SCHEDOP_block, for a pending upcall (as
 * before the APIC) or an interrupt it can take.
 */
bool arch_vcpu_should_wake(const struct vcpu *v)
{
    bool if_set = v->arch.vmcb->save.rflags & RFLAGS_IF;
    bool interrupt = vlapic_pending_vector(v) >= 0;

    if (vlapic_events_pending(&v->arch.vlapic) ||
        (vlapic_nmi_pending(&v->arch.vlapic) && !nmi_blocked(v)))
        return true;
    if (v->arch.intr.halted)
        return if_set && (interrupt || evtchn_vcpu_wants_upcall(v));
    return evtchn_vcpu_wants_upcall(v) || (if_set && interrupt);
}

bool svm_intr_stay_halted(struct vcpu *v)
{
    if (!v->arch.intr.halted)
        return false;
    if (arch_vcpu_should_wake(v)) {
        v->arch.intr.halted = false;
        return false;
    }
    vcpu_block(v); /* which asks arch_vcpu_should_wake again, under its lock */
    return true;
}
