/*
 * CPUID as a guest sees it: the host's leaves minus what Mica does not
 * virtualise, plus Xen's hypervisor leaves at 0x40000000 so that guests
 * written for Xen find their hypervisor (docs/xen-abi.md).
 */
#include "x86/guest.h"
#include "arch.h"
#include "public/cpuid.h"
#include "public/xen.h"
#include "timer.h"
#include "version.h"
#include "x86/vlapic.h"
#include "x86/cpuid_bits.h"
#include "x86/msr.h"

/*
 * Features whose state Mica does not switch between vCPUs, or emulates for
 * no guest, are hidden (docs/platform.md, "Guest state"): then the guest
 * finds the instructions #UD and the control bits reserved (guest_cr_rules.c),
 * as on a processor without them.
 *  - XSAVE and everything whose registers only XSAVE holds (AVX and later
 *    vector extensions, MPX, PKU, CET, AMX): Mica switches the FPU with
 *    FXSAVE, and XSETBV is #UD (svm_exits.c), so XCR0 stays x87|SSE.
 *  - VMX and SMX (no nested virtualisation; SVM is hidden below), LA57
 *    (guest page walks have four levels, guest_walk.c).
 *  - The core, northbridge and LLC performance-counter extensions and the
 *    PMU leaves: guests see four stopped legacy counters (guest_pmu.c).
 *  - DR0-DR3 address masks (their MSRs are not switched), FFXSR and TCE
 *    (EFER bits Mica refuses), SKINIT (#UD).
 *  - The machine-check architecture (MCE, MCA): Mica emulates no MCG_* or
 *    MCi_* MSR (Xen's vMCE does), so a guest must not go looking for banks
 *    (Linux panics on the #GP: "MCA architectural violation"); CR4.MCE is
 *    then reserved too.
 */
#define HIDDEN_1_EDX (CPUID_1_EDX_MCE | CPUID_1_EDX_MCA)
#define HIDDEN_1_ECX                                                           \
    (CPUID_1_ECX_VMX | CPUID_1_ECX_SMX | CPUID_1_ECX_FMA | CPUID_1_ECX_XSAVE | \
     CPUID_1_ECX_OSXSAVE | CPUID_1_ECX_AVX | CPUID_1_ECX_F16C)
#define HIDDEN_7_EBX                                                                               \
    (CPUID_7_EBX_AVX2 | CPUID_7_EBX_MPX | CPUID_7_EBX_AVX512F | CPUID_7_EBX_AVX512DQ |             \
     CPUID_7_EBX_AVX512IFMA | CPUID_7_EBX_AVX512PF | CPUID_7_EBX_AVX512ER | CPUID_7_EBX_AVX512CD | \
     CPUID_7_EBX_AVX512BW | CPUID_7_EBX_AVX512VL)
#define HIDDEN_7_ECX                                                                           \
    (CPUID_7_ECX_AVX512VBMI | CPUID_7_ECX_PKU | CPUID_7_ECX_OSPKE | CPUID_7_ECX_AVX512VBMI2 |  \
     CPUID_7_ECX_CET_SS | CPUID_7_ECX_VAES | CPUID_7_ECX_VPCLMULQDQ | CPUID_7_ECX_AVX512VNNI | \
     CPUID_7_ECX_AVX512BITALG | CPUID_7_ECX_AVX512VPOPCNTDQ | CPUID_7_ECX_LA57 | CPUID_7_ECX_PKS)
#define HIDDEN_7_EDX                                                                               \
    (CPUID_7_EDX_AVX512_4VNNIW | CPUID_7_EDX_AVX512_4FMAPS | CPUID_7_EDX_AVX512_VP2INTERSECT |     \
     CPUID_7_EDX_CET_IBT | CPUID_7_EDX_AMX_BF16 | CPUID_7_EDX_AVX512_FP16 | CPUID_7_EDX_AMX_TILE | \
     CPUID_7_EDX_AMX_INT8)
#define HIDDEN_E1_ECX                                                                            \
    (CPUID_E1_ECX_SVM | CPUID_E1_ECX_XOP | CPUID_E1_ECX_SKINIT | CPUID_E1_ECX_FMA4 |             \
     CPUID_E1_ECX_TCE | CPUID_E1_ECX_TBM | CPUID_E1_ECX_PERFCTR_CORE | CPUID_E1_ECX_PERFCTR_NB | \
     CPUID_E1_ECX_DBEXT | CPUID_E1_ECX_PERFTSC | CPUID_E1_ECX_PERFCTR_LLC)
