/*
 * The local APIC (xAPIC, memory-mapped; AMD APM vol. 2 §16): interrupt
 * acknowledgement, inter-processor interrupts and the per-CPU timer.
 */
#ifndef MICA_X86_APIC_H
#define MICA_X86_APIC_H

#include "../types.h"

#define LAPIC_DEFAULT_PADDR 0xFEE00000UL

/* Enable this CPU's local APIC (software-enable via the SVR). */
void lapic_init(void);
uint32_t lapic_id(void);
void lapic_eoi(void);

/* IPIs (ICR delivery modes, APM §16.5). */
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint8_t page);

/* The timer. Calibrated once on the boot CPU against the PIT; arch.h
 * offers it (arch_timer_*) to the rest of Mica. */
void lapic_timer_calibrate(void);

/* Route the timer and kick vectors (boot CPU, once). */
void lapic_interrupts_init(void);

#endif
