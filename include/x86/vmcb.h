/*
 * The Virtual Machine Control Block (AMD APM vol. 2, Appendix B, "Layout of
 * VMCB"): a 4 KiB page per vCPU. The control area (0x000..0x3FF) says what
 * to intercept and reports why the guest exited; the state save area
 * (0x400..) holds the guest's registers while it is not running.
 * The offsets are the architecture's; the _Static_asserts pin them.
 */
#ifndef MICA_X86_VMCB_H
#define MICA_X86_VMCB_H

#include "../types.h"

/* A segment register in the VMCB: attributes in the packed 12-bit format
 * (descriptor bits 8..15 and 20..23 squeezed together, APM §15.5.1). */
struct vmcb_segment {
    uint16_t selector;
    uint16_t attrib;
    uint32_t limit;
    uint64_t base;
} __attribute__((packed));

/* Packed attributes Mica uses (type | S << 4 | DPL << 5 | P << 7 | AVL << 8 |
 * L << 9 | D/B << 10 | G << 11). */
#define SEG_ATTR_CODE32 0xC9B     /* execute/read, accessed, P, D=1, G=1 */
#define SEG_ATTR_DATA32 0xC93     /* read/write, accessed, P, D=1, G=1 */
#define SEG_ATTR_TSS32_BUSY 0x08B /* 32-bit busy TSS, P */
#define SEG_ATTR_LDT 0x082        /* LDT, P */
#define SEG_ATTR_L (1u << 9)      /* 64-bit code segment */
#define SEG_ATTR_DB (1u << 10)
#define SEG_ATTR_P (1u << 7)

struct vmcb_control {
    uint16_t intercept_cr_read;    /* 0x000 */
    uint16_t intercept_cr_write;   /* 0x002 */
    uint16_t intercept_dr_read;    /* 0x004 */
    uint16_t intercept_dr_write;   /* 0x006 */
    uint32_t intercept_exceptions; /* 0x008 */
    uint32_t intercept_misc1;      /* 0x00C */
    uint32_t intercept_misc2;      /* 0x010 */
    uint8_t reserved1[0x03C - 0x014];
    uint16_t pause_filter_threshold; /* 0x03C */
    uint16_t pause_filter_count;     /* 0x03E */
    uint64_t iopm_base_pa;           /* 0x040 */
    uint64_t msrpm_base_pa;          /* 0x048 */
    uint64_t tsc_offset;             /* 0x050 */
    uint32_t guest_asid;             /* 0x058 */
    uint8_t tlb_control;             /* 0x05C */
    uint8_t reserved2[3];
    uint64_t int_ctl;          /* 0x060: V_TPR, V_IRQ, V_INTR_MASKING ... */
    uint64_t interrupt_shadow; /* 0x068 */
    uint64_t exit_code;        /* 0x070 */
    uint64_t exit_info1;       /* 0x078 */
    uint64_t exit_info2;       /* 0x080 */
    uint64_t exit_int_info;    /* 0x088 */
    uint64_t np_enable;        /* 0x090: bit 0 = nested paging */
    uint64_t avic_apic_bar;    /* 0x098 */
    uint64_t ghcb_pa;          /* 0x0A0 */
    uint64_t event_inject;     /* 0x0A8 */
    uint64_t n_cr3;            /* 0x0B0: nested page table root */
    uint64_t lbr_virt_enable;  /* 0x0B8 */
    uint32_t clean_bits;       /* 0x0C0 */
    uint32_t reserved3;
    uint64_t next_rip; /* 0x0C8: nRIP (needs NRIPS; QEMU: always 0) */
    uint8_t insn_len;  /* 0x0D0 */
    uint8_t insn_bytes[15];
    uint8_t reserved4[0x400 - 0x0E0];
} __attribute__((packed));

