/*
 * Exceptions in 64-bit test guests. guest_trap_init() installs an IDT for
 * vectors 0..31 whose default handler prints the vector, error code and RIP
 * and shuts down with SHUTDOWN_crash. A test can take over a vector, e.g. to
 * expect #GP from reading an MSR the hypervisor does not know.
 */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include "guest.h"

#define X86_EXC_DE 0  /* divide error */
#define X86_EXC_UD 6  /* invalid opcode */
#define X86_EXC_DF 8  /* double fault */
#define X86_EXC_GP 13 /* general protection */
#define X86_EXC_PF 14 /* page fault */

/* The stack frame built by entry64.asm's trap_common, lowest address first. */
struct guest_trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* A handler may change the frame (e.g. advance rip past the faulting
 * instruction); the registers are restored from it on return. */
typedef void (*guest_trap_handler_t)(struct guest_trap_frame *f);

void guest_trap_init(void);
/* Install h for vector (0..31); NULL restores the default (crash). */
void guest_set_trap_handler(unsigned vector, guest_trap_handler_t h);

/* Install an interrupt gate for vector (32..255) whose handler is entry, an
 * assembly stub that ends in iretq (see evtchn.c). */
void guest_set_idt_gate(unsigned vector, void (*entry)(void));

/* RDMSR that survives a #GP: returns 0 and sets *val, or the exception
 * vector (13) if the read faulted. */
int guest_rdmsr_safe(uint32_t msr, uint64_t *val);
/* WRMSR likewise: 0, or 13 if the write faulted. */
int guest_wrmsr_safe(uint32_t msr, uint64_t val);

#endif /* GUEST_TRAP_H */
