/*
 * A demo guest: greets, reports its domain id, the hypervisor's version,
 * the memory map and command line from hvm_start_info, and passes.
 */
#include "test.h"

TEST_NAME("hello");

static const char *memmap_type(uint32_t t)
{
    switch (t) {
    case XEN_HVM_MEMMAP_TYPE_RAM:
        return "RAM";
    case XEN_HVM_MEMMAP_TYPE_RESERVED:
        return "reserved";
    case XEN_HVM_MEMMAP_TYPE_ACPI:
        return "ACPI";
    case XEN_HVM_MEMMAP_TYPE_NVS:
        return "NVS";
    case XEN_HVM_MEMMAP_TYPE_UNUSABLE:
        return "unusable";
    default:
        return "other";
    }
}

void test_main(void)
{
    gprintf("Hello from a PVH guest (%s)\n", sizeof(long) == 8 ? "64-bit" : "32-bit");

    /* CPUID leaf base+4 (HVM leaf): ECX = domid if EAX bit 4 is set. */
    struct cpuid_regs r = guest_cpuid(xen_cpuid_base + 4, 0);
    if (r.eax & XEN_HVM_CPUID_DOMID_PRESENT)
        gprintf("domid: %u\n", r.ecx);
    else
        gprintf("domid: not reported by CPUID\n");
    if (r.eax & XEN_HVM_CPUID_VCPU_ID_PRESENT)
        gprintf("vcpu id: %u\n", r.ebx);

    long v = HYPERVISOR_xen_version(XENVER_version, 0);
    xen_extraversion_t extra;
    memset(extra, 0, sizeof(extra));
    long rc = HYPERVISOR_xen_version(XENVER_extraversion, extra);
    extra[sizeof(extra) - 1] = '\0';
    gprintf("hypervisor version: %ld.%ld%s (extraversion rc %ld)\n", v >> 16, v & 0xffff, extra,
            rc);
    CHECK(v > 0);

    const struct hvm_start_info *si = guest_start_info();
    CHECK_EQ(si->magic, XEN_HVM_START_MAGIC_VALUE);
    gprintf("start_info at %p: version %u flags 0x%x modules %u\n", (const void *)si, si->version,
            si->flags, si->nr_modules);
    struct hvm_memmap_table_entry map[32];
    int n = guest_memory_map(map, 32);
    CHECK(n > 0);
    gprintf("memory map (%d entries%s):\n", n,
            si->version >= 1 && si->memmap_entries ? "" : ", from XENMEM_memory_map");
    for (int i = 0; i < n; i++)
        gprintf("  %016llx-%016llx %s\n", (unsigned long long)map[i].addr,
                (unsigned long long)(map[i].addr + map[i].size - 1), memmap_type(map[i].type));
    if (si->cmdline_paddr)
        gprintf("command line: \"%s\"\n", (const char *)(uintptr_t)si->cmdline_paddr);
    else
        gprintf("command line: none\n");
}
