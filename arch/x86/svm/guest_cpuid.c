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

#define LEAF1_ECX_MONITOR (1u << 3)
#define LEAF1_ECX_X2APIC (1u << 21)
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define EXT1_ECX_SVM (1u << 2)
#define EXT1_EDX_RDTSCP (1u << 27)
#define MICA_HYPERCALL_MSR 0x40000000u

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
                (guest_cpuid(v, 0x80000001, 0).edx & EXT1_EDX_RDTSCP ? XEN_CPUID_RDTSCP_INSTR_AVAIL
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
        r.ebx = MICA_HYPERCALL_MSR;
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

struct cpuid_result guest_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_result r;

    if (leaf >= XEN_CPUID_FIRST_LEAF && leaf < XEN_CPUID_FIRST_LEAF + 0x100)
        return hypervisor_leaf(v, leaf - XEN_CPUID_FIRST_LEAF, subleaf);
    if (leaf >= XEN_CPUID_FIRST_LEAF && leaf < 0x80000000)
        return (struct cpuid_result){ 0, 0, 0, 0 }; /* no other hypervisor bases */

    r = cpuid(leaf, subleaf);
    switch (leaf) {
    case 1:
        /* We run under a hypervisor; no MONITOR/MWAIT, no x2APIC for guests;
         * the initial APIC id (EBX 31:24) is the vCPU id. */
        r.ecx = (r.ecx & ~(LEAF1_ECX_MONITOR | LEAF1_ECX_X2APIC)) | LEAF1_ECX_HYPERVISOR;
        r.ebx = (r.ebx & 0x00FFFFFF) | (v->id << 24);
        break;
    case 0x80000001:
        r.ecx &= ~EXT1_ECX_SVM; /* no nested virtualisation */
        break;
    case 0x8000000A: /* SVM features: none for guests */
        r = (struct cpuid_result){ 0, 0, 0, 0 };
        break;
    default:
        break;
    }
    return r;
}
