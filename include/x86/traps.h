/* CPU exceptions taken inside Mica. */
#ifndef MICA_X86_TRAPS_H
#define MICA_X86_TRAPS_H

#include "regs.h"

enum exception_vector {
    EXC_DIVIDE_ERROR = 0,
    EXC_DEBUG = 1,
    EXC_NMI = 2,
    EXC_BREAKPOINT = 3,
    EXC_OVERFLOW = 4,
    EXC_BOUND = 5,
    EXC_INVALID_OPCODE = 6,
    EXC_DEVICE_NA = 7,
    EXC_DOUBLE_FAULT = 8,
    EXC_INVALID_TSS = 10,
    EXC_SEGMENT_NP = 11,
    EXC_STACK = 12,
    EXC_GENERAL_PROTECTION = 13,
    EXC_PAGE_FAULT = 14,
    EXC_X87 = 16,
    EXC_ALIGNMENT = 17,
    EXC_MACHINE_CHECK = 18,
    EXC_SIMD = 19,
    EXC_CONTROL_PROTECTION = 21,
    EXC_SECURITY = 30,
};

/* An exception in Mica is a Mica bug: report it fully and end the run. */
__attribute__((noreturn)) void exception_handler(struct cpu_regs *regs);

/* An interrupt vector nobody registered: logged, then ignored. */
void unexpected_interrupt(struct cpu_regs *regs);

#endif
