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

/* Leaf 3: feature flags (EAX). */
#define XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD (1u << 0)

/* Leaf 4: HVM-specific features (EAX). */
#define XEN_HVM_CPUID_APIC_ACCESS_VIRT (1u << 0) /* Virtualized APIC registers */
#define XEN_HVM_CPUID_X2APIC_VIRT      (1u << 1) /* Virtualized x2APIC accesses */
#define XEN_HVM_CPUID_IOMMU_MAPPINGS   (1u << 2) /* Memory mapped from other domains has valid IOMMU entries */
#define XEN_HVM_CPUID_VCPU_ID_PRESENT  (1u << 3) /* vcpu id is present in EBX */
#define XEN_HVM_CPUID_DOMID_PRESENT    (1u << 4) /* domid is present in ECX */
#define XEN_HVM_CPUID_EXT_DEST_ID      (1u << 5) /* 15-bit IO-APIC/MSI destination ids */
#define XEN_HVM_CPUID_UPCALL_VECTOR    (1u << 6) /* per-vCPU event channel upcalls */

#endif /* MICA_PUBLIC_CPUID_H */
