/*
 * Serial input as Xen's console treats it, as pure functions:
 *
 * - The switch code. CTRL-a (0x01) typed three times in a row switches where
 *   serial input goes (Mica's debug keys, or the domains). The three are
 *   eaten; one or two CTRL-a followed by another key are passed on, then the
 *   key (Xen's serial_rx, xen/drivers/char/console.c).
 * - The input ring. Bytes meant for the domains wait in a ring of
 *   SERIAL_RX_SIZE bytes until a domain reads them with CONSOLEIO_read; a
 *   byte that arrives while the ring is full is dropped (Xen's
 *   serial_rx_ring, also 128 bytes).
 *
 * common/console_input.c applies them to COM1; tests/unit/test_serial_rx.c
 * checks them on the host.
 */
#ifndef MICA_LIB_SERIAL_RX_H
#define MICA_LIB_SERIAL_RX_H

#include "types.h"

#define SERIAL_SWITCH_CODE 0x01 /* CTRL-a */
#define SERIAL_SWITCH_COUNT 3
#define SERIAL_RX_SIZE 128

/* How many CTRL-a in a row are being held back. */
struct serial_switch {
    unsigned int held;
};

/* Feeds one received byte. Returns true if it completed the switch code
 * (the caller switches input); otherwise writes the bytes to pass on, in
 * order, to out[] (held CTRL-a, then c; none while a CTRL-a is held) and
 * their number to *n. */
bool serial_switch_feed(struct serial_switch *s, char c, char out[SERIAL_SWITCH_COUNT],
                        unsigned int *n);

/* Free-running indices: prod - cons bytes are waiting. */
struct serial_rx_ring {
    char buf[SERIAL_RX_SIZE];
    uint32_t prod, cons;
};

/* Appends c; false (and c dropped) if the ring is full. */
bool serial_rx_put(struct serial_rx_ring *r, char c);

/* Copies up to max waiting bytes to out without consuming them; returns how
 * many. serial_rx_consume(r, n) then drops the first n of them. */
size_t serial_rx_peek(const struct serial_rx_ring *r, char *out, size_t max);
void serial_rx_consume(struct serial_rx_ring *r, size_t n);

#endif