struct vmcb_save {
    struct vmcb_segment es, cs, ss, ds, fs, gs; /* 0x400 .. 0x45F */
    struct vmcb_segment gdtr, ldtr, idtr, tr;   /* 0x460 .. 0x49F */
    uint8_t reserved1[0x4CB - 0x4A0];
    uint8_t cpl; /* 0x4CB */
    uint32_t reserved2;
    uint64_t efer; /* 0x4D0 */
    uint8_t reserved3[0x548 - 0x4D8];
    uint64_t cr4;    /* 0x548 */
    uint64_t cr3;    /* 0x550 */
    uint64_t cr0;    /* 0x558 */
    uint64_t dr7;    /* 0x560 */
    uint64_t dr6;    /* 0x568 */
    uint64_t rflags; /* 0x570 */
    uint64_t rip;    /* 0x578 */
    uint8_t reserved4[0x5D8 - 0x580];
    uint64_t rsp; /* 0x5D8 */
    uint8_t reserved5[0x5F8 - 0x5E0];
    uint64_t rax;            /* 0x5F8 */
    uint64_t star;           /* 0x600 */
    uint64_t lstar;          /* 0x608 */
    uint64_t cstar;          /* 0x610 */
    uint64_t sfmask;         /* 0x618 */
    uint64_t kernel_gs_base; /* 0x620 */
    uint64_t sysenter_cs;    /* 0x628 */
    uint64_t sysenter_esp;   /* 0x630 */
    uint64_t sysenter_eip;   /* 0x638 */
    uint64_t cr2;            /* 0x640 */
    uint8_t reserved6[0x668 - 0x648];
    uint64_t g_pat;          /* 0x668: guest PAT with nested paging */
    uint64_t dbgctl;         /* 0x670: DebugCtl, loaded only with LBR virtualisation */
    uint64_t br_from;        /* 0x678: LastBranchFromIP */
    uint64_t br_to;          /* 0x680: LastBranchToIP */
    uint64_t last_excp_from; /* 0x688: LastIntFromIP */
    uint64_t last_excp_to;   /* 0x690: LastIntToIP */
} __attribute__((packed));

struct vmcb {
    struct vmcb_control control;
    struct vmcb_save save;
    uint8_t reserved[4096 - 0x400 - sizeof(struct vmcb_save)];
} __attribute__((packed));

_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area is 1 KiB");
_Static_assert(offsetof(struct vmcb, save.cpl) == 0x4CB, "VMCB CPL offset");
_Static_assert(offsetof(struct vmcb, save.efer) == 0x4D0, "VMCB EFER offset");
_Static_assert(offsetof(struct vmcb, save.cr4) == 0x548, "VMCB CR4 offset");
_Static_assert(offsetof(struct vmcb, save.rip) == 0x578, "VMCB RIP offset");
_Static_assert(offsetof(struct vmcb, save.rsp) == 0x5D8, "VMCB RSP offset");
_Static_assert(offsetof(struct vmcb, save.rax) == 0x5F8, "VMCB RAX offset");
_Static_assert(offsetof(struct vmcb, save.cr2) == 0x640, "VMCB CR2 offset");
_Static_assert(offsetof(struct vmcb, save.g_pat) == 0x668, "VMCB G_PAT offset");
_Static_assert(offsetof(struct vmcb, save.last_excp_to) == 0x690, "VMCB LastIntToIP offset");
_Static_assert(sizeof(struct vmcb) == 4096, "a VMCB is one page");

/* intercept_cr_write bit n: writes to CRn exit (APM Appendix B). */
#define INTERCEPT_CR8_WRITE (1u << 8)
/* intercept_cr_write bits (offset 0x002): bit n intercepts MOV to CRn. */
#define INTERCEPT_CR_WRITE(n) (1u << (n))
/* intercept_dr_read / intercept_dr_write (offsets 0x004, 0x006): bit n
 * intercepts MOV from / to DRn; all 16 bits together. */
#define INTERCEPT_DR_ALL 0xFFFFu

/* intercept_misc1 bits (APM Appendix B, offset 0x00C). */
#define INTERCEPT_INTR (1u << 0)
#define INTERCEPT_NMI (1u << 1)
#define INTERCEPT_SMI (1u << 2)
#define INTERCEPT_VINTR (1u << 4) /* the guest can take a virtual interrupt */
#define INTERCEPT_INIT (1u << 3)
#define INTERCEPT_RDPMC (1u << 15)
#define INTERCEPT_CPUID (1u << 18)
#define INTERCEPT_IRET (1u << 20) /* the guest executes IRET (ends NMI blocking) */
#define INTERCEPT_INVD (1u << 22)
#define INTERCEPT_HLT (1u << 24)
#define INTERCEPT_INVLPGA (1u << 26)
#define INTERCEPT_IOIO_PROT (1u << 27)
#define INTERCEPT_MSR_PROT (1u << 28)
#define INTERCEPT_TASK_SWITCH (1u << 29)
#define INTERCEPT_SHUTDOWN (1u << 31)

/* intercept_misc2 bits (offset 0x010). */
#define INTERCEPT_VMRUN (1u << 0)
#define INTERCEPT_VMMCALL (1u << 1)
#define INTERCEPT_VMLOAD (1u << 2)
#define INTERCEPT_VMSAVE (1u << 3)
#define INTERCEPT_STGI (1u << 4)
#define INTERCEPT_CLGI (1u << 5)
#define INTERCEPT_SKINIT (1u << 6)
#define INTERCEPT_RDTSCP (1u << 7)
#define INTERCEPT_MONITOR (1u << 10)
#define INTERCEPT_MWAIT (1u << 11)
#define INTERCEPT_XSETBV (1u << 13)

