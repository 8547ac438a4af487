/*
 * HYPERVISOR_console_io: CONSOLEIO_write's result, bad buffers (-EFAULT) and
 * an unknown command. Expected values are what Xen 4.17 returns.
 */
#include "test.h"

TEST_NAME("console");

/* A guest-physical address with no RAM behind it: 2 MiB above the end of the
 * highest RAM region below 4 GiB, rounded up to 2 MiB. Our page tables (or
 * paging off) map it linearly, so only the hypervisor's p2m lookup fails. */
static uint64_t unbacked_address(void)
{
    struct hvm_memmap_table_entry map[32];
    int n = guest_memory_map(map, 32);
    uint64_t top = 0;
    for (int i = 0; i < n; i++) {
        uint64_t end = map[i].addr + map[i].size;
        if (map[i].type == XEN_HVM_MEMMAP_TYPE_RAM && end <= 0x100000000ull && end > top)
            top = end;
    }
    top = ((top + 0x1fffff) & ~0x1fffffull) + 0x200000;
    for (int i = 0; i < n; i++)
        if (top >= map[i].addr && top < map[i].addr + map[i].size &&
            map[i].type == XEN_HVM_MEMMAP_TYPE_RAM)
            guest_test_fail(__FILE__, __LINE__, "0x%llx is RAM", (unsigned long long)top);
    return top;
}

void test_main(void)
{
    static const char msg[] = "console_io: hello\n";
    long rc = HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg);
    gprintf("CONSOLEIO_write -> %ld\n", rc);
    CHECK_EQ(rc, 0);

    rc = HYPERVISOR_console_io(CONSOLEIO_write, 0, msg);
    gprintf("CONSOLEIO_write count 0 -> %ld\n", rc);
    CHECK_EQ(rc, 0);

    rc = HYPERVISOR_console_io(99, sizeof(msg) - 1, msg);
    gprintf("console_io cmd 99 -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_ENOSYS);

    uint64_t hole = unbacked_address();
    gprintf("unbacked guest-physical address: 0x%llx\n", (unsigned long long)hole);

#ifdef __x86_64__
    /* Page 0 is absent from our page tables: the guest walk fails. */
    rc = HYPERVISOR_console_io(CONSOLEIO_write, 4, (const void *)0);
    gprintf("write from NULL -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_EFAULT);

    rc = HYPERVISOR_console_io(CONSOLEIO_write, 4, (const void *)0x8000000000000000ull);
    gprintf("write from non-canonical address -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_EFAULT);

    /* Above the 4 GiB our page tables map: not present in the guest walk. */
    rc = HYPERVISOR_console_io(CONSOLEIO_write, 4, (const void *)0x100000000ull);
    gprintf("write from unmapped linear 4 GiB -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_EFAULT);
#endif

    /* Mapped by the guest, but no RAM in the p2m. */
    rc = HYPERVISOR_console_io(CONSOLEIO_write, 4, (const void *)(uintptr_t)hole);
    gprintf("write from unbacked gfn -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_EFAULT);

    /* A buffer whose first 8 bytes are the last bytes of the highest backed
     * page (RAM, or ACPI tables sharing RAM's last page) and whose next 8
     * bytes are in the first unbacked page above it. We own that memory, so
     * fill the backed half with printable text in case something is echoed. */
    uint64_t backed_end = 0;
    struct hvm_memmap_table_entry map[32];
    int n = guest_memory_map(map, 32);
    for (int i = 0; i < n; i++) {
        uint64_t end = map[i].addr + map[i].size;
        if ((map[i].type == XEN_HVM_MEMMAP_TYPE_RAM || map[i].type == XEN_HVM_MEMMAP_TYPE_ACPI) &&
            end <= 0x100000000ull && end > backed_end)
            backed_end = end;
    }
    backed_end = (backed_end + 0xfff) & ~0xfffull;
    char *cross = (char *)(uintptr_t)(backed_end - 8);
    memcpy(cross, "crossing", 8);
    rc = HYPERVISOR_console_io(CONSOLEIO_write, 16, cross);
    gprintf("write crossing from backed 0x%llx into unbacked 0x%llx -> %ld\n",
            (unsigned long long)(backed_end - 8), (unsigned long long)backed_end, rc);
    CHECK_EQ(rc, -XEN_EFAULT);
}
