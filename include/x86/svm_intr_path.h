/*
 * The checks every VMRUN and every #VMEXIT make for interrupts, inline in
 * the run loop (arch/x86/svm/vcpu.c, svm_exits.c): they cost a few
 * instructions when nothing is pending, which is nearly always; the work
 * itself is in arch/x86/svm/intr.c.
 */
#ifndef MICA_X86_SVM_INTR_PATH_H
#define MICA_X86_SVM_INTR_PATH_H

#include "domain.h"
#include "public/xen.h"
#include "x86/svm_intr.h"
#include "x86/vlapic.h"
#include "x86/vmcb.h"

/* Is an NMI, an APIC vector or an event-channel upcall pending for v? */
static inline bool svm_intr_pending(const struct vcpu *v)
{
    return vlapic_has_requests(&v->arch.vlapic) ||
           __atomic_load_n(&v->evtchn.vcpu_info->evtchn_upcall_pending, __ATOMIC_ACQUIRE);
}

/* Before VMRUN, interrupts off: V_TPR = TPR[7:4], then delivery if there
 * may be anything to deliver (or a CR8 intercept to recompute). */
static inline void svm_intr_before_entry(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;

    vmcb->control.int_ctl = (vmcb->control.int_ctl & ~INT_CTL_V_TPR) | vlapic_cr8(&v->arch.vlapic);
    if ((vmcb->control.intercept_cr_write & INTERCEPT_CR8_WRITE) || svm_intr_pending(v))
        svm_intr_deliver(v);
}

/* After each #VMEXIT: CR8 the guest wrote (V_TPR) into TPR. Only a changed
 * V_TPR is a MOV to CR8: an unchanged one leaves the sub-class (TPR[3:0])
 * the guest may have written through the register. */
static inline void svm_intr_after_exit(struct vcpu *v)
{
    uint8_t cr8 = (uint8_t)(v->arch.vmcb->control.int_ctl & INT_CTL_V_TPR);

    if (cr8 != vlapic_cr8(&v->arch.vlapic))
        vlapic_set_cr8(v, cr8);
}

#endif
