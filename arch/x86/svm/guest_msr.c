/*
 * The MSRs a guest may read and write through Mica (all others not passed
 * through in arch/x86/svm/vcpu.c raise #GP, as on a CPU that lacks them).
 */
#include "x86/guest.h"
#include "x86/guest_mtrr.h"
#include "hypercall.h"
#include "x86/asm.h"
#include "x86/pat.h"
#include "x86/vmcb.h"
#include "x86/control_regs.h"
#include "x86/msr.h"
#include "x86/vlapic.h"

bool guest_msr_read(struct vcpu *v, uint32_t msr, uint64_t *value)
{
    struct vmcb *vmcb = v->arch.vmcb;

    switch (msr) {
    case MSR_EFER:
        /* The guest's view: LMA as the CPU keeps it, never SVME. */
        *value = (v->arch.guest_efer & ~EFER_LMA) | (vmcb->save.efer & EFER_LMA);
        return true;
    case MSR_PAT:
        *value = vmcb->save.g_pat;
        return true;
    case MSR_TSC:
        *value = rdtsc() + vmcb->control.tsc_offset;
        return true;
    case MSR_HYPERCALL_PAGE:
        *value = 0; /* write-only in effect; Xen 4.17 reads 0 too */
        return true;
    case MSR_MTRR_CAP:
    case MSR_MTRR_PHYS_BASE0 ... MSR_MTRR_PHYS_BASE0 + 2 * GUEST_MTRR_VAR - 1:
    case MSR_MTRR_FIX_64K_00000:
    case MSR_MTRR_FIX_16K_80000:
    case MSR_MTRR_FIX_16K_A0000:
    case MSR_MTRR_FIX_4K_C0000 ... MSR_MTRR_FIX_4K_C0000 + 7:
    case MSR_MTRR_DEF_TYPE:
        return guest_mtrr_read(&v->arch.mtrr, msr, value);
    default:
        /* IA32_APIC_BASE, the x2APIC registers (arch/x86/vlapic.c). */
        return vlapic_msr_is_apic(msr) && vlapic_msr_read(v, msr, value);
    }
}

bool guest_msr_write(struct vcpu *v, uint32_t msr, uint64_t value)
{
    struct vmcb *vmcb = v->arch.vmcb;

    switch (msr) {
    case MSR_EFER:
        if (value & ~(EFER_GUEST_WRITABLE | EFER_LMA))
            return false;
        /* Changing LME while paging is on is a #GP on hardware (APM §14.6.1). */
        if ((vmcb->save.cr0 & CR0_PG) && ((value ^ v->arch.guest_efer) & EFER_LME))
            return false;
        v->arch.guest_efer = value & EFER_GUEST_WRITABLE;
        /* SVM requires EFER.SVME in the guest's EFER (APM §15.5.1). */
        vmcb->save.efer = v->arch.guest_efer | (vmcb->save.efer & EFER_LMA) | EFER_SVME;
        return true;
    case MSR_PAT:
        if (!pat_valid(value))
            return false;
        vmcb->save.g_pat = value;
        return true;
    case MSR_MTRR_CAP:
    case MSR_MTRR_PHYS_BASE0 ... MSR_MTRR_PHYS_BASE0 + 2 * GUEST_MTRR_VAR - 1:
    case MSR_MTRR_FIX_64K_00000:
    case MSR_MTRR_FIX_16K_80000:
    case MSR_MTRR_FIX_16K_A0000:
    case MSR_MTRR_FIX_4K_C0000 ... MSR_MTRR_FIX_4K_C0000 + 7:
    case MSR_MTRR_DEF_TYPE:
        return guest_mtrr_write(&v->arch.mtrr, msr, value);
    case MSR_HYPERCALL_PAGE:
        /* Bits 11:0 select the page (Mica has one); the rest is its gpa. */
        if (value & HYPERCALL_PAGE_INDEX_MASK)
            return false;
        return hypercall_page_install(v->domain, value) == 0;
    default:
        return vlapic_msr_is_apic(msr) && vlapic_msr_write(v, msr, value);
    }
}
