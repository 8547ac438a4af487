/* Domain console output (see domain_console.h). */
#include "domain_console.h"
#include "printk.h"
#include "timer.h"

/* Print the buffered line if the domain's budget allows. d->lock held. */
static void flush_line(struct domain *d)
{
    uint64_t second = system_time_ns() / 1000000000UL;

    if (second != d->console_second) {
        if (d->console_dropped)
            printk("(%s) [%u console lines dropped: more than %d a second]\n", d->name,
                   d->console_dropped, CONSOLE_LINES_PER_SECOND);
        d->console_second = second;
        d->console_lines = 0;
        d->console_dropped = 0;
    }
    if (d->console_lines < CONSOLE_LINES_PER_SECOND) {
        d->console_lines++;
        printk("(%s) %.*s\n", d->name, (int)d->console_len, d->console_line);
    } else {
        d->console_dropped++;
    }
    d->console_len = 0;
}

static void putc_locked(struct domain *d, char c)
{
    if (c == '\n') {
        flush_line(d);
        return;
    }
    if (c == '\r')
        return;
    /* Unprintable bytes would garble the log: show them as '?'. */
    d->console_line[d->console_len++] = (c >= 0x20 && c < 0x7F) || c == '\t' ? c : '?';
    if (d->console_len == CONSOLE_LINE_LEN)
        flush_line(d);
}

void domain_console_putc(struct domain *d, char c)
{
    spin_lock(&d->lock);
    putc_locked(d, c);
    spin_unlock(&d->lock);
}

void domain_console_write(struct domain *d, const char *buf, size_t len)
{
    spin_lock(&d->lock);
    for (size_t i = 0; i < len; i++)
        putc_locked(d, buf[i]);
    spin_unlock(&d->lock);
}