/* int_ctl bits 3:0: V_TPR, the guest's CR8 (APM §15.21.3). */
#define INT_CTL_V_TPR 0xFUL
/* int_ctl: the host's RFLAGS.IF, not the guest's, masks physical
 * interrupts while the guest runs (APM §15.21.1). */
#define INT_CTL_V_INTR_MASKING (1UL << 24)
/* A virtual interrupt (APM §15.21.4): V_IRQ pending, its priority, ignore
 * V_TPR, and its vector in bits 39:32 (VMCB byte 0x64). */
#define INT_CTL_V_IRQ (1UL << 8)
#define INT_CTL_V_INTR_PRIO(p) ((uint64_t)(p) << 16)
#define INT_CTL_V_IGN_TPR (1UL << 20)
#define INT_CTL_V_INTR_VECTOR(v) ((uint64_t)(v) << 32)
#define INT_CTL_V_IRQ_ALL \
    (INT_CTL_V_IRQ | INT_CTL_V_INTR_PRIO(0xF) | INT_CTL_V_IGN_TPR | INT_CTL_V_INTR_VECTOR(0xFF))
/* interrupt_shadow bit 0: the guest is in an STI/MOV SS shadow (§15.21.5). */
#define INTERRUPT_SHADOW_ACTIVE 1UL

/* tlb_control values (APM §15.16.1). */
#define TLB_CONTROL_DO_NOTHING 0
#define TLB_CONTROL_FLUSH_ALL 1

/* event_inject (APM §15.20). */
#define EVENT_INJECT_VALID (1UL << 31)
#define EVENT_INJECT_ERROR_VALID (1UL << 11)
#define EVENT_TYPE_EXCEPTION (3UL << 8)
#define EVENT_TYPE_INTR (0UL << 8) /* an external interrupt */
#define EVENT_TYPE_NMI (2UL << 8)
#define EVENT_VECTOR_NMI 2

/* #VMEXIT codes (APM Appendix C). */
enum svm_exit_code {
    SVM_EXIT_CR8_WRITE = 0x18,
    SVM_EXIT_WRITE_CR0 = 0x10, /* MOV to CR0, LMSW, CLTS */
    SVM_EXIT_WRITE_CR4 = 0x14,
    SVM_EXIT_READ_DR0 = 0x20,  /* ... 0x2F: MOV from DR0..DR15 */
    SVM_EXIT_WRITE_DR0 = 0x30, /* ... 0x3F: MOV to DR0..DR15 */
    SVM_EXIT_EXCEPTION_BASE = 0x40,
    SVM_EXIT_INTR = 0x60,
    SVM_EXIT_NMI = 0x61,
    SVM_EXIT_SMI = 0x62,
    SVM_EXIT_INIT = 0x63,
    SVM_EXIT_VINTR = 0x64,
    SVM_EXIT_RDPMC = 0x6F,
    SVM_EXIT_CPUID = 0x72,
    SVM_EXIT_IRET = 0x74,
    SVM_EXIT_INVD = 0x76,
    SVM_EXIT_HLT = 0x78,
    SVM_EXIT_INVLPGA = 0x7A,
    SVM_EXIT_IOIO = 0x7B,
    SVM_EXIT_MSR = 0x7C,
    SVM_EXIT_TASK_SWITCH = 0x7D,
    SVM_EXIT_SHUTDOWN = 0x7F,
    SVM_EXIT_VMRUN = 0x80,
    SVM_EXIT_VMMCALL = 0x81,
    SVM_EXIT_VMLOAD = 0x82,
    SVM_EXIT_VMSAVE = 0x83,
    SVM_EXIT_STGI = 0x84,
    SVM_EXIT_CLGI = 0x85,
    SVM_EXIT_SKINIT = 0x86,
    SVM_EXIT_RDTSCP = 0x87,
    SVM_EXIT_MONITOR = 0x8A,
    SVM_EXIT_MWAIT = 0x8B,
    SVM_EXIT_XSETBV = 0x8D,
    SVM_EXIT_NPF = 0x400,
    SVM_EXIT_CODES = 0x401, /* size of the dispatch table */
};
/* VMEXIT_INVALID: EXITCODE is -1 (QEMU stores 0x00000000FFFFFFFF: compare
 * the low 32 bits, docs/qemu.md). */
#define SVM_EXIT_INVALID_LOW32 0xFFFFFFFFu

#endif
