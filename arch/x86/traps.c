/*
 * Exceptions inside Mica. None is recoverable here: guests' exceptions are
 * delivered to guests by SVM and never reach this code, so an exception in
 * Mica means Mica is broken. We print everything a developer needs (vector,
 * error code, all registers, control registers, a symbolized backtrace) and
 * end the run with MICA_EXIT_PANIC.
 */
#include "x86/traps.h"
#include "arch.h"
#include "panic.h"
#include "percpu.h"
#include "printk.h"
#include "symbols.h"
#include "x86/asm.h"

static const char *const exception_names[32] = {
    [EXC_DIVIDE_ERROR] = "#DE divide error",
    [EXC_DEBUG] = "#DB debug",
    [EXC_NMI] = "NMI",
    [EXC_BREAKPOINT] = "#BP breakpoint",
    [EXC_OVERFLOW] = "#OF overflow",
    [EXC_BOUND] = "#BR bound range",
    [EXC_INVALID_OPCODE] = "#UD invalid opcode",
    [EXC_DEVICE_NA] = "#NM device not available",
    [EXC_DOUBLE_FAULT] = "#DF double fault",
    [EXC_INVALID_TSS] = "#TS invalid TSS",
    [EXC_SEGMENT_NP] = "#NP segment not present",
    [EXC_STACK] = "#SS stack fault",
    [EXC_GENERAL_PROTECTION] = "#GP general protection",
    [EXC_PAGE_FAULT] = "#PF page fault",
    [EXC_X87] = "#MF x87 floating point",
    [EXC_ALIGNMENT] = "#AC alignment check",
    [EXC_MACHINE_CHECK] = "#MC machine check",
    [EXC_SIMD] = "#XF SIMD floating point",
    [EXC_CONTROL_PROTECTION] = "#CP control protection",
    [EXC_SECURITY] = "#SX security",
};

static void print_registers(const struct cpu_regs *r)
{
    char where[128];

    symbols_describe(r->rip, where, sizeof(where));
    pr_err("RIP: %04lx:%016lx %s\n", r->cs, r->rip, where);
    pr_err("RSP: %04lx:%016lx RFLAGS: %016lx\n", r->ss, r->rsp, r->rflags);
    pr_err("RAX: %016lx RBX: %016lx RCX: %016lx\n", r->rax, r->rbx, r->rcx);
    pr_err("RDX: %016lx RSI: %016lx RDI: %016lx\n", r->rdx, r->rsi, r->rdi);
    pr_err("RBP: %016lx R8:  %016lx R9:  %016lx\n", r->rbp, r->r8, r->r9);
    pr_err("R10: %016lx R11: %016lx R12: %016lx\n", r->r10, r->r11, r->r12);
    pr_err("R13: %016lx R14: %016lx R15: %016lx\n", r->r13, r->r14, r->r15);
    pr_err("CR0: %016lx CR2: %016lx CR3: %016lx CR4: %016lx\n", read_cr0(), read_cr2(), read_cr3(),
           read_cr4());
}

void exception_handler(struct cpu_regs *regs)
{
    const char *name = exception_names[regs->vector & 31];

    console_break_lock();
    pr_err("*** MICA FAULT on CPU%u: vector %lu (%s), error code %#lx ***\n", smp_processor_id(),
           regs->vector, name ? name : "reserved", regs->error_code);
    print_registers(regs);
    arch_backtrace_print(regs->rip, regs->rbp);
    mica_exit(MICA_EXIT_PANIC);
}

void unexpected_interrupt(struct cpu_regs *regs)
{
    pr_warn("CPU%u: unexpected interrupt vector %lu\n", smp_processor_id(), regs->vector);
}
