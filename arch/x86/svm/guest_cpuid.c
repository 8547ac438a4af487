/*
 * CPUID as a guest sees it: the host's leaves minus what Mica does not
 * virtualise, plus Xen's hypervisor leaves at 0x40000000 so that guests
 * written for Xen find their hypervisor (docs/xen-abi.md).
 */
#include "x86/guest.h"
#include "public/cpuid.h"
#include "public/xen.h"
#include "version.h"

#define LEAF1_ECX_MONITOR (1u << 3)
#define LEAF1_ECX_X2APIC (1u << 21)
#define LEAF1_ECX_HYPERVISOR (1u << 31)
#define EXT1_ECX_SVM (1u << 2)
#define MICA_HYPERCALL_MSR 0x40000000u

static struct cpuid_result hypervisor_leaf(const struct vcpu *v, uint32_t index)
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
    case 4: /* HVM leaf: vCPU id in EBX, domid in ECX */
        r.eax = XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT;
        r.ebx = v->id;
        r.ecx = v->domain->domid;
        break;
    default: /* 3 (TSC) and the rest: nothing to report */
        break;
    }
    return r;
}

struct cpuid_result guest_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_result r;

    if (leaf >= XEN_CPUID_FIRST_LEAF && leaf < XEN_CPUID_FIRST_LEAF + 0x100)
        return hypervisor_leaf(v, leaf - XEN_CPUID_FIRST_LEAF);
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
