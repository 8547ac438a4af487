/*
 * Performance counters as a guest sees them: present but stopped.
 *
 * Mica gives guests no virtual PMU. Xen 4.17 without vPMU (its default)
 * answers the AMD counter MSRs, the four legacy event selects and counters
 * and the twelve of the core extension, by reading 0 and ignoring writes
 * (measured under Xen 4.17 as the PVH dom0); Mica does the same. CPUID does
 * not report the core extension (guest_cpuid.c), so a guest sees the four
 * legacy counters every AMD64 processor has (APM vol. 2 §13.2.1), each
 * stopped at 0.
 *
 * RDPMC reads a counter without the MSRs, so it is intercepted too: counters
 * 0-3 read 0, as their MSRs do, and any other number is #GP, as on a
 * processor without the extension (APM vol. 3, "RDPMC"). Without the
 * intercept RDPMC would read the processor's own counters; under QEMU it
 * is #UD (QEMU does not implement it).
 */
#include "x86/guest_state.h"
#include "x86/control_regs.h"
#include "x86/msr.h"
#include "x86/vcpu.h"
#include "x86/vmcb.h"

#define EXC_GP 13
#define RDPMC_LENGTH 2 /* 0F 33 */

static bool is_pmu_msr(uint32_t msr)
{
    return (msr >= MSR_PERF_EVT_SEL0 && msr < MSR_PERF_CTR0 + PERF_LEGACY_COUNTERS) ||
           (msr >= MSR_PERF_CTL_EXT0 && msr < MSR_PERF_CTL_EXT0 + PERF_EXT_MSRS);
}

bool guest_pmu_msr_read(uint32_t msr, uint64_t *value)
{
    if (!is_pmu_msr(msr))
        return false;
    *value = 0;
    return true;
}

bool guest_pmu_msr_write(uint32_t msr)
{
    return is_pmu_msr(msr);
}

void svm_exit_rdpmc(struct vcpu *v, struct vmcb *vmcb)
{
    uint32_t counter = (uint32_t)v->arch.gprs.rcx;

    /* Outside CPL 0 RDPMC needs CR4.PCE (APM vol. 3, "RDPMC"). */
    if ((vmcb->save.cpl != 0 && !(vmcb->save.cr4 & CR4_PCE)) || counter >= PERF_LEGACY_COUNTERS) {
        svm_inject_exception(v, EXC_GP, true, 0);
        return;
    }
    vmcb->save.rax = 0;
    v->arch.gprs.rdx = 0;
    vmcb->save.rip += RDPMC_LENGTH;
}
