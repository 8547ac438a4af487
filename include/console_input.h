/*
 * Serial input: where the keys typed on Mica's serial console go.
 *
 * Input goes to one place at a time, Mica's debug keys at boot. CTRL-a typed
 * three times switches to the next (as on Xen, which cycles through itself
 * and its domains):
 *   - Mica: each key is a debug key (debug_keys.h).
 *   - the domains' CONSOLEIO_read: each byte waits in the input ring
 *     (lib/serial_rx.h) and raises the global VIRQ_CONSOLE, whose handler
 *     (the privileged domain unless delegated) reads the ring.
 *   - each domain with a PV console ring (console_ring.h), in domid order:
 *     its hvc0, say.
 * and then Mica again.
 * CPU 0 polls COM1 from its scheduler loop.
 */
#ifndef MICA_CONSOLE_INPUT_H
#define MICA_CONSOLE_INPUT_H

#include "types.h"

struct vcpu;

/* Reads what COM1 has received and passes it on (CPU 0, no lock held). */
void console_input_poll(void);

/* CONSOLEIO_read: copies up to count waiting bytes to the guest's buffer and
 * returns how many, or -EFAULT (and nothing is consumed). */
long console_input_read(struct vcpu *v, uint64_t buffer, uint32_t count);

#endif
