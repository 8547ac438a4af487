/*
 * Ending the run on x86 (arch.h): QEMU's isa-debug-exit port, and the
 * backtrace a fatal report prints from the chain of saved frame pointers.
 */
#include "arch.h"
#include "printk.h"
#include "symbols.h"

/* QEMU's isa-debug-exit device (the Makefile's -device isa-debug-exit,
 * iobase=0xf4): a value written here ends QEMU with status (value << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4

/* How many frames a backtrace follows at most. */
#define BACKTRACE_MAX_FRAMES 32

void arch_stop(unsigned int code)
{
    irq_disable();
    outl(DEBUG_EXIT_PORT, code);
    /* Not under QEMU (no isa-debug-exit device): stop here. */
    for (;;)
        halt();
}

/* Walk the saved-RBP chain: each frame holds [rbp] = caller's rbp and
 * [rbp + 8] = return address (gcc with -fno-omit-frame-pointer). Every
 * stack Mica runs on lies in the direct map or in its image, both at or
 * above DIRECTMAP_BASE (x86/memlayout.h), so the walk stops at a frame
 * pointer below it (the boot path zeroes rbp), at one not 8-aligned, and
 * after BACKTRACE_MAX_FRAMES frames. */
void arch_backtrace_print(uintptr_t pc, uintptr_t frame)
{
    char where[128];

    printk("Backtrace:\n");
    symbols_describe(pc, where, sizeof(where));
    printk("  [<%016lx>] %s\n", pc, where);
    for (int depth = 0; depth < BACKTRACE_MAX_FRAMES && frame >= DIRECTMAP_BASE && !(frame & 7);
         depth++) {
        const uintptr_t *saved = (const uintptr_t *)frame;
        uintptr_t ret = saved[1];

        if (!ret)
            break;
        symbols_describe_return(ret, where, sizeof(where));
        printk("  [<%016lx>] %s\n", ret, where);
        frame = saved[0];
    }
}
