/* Debug keys typed on the serial console: one table of key, what it does,
 * and its handler (see debug_keys.h). */
#include "debug_keys.h"
#include "arch.h"
#include "domain.h"
#include "event.h"
#include "mm.h"
#include "p2m/p2m_debug.h"
#include "lib/vsnprintf.h"
#include "printk.h"
#include "schedule.h"
#include "xsm.h"

static void print_xsm_stats(void)
{
    xsm->print_stats();
}

static const char *const vcpu_state_names[] = {
    [VCPU_OFFLINE] = "offline",
    [VCPU_RUNNABLE] = "runnable",
    [VCPU_RUNNING] = "running",
    [VCPU_BLOCKED] = "blocked",
};

static void print_domain_vcpus(struct domain *d, void *arg)
{
    ++*(unsigned int *)arg;
    printk("d%u (%s): %u vCPU(s)\n", d->domid, d->name, d->nr_vcpus);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        const struct vcpu *v = d->vcpus[i];
        const struct vcpu_info *info = v->evtchn.vcpu_info;
        struct vcpu_runstate_info rs;

        sched_runstate_read(v, &rs);
        runstate_count_to_now(&rs);
        printk("  v%u: %s on CPU %d, upcall pending %d mask %d; ms running %lu runnable %lu "
               "blocked %lu offline %lu\n",
               v->id, vcpu_state_names[v->state], v->processor,
               info ? info->evtchn_upcall_pending : -1, info ? info->evtchn_upcall_mask : -1,
               rs.time[RUNSTATE_running] / 1000000, rs.time[RUNSTATE_runnable] / 1000000,
               rs.time[RUNSTATE_blocked] / 1000000, rs.time[RUNSTATE_offline] / 1000000);
        arch_vcpu_print(v);
    }
}

/* Each domain's vCPUs: scheduler state, event delivery, registers. */
static void print_vcpus(void)
{
    unsigned int domains = 0;

    domain_for_each(print_domain_vcpus, &domains);
    if (!domains)
        printk("vCPUs: no domains\n");
}

static void print_help(void);

static const struct debug_key {
    char key;
    const char *what;
    void (*handler)(void);
} debug_keys[] = {
    { 'a', "audit p2ms", p2m_key_audit_all },
    { 'p', "dump p2ms", p2m_key_dump_all },
    { 'm', "memory", page_alloc_print_summary },
    { 'x', "XSM statistics", print_xsm_stats },
    { 'e', "event channels, VIRQ_DEBUG", evtchn_key_dump },
    { 'v', "vCPUs", print_vcpus },
    { 'h', "help", print_help },
};

static void print_help(void)
{
    char line[160];
    size_t len = (size_t)snprintf(line, sizeof(line), "debug keys:");

    for (unsigned int i = 0; i < ARRAY_SIZE(debug_keys) && len < sizeof(line); i++)
        len += (size_t)snprintf(line + len, sizeof(line) - len, " %c %s%s", debug_keys[i].key,
                                debug_keys[i].what, i + 1 < ARRAY_SIZE(debug_keys) ? "," : "");
    printk("%s\n", line);
    printk("CTRL-a three times: serial input to the domains (and back)\n");
}

void debug_key_handle(char key)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(debug_keys); i++) {
        if (debug_keys[i].key == key)
            debug_keys[i].handler();
    }
}
