/*
 * Mica's guest ABI: the hypervisor CPUID leaves
 * (mirrors xen/include/public/arch-x86/cpuid.h).
 *
 * Guests scan XEN_CPUID_FIRST_LEAF + n * 0x100 for the signature; leaf
 * numbers below are relative to the base where it was found.
 */
#ifndef MICA_PUBLIC_CPUID_H
#define MICA_PUBLIC_CPUID_H

#define XEN_CPUID_FIRST_LEAF    0x40000000u
#define XEN_CPUID_LEAF(i)       (XEN_CPUID_FIRST_LEAF + (i))

/* Leaf 0: EAX = highest leaf; EBX, ECX, EDX = "XenVMMXenVMM". */
#define XEN_CPUID_SIGNATURE_EBX 0x566e6558u   /* "XenV" */
#define XEN_CPUID_SIGNATURE_ECX 0x65584d4du   /* "MMXe" */
#define XEN_CPUID_SIGNATURE_EDX 0x4d4d566eu   /* "nVMM" */

/* Leaf 1: EAX = major << 16 | minor. */
/* Leaf 2: EAX = number of hypercall pages, EBX = MSR base that installs them. */

/* Leaf 2, ECX: feature flags. */
#define XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD (1u << 0)

/* Leaf 3: the TSC, by subleaf (ECX).
 *   0: EAX = flags below, EBX = TSC mode (XEN_CPUID_TSC_MODE_*),
 *      ECX = the guest's TSC rate in kHz, EDX = incarnation (migrations)
 *   1: EAX, EBX = low and high half of the TSC offset, ECX = the scale
 *      from TSC ticks to ns (tsc_to_system_mul), EDX = its shift
 *   2: EAX = the host's TSC rate in kHz */
#define XEN_CPUID_TSC_EMULATED               (1u << 0) /* RDTSC is trapped and emulated */
#define XEN_CPUID_HOST_TSC_RELIABLE          (1u << 1) /* constant rate, in step on all CPUs */
#define XEN_CPUID_RDTSCP_INSTR_AVAIL         (1u << 2)
#define XEN_CPUID_TSC_MODE_DEFAULT           0u
#define XEN_CPUID_TSC_MODE_ALWAYS_EMULATE    1u
#define XEN_CPUID_TSC_MODE_NEVER_EMULATE     2u
#define XEN_CPUID_TSC_MODE_PVRDTSCP          3u

/* Leaf 4: HVM-specific features (EAX). */
#define XEN_HVM_CPUID_APIC_ACCESS_VIRT (1u << 0) /* Virtualized APIC registers */
#define XEN_HVM_CPUID_X2APIC_VIRT      (1u << 1) /* Virtualized x2APIC accesses */
#define XEN_HVM_CPUID_IOMMU_MAPPINGS   (1u << 2) /* Memory mapped from other domains has valid IOMMU entries */
#define XEN_HVM_CPUID_VCPU_ID_PRESENT  (1u << 3) /* vcpu id is present in EBX */
#define XEN_HVM_CPUID_DOMID_PRESENT    (1u << 4) /* domid is present in ECX */
#define XEN_HVM_CPUID_EXT_DEST_ID      (1u << 5) /* 15-bit IO-APIC/MSI destination ids */
#define XEN_HVM_CPUID_UPCALL_VECTOR    (1u << 6) /* per-vCPU event channel upcalls */

#endif /* MICA_PUBLIC_CPUID_H */