#define HIDDEN_E1_EDX CPUID_E1_EDX_FFXSR

/* Xen's leaves: one base of 256 at 0x40000000 (a hypervisor's range is
 * 0x40000000-0x4FFFFFFF; Mica offers no other base, as Xen by default). */
#define XEN_CPUID_BASE_LEAVES 0x100

/*
 * Xen's time leaf. The guest's TSC is the host's (TSC_OFFSET 0, RDTSC not
 * intercepted: docs/platform.md), so: not emulated (mode "never emulate"),
 * offset 0, the host's rate, and the scale the pvclock carries. Reliable:
 * every CPU's TSC counts at one rate from one origin, which Mica's own
 * system time relies on. RDTSCP as the guest's leaf 0x80000001 reports it.
 */
static struct cpuid_result tsc_leaf(const struct vcpu *v, uint32_t subleaf)
{
    struct time_scale scale = system_time_scale();
    uint32_t khz = (uint32_t)(arch_tsc_hz() / 1000);

    switch (subleaf) {
    case 0:
        return (struct cpuid_result){
            XEN_CPUID_HOST_TSC_RELIABLE |
                (guest_cpuid(v, CPUID_LEAF_EXT_FEATURES, 0).edx & CPUID_E1_EDX_RDTSCP
                     ? XEN_CPUID_RDTSCP_INSTR_AVAIL
                     : 0),
            XEN_CPUID_TSC_MODE_NEVER_EMULATE, khz, 0 /* never migrated */
        };
    case 1: /* the shift sign-extended, as Xen gives it */
        return (struct cpuid_result){ 0, 0, scale.mul_frac, (uint32_t)(int32_t)scale.shift };
    case 2:
        return (struct cpuid_result){ khz, 0, 0, 0 };
    default:
        return (struct cpuid_result){ 0, 0, 0, 0 };
    }
}

static struct cpuid_result hypervisor_leaf(const struct vcpu *v, uint32_t index, uint32_t subleaf)
{
    struct cpuid_result r = { 0, 0, 0, 0 };

    switch (index) {
    case 0: /* highest leaf and the "XenVMMXenVMM" signature */
        r.eax = XEN_CPUID_LEAF(4);
        r.ebx = XEN_CPUID_SIGNATURE_EBX;
        r.ecx = XEN_CPUID_SIGNATURE_ECX;
        r.edx = XEN_CPUID_SIGNATURE_EDX;
        break;
    case 1: /* the Xen ABI version Mica speaks */
        r.eax = (MICA_XEN_ABI_MAJOR << 16) | MICA_XEN_ABI_MINOR;
        break;
    case 2: /* one hypercall page, installed by writing MSR 0x40000000 */
        r.eax = 1;
        r.ebx = MSR_HYPERCALL_PAGE;
        break;
    case 3:
        r = tsc_leaf(v, subleaf);
        break;
    case 4:
        /* HVM features, subleaf 0 only (as Xen): the vCPU id in EBX, the
         * domid in ECX, and HVMOP_set_evtchn_upcall_vector works. Not set:
         * APIC_ACCESS_VIRT and X2APIC_VIRT (no hardware APIC
         * virtualisation), IOMMU_MAPPINGS (no IOMMU), EXT_DEST_ID (no
         * virtual IO-APIC or MSI). */
        if (subleaf != 0)
            break;
        r.eax = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
                XEN_HVM_CPUID_UPCALL_VECTOR;
        r.ebx = v->id;
        r.ecx = v->domain->domid;
        break;
    default: /* the rest: nothing to report */
        break;
    }
    return r;
}

/*
 * Leaf 0xB, the x2APIC topology (Intel SDM vol. 2A, CPUID): with APIC ID
 * 2n for vCPU n (VLAPIC_ID), bit 0 is an SMT level holding one thread and
 * the bits above count cores, all the domain's vCPUs in one package.
 * Each subleaf: EAX the shift to the next level's ID, EBX the logical
 * processors at this level, ECX its number and type (1 SMT, 2 core; 0
 * ends the list), EDX the x2APIC ID.
 */
