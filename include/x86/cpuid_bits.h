/*
 * CPUID: the leaves Mica asks or answers, and the bits of them it reads or
 * changes: which CR4 and EFER bits a guest may set (arch/x86/svm/guest_cr_rules.c),
 * whether TSC_AUX exists (guest_msr.c), the features Mica hides because it does not
 * switch or emulate their state (guest_cpuid.c), what SVM offers (svm.c). Leaves and
 * bit numbers as in AMD APM vol. 3, appendix E ("Obtaining Processor Information Via
 * the CPUID Instruction"); leaf 7 bits that only Intel defines as in the SDM.
 */
#ifndef MICA_X86_CPUID_BITS_H
#define MICA_X86_CPUID_BITS_H

/* Leaves (EAX in). */
#define CPUID_LEAF_FEATURES 0x1            /* standard features */
#define CPUID_LEAF_STRUCT_FEATURES 0x7     /* structured extended features */
#define CPUID_LEAF_ARCH_PERFMON 0xA        /* Intel's PMU description */
#define CPUID_LEAF_X2APIC_TOPOLOGY 0xB     /* Intel's extended topology */
#define CPUID_LEAF_XSAVE 0xD               /* XSAVE state components */
#define CPUID_LEAF_EXT_FIRST 0x80000000    /* the first extended leaf */
#define CPUID_LEAF_EXT_FEATURES 0x80000001 /* extended features */
#define CPUID_LEAF_ADDRESS_SIZES 0x80000008
#define CPUID_LEAF_SVM 0x8000000A         /* SVM revision and features */
#define CPUID_LEAF_AMD_PERFMON 0x80000022 /* AMD's PerfMonV2 */

#define CPUID_BIT(n) (1u << (n))

/* Leaf 1, EBX: the initial APIC ID in bits 31:24 */
#define CPUID_1_EBX_APIC_ID_SHIFT 24
#define CPUID_1_EBX_APIC_ID_MASK (0xFFu << CPUID_1_EBX_APIC_ID_SHIFT)

/* Leaf 1, EDX */
#define CPUID_1_EDX_VME CPUID_BIT(1)
#define CPUID_1_EDX_DE CPUID_BIT(2)
#define CPUID_1_EDX_PSE CPUID_BIT(3)
#define CPUID_1_EDX_TSC CPUID_BIT(4)
#define CPUID_1_EDX_PAE CPUID_BIT(6)
#define CPUID_1_EDX_MCE CPUID_BIT(7)
#define CPUID_1_EDX_APIC CPUID_BIT(9)
#define CPUID_1_EDX_MCA CPUID_BIT(14)
#define CPUID_1_EDX_PGE CPUID_BIT(13)
#define CPUID_1_EDX_FXSR CPUID_BIT(24)
#define CPUID_1_EDX_SSE CPUID_BIT(25)

/* Leaf 1, ECX */
#define CPUID_1_ECX_MONITOR CPUID_BIT(3)
#define CPUID_1_ECX_VMX CPUID_BIT(5)
#define CPUID_1_ECX_SMX CPUID_BIT(6)
#define CPUID_1_ECX_FMA CPUID_BIT(12)
#define CPUID_1_ECX_PCID CPUID_BIT(17)
#define CPUID_1_ECX_X2APIC CPUID_BIT(21)
#define CPUID_1_ECX_TSC_DEADLINE CPUID_BIT(24)
#define CPUID_1_ECX_XSAVE CPUID_BIT(26)
#define CPUID_1_ECX_OSXSAVE CPUID_BIT(27)
#define CPUID_1_ECX_AVX CPUID_BIT(28)
#define CPUID_1_ECX_F16C CPUID_BIT(29)
#define CPUID_1_ECX_HYPERVISOR CPUID_BIT(31) /* running under a hypervisor */

/* Leaf 7 subleaf 0, EBX */
#define CPUID_7_EBX_FSGSBASE CPUID_BIT(0)
#define CPUID_7_EBX_AVX2 CPUID_BIT(5)
#define CPUID_7_EBX_SMEP CPUID_BIT(7)
#define CPUID_7_EBX_MPX CPUID_BIT(14)
#define CPUID_7_EBX_AVX512F CPUID_BIT(16)
#define CPUID_7_EBX_AVX512DQ CPUID_BIT(17)
#define CPUID_7_EBX_SMAP CPUID_BIT(20)
#define CPUID_7_EBX_AVX512IFMA CPUID_BIT(21)
#define CPUID_7_EBX_AVX512PF CPUID_BIT(26)
#define CPUID_7_EBX_AVX512ER CPUID_BIT(27)
#define CPUID_7_EBX_AVX512CD CPUID_BIT(28)
#define CPUID_7_EBX_AVX512BW CPUID_BIT(30)
#define CPUID_7_EBX_AVX512VL CPUID_BIT(31)

