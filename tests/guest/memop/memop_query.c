/*
 * memory_op's questions: current_reservation, maximum_reservation,
 * maximum_gpfn, maximum_ram_page, memory_map, machine_memory_map, and the
 * errors every subop shares (unknown subop, unknown domain, unreadable
 * argument, continuation bits on a call that has none).
 *
 * Acts only on its own domain: runs under Mica (mem=64M) and under Xen 4.17
 * as PVH dom0 (tools/test-xen.sh).
 */
#include "memop.h"

TEST_NAME("memop_query");

/* A domid nobody has (the highest ordinary one). */
#define NO_SUCH_DOMID ((domid_t)0x7FEF)

/* RAM and ACPI entries of the memory map: the memory behind them is the
 * domain's own (under Mica, all of mem=). */
static int backed(uint32_t type)
{
    return type == XEN_HVM_MEMMAP_TYPE_RAM || type == XEN_HVM_MEMMAP_TYPE_ACPI;
}

static uint64_t backed_bytes(void)
{
    struct hvm_memmap_table_entry map[8];
    int n = guest_memory_map(map, 8);
    uint64_t bytes = 0;

    for (int i = 0; i < n; i++)
        if (backed(map[i].type))
            bytes += map[i].size;
    return bytes;
}

static void reservations(int mica)
{
    long cur = memop_query(XENMEM_current_reservation, DOMID_SELF);
    long max = memop_query(XENMEM_maximum_reservation, DOMID_SELF);
    domid_t me = own_domid();

    gprintf("domid %u: current_reservation %ld, maximum_reservation %ld\n", me, cur, max);
    CHECK(cur > 0);
    CHECK(max >= cur);
    /* Our own id names the same domain as DOMID_SELF. */
    CHECK(me != DOMID_INVALID);
    CHECK_EQ(memop_query(XENMEM_current_reservation, me), cur);
    CHECK_EQ(memop_query(XENMEM_maximum_reservation, me), max);

    if (mica) {
        /* Mica's builder gives exactly mem= of RAM, all of it mapped
         * (docs/domains.md), and mem= is also the limit. The map lists it
         * as RAM but for the page of ACPI tables. */
        CHECK_EQ(cur, (long)(backed_bytes() / PAGE_SIZE));
        CHECK_EQ(max, cur);
    }

    CHECK_EQ(memop_query(XENMEM_current_reservation, NO_SUCH_DOMID), -XEN_ESRCH);
    CHECK_EQ(memop_query(XENMEM_maximum_reservation, NO_SUCH_DOMID), -XEN_ESRCH);
    CHECK_EQ(memop_query(XENMEM_maximum_gpfn, NO_SUCH_DOMID), -XEN_ESRCH);
    CHECK_EQ(memop_query(XENMEM_current_reservation, DOMID_INVALID), -XEN_ESRCH);
}

static void maximum_gpfn(int mica)
{
    struct hvm_memmap_table_entry map[64];
    int n = guest_memory_map(map, 64);
    uint64_t ram_top = 0;
    long gpfn = memop_query(XENMEM_maximum_gpfn, DOMID_SELF);

    for (int i = 0; i < n; i++)
        if (backed(map[i].type) && map[i].addr + map[i].size > ram_top)
            ram_top = map[i].addr + map[i].size;
    gprintf("maximum_gpfn 0x%lx, RAM ends at 0x%llx\n", gpfn, (unsigned long long)ram_top);
    /* Everything mapped is at or below it; under Mica nothing but RAM (and
     * its page of ACPI tables) is mapped, so it is exactly the last RAM gfn.
     * (Xen's PVH dom0 also has MMIO mapped one to one, above its RAM.) */
    CHECK(gpfn >= (long)(ram_top / PAGE_SIZE) - 1);
    if (mica)
        CHECK_EQ(gpfn, (long)(ram_top / PAGE_SIZE) - 1);
}

static void maximum_ram_page(void)
{
    /* The highest machine frame + 1: more than this domain owns. */
    long top = HYPERVISOR_memory_op(XENMEM_maximum_ram_page, NULL);
    gprintf("maximum_ram_page 0x%lx\n", top);
    CHECK(top > current_pages());
}

