/*
 * Console output with log levels. A message is printed when its level is at
 * or below the console level, set by `loglvl=` on the command line (a name
 * or a number: error 0, warning 1, info 2, debug 3; default info).
 */
#ifndef MICA_PRINTK_H
#define MICA_PRINTK_H

#include <stdarg.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void printk_level(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vprintk_level(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#define printk(...) printk_level(LOG_INFO, __VA_ARGS__)
#define pr_err(...) printk_level(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) printk_level(LOG_WARN, __VA_ARGS__)
#define pr_info(...) printk_level(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk_level(LOG_DEBUG, __VA_ARGS__)

/* From now on print without taking the console lock (the CPU holding it may
 * be the one that crashed). Used on the way to a panic. */
void console_break_lock(void);

#endif
