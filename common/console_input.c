/* Serial input: debug keys or the domains' input ring (see console_input.h). */
#include "console_input.h"
#include "arch.h"
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

/* Only CPU 0's scheduler loop touches the switch state and the focus. */
static struct serial_switch switch_code;
static bool input_to_domains;

/* The input ring: filled by CPU 0, read by CONSOLEIO_read on any CPU. Held
 * across the copy to the guest, so it ranks above the p2m lock. */
static DEFINE_SPINLOCK(console_input_lock, LOCK_LEVEL_CONSOLE_INPUT);
static struct serial_rx_ring input_ring;

static void switch_input(void)
{
    input_to_domains = !input_to_domains;
    printk("*** Serial input to %s (type CTRL-a three times to switch input)\n",
           input_to_domains ? "the domains (CONSOLEIO_read, VIRQ_CONSOLE)" : "Mica (debug keys)");
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
            if (input_to_domains)
                input_for_domains(pass[i]);
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
