/* Serial input: debug keys or the domains' input ring (see console_input.h). */
#include "console_input.h"
#include "arch.h"
#include "console_ring.h"
#include "domain.h"
#include "debug_keys.h"
#include "event.h"
#include "guest_access.h"
#include "lib/serial_rx.h"
#include "printk.h"
#include "public/errno.h"
#include "public/xen.h"
#include "spinlock.h"

/* At most this many bytes per poll, so a flood of input cannot keep CPU 0
 * from scheduling (the UART holds the rest). */
#define POLL_BUDGET 64

/* Where input goes; only CPU 0's scheduler loop touches the switch state
 * and the focus. */
enum input_focus {
    FOCUS_MICA,      /* the debug keys */
    FOCUS_CONSOLEIO, /* the ring below: CONSOLEIO_read, VIRQ_CONSOLE */
    FOCUS_DOMAIN,    /* focus_domid's PV console ring */
};
static struct serial_switch switch_code;
static enum input_focus focus;
static domid_t focus_domid;

/* The input ring: filled by CPU 0, read by CONSOLEIO_read on any CPU. Held
 * across the copy to the guest, so it ranks above the p2m lock. */
static DEFINE_SPINLOCK(console_input_lock, LOCK_LEVEL_CONSOLE_INPUT);
static struct serial_rx_ring input_ring;

#define SWITCH_HINT "(type CTRL-a three times to switch input)"

/* The live domain with a PV console ring and the smallest domid >= first,
 * with a reference, or NULL. */
static struct domain *next_console_domain(domid_t first)
{
    for (struct domain *d = domain_get_next(first); d; d = domain_get_next(first)) {
        uint64_t gfn;
        uint32_t port;

        if (console_ring_params(d, &gfn, &port))
            return d;
        first = (domid_t)(d->domid + 1);
        domain_put(d);
    }
    return NULL;
}

/* Mica, then the domains' CONSOLEIO_read, then each domain with a console
 * ring in domid order, then Mica again. */
static void switch_input(void)
{
    struct domain *d;

    if (focus == FOCUS_MICA) {
        focus = FOCUS_CONSOLEIO;
        printk("*** Serial input to the domains (CONSOLEIO_read, VIRQ_CONSOLE) " SWITCH_HINT "\n");
        return;
    }
    d = next_console_domain(focus == FOCUS_CONSOLEIO ? 0 : (domid_t)(focus_domid + 1));
    if (!d) {
        focus = FOCUS_MICA;
        printk("*** Serial input to Mica (debug keys) " SWITCH_HINT "\n");
        return;
    }
    focus = FOCUS_DOMAIN;
    focus_domid = d->domid;
    printk("*** Serial input to d%u (%s)'s console " SWITCH_HINT "\n", d->domid, d->name);
    domain_put(d);
}

/* A byte for the focused domain's console; if it has gone, input goes back
 * to Mica. */
static void input_for_console(char c)
{
    struct domain *d = domain_get(focus_domid);

    if (!d) {
        focus = FOCUS_MICA;
        printk("*** d%u has gone: serial input to Mica (debug keys) " SWITCH_HINT "\n",
               focus_domid);
        return;
    }
    console_ring_input(d, c);
    domain_put(d);
}

static void input_for_domains(char c)
{
    spin_lock(&console_input_lock);
    /* A full ring drops the byte, as Xen's does; the reader is told anyway. */
    serial_rx_put(&input_ring, c);
    spin_unlock(&console_input_lock);
    send_global_virq(VIRQ_CONSOLE);
}

void console_input_poll(void)
{
    for (unsigned int budget = POLL_BUDGET; budget; budget--) {
        int c = serial_getc_nonblocking();
        char pass[SERIAL_SWITCH_COUNT];
        unsigned int n;

        if (c < 0)
            return;
        if (serial_switch_feed(&switch_code, (char)c, pass, &n)) {
            switch_input();
            continue;
        }
        for (unsigned int i = 0; i < n; i++) {
            if (focus == FOCUS_CONSOLEIO)
                input_for_domains(pass[i]);
            else if (focus == FOCUS_DOMAIN)
                input_for_console(pass[i]);
            else
                debug_key_handle(pass[i]);
        }
    }
}

long console_input_read(struct vcpu *v, uint64_t buffer, uint32_t count)
{
    char waiting[SERIAL_RX_SIZE];
    size_t len;

    spin_lock(&console_input_lock);
    len = serial_rx_peek(&input_ring, waiting, MIN((size_t)count, sizeof(waiting)));
    if (len && copy_to_guest(v, buffer, waiting, len)) {
        spin_unlock(&console_input_lock);
        return -XEN_EFAULT;
    }
    serial_rx_consume(&input_ring, len);
    spin_unlock(&console_input_lock);
    return (long)len;
}
