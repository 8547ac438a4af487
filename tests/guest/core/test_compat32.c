/*
 * The 32-bit (compat) hypercall ABI, from a guest that stays in 32-bit
 * protected mode: EAX = number, EBX ECX EDX ESI EDI = arguments, result in
 * EAX (docs/xen-abi.md). Built only as build/guest/test_compat32-32.elf.
 *
 * A 32-bit caller cannot load the upper halves of the 64-bit registers: in
 * protected mode only EAX..EDI exist, and whatever the upper 32 bits of
 * RAX..RDI held before (they are undefined after a mode switch) is invisible
 * to the guest. The hypervisor therefore must decide the ABI by the guest's
 * mode (EFER.LMA && CS.L), never by register contents, and truncate every
 * argument and the number to 32 bits for a 32-bit caller. That cannot be
 * provoked from here; Mica's own tests cover it on the hypervisor side.
 */
#include "test.h"

TEST_NAME("compat");

#ifdef __x86_64__
#error "test_compat32 is built only as a 32-bit guest"
#endif

void test_main(void)
{
    CHECK_EQ(sizeof(long), 4);

    static const char msg[] = "compat console write\n";
    CHECK_EQ(HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg), 0);

    long v = HYPERVISOR_xen_version(XENVER_version, 0);
    gprintf("XENVER_version -> 0x%lx\n", v);
    CHECK(v > 0);
    CHECK_EQ(HYPERVISOR_xen_version(XENVER_pagesize, 0), 4096);

    xen_extraversion_t extra;
    memset(extra, 0xAA, sizeof(extra));
    CHECK_EQ(HYPERVISOR_xen_version(XENVER_extraversion, extra), 0);
    CHECK(extra[sizeof(extra) - 1] == 0);

    /* A compat-layout struct: XENMEM_memory_map's handle is 32 bits here. */
    static struct xen_e820_entry e820[32];
    struct compat_memory_map map = { .nr_entries = 32, .buffer = { (uint32_t)(uintptr_t)e820 } };
    long rc = HYPERVISOR_memory_op(XENMEM_memory_map, &map);
    gprintf("XENMEM_memory_map (compat layout) -> %ld, %u entries\n", rc, map.nr_entries);
    CHECK_EQ(rc, 0);
    CHECK(map.nr_entries > 0 && map.nr_entries <= 32);
    CHECK_EQ(e820[0].addr, 0);

    CHECK_EQ(hypercall5(63, 0, 0, 0, 0, 0), -XEN_ENOSYS);
    /* EAX holds only 32 bits: 0xffffffff is an unknown number, not -1. */
    CHECK_EQ(hypercall_raw5(0xffffffffu, 0, 0, 0, 0, 0), -XEN_ENOSYS);
}
