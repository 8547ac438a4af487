/*
 * printk: format a message and write it to the serial console.
 *
 * Each call writes its whole message under the console lock, so lines from
 * different CPUs never interleave mid-line. The lock is taken with interrupts
 * off: an interrupt handler that prints must not spin on a lock its own CPU
 * holds.
 */
#include "printk.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "spinlock.h"
#include "lib/vsnprintf.h"
#include "arch.h"

static DEFINE_SPINLOCK(console_lock, LOCK_LEVEL_CONSOLE);
static enum log_level console_level = LOG_INFO;
static volatile bool console_lock_broken;

static const char *const level_names[] = {
    [LOG_ERR] = "error",
    [LOG_WARN] = "warning",
    [LOG_INFO] = "info",
    [LOG_DEBUG] = "debug",
};

/* loglvl=error|warning|info|debug, or 0..3. */
static int parse_loglvl(const char *value)
{
    if (!value)
        return -22;
    for (unsigned int i = 0; i < ARRAY_SIZE(level_names); i++) {
        if (!strcmp(value, level_names[i]) || (value[0] == (char)('0' + i) && value[1] == '\0')) {
            console_level = (enum log_level)i;
            return 0;
        }
    }
    return -22; /* -EINVAL: the parser warns and the level stays */
}
CUSTOM_PARAM("loglvl", parse_loglvl);

void console_break_lock(void)
{
    console_lock_broken = true;
}

void vprintk_level(enum log_level level, const char *fmt, va_list ap)
{
    char buf[512];
    const char *prefix = level == LOG_ERR ? "ERROR: " : level == LOG_WARN ? "WARNING: " : "";
    unsigned long flags = 0;
    int len;

    if (level > console_level)
        return;

    len = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (len < 0)
        return;
    if ((size_t)len >= sizeof(buf))
        len = sizeof(buf) - 1;

    if (!console_lock_broken)
        flags = spin_lock_irqsave(&console_lock);
    serial_write(prefix, strlen(prefix));
    serial_write(buf, (size_t)len);
    if (!console_lock_broken)
        spin_unlock_irqrestore(&console_lock, flags);
}

void printk_level(enum log_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk_level(level, fmt, ap);
    va_end(ap);
}
