/*
 * Interrupts into a vCPU under SVM (arch/x86/svm/intr.c): which event goes
 * in before each VMRUN (an NMI, the event-channel callback, the local
 * APIC's highest deliverable vector), the interrupt window, NMI blocking
 * until IRET, and HLT.
 */
#ifndef MICA_X86_SVM_INTR_H
#define MICA_X86_SVM_INTR_H

#include "types.h"

struct vcpu;
struct vmcb;

/* The vCPU's own interrupt state (struct arch_vcpu member `intr`). */
struct svm_intr {
    /* Executed HLT: it runs again when it can take an interrupt, or on an
     * NMI (or INIT/start-up, which reset this). */
    bool halted;
    /* An injected NMI's handler runs: NMIs wait for its IRET. */
    bool nmi_masked;
    /* ... that IRET was intercepted at nmi_iret_rip: NMIs are unmasked
     * once RIP has moved on (the IRET completed). */
    bool nmi_iret_seen;
    uint64_t nmi_iret_rip;
};

/* With interrupts off, just before VMRUN: inject the highest-priority
 * pending event, or arm an interrupt window for it. The run loop calls it
 * only when svm_intr_pending or the CR8-write intercept says there may be
 * something to do (x86/svm_intr_path.h: the inline checks on every entry
 * and exit). */
void svm_intr_deliver(struct vcpu *v);

/* Is v halted with nothing to wake it? Then it has been blocked
 * (vcpu_block) and the run loop leaves it; false once something wakes it. */
bool svm_intr_stay_halted(struct vcpu *v);

/* Exit handlers: HLT, the interrupt window (VINTR), IRET, MOV to CR8. */
void svm_exit_hlt(struct vcpu *v, struct vmcb *vmcb);
void svm_exit_cr8_write(struct vcpu *v, struct vmcb *vmcb);
void svm_exit_vintr(struct vcpu *v, struct vmcb *vmcb);
void svm_exit_iret(struct vcpu *v, struct vmcb *vmcb);

#endif
