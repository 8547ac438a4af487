/* The interrupt descriptor table and interrupt dispatch. */
#ifndef MICA_X86_IDT_H
#define MICA_X86_IDT_H

#include "regs.h"

/* Vectors Mica uses besides the CPU exceptions (0..31). */
#define VECTOR_TIMER 0xF0         /* local APIC timer */
#define VECTOR_CALL_FUNCTION 0xF1 /* cross-CPU function call IPI */
#define VECTOR_KICK 0xF2          /* wake an idle CPU / force a guest exit */
#define VECTOR_SPURIOUS 0xFF      /* local APIC spurious interrupts */

typedef void (*interrupt_handler_t)(struct cpu_regs *regs);

/* Build the IDT (boot CPU, once) and load it (every CPU). */
void idt_init(void);
void idt_load(void);

/* Route an external-interrupt vector (32..255) to handler. */
void interrupt_register(unsigned int vector, interrupt_handler_t handler);

/* Called from entry.asm for every vector. */
void interrupt_dispatch(struct cpu_regs *regs);

#endif
