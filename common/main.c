/*
 * mica_main: the arch-neutral part of the boot, once the platform is up
 * (arch/x86/setup.c): the scheduler and XSM, the other CPUs, then one
 * domain per boot module, and the scheduler loop.
 */
#include "alloc_fail.h"
#include "arch.h"
#include "bootinfo.h"
#include "domain_build.h"
#include "end_of_run.h"
#include "guest_time.h"
#include "mm.h"
#include "panic.h"
#include "printk.h"
#include "schedule.h"
#include "selftest.h"
#include "xsm.h"

static void start_domain(struct domain *d, void *arg)
{
    (void)arg;
    if (d->state == DOMAIN_CREATED)
        domain_start(d);
}

/* One domain per multiboot2 module, then let the scheduler run them. */
static void build_domains(void)
{
    uint64_t free_before = page_alloc_free_frames();
    unsigned int refused = 0;

    end_of_run_count_frames();
    unsigned int policies = 0, boot_modules = 0;

    if (!boot_info.nr_modules) {
        printk("Mica: boot complete; no domains (no modules) to run, ending the run.\n");
        mica_exit(MICA_EXIT_SUCCESS);
    }
    alloc_fail_reached(ALLOC_FAIL_FROM_BUILD); /* Mica's own boot is done */
    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        if (xsm_module_is_policy(i)) {
            policies++; /* XSM's (xsm_init), not a guest */
            continue;
        }
        if (domain_build_is_boot_module(&boot_info.modules[i])) {
            boot_modules++; /* a domain's: its builder takes it */
            continue;
        }
        refused += !domain_build_module(&boot_info.modules[i], i, i == policies + boot_modules);
    }
    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        if (domain_build_is_boot_module(&boot_info.modules[i]) && !boot_info.modules[i].taken) {
            pr_err("module %u refused: '%s' names no domain that took it\n", i,
                   boot_info.modules[i].cmdline);
            refused++;
            boot_modules--;
        }
    }
    /* Start them only now: no domain runs while others are being built. */
    alloc_fail_reached(ALLOC_FAIL_FROM_RUN);
    domain_for_each(start_domain, NULL);
    printk("Mica: %u domain(s) started, %u module(s) refused\n",
           boot_info.nr_modules - policies - boot_modules - refused, refused);
    end_of_run_begin(free_before, refused);
}

void mica_main(void)
{
    scheduler_init();
    guest_time_init();
    xsm_init();
    arch_start_secondary_cpus();
    page_alloc_print_summary();

    if (selftest_requested())
        mica_exit(selftest_run() ? MICA_EXIT_SUCCESS : MICA_EXIT_FAILURE);

    build_domains();
    scheduler_run();
}
