/* The register frame arch/x86/entry.asm builds on every interrupt. */
#ifndef MICA_X86_REGS_H
#define MICA_X86_REGS_H

#include "../types.h"

struct cpu_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    /* pushed by the CPU (AMD APM vol. 2 §8.9.3: long mode always pushes SS:RSP) */
    uint64_t rip, cs, rflags, rsp, ss;
};

#endif
