/*
 * Cross-CPU function calls (see call_function.h).
 *
 * One request at a time machine-wide, serialized by call_lock: the sender
 * fills the request, marks each target CPU pending, sends the IPIs and waits
 * until every target has cleared its pending flag. Simple and plenty for
 * boot-time work and TLB shootdowns on a handful of CPUs.
 */
#include "call_function.h"
#include "assert.h"
#include "percpu.h"
#include "spinlock.h"
#include "x86/apic.h"
#include "x86/asm.h"
#include "x86/idt.h"

static DEFINE_SPINLOCK(call_lock, LOCK_LEVEL_CALL_FUNCTION);
static cpu_function_t call_fn;
static void *call_arg;
static volatile bool call_pending[MAX_CPUS];

static void call_function_interrupt(struct cpu_regs *regs)
{
    unsigned int cpu = smp_processor_id();

    (void)regs;
    if (__atomic_load_n(&call_pending[cpu], __ATOMIC_ACQUIRE)) {
        call_fn(call_arg);
        __atomic_store_n(&call_pending[cpu], false, __ATOMIC_RELEASE);
    }
}

void call_function_init(void)
{
    interrupt_register(VECTOR_CALL_FUNCTION, call_function_interrupt);
}

static bool is_target(unsigned int cpu, unsigned int target, bool all)
{
    return percpu_areas[cpu].online && (all || cpu == target);
}

static void call_function(unsigned int target, bool all, cpu_function_t fn, void *arg)
{
    unsigned int self = smp_processor_id();
    unsigned long flags;

    ASSERT(irq_enabled());
    spin_lock(&call_lock);
    call_fn = fn;
    call_arg = arg;
    for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
        if (cpu != self && is_target(cpu, target, all)) {
            __atomic_store_n(&call_pending[cpu], true, __ATOMIC_RELEASE);
            lapic_send_ipi(percpu_areas[cpu].apic_id, VECTOR_CALL_FUNCTION);
        }
    }
    if (all || target == self) {
        flags = irq_save();
        fn(arg);
        irq_restore(flags);
    }
    for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
        while (__atomic_load_n(&call_pending[cpu], __ATOMIC_ACQUIRE))
            cpu_relax();
    }
    spin_unlock(&call_lock);
}

void call_function_on(unsigned int cpu, cpu_function_t fn, void *arg)
{
    call_function(cpu, false, fn, arg);
}

void call_function_all(cpu_function_t fn, void *arg)
{
    call_function(0, true, fn, arg);
}
