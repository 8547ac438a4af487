/*
 * Mica's guest ABI: the initial register state of an HVM/PVH vCPU, the
 * argument of VCPUOP_initialise (mirrors xen/include/public/hvm/hvm_vcpu.h).
 *
 * The layout is the same for 32- and 64-bit callers (fixed-width fields
 * only, explicit padding); the _Static_asserts pin every offset.
 *
 * Segment attributes (the *_ar fields) use the packed 12-bit format of the
 * AMD VMCB (the same as Mica's SEG_ATTR_*): bits 0-3 type, 4 S, 5-6 DPL,
 * 7 P, 8 AVL, 9 L, 10 D/B, 11 G; bits 12-15 must be zero.
 */
#ifndef MICA_PUBLIC_HVM_HVM_VCPU_H
#define MICA_PUBLIC_HVM_HVM_VCPU_H

#include "../xen.h"

/* Start in 32-bit protected (or compatibility) mode: every register,
 * including the cached part of CS, DS, ES, SS and TR, is given. */
struct vcpu_hvm_x86_32 {
    uint32_t eax;
    uint32_t ecx;
    uint32_t edx;
    uint32_t ebx;
    uint32_t esp;
    uint32_t ebp;
    uint32_t esi;
    uint32_t edi;
    uint32_t eip;
    uint32_t eflags;

    uint32_t cr0;
    uint32_t cr3;
    uint32_t cr4;

    uint32_t pad1;          /* must be zero */

    uint64_t efer;

    uint32_t cs_base;
    uint32_t ds_base;
    uint32_t ss_base;
    uint32_t es_base;
    uint32_t tr_base;
    uint32_t cs_limit;
    uint32_t ds_limit;
    uint32_t ss_limit;
    uint32_t es_limit;
    uint32_t tr_limit;
    uint16_t cs_ar;
    uint16_t ds_ar;
    uint16_t ss_ar;
    uint16_t es_ar;
    uint16_t tr_ar;

    uint16_t pad2[3];       /* must be zero */
};

/* Start directly in 64-bit mode. Only these registers are given: the
 * segments are set by the hypervisor to flat 64-bit code (CS) and flat data
 * (DS, ES, SS) with null selectors, TR to a busy TSS of limit 0x67, and GDTR
 * and IDTR are not set at all: the vCPU loads its own tables before it
 * relies on them. R8-R15 start at zero. */
struct vcpu_hvm_x86_64 {
    uint64_t rax;
    uint64_t rcx;
    uint64_t rdx;
    uint64_t rbx;
    uint64_t rsp;
    uint64_t rbp;
    uint64_t rsi;
    uint64_t rdi;
    uint64_t rip;
    uint64_t rflags;

    uint64_t cr0;
    uint64_t cr3;
    uint64_t cr4;
    uint64_t efer;
};

struct vcpu_hvm_context {
#define VCPU_HVM_MODE_32B 0     /* cpu_regs.x86_32 is used */
#define VCPU_HVM_MODE_64B 1     /* cpu_regs.x86_64 is used */
    uint32_t mode;

    uint32_t pad;               /* must be zero */

    union {
        struct vcpu_hvm_x86_32 x86_32;
        struct vcpu_hvm_x86_64 x86_64;
    } cpu_regs;
};
typedef struct vcpu_hvm_context vcpu_hvm_context_t;

_Static_assert(__builtin_offsetof(struct vcpu_hvm_x86_32, eflags) == 36, "x86_32 eflags @36");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_x86_32, pad1) == 52, "x86_32 pad1 @52");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_x86_32, efer) == 56, "x86_32 efer @56");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_x86_32, cs_base) == 64, "x86_32 cs_base @64");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_x86_32, cs_limit) == 84, "x86_32 cs_limit @84");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_x86_32, cs_ar) == 104, "x86_32 cs_ar @104");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_x86_32, tr_ar) == 112, "x86_32 tr_ar @112");
_Static_assert(sizeof(struct vcpu_hvm_x86_32) == 120, "vcpu_hvm_x86_32 is 120 bytes");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_x86_64, rip) == 64, "x86_64 rip @64");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_x86_64, cr0) == 80, "x86_64 cr0 @80");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_x86_64, efer) == 104, "x86_64 efer @104");
_Static_assert(sizeof(struct vcpu_hvm_x86_64) == 112, "vcpu_hvm_x86_64 is 112 bytes");
_Static_assert(__builtin_offsetof(struct vcpu_hvm_context, cpu_regs) == 8, "cpu_regs @8");
_Static_assert(sizeof(struct vcpu_hvm_context) == 128, "vcpu_hvm_context is 128 bytes");

#endif /* MICA_PUBLIC_HVM_HVM_VCPU_H */
