/*
 * A small printf for test guests. Output goes through
 * HYPERVISOR_console_io(CONSOLEIO_write, count, buffer) once the hypercall
 * page exists, and to I/O port 0xe9 (the debug console port Xen and QEMU
 * both offer) before that.
 */
#include "console.h"
#include "hypercall.h"

#define XEN_DEBUG_PORT 0xe9

void console_write(const char *s, size_t n)
{
    if (hypercall_ready) {
        HYPERVISOR_console_io(CONSOLEIO_write, (unsigned)n, s);
        return;
    }
    for (size_t i = 0; i < n; i++)
        guest_outb(XEN_DEBUG_PORT, (uint8_t)s[i]);
}

/* An output sink: a bounded buffer, flushed to the console when full if
 * `flush` is set, otherwise truncated. */
struct sink {
    char *buf;
    size_t size, len, total;
    int flush;
};

static void put(struct sink *s, char c)
{
    s->total++;
    if (s->len + 1 >= s->size) {
        if (!s->flush)
            return;
        console_write(s->buf, s->len);
        s->len = 0;
    }
    s->buf[s->len++] = c;
}

static void put_num(struct sink *s, uint64_t v, unsigned base, int neg, int width, char pad,
                    int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    if (neg)
        width--;
    if (neg && pad == '0')
        put(s, '-');
    for (int i = n; i < width; i++)
        put(s, pad);
    if (neg && pad != '0')
        put(s, '-');
    while (n)
        put(s, tmp[--n]);
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(s, *fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, lng = 0, alt = 0;
        if (*fmt == '#') { /* %#x: "0x" before a value that is not 0, as in C */
            alt = 1;
            fmt++;
        }
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') {
            lng++;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = lng >= 2   ? va_arg(ap, long long)
                        : lng == 1 ? va_arg(ap, long)
                                   : va_arg(ap, int);
            put_num(s, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, pad, 0);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = lng >= 2   ? va_arg(ap, unsigned long long)
                         : lng == 1 ? va_arg(ap, unsigned long)
                                    : va_arg(ap, unsigned int);
            if (alt && v && *fmt != 'u') {
                put(s, '0');
                put(s, *fmt);
                width -= 2;
            }
            put_num(s, v, *fmt == 'u' ? 10 : 16, 0, width, pad, *fmt == 'X');
            break;
        }
        case 'p':
            put(s, '0');
            put(s, 'x');
            put_num(s, (uintptr_t)va_arg(ap, void *), 16, 0, width, pad, 0);
            break;
        case 'c':
            put(s, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            int n = (int)strlen(str);
            for (int i = n; i < width; i++)
                put(s, ' ');
            while (*str)
                put(s, *str++);
            break;
        }
        case '%':
            put(s, '%');
            break;
        case '\0':
            return;
        default:
            put(s, '%');
            put(s, *fmt);
            break;
        }
    }
}

void gvprintf(const char *fmt, va_list ap)
{
    char buf[256];
    struct sink s = { buf, sizeof(buf), 0, 0, 1 };
    format(&s, fmt, ap);
    if (s.len)
        console_write(buf, s.len);
}

void gprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gvprintf(fmt, ap);
    va_end(ap);
}

int gsnprintf(char *buf, size_t size, const char *fmt, ...)
{
    char dummy;
    struct sink s = { size ? buf : &dummy, size ? size : 1, 0, 0, 0 };
    va_list ap;
    va_start(ap, fmt);
    format(&s, fmt, ap);
    va_end(ap);
    s.buf[s.len] = '\0';
    return (int)s.total;
}
