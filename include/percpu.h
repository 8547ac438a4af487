/*
 * Per-CPU state. Each CPU's GS base points at its struct percpu, whose first
 * field points at itself, so this_cpu() is a single %gs-relative load and
 * needs no CPU number lookup.
 */
#ifndef MICA_PERCPU_H
#define MICA_PERCPU_H

#include <stddef.h>

#include "types.h"
#include "x86/gdt.h"

#define MAX_CPUS 64

struct percpu {
    struct percpu *self;      /* must stay first: this_cpu() reads %gs:0 */
    unsigned int cpu_id;      /* Mica's CPU number; 0 is the boot CPU */
    uint32_t apic_id;         /* local APIC id (from the ACPI MADT) */
    volatile bool online;     /* set by the CPU itself once it runs C */
    uintptr_t stack_top;      /* top of this CPU's 16 KiB stack */
    struct cpu_tables tables; /* GDT and TSS of this CPU */
    uintptr_t percpu_offset;  /* its copy of the per-CPU variables, minus the
                                     boot CPU's (DEFINE_PER_CPU below; 0 on CPU 0) */
};

extern struct percpu percpu_areas[MAX_CPUS];
extern unsigned int nr_cpus; /* CPUs found in the MADT (online or not) */

static inline struct percpu *this_cpu(void)
{
    struct percpu *p;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(p));
    return p;
}

static inline unsigned int smp_processor_id(void)
{
    return this_cpu()->cpu_id;
}

/*
 * Per-CPU data private to one file: `static DEFINE_PER_CPU(type, name);`
 * gives each CPU its own zero-initialised `name`; this_cpu_var(name) is the
 * calling CPU's, per_cpu(name, cpu) another's. struct percpu above holds
 * only what makes a CPU itself (its number, APIC id, stack, tables).
 *
 * The variables live in the section .bss.percpu, which is the boot CPU's
 * copy; every other CPU gets a zeroed copy of the section before it starts
 * (arch/x86/smp.c), at percpu_offset bytes from the boot CPU's. Reaching
 * this CPU's copy is one %gs-relative load of the offset and one access:
 * as cheap as a field of struct percpu.
 */
#define DEFINE_PER_CPU(type, name) __attribute__((section(".bss.percpu"))) type name##_per_cpu
/* For the rare variable another file reads inline (its owner's header). */
#define DECLARE_PER_CPU(type, name) extern type name##_per_cpu

static inline uintptr_t this_cpu_offset(void)
{
    uintptr_t offset;
    /* Not volatile: the offset never changes under a running CPU. */
    __asm__("mov %%gs:%c1, %0" : "=r"(offset) : "i"(offsetof(struct percpu, percpu_offset)));
    return offset;
}

#define per_cpu_at(name, offset) \
    (*(__typeof__(&name##_per_cpu))((uintptr_t)&name##_per_cpu + (offset)))
#define per_cpu(name, cpu) per_cpu_at(name, percpu_areas[(cpu)].percpu_offset)
#define this_cpu_var(name) per_cpu_at(name, this_cpu_offset())

/* Give every CPU but the boot CPU its zeroed copy of the per-CPU variables
 * (boot CPU, before the others start). */
void percpu_alloc_copies(void);

/* Point GS at cpu's per-CPU area (each CPU calls this for itself). */
void percpu_activate(unsigned int cpu);

#endif
