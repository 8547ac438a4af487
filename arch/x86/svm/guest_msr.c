/*
 * The MSRs a guest may read and write through Mica (all others not passed
 * through in arch/x86/svm/vcpu.c raise #GP, as on a CPU that lacks them).
 */
#include "x86/guest.h"
#include "x86/guest_mtrr.h"
#include "hypercall.h"
#include "x86/asm.h"
#include "x86/guest_state.h"
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
    case MSR_DEBUGCTL:
        *value = vmcb->save.dbgctl;
        return true;
    /* What the processor recorded with LBR virtualisation, which Mica does
     * not enable: 0, as under Xen without it. */
    case MSR_LAST_BRANCH_FROM_IP:
        *value = vmcb->save.br_from;
        return true;
    case MSR_LAST_BRANCH_TO_IP:
        *value = vmcb->save.br_to;
        return true;
    case MSR_LAST_EXCP_FROM_IP:
        *value = vmcb->save.last_excp_from;
        return true;
    case MSR_LAST_EXCP_TO_IP:
        *value = vmcb->save.last_excp_to;
        return true;
    case MSR_TSC_AUX:
        if (!guest_has_tsc_aux(v))
            return false;
        *value = v->arch.tsc_aux;
        return true;
    default:
        /* The MTRRs (guest_mtrr.c), IA32_APIC_BASE and the x2APIC registers
         * (arch/x86/vlapic.c), then the performance counters (guest_pmu.c). */
        if (guest_mtrr_is_mtrr(msr))
            return guest_mtrr_read(&v->arch.mtrr, msr, value);
        if (vlapic_msr_is_apic(msr))
            return vlapic_msr_read(v, msr, value);
        return guest_pmu_msr_read(msr, value);
    }
}

bool guest_msr_write(struct vcpu *v, uint32_t msr, uint64_t value)
{
    struct vmcb *vmcb = v->arch.vmcb;

    switch (msr) {
    case MSR_EFER: {
        struct guest_cr_features features;
        struct guest_cr_state state;
        uint64_t allowed;

        guest_cr_features(v, &features);
        guest_cr_state(v, &state);
        allowed = guest_efer_allowed(&features);
        if (guest_efer_check(&state, allowed, value))
            return false;
        v->arch.guest_efer = value & allowed;
        vmcb->save.efer = guest_efer_in_vmcb(v->arch.guest_efer, vmcb->save.cr0);
        return true;
    }
    case MSR_PAT:
        if (!pat_valid(value))
            return false;
        vmcb->save.g_pat = value;
        return true;
    case MSR_HYPERCALL_PAGE:
        /* Bits 11:0 select the page (Mica has one); the rest is its gpa. */
        if (value & HYPERCALL_PAGE_INDEX_MASK)
            return false;
        return hypercall_page_install(v->domain, value) == 0;
    case MSR_DEBUGCTL:
        /* LBR and BTF are kept and read back, without effect: Mica enables
         * no LBR virtualisation, as Xen without it (APM §15.23). The other
         * bits are reserved (APM §13.1.1.6; Xen 4.17 keeps them too). */
        if (value & ~(DEBUGCTL_LBR | DEBUGCTL_BTF))
            return false;
        vmcb->save.dbgctl = value;
        return true;
    case MSR_TSC_AUX:
        /* Bits 63:32 are reserved (Xen: #GP). */
        if (!guest_has_tsc_aux(v) || (value >> 32))
            return false;
        guest_tsc_aux_write(v, (uint32_t)value);
        return true;
    default:
        if (guest_mtrr_is_mtrr(msr))
            return guest_mtrr_write(&v->arch.mtrr, msr, value);
        if (vlapic_msr_is_apic(msr))
            return vlapic_msr_write(v, msr, value);
        return guest_pmu_msr_write(msr);
    }
}
