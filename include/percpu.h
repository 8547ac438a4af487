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
    volatile uint64_t timer_ticks;/* local APIC timer interrupts taken */
    struct cpu_tables tables;     /* GDT and TSS of this CPU */

    /* SVM (arch/x86/svm/svm.c) */
    paddr_t svm_hsave_pa;         /* VM_HSAVE_PA: where VMRUN saves host state */
    paddr_t svm_host_area_pa;     /* VMSAVE area for the host's FS/GS/TR/... */
    uint32_t asid_next;           /* next free ASID in this generation */
    uint64_t asid_generation;     /* bumped when the ASIDs run out */

    /* get_gfn / put_gfn (mm/p2m/p2m_gfn.c) */
    struct p2m *gfn_p2m;          /* the p2m this CPU holds gfns of, or NULL */
    unsigned int gfn_depth;       /* how many gets are outstanding */
    const char *gfn_file;         /* where the first of them was taken */
    int gfn_line;

    /* Scheduling (common/schedule.c) */
    struct vcpu *current;         /* the vCPU this CPU runs, or NULL when idle */
    volatile bool need_resched;   /* set by the scheduler tick */
    volatile bool idle;           /* halted in the idle loop */
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

/* Point GS at cpu's per-CPU area (each CPU calls this for itself). */
void percpu_activate(unsigned int cpu);

#endif
