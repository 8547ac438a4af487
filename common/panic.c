/* Ending Mica: mica_exit, panic and failed assertions (see panic.h). */
#include "panic.h"
#include "printk.h"
#include "percpu.h"
#include "symbols.h"
#include "arch.h"

#define DEBUG_EXIT_PORT 0xf4

void mica_exit(enum mica_exit_code code)
{
    irq_disable();
    outl(DEBUG_EXIT_PORT, code);
    /* Not under QEMU (no isa-debug-exit device): stop here. */
    for (;;)
        halt();
}

/* Walk the saved-RBP chain: each frame holds [rbp] = caller's rbp and
 * [rbp + 8] = return address (gcc with -fno-omit-frame-pointer). The walk
 * stops at a zero or non-canonical frame pointer (the boot path zeroes rbp)
 * and after a bounded number of frames. */
void backtrace_print(uintptr_t rip, uintptr_t rbp)
{
    char where[128];

    printk("Backtrace:\n");
    symbols_describe(rip, where, sizeof(where));
    printk("  [<%016lx>] %s\n", rip, where);
    for (int depth = 0; depth < 32 && rbp >= 0xFFFF800000000000UL && !(rbp & 7); depth++) {
        const uintptr_t *frame = (const uintptr_t *)rbp;
        uintptr_t ret = frame[1];

        if (!ret)
            break;
        symbols_describe_return(ret, where, sizeof(where));
        printk("  [<%016lx>] %s\n", ret, where);
        rbp = frame[0];
    }
}

void panic(const char *fmt, ...)
{
    va_list ap;

    irq_disable();
    console_break_lock();
    pr_err("*** MICA PANIC on CPU%u ***\n", smp_processor_id());
    va_start(ap, fmt);
    vprintk_level(LOG_ERR, fmt, ap);
    va_end(ap);
    /* Start at panic's caller: its return address and its saved rbp. */
    backtrace_print((uintptr_t)__builtin_return_address(0),
                    *(const uintptr_t *)__builtin_frame_address(0));
    mica_exit(MICA_EXIT_PANIC);
}

void assert_failed(const char *expr, const char *file, int line)
{
    panic("Assertion '%s' failed at %s:%d\n", expr, file, line);
}
