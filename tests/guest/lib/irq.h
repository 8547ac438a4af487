/*
 * Interrupt handlers for vectors 32..255 in 64-bit test guests: one IDT
 * gate per vector (the IDT of trap.h, shared by every vCPU) whose stub
 * saves the registers C may clobber, calls the handler installed for that
 * vector with the vector number, and returns with IRETQ. The handler runs
 * with interrupts off (interrupt gates); it sends its own EOI if the
 * vector came from the local APIC.
 */
#ifndef GUEST_IRQ_H
#define GUEST_IRQ_H

#include "guest.h"

typedef void (*guest_irq_handler_t)(unsigned int vector);

/* Install fn for vector (32..255); guest_trap_init must have run. */
void guest_irq_set(unsigned int vector, guest_irq_handler_t fn);

#endif /* GUEST_IRQ_H */