static void memory_map(int mica)
{
    static struct xen_e820_entry e820[16];
    struct xen_memory_map m = { .nr_entries = 16 };

    set_xen_guest_handle(m.buffer, e820);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, &m), 0);
    CHECK(m.nr_entries >= 1 && m.nr_entries <= 16);
    int ram = 0;
    for (unsigned int i = 0; i < m.nr_entries && i < 16; i++)
        ram += e820[i].type == 1;
    CHECK(ram >= 1);
    if (mica) {
        /* The same entries as hvm_start_info's: RAM from 0, the ACPI tables'
         * page, together all of the domain's pages. */
        const struct hvm_start_info *si = guest_start_info();
        const struct hvm_memmap_table_entry *e = (const void *)(uintptr_t)si->memmap_paddr;
        uint64_t bytes = 0;
        CHECK_EQ(m.nr_entries, si->memmap_entries);
        for (unsigned int i = 0; i < m.nr_entries && i < si->memmap_entries; i++) {
            CHECK_EQ(e820[i].addr, e[i].addr);
            CHECK_EQ(e820[i].size, e[i].size);
            CHECK_EQ(e820[i].type, e[i].type);
            if (backed(e820[i].type))
                bytes += e820[i].size;
        }
        CHECK_EQ(e820[0].addr, 0);
        CHECK_EQ(e820[0].type, 1);
        CHECK_EQ(bytes / PAGE_SIZE, (uint64_t)current_pages());
    }

    /* Room for no entries: nothing written, nr_entries becomes 0. */
    memset(e820, 0xA5, sizeof(e820));
    m.nr_entries = 0;
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, &m), 0);
    CHECK_EQ(m.nr_entries, 0);
    CHECK_EQ(e820[0].type, 0xA5A5A5A5);

    /* The host's map: Mica gives it to a privileged domain (this one);
     * Xen 4.17 gives a PVH dom0 -ENOSYS (docs/hypercalls.md, "Where Mica
     * differs"). */
    m.nr_entries = 16;
    long rc = HYPERVISOR_memory_op(XENMEM_machine_memory_map, &m);
    gprintf("machine_memory_map -> %ld\n", rc);
    if (mica) {
        CHECK_EQ(rc, 0);
        CHECK(m.nr_entries >= 1 && m.nr_entries <= 16);
    } else {
        CHECK_EQ(rc, -XEN_ENOSYS);
    }
}

/* An argument that cannot be read. 64-bit: page 0 is not mapped in the
 * guest's page tables; 32-bit (paging off): an address far above RAM. */
static void *unreadable(void)
{
#ifdef __x86_64__
    return (void *)8;
#else
    return (void *)0xC0000000u;
#endif
}

static void errors(int mica)
{
    /* Subops nobody implements (8 was translate_gpfn_list; 63 the last). */
    CHECK_EQ(HYPERVISOR_memory_op(8, NULL), -XEN_ENOSYS);
    CHECK_EQ(HYPERVISOR_memory_op(63, NULL), -XEN_ENOSYS);

    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_current_reservation, unreadable()), -XEN_EFAULT);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_maximum_gpfn, unreadable()), -XEN_EFAULT);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, unreadable()), -XEN_EFAULT);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap, unreadable()), -XEN_EFAULT);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, unreadable()), -XEN_EFAULT);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_remove_from_physmap, unreadable()), -XEN_EFAULT);
    /* A reservation argument that cannot be read: Mica -EFAULT, Xen 0
     * extents (docs/hypercalls.md, "Where Mica differs"). */
    long rc = HYPERVISOR_memory_op(XENMEM_decrease_reservation, unreadable());
    gprintf("decrease_reservation with an unreadable argument -> %ld\n", rc);
    CHECK_EQ(rc, mica ? -XEN_EFAULT : 0);

    /* memory_map with a buffer that cannot be written. */
    struct xen_memory_map m = { .nr_entries = 4 };
    set_xen_guest_handle(m.buffer, unreadable());
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, &m), -XEN_EFAULT);

    /* Continuation bits (cmd >> 6) on a subop that never continues:
     * -EINVAL, as Xen. */
    domid_t self = DOMID_SELF;
    rc = HYPERVISOR_memory_op(XENMEM_current_reservation | (1u << MEMOP_EXTENT_SHIFT), &self);
    gprintf("current_reservation with start extent 1 -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_EINVAL);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_maximum_gpfn | (1u << MEMOP_EXTENT_SHIFT), &self),
             -XEN_EINVAL);
    struct xen_remove_from_physmap r = { .domid = DOMID_SELF, .gpfn = 0x100000 };
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_remove_from_physmap | (3u << MEMOP_EXTENT_SHIFT), &r),
             -XEN_EINVAL);
}

void test_main(void)
{
    int mica = running_on_mica();

    gprintf("running on %s\n", mica ? "Mica" : "Xen");
    reservations(mica);
    maximum_gpfn(mica);
    maximum_ram_page();
    memory_map(mica);
    errors(mica);
}