/* Leaf 7 subleaf 0, ECX */
#define CPUID_7_ECX_AVX512VBMI CPUID_BIT(1)
#define CPUID_7_ECX_UMIP CPUID_BIT(2)
#define CPUID_7_ECX_PKU CPUID_BIT(3)
#define CPUID_7_ECX_OSPKE CPUID_BIT(4)
#define CPUID_7_ECX_AVX512VBMI2 CPUID_BIT(6)
#define CPUID_7_ECX_CET_SS CPUID_BIT(7)
#define CPUID_7_ECX_VAES CPUID_BIT(9)
#define CPUID_7_ECX_VPCLMULQDQ CPUID_BIT(10)
#define CPUID_7_ECX_AVX512VNNI CPUID_BIT(11)
#define CPUID_7_ECX_AVX512BITALG CPUID_BIT(12)
#define CPUID_7_ECX_AVX512VPOPCNTDQ CPUID_BIT(14)
#define CPUID_7_ECX_LA57 CPUID_BIT(16)
#define CPUID_7_ECX_RDPID CPUID_BIT(22)
#define CPUID_7_ECX_PKS CPUID_BIT(31)

/* Leaf 7 subleaf 0, EDX */
#define CPUID_7_EDX_AVX512_4VNNIW CPUID_BIT(2)
#define CPUID_7_EDX_AVX512_4FMAPS CPUID_BIT(3)
#define CPUID_7_EDX_AVX512_VP2INTERSECT CPUID_BIT(8)
#define CPUID_7_EDX_CET_IBT CPUID_BIT(20)
#define CPUID_7_EDX_AMX_BF16 CPUID_BIT(22)
#define CPUID_7_EDX_AVX512_FP16 CPUID_BIT(23)
#define CPUID_7_EDX_AMX_TILE CPUID_BIT(24)
#define CPUID_7_EDX_AMX_INT8 CPUID_BIT(25)

/* Leaf 0x80000001, EDX */
#define CPUID_E1_EDX_SYSCALL CPUID_BIT(11)
#define CPUID_E1_EDX_NX CPUID_BIT(20)
#define CPUID_E1_EDX_FFXSR CPUID_BIT(25)
#define CPUID_E1_EDX_PAGE1GB CPUID_BIT(26) /* 1 GiB pages */
#define CPUID_E1_EDX_RDTSCP CPUID_BIT(27)
#define CPUID_E1_EDX_LM CPUID_BIT(29)

/* Leaf 0x80000001, ECX */
#define CPUID_E1_ECX_SVM CPUID_BIT(2)
#define CPUID_E1_ECX_XOP CPUID_BIT(11)
#define CPUID_E1_ECX_SKINIT CPUID_BIT(12)
#define CPUID_E1_ECX_FMA4 CPUID_BIT(16)
#define CPUID_E1_ECX_TCE CPUID_BIT(17)
#define CPUID_E1_ECX_TBM CPUID_BIT(21)
#define CPUID_E1_ECX_PERFCTR_CORE CPUID_BIT(23)
#define CPUID_E1_ECX_PERFCTR_NB CPUID_BIT(24)
#define CPUID_E1_ECX_DBEXT CPUID_BIT(26) /* DR0-DR3 address masks */
#define CPUID_E1_ECX_PERFTSC CPUID_BIT(27)
#define CPUID_E1_ECX_PERFCTR_LLC CPUID_BIT(28)

/* Leaf 0x80000008, EAX: the physical-address bits in bits 7:0 */
#define CPUID_E8_EAX_PHYS_BITS_MASK 0xFFu

/* Leaf 0x80000008, EBX */
#define CPUID_E8_EBX_EFER_LMSLE_UNSUPPORTED CPUID_BIT(20)

/* Leaf 0x8000000A: EAX the SVM revision in bits 7:0, EBX the number of
 * ASIDs; EDX features */
#define CPUID_SVM_EAX_REVISION_MASK 0xFFu
#define CPUID_SVM_EDX_NPT CPUID_BIT(0) /* nested paging */

#endif
