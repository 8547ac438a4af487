/*
 * Per-CPU state. Each CPU's GS base points at its struct percpu, whose first
 * field points at itself, so this_cpu() is a single %gs-relative load and
 * needs no CPU number lookup.
 */
#ifndef MICA_PERCPU_H
#define MICA_PERCPU_H

#include "lock_order.h"
#include "types.h"
#include "x86/gdt.h"

#define MAX_CPUS 64

struct percpu {
    struct percpu *self;          /* must stay first: this_cpu() reads %gs:0 */
    unsigned int cpu_id;          /* Mica's CPU number; 0 is the boot CPU */
    uint32_t apic_id;             /* local APIC id (from the ACPI MADT) */
    volatile bool online;         /* set by the CPU itself once it runs C */
    uintptr_t stack_top;          /* top of this CPU's 16 KiB stack */
    struct held_locks held_locks; /* for the lock-order checker */
    struct cpu_tables tables;     /* GDT and TSS of this CPU */
};

extern struct percpu percpu_areas[MAX_CPUS];
extern unsigned int nr_cpus;      /* CPUs found in the MADT (online or not) */

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
 * gives each CPU its own `name`; this_cpu_var(name) is the calling CPU's,
 * per_cpu(name, cpu) another's. struct percpu above holds only what makes
 * a CPU itself (its number, APIC id, stack, tables, held locks).
 */
#define DEFINE_PER_CPU(type, name) type name##_per_cpu[MAX_CPUS]
#define per_cpu(name, cpu) (name##_per_cpu[(cpu)])
#define this_cpu_var(name) per_cpu(name, smp_processor_id())

/* Point GS at cpu's per-CPU area (each CPU calls this for itself). */
void percpu_activate(unsigned int cpu);

#endif
