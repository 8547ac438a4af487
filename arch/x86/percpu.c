/* The per-CPU areas (see percpu.h). */
#include "percpu.h"
#include "x86/asm.h"
#include "x86/msr.h"

struct percpu percpu_areas[MAX_CPUS];
unsigned int nr_cpus = 1;

void percpu_activate(unsigned int cpu)
{
    struct percpu *p = &percpu_areas[cpu];

    p->self = p;
    p->cpu_id = cpu;
    wrmsr(MSR_GS_BASE, (uintptr_t)p);
}
