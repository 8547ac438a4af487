/* Serial input: the switch code and the input ring as pure functions (see
 * include/lib/serial_rx.h). */
#include "lib/serial_rx.h"

bool serial_switch_feed(struct serial_switch *s, char c, char out[SERIAL_SWITCH_COUNT],
                        unsigned int *n)
{
    *n = 0;
    if (c == SERIAL_SWITCH_CODE) {
        if (++s->held < SERIAL_SWITCH_COUNT)
            return false;
        s->held = 0;
        return true;
    }
    /* An interrupted switch code was typed for the reader: pass it on. */
    for (; s->held; s->held--)
        out[(*n)++] = SERIAL_SWITCH_CODE;
    out[(*n)++] = c;
    return false;
}

bool serial_rx_put(struct serial_rx_ring *r, char c)
{
    if (r->prod - r->cons == SERIAL_RX_SIZE)
        return false;
    r->buf[r->prod++ % SERIAL_RX_SIZE] = c;
    return true;
}

size_t serial_rx_peek(const struct serial_rx_ring *r, char *out, size_t max)
{
    size_t n = 0;

    for (uint32_t i = r->cons; i != r->prod && n < max; i++)
        out[n++] = r->buf[i % SERIAL_RX_SIZE];
    return n;
}

void serial_rx_consume(struct serial_rx_ring *r, size_t n)
{
    r->cons += (uint32_t)n;
}
