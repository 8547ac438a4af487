/* Ending Mica: mica_exit, panic and failed assertions (see panic.h). */
#include "panic.h"
#include "printk.h"
#include "percpu.h"
#include "arch.h"

void mica_exit(enum mica_exit_code code)
{
    arch_stop(code);
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
    arch_backtrace_print((uintptr_t)__builtin_return_address(0),
                         *(const uintptr_t *)__builtin_frame_address(0));
    mica_exit(MICA_EXIT_PANIC);
}

void assert_failed(const char *expr, const char *file, int line)
{
    panic("Assertion '%s' failed at %s:%d\n", expr, file, line);
}
