/*
 * The guest test harness: entry from the PVH stub, hypercall page set-up,
 * checks, the verdict line and the shutdown hypercall.
 */
#include "test.h"

/* Defined by TEST_NAME(); weak so a test may use guest_test_begin instead. */
extern const char guest_test_name[] __attribute__((weak));

static const char *test_name;
static unsigned failures;
static const struct hvm_start_info *start_info;

void guest_test_begin(const char *name)
{
    test_name = name;
}

const struct hvm_start_info *guest_start_info(void)
{
    return start_info;
}

int guest_memory_map(struct hvm_memmap_table_entry *out, unsigned max)
{
    const struct hvm_start_info *si = start_info;
    if (si->version >= 1 && si->memmap_paddr && si->memmap_entries) {
        const struct hvm_memmap_table_entry *e = (const void *)(uintptr_t)si->memmap_paddr;
        unsigned n = si->memmap_entries < max ? si->memmap_entries : max;
        memcpy(out, e, n * sizeof(*e));
        return (int)n;
    }
    static struct xen_e820_entry e820[64];
    struct xen_memory_map map = { .nr_entries = 64 };
    set_xen_guest_handle(map.buffer, e820);
    long rc = HYPERVISOR_memory_op(XENMEM_memory_map, &map);
    if (rc < 0)
        return (int)rc;
    unsigned n = map.nr_entries < max ? map.nr_entries : max;
    for (unsigned i = 0; i < n; i++)
        out[i] = (struct hvm_memmap_table_entry){ e820[i].addr, e820[i].size, e820[i].type, 0 };
    return (int)n;
}

unsigned guest_test_failures(void)
{
    return failures;
}

void guest_test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    failures++;
    gprintf("check failed at %s:%d: ", file, line);
    va_start(ap, fmt);
    gvprintf(fmt, ap);
    va_end(ap);
    gprintf("\n");
}

int guest_check(int ok, const char *file, int line, const char *expr)
{
    if (!ok) {
        failures++;
        gprintf("check failed at %s:%d: %s\n", file, line, expr);
    }
    return ok;
}

int guest_check_eq(int ok, const char *file, int line, const char *ea, const char *eb, uint64_t a,
                   uint64_t b)
{
    if (!ok) {
        failures++;
        gprintf("check failed at %s:%d: %s == %s\n", file, line, ea, eb);
        gprintf("    left:  0x%llx (%lld)\n", (unsigned long long)a, (long long)a);
        gprintf("    right: 0x%llx (%lld)\n", (unsigned long long)b, (long long)b);
    }
    return ok;
}

static __attribute__((noreturn)) void shutdown(unsigned reason)
{
    struct sched_shutdown s = { .reason = reason };
    HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
    guest_halt(); /* the hypercall returned: stop here */
}

static const char *current_name(void)
{
    return test_name ? test_name : guest_test_name ? guest_test_name : "unnamed";
}

#ifdef __x86_64__
#define FLAVOUR ""
#else
#define FLAVOUR "-32"
#endif

void guest_test_abort(const char *reason)
{
    gprintf("FAIL guest/%s" FLAVOUR ": %s\n", current_name(), reason);
    shutdown(SHUTDOWN_crash);
}

void guest_main(uint32_t start_info_pa)
{
    start_info = (const struct hvm_start_info *)(uintptr_t)start_info_pa;
#ifdef __x86_64__
    guest_trap_init();
#endif
    if (hypercall_init() != 0) {
        /* Still on port 0xe9: no hypercall page, so no shutdown either. */
        gprintf("FAIL guest/%s" FLAVOUR ": no Xen-compatible hypervisor (CPUID 0x40000000)\n",
                current_name());
        guest_halt();
    }

    test_main();

    if (failures == 0) {
        gprintf("PASS guest/%s" FLAVOUR "\n", current_name());
        shutdown(SHUTDOWN_poweroff);
    }
    gprintf("FAIL guest/%s" FLAVOUR ": %u checks failed\n", current_name(), failures);
    shutdown(SHUTDOWN_crash);
}
