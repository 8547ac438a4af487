/*
 * Architectural bits of the control registers, EFER and RFLAGS that Mica
 * sets or checks, for itself and for its guests' VMCB state.
 * AMD APM vol. 2: CR0 §3.1.1, CR4 §3.1.3, RFLAGS §3.1.6, EFER §3.1.7.
 */
#ifndef MICA_X86_CONTROL_REGS_H
#define MICA_X86_CONTROL_REGS_H

#define CR0_PE (1UL << 0)  /* protection enable */
#define CR0_MP (1UL << 1)  /* monitor coprocessor */
#define CR0_EM (1UL << 2)  /* emulate coprocessor */
#define CR0_TS (1UL << 3)  /* task switched */
#define CR0_ET (1UL << 4)  /* extension type, reads as 1 */
#define CR0_NE (1UL << 5)  /* numeric error */
#define CR0_WP (1UL << 16) /* write protect, also for supervisor writes */
#define CR0_AM (1UL << 18) /* alignment mask */
#define CR0_NW (1UL << 29) /* not write-through */
#define CR0_CD (1UL << 30) /* cache disable */
#define CR0_PG (1UL << 31) /* paging */

#define CR4_VME (1UL << 0) /* virtual-8086 mode extensions */
#define CR4_PVI (1UL << 1) /* protected-mode virtual interrupts */
#define CR4_TSD (1UL << 2) /* RDTSC only at CPL 0 */
#define CR4_DE (1UL << 3)  /* debugging extensions: DR4/DR5 are #UD */
#define CR4_PSE (1UL << 4) /* 4 MiB pages without PAE */
#define CR4_PAE (1UL << 5)
#define CR4_MCE (1UL << 6)         /* machine-check exceptions */
#define CR4_PGE (1UL << 7)         /* global pages */
#define CR4_PCE (1UL << 8)         /* RDPMC at any CPL */
#define CR4_OSFXSR (1UL << 9)      /* FXSAVE/FXRSTOR and SSE */
#define CR4_OSXMMEXCPT (1UL << 10) /* SIMD exceptions as #XM */
#define CR4_UMIP (1UL << 11)       /* SGDT, SIDT, ... only at CPL 0 */
#define CR4_FSGSBASE (1UL << 16)   /* RDFSBASE and friends */
#define CR4_PCIDE (1UL << 17)      /* process-context identifiers in CR3 */
#define CR4_SMEP (1UL << 20)       /* supervisor-mode execution prevention */
#define CR4_SMAP (1UL << 21)       /* supervisor-mode access prevention */

/* DR6 and DR7 at reset and INIT: their bits that read as 1, nothing else
 * (APM vol. 2 §13.1.1.5, §13.1.1.6; table 14-1). */
#define DR6_RESET 0xFFFF0FF0UL
#define DR7_RESET 0x400UL

#define RFLAGS_ALWAYS_ONE (1UL << 1)
#define RFLAGS_IF (1UL << 9)

/* EFER (its MSR number is MSR_EFER in msr.h) */
#define EFER_SCE (1UL << 0)   /* SYSCALL/SYSRET */
#define EFER_LME (1UL << 8)   /* long mode enable */
#define EFER_LMA (1UL << 10)  /* long mode active: set by the CPU from LME and CR0.PG */
#define EFER_NXE (1UL << 11)  /* no-execute */
#define EFER_SVME (1UL << 12) /* SVM enable */

#endif
