/*
 * start_mica: the boot CPU's path from boot/entry.asm through the x86
 * platform's bring-up (console, boot information, paging, interrupts, APIC,
 * SVM) to mica_main (common/main.c). docs/ARCHITECTURE.md walks through it.
 */
#include "arch.h"
#include "bootinfo.h"
#include "call_function.h"
#include "lib/cmdline.h"
#include "lib/vsnprintf.h"
#include "mm.h"
#include "panic.h"
#include "percpu.h"
#include "printk.h"
#include "smp.h"
#include "version.h"
#include "x86/acpi.h"
#include "x86/apic.h"
#include "x86/i8259.h"
#include "x86/svm.h"
#include "x86/vcpu.h"

static void cmdline_warning(void *ctx, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    (void)ctx;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pr_warn("command line: %s\n", msg);
}

static void print_memory_map(void)
{
    static const char *const type_names[] = {
        [BOOT_MEM_USABLE] = "usable",
        [BOOT_MEM_RESERVED] = "reserved",
        [BOOT_MEM_ACPI_RECLAIMABLE] = "ACPI data",
        [BOOT_MEM_ACPI_NVS] = "ACPI NVS",
        [BOOT_MEM_BAD] = "bad",
    };

    printk("Memory map from the boot loader:\n");
    for (unsigned int i = 0; i < boot_info.nr_mem; i++) {
        const struct boot_mem_range *r = &boot_info.mem[i];
        const char *type = r->type < ARRAY_SIZE(type_names) && type_names[r->type]
                               ? type_names[r->type]
                               : "other";
        printk("  %016lx - %016lx %s\n", r->start, r->end, type);
    }
}

void start_mica(uint32_t magic, paddr_t info);

void start_mica(uint32_t magic, paddr_t info)
{
    percpu_activate(0);
    serial_init();
    printk("\nMica %s: a minimal type-1 microhypervisor for x86-64 (AMD SVM)\n", MICA_VERSION);
    printk("Build: %s\n", MICA_BUILD);

    if (!multiboot2_parse(magic, info))
        mica_exit(MICA_EXIT_FAILURE);
    /* Linker-defined bounds of the mica_params section. */
    // cppcheck-suppress comparePointers
    size_t nr_params = (size_t)(__stop_mica_params - __start_mica_params);
    cmdline_parse(boot_info.cmdline, __start_mica_params, nr_params, cmdline_warning, NULL);
    printk("Command line: %s\n", boot_info.cmdline);
    print_memory_map();

    paging_init();
    page_alloc_init();
    i8259_disable();
    cpu_init_boot();
    lapic_interrupts_init();
    call_function_init();
    acpi_find_cpus(this_cpu()->apic_id);
    lapic_timer_calibrate();
    irq_enable();

    if (!svm_supported())
        mica_exit(MICA_EXIT_FAILURE);
    svm_cpu_init();
    if (svm_permission_maps_init())
        panic("out of memory for the SVM permission maps\n");
    mica_main();
}

unsigned int arch_start_secondary_cpus(void)
{
    unsigned int online;

    printk("CPU0: online (APIC id %u), the boot CPU\n", this_cpu()->apic_id);
    online = smp_boot_aps();
    printk("SMP: %u of %u CPUs online\n", online, nr_cpus);
    /* The APs no longer need the trampoline's identity mapping. */
    paging_drop_identity_map();
    return online;
}