#define TOPOLOGY_ECX_LEVEL_MASK 0xFFu /* ECX 7:0: the level's number */
#define TOPOLOGY_ECX_TYPE_SHIFT 8     /* ECX 15:8: its type */
#define TOPOLOGY_TYPE_SMT 1u
#define TOPOLOGY_TYPE_CORE 2u

static struct cpuid_result x2apic_topology(const struct vcpu *v, uint32_t subleaf)
{
    struct cpuid_result r = { 0, 0, subleaf & TOPOLOGY_ECX_LEVEL_MASK, VLAPIC_ID(v->id) };
    unsigned int package_shift = 1;

    while ((1u << package_shift) < VLAPIC_ID(v->domain->nr_vcpus))
        package_shift++;
    if (subleaf == 0) {
        r.eax = 1;
        r.ebx = 1;
        r.ecx |= TOPOLOGY_TYPE_SMT << TOPOLOGY_ECX_TYPE_SHIFT;
    } else if (subleaf == 1) {
        r.eax = package_shift;
        r.ebx = v->domain->nr_vcpus;
        r.ecx |= TOPOLOGY_TYPE_CORE << TOPOLOGY_ECX_TYPE_SHIFT;
    }
    return r;
}

struct cpuid_result guest_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_result r;

    if (leaf >= XEN_CPUID_FIRST_LEAF && leaf < XEN_CPUID_FIRST_LEAF + XEN_CPUID_BASE_LEAVES)
        return hypervisor_leaf(v, leaf - XEN_CPUID_FIRST_LEAF, subleaf);
    if (leaf >= XEN_CPUID_FIRST_LEAF && leaf < CPUID_LEAF_EXT_FIRST)
        return (struct cpuid_result){ 0, 0, 0, 0 }; /* no other hypervisor bases */

    r = cpuid(leaf, subleaf);
    switch (leaf) {
    case CPUID_LEAF_FEATURES:
        /* We run under a hypervisor; no MONITOR/MWAIT. The local APIC
         * (arch/x86/vlapic.c): x2APIC mode, the TSC-deadline timer, the
         * initial APIC ID in EBX 31:24, and EDX.APIC while IA32_APIC_BASE
         * enables it (as Xen). */
        r.ecx = (r.ecx & ~(CPUID_1_ECX_MONITOR | HIDDEN_1_ECX)) | CPUID_1_ECX_X2APIC |
                CPUID_1_ECX_TSC_DEADLINE | CPUID_1_ECX_HYPERVISOR;
        r.ebx = (r.ebx & ~CPUID_1_EBX_APIC_ID_MASK) |
                (VLAPIC_ID(v->id) << CPUID_1_EBX_APIC_ID_SHIFT);
        r.edx &= ~HIDDEN_1_EDX;
        r.edx = vlapic_hw_enabled(v) ? r.edx | CPUID_1_EDX_APIC : r.edx & ~CPUID_1_EDX_APIC;
        break;
    case CPUID_LEAF_X2APIC_TOPOLOGY:
        r = x2apic_topology(v, subleaf);
        break;
    case CPUID_LEAF_STRUCT_FEATURES: /* subleaf 0 only: EAX = 0 says there are no more */
        if (subleaf == 0)
            r = (struct cpuid_result){ 0, r.ebx & ~HIDDEN_7_EBX, r.ecx & ~HIDDEN_7_ECX,
                                       r.edx & ~HIDDEN_7_EDX };
        else
            r = (struct cpuid_result){ 0, 0, 0, 0 };
        break;
    case CPUID_LEAF_ARCH_PERFMON:
    case CPUID_LEAF_XSAVE:
    case CPUID_LEAF_AMD_PERFMON:
        r = (struct cpuid_result){ 0, 0, 0, 0 };
        break;
    case CPUID_LEAF_EXT_FEATURES:
        r.ecx &= ~HIDDEN_E1_ECX;
        r.edx &= ~HIDDEN_E1_EDX;
        break;
    case CPUID_LEAF_ADDRESS_SIZES:
        /* EFER.LMSLE is refused (guest_cr_rules.c); say so, as Xen does. */
        r.ebx |= CPUID_E8_EBX_EFER_LMSLE_UNSUPPORTED;
        break;
    case CPUID_LEAF_SVM: /* SVM features: none for guests */
        r = (struct cpuid_result){ 0, 0, 0, 0 };
        break;
    default:
        break;
    }
    return r;
}
