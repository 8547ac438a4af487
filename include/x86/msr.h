/*
 * The model-specific registers Mica reads, writes or passes to guests: every
 * MSR number in one list, with the bits of them Mica uses.
 *
 * Names as in AMD APM vol. 2 (appendix A, "MSR Cross-Reference") and the
 * Intel SDM vol. 4. EFER's bits are in control_regs.h beside CR0 and CR4,
 * since the VMCB holds EFER as guest state too (APM §15.5.1).
 */
#ifndef MICA_X86_MSR_H
#define MICA_X86_MSR_H

#define MSR_TSC 0x10 /* time-stamp counter (APM §13.2.4) */

#define MSR_APIC_BASE 0x1B           /* APIC_BASE: local APIC base and enable (APM ch. 16) */
#define APIC_BASE_BSP (1UL << 8)     /* this is the bootstrap processor */
#define APIC_BASE_EXTD (1UL << 10)   /* x2APIC mode (Intel SDM vol. 3 10.12.1) */
#define APIC_BASE_ENABLE (1UL << 11) /* the local APIC is enabled */
#define APIC_BASE_ADDR_MASK 0x000FFFFFFFFFF000UL /* the register page, bits 51:12 */
#define APIC_BASE_DEFAULT 0xFEE00000UL           /* the base address at reset */

#define MSR_SYSENTER_CS 0x174 /* SYSENTER/SYSEXIT target (APM §6.1.1) */
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176

#define MSR_DEBUGCTL 0x1D9            /* debug control (APM §13.1.1.6) */
#define DEBUGCTL_LBR (1UL << 0)       /* record the last branch */
#define DEBUGCTL_BTF (1UL << 1)       /* single-step on branches */
#define MSR_LAST_BRANCH_FROM_IP 0x1DB /* the last branch and exception, */
#define MSR_LAST_BRANCH_TO_IP 0x1DC   /* recorded while DEBUGCTL.LBR is set */
#define MSR_LAST_EXCP_FROM_IP 0x1DD
#define MSR_LAST_EXCP_TO_IP 0x1DE

/* The MTRRs (APM vol. 2 §7.7; a guest's: guest_mtrr.h). */
#define MSR_MTRR_CAP 0xFE
#define MSR_MTRR_PHYS_BASE0 0x200 /* base n at 0x200 + 2n, mask at 0x201 + 2n */
#define MSR_MTRR_FIX_64K_00000 0x250
#define MSR_MTRR_FIX_16K_80000 0x258
#define MSR_MTRR_FIX_16K_A0000 0x259
#define MSR_MTRR_FIX_4K_C0000 0x268 /* ... to 0x26F */
#define MSR_MTRR_DEF_TYPE 0x2FF

#define MSR_PAT 0x277 /* page attribute table (APM §7.8.1; see pat.h) */

#define MSR_TSC_DEADLINE 0x6E0 /* IA32_TSC_DEADLINE: the APIC timer's deadline (SDM 10.5.4.1) */

/* The x2APIC registers: MSR 0x800 + xAPIC offset / 16 (SDM 10.12.1.2). */
#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST 0x8FF

/* Xen's hypercall-page MSR: a write asks the hypervisor to fill the page at
 * that address with hypercall stubs (Xen's interface, not the APM's). */
#define MSR_HYPERCALL_PAGE 0x40000000
#define HYPERCALL_PAGE_INDEX_MASK 0xFFFUL /* bits 11:0 select one of the pages */

#define MSR_EFER 0xC0000080           /* extended features; bits in control_regs.h (APM §3.1.7) */
#define MSR_STAR 0xC0000081           /* SYSCALL/SYSRET selectors, legacy target (APM §6.1.1) */
#define MSR_LSTAR 0xC0000082          /* SYSCALL target, 64-bit mode */
#define MSR_CSTAR 0xC0000083          /* SYSCALL target, compatibility mode */
#define MSR_SFMASK 0xC0000084         /* RFLAGS bits SYSCALL clears */
#define MSR_FS_BASE 0xC0000100        /* FS base (APM §4.5.3) */
#define MSR_GS_BASE 0xC0000101        /* GS base; Mica's per-CPU area (percpu.c) */
#define MSR_KERNEL_GS_BASE 0xC0000102 /* what SWAPGS exchanges with GS base */
#define MSR_TSC_AUX 0xC0000103        /* what RDTSCP returns in ECX (APM §13.2.4) */

/* Performance counters (APM §13.2.1): four legacy event selects and
 * counters, and the six of the core performance counter extensions, which
 * interleave select and counter. */
#define MSR_PERF_EVT_SEL0 0xC0010000 /* ... 0xC0010003 */
#define MSR_PERF_CTR0 0xC0010004     /* ... 0xC0010007 */
#define MSR_PERF_CTL_EXT0 0xC0010200 /* ... 0xC001020B: CTL0, CTR0, CTL1, ... */
#define PERF_LEGACY_COUNTERS 4
#define PERF_EXT_MSRS 12

#define MSR_VM_CR 0xC0010114       /* SVM controls (APM §15.30.1) */
#define VM_CR_SVMDIS (1u << 4)     /* firmware disabled SVM: EFER.SVME cannot be set */
#define MSR_VM_HSAVE_PA 0xC0010117 /* host save area for VMRUN (APM §15.30.4) */

#endif
