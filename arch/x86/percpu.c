/* The per-CPU areas and the copies of the per-CPU variables (percpu.h). */
#include "percpu.h"
#include "lib/string.h"
#include "page_alloc.h"
#include "panic.h"
#include "x86/asm.h"
#include "x86/msr.h"

/* The boot CPU's copy of the per-CPU variables (linker.ld). */
extern char __percpu_start[], __percpu_end[];

struct percpu percpu_areas[MAX_CPUS];
unsigned int nr_cpus = 1;

void percpu_activate(unsigned int cpu)
{
    struct percpu *p = &percpu_areas[cpu];

    p->self = p;
    p->cpu_id = cpu;
    wrmsr(MSR_GS_BASE, (uintptr_t)p);
}

void percpu_alloc_copies(void)
{
    /* Linker-defined bounds of one section: the subtraction is meaningful. */
    // cppcheck-suppress comparePointers
    size_t size = (size_t)(__percpu_end - __percpu_start);
    unsigned int order = 0;

    while ((PAGE_SIZE << order) < size)
        order++;
    for (unsigned int cpu = 1; cpu < nr_cpus; cpu++) {
        struct frame *f = alloc_frames(order);
        if (!f)
            panic("out of memory for CPU%u's per-CPU variables\n", cpu);
        memset(frame_to_virt(f), 0, PAGE_SIZE << order);
        percpu_areas[cpu].percpu_offset = (uintptr_t)frame_to_virt(f) - (uintptr_t)__percpu_start;
    }
}
