/*
 * Console output for test guests: a small printf through
 * HYPERVISOR_console_io(CONSOLEIO_write), or through the debug port 0xe9
 * before the hypercall page is installed.
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include "guest.h"

/* Formats: %d %i %u %x %X %c %s %p %%, with l / ll modifiers on d i u x,
 * a field width and the 0 flag (e.g. %08x, %016llx, %-10s is not supported). */
void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gvprintf(const char *fmt, va_list ap);
/* Format into buf (always NUL-terminated if size > 0); returns the length
 * the whole output would have had. */
int gsnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Write raw bytes to the console. */
void console_write(const char *s, size_t n);

#endif /* GUEST_CONSOLE_H */
