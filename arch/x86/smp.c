/*
 * Per-CPU set-up and AP start-up.
 *
 * The boot CPU (BSP) starts each application processor in turn with the
 * INIT-SIPI-SIPI sequence (Intel SDM vol. 3 §9.4.4, which AMD follows):
 * INIT, 10 ms, STARTUP, 200 us, STARTUP again if the AP has not answered.
 * The AP runs boot/trampoline.asm, then ap_start() below on its own stack,
 * sets up its GDT/TSS/IDT/APIC and reports in by setting its `online` flag.
 * The trampoline's parameters are shared, so APs start one at a time.
 */
#include "smp.h"
#include "arch.h"
#include "assert.h"
#include "lib/string.h"
#include "page_alloc.h"
#include "panic.h"
#include "percpu.h"
#include "printk.h"
#include "x86/acpi.h"
#include "x86/apic.h"
#include "x86/asm.h"
#include "x86/control_regs.h"
#include "x86/gdt.h"
#include "x86/idt.h"
#include "x86/paging.h"
#include "x86/svm.h"
#include "schedule.h"

extern char __start_mica_trampoline[], __stop_mica_trampoline[];
extern char trampoline_start[], trampoline_cr3[], trampoline_stack[];
extern char trampoline_entry[], trampoline_cpu[];

#define AP_ANSWER_TIMEOUT_MS 200

/* Allocate a zeroed stack of 2^order pages; returns its top. */
static uintptr_t alloc_stack(unsigned int order)
{
    struct frame *f = alloc_frames(order);

    if (!f)
        panic("out of memory for a CPU stack\n");
    memset(frame_to_virt(f), 0, PAGE_SIZE << order);
    return (uintptr_t)frame_to_virt(f) + (PAGE_SIZE << order);
}

/* Common to every CPU: GDT + TSS with IST stacks, IDT, local APIC. */
static void cpu_init_tables(struct percpu *cpu)
{
    uintptr_t ist[IST_COUNT];

    for (int i = 0; i < IST_COUNT; i++)
        ist[i] = alloc_stack(0);
    gdt_load(&cpu->tables, ist);
    idt_load();
    lapic_init();
    /* FXSAVE/FXRSTOR of guests' SSE state need CR4.OSFXSR (APM vol. 2 §11.3). */
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

void cpu_init_boot(void)
{
    struct percpu *cpu = this_cpu();

    idt_init();
    cpu_init_tables(cpu);
    cpu->apic_id = lapic_id();
    cpu->online = true;
}

/* First C code of an AP, on its own stack. */
static __attribute__((noreturn)) void ap_start(unsigned int cpu_id)
{
    struct percpu *cpu = &percpu_areas[cpu_id];

    percpu_activate(cpu_id);
    cpu_init_tables(cpu);
    __atomic_store_n(&cpu->online, true, __ATOMIC_RELEASE);
    printk("CPU%u: online (APIC id %u)\n", cpu_id, cpu->apic_id);

    svm_cpu_init();
    scheduler_run(); /* idles (halted) until there are vCPUs to run */
}

static void *trampoline_param(const char *symbol)
{
    return (char *)phys_to_virt(TRAMPOLINE_PADDR) + (symbol - trampoline_start);
}

static bool wait_online(const struct percpu *cpu, uint32_t ms)
{
    for (uint32_t i = 0; i < ms * 10; i++) {
        if (__atomic_load_n(&cpu->online, __ATOMIC_ACQUIRE))
            return true;
        udelay(100);
    }
    return __atomic_load_n(&cpu->online, __ATOMIC_ACQUIRE);
}

static bool start_ap(unsigned int cpu_id)
{
    struct percpu *cpu = &percpu_areas[cpu_id];

    cpu->stack_top = alloc_stack(STACK_ORDER);
    *(uint64_t *)trampoline_param(trampoline_cr3) = paging_root();
    *(uint64_t *)trampoline_param(trampoline_stack) = cpu->stack_top;
    *(uint64_t *)trampoline_param(trampoline_entry) = (uintptr_t)ap_start;
    *(uint64_t *)trampoline_param(trampoline_cpu) = cpu_id;

    lapic_send_init(cpu->apic_id);
    udelay(10000);
    lapic_send_sipi(cpu->apic_id, TRAMPOLINE_PADDR >> PAGE_SHIFT);
    udelay(200);
    if (!__atomic_load_n(&cpu->online, __ATOMIC_ACQUIRE))
        lapic_send_sipi(cpu->apic_id, TRAMPOLINE_PADDR >> PAGE_SHIFT);
    return wait_online(cpu, AP_ANSWER_TIMEOUT_MS);
}

unsigned int smp_boot_aps(void)
{
    /* Linker-defined bounds of one section: the subtraction is meaningful. */
    // cppcheck-suppress comparePointers
    size_t size = (size_t)(__stop_mica_trampoline - trampoline_start);

    ASSERT((uintptr_t)trampoline_start == (uintptr_t)__start_mica_trampoline);
    ASSERT(size <= PAGE_SIZE);
    percpu_alloc_copies();
    memcpy(phys_to_virt(TRAMPOLINE_PADDR), trampoline_start, size);
    for (unsigned int cpu = 1; cpu < nr_cpus; cpu++) {
        if (!start_ap(cpu))
            pr_err("CPU%u (APIC id %u) did not come up\n", cpu, percpu_areas[cpu].apic_id);
    }
    return cpus_online();
}

unsigned int cpus_online(void)
{
    unsigned int n = 0;
    for (unsigned int cpu = 0; cpu < nr_cpus; cpu++)
        n += __atomic_load_n(&percpu_areas[cpu].online, __ATOMIC_ACQUIRE);
    return n;
}
