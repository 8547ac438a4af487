/*
 * Serial input: where the keys typed on Mica's serial console go.
 *
 * Input goes to one place at a time, Mica's debug keys at boot. CTRL-a typed
 * three times switches to the domains and back (as on Xen):
 *   - Mica: each key is a debug key (debug_keys.h).
 *   - domains: each byte waits in the input ring (lib/serial_rx.h) and raises
 *     the global VIRQ_CONSOLE, whose handler (the privileged domain unless
 *     delegated) reads the ring with CONSOLEIO_read.
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
