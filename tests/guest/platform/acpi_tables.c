/*
 * The ACPI tables a PVH guest is given (docs/platform.md, "ACPI tables"),
 * read as an OS reads them, by the byte offsets of the ACPI Specification
 * (6.5, §5.2), not through Mica's own structures:
 * - hvm_start_info (version >= 1) gives rsdp_paddr; the RSDP has its
 *   signature, both checksums and revision 2, and leads to the XSDT;
 * - every table the XSDT lists, and the DSDT, has a valid checksum; there is
 *   exactly one FADT and one MADT;
 * - the FADT is hardware-reduced (flag bit 20, revision 5 or more) and its
 *   DSDT pointer leads to a valid DSDT;
 * - power-off is offered as a hardware-reduced platform offers it (§4.8.3.7,
 *   §7.4.2): the FADT names a sleep control and a sleep status register,
 *   one byte each in System I/O space, and the DSDT defines \_S5 with its
 *   SLP_TYP; both registers read 0 (SLP_EN reads as 0, no wake status);
 *   SLP_EN with another SLP_TYP, SLP_TYP without SLP_EN, and a write to the
 *   status register change nothing;
 * - with poweroff=1, the guest then writes S5's SLP_TYP with SLP_EN and must
 *   never return from it: the domain powers off (acpi_tests.py checks it
 *   ended "powered off" without its verdict).
 * - the MADT lists one enabled local APIC per vCPU (the vCPU count comes
 *   from VCPUOP_is_up and must equal the argument vcpus=N), APIC ID
 *   2 x processor UID, the local APIC at 0xFEE00000, no I/O APIC;
 * - every table lies in a range the memory map lists as ACPI or reserved,
 *   both in hvm_start_info's map and in XENMEM_memory_map's, and no two
 *   entries of a map overlap.
 *
 * Arguments (after " -- "): vcpus=N, the domain's vcpus= option;
 * poweroff=1 to end with the S5 write.
 */
#include "test.h"
#include "args.h"

TEST_NAME("acpi_tables");

#define MAX_MAP 16
#define HEADER_LEN 36

struct memmap {
    const char *from;
    unsigned int n;
    struct hvm_memmap_table_entry e[MAX_MAP];
};

static struct memmap start_info_map = { .from = "hvm_start_info" };
static struct memmap xenmem_map = { .from = "XENMEM_memory_map" };

static uint8_t rd8(uint64_t pa)
{
    return *(const volatile uint8_t *)(uintptr_t)pa;
}

static uint32_t rd32(uint64_t pa)
{
    uint32_t v;
    memcpy(&v, (const void *)(uintptr_t)pa, sizeof(v));
    return v;
}

static uint64_t rd64(uint64_t pa)
{
    uint64_t v;
    memcpy(&v, (const void *)(uintptr_t)pa, sizeof(v));
    return v;
}

static uint8_t sum(uint64_t pa, uint32_t len)
{
    uint8_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s += rd8(pa + i);
    return s;
}

static void read_maps(void)
{
    const struct hvm_start_info *si = guest_start_info();
    const struct hvm_memmap_table_entry *e = (const void *)(uintptr_t)si->memmap_paddr;
    static struct xen_e820_entry e820[MAX_MAP];
    struct xen_memory_map m = { .nr_entries = MAX_MAP };

    CHECK(si->memmap_entries > 0 && si->memmap_entries <= MAX_MAP);
    start_info_map.n = si->memmap_entries <= MAX_MAP ? si->memmap_entries : 0;
    memcpy(start_info_map.e, e, start_info_map.n * sizeof(*e));

    set_xen_guest_handle(m.buffer, e820);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, &m), 0);
    CHECK(m.nr_entries <= MAX_MAP);
    xenmem_map.n = m.nr_entries <= MAX_MAP ? m.nr_entries : 0;
    for (unsigned int i = 0; i < xenmem_map.n; i++)
        xenmem_map.e[i] = (struct hvm_memmap_table_entry){ e820[i].addr, e820[i].size, e820[i].type,
                                                           0 };
}

/* No two entries of a map overlap (so the tables' ACPI range is no RAM). */
static void check_map_disjoint(const struct memmap *map)
{
    for (unsigned int i = 0; i < map->n; i++)
        for (unsigned int j = 0; j < i; j++) {
            const struct hvm_memmap_table_entry *a = &map->e[i], *b = &map->e[j];
            if (a->addr < b->addr + b->size && b->addr < a->addr + a->size)
                guest_test_fail(__FILE__, __LINE__, "%s: entries %u and %u overlap", map->from, j,
                                i);
        }
}

/* [pa, pa + len) inside one ACPI (or reserved) entry of the map. */
static void check_in_acpi_range(const struct memmap *map, const char *what, uint64_t pa,
                                uint32_t len)
{
    for (unsigned int i = 0; i < map->n; i++) {
        const struct hvm_memmap_table_entry *e = &map->e[i];
        if (pa >= e->addr && pa + len <= e->addr + e->size &&
            (e->type == XEN_HVM_MEMMAP_TYPE_ACPI || e->type == XEN_HVM_MEMMAP_TYPE_RESERVED))
            return;
    }
    guest_test_fail(__FILE__, __LINE__, "%s at 0x%llx (+%u) is in no ACPI range of %s", what,
                    (unsigned long long)pa, len, map->from);
}

static void check_placed(const char *what, uint64_t pa, uint32_t len)
{
    check_in_acpi_range(&start_info_map, what, pa, len);
    check_in_acpi_range(&xenmem_map, what, pa, len);
}

/* A description table's header: signature, a length that covers it, a
 * checksum over all of it. 0 if it is not one. */
static int check_table(uint64_t pa, const char *sig)
{
    /* Below 4 GiB: the 64-bit flavour maps that much, the 32-bit one all. */
    if (!CHECK(pa != 0 && pa < 0x100000000ull - HEADER_LEN))
        return 0;
    uint32_t len = rd32(pa + 4);
    char found[5] = { 0 };
    memcpy(found, (const void *)(uintptr_t)pa, 4);
    gprintf("%s at 0x%llx, %u bytes, revision %u\n", found, (unsigned long long)pa, len,
            rd8(pa + 8));
    if (!CHECK(!memcmp(found, sig, 4)) || !CHECK(len >= HEADER_LEN))
        return 0;
    check_placed(sig, pa, len);
    return CHECK_EQ(sum(pa, len), 0);
}

/* How many vCPUs this domain has: VCPUOP_is_up answers -ENOENT past the last. */
static unsigned int count_vcpus(void)
{
    unsigned int n = 0;
    while (n < 1024 && HYPERVISOR_vcpu_op(VCPUOP_is_up, n, NULL) >= 0)
        n++;
    return n;
}

/* Sleep control register bits (ACPI 6.5 §4.8.3.7). */
#define SLP_EN (1u << 5)
#define SLP_TYP_SHIFT 2

/* The sleep registers and S5's SLP_TYP, once check_fadt has found them. */
static uint16_t sleep_control, sleep_status;
static int s5_slp_typ = -1;

/* A one-byte System I/O register (§5.2.3.2): its port, or 0. */
static uint16_t io_byte_register(uint64_t gas, const char *what)
{
    gprintf("  %s: space %u, width %u, offset %u, access %u, address 0x%llx\n", what, rd8(gas),
            rd8(gas + 1), rd8(gas + 2), rd8(gas + 3), (unsigned long long)rd64(gas + 4));
    if (!CHECK_EQ(rd8(gas), 1) || !CHECK_EQ(rd8(gas + 1), 8) || !CHECK(rd64(gas + 4) != 0) ||
        !CHECK(rd64(gas + 4) < 0x10000))
        return 0;
    return (uint16_t)rd64(gas + 4);
}

/* \_S5's first package element in the DSDT's AML: NameOp (0x08) "_S5_",
 * PackageOp (0x12), PkgLength (one byte here), NumElements, then the
 * element as ZeroOp, OneOp or BytePrefix and a byte (§20.2). -1 if absent. */
static int find_s5(uint64_t dsdt)
{
    uint32_t len = rd32(dsdt + 4);

    for (uint32_t off = HEADER_LEN; off + 10 <= len; off++) {
        if (rd8(dsdt + off) != 0x08 || memcmp((const void *)(uintptr_t)(dsdt + off + 1), "_S5_", 4))
            continue;
        uint64_t pkg = dsdt + off + 5;
        if (!CHECK_EQ(rd8(pkg), 0x12) || !CHECK(rd8(pkg + 1) < 0x40) || !CHECK(rd8(pkg + 2) >= 1))
            return -1;
        uint8_t op = rd8(pkg + 3);
        return op == 0x0A ? rd8(pkg + 4) : op == 0x01 ? 1 : op == 0x00 ? 0 : -1;
    }
    return -1;
}

static void check_fadt(uint64_t fadt)
{
    if (!check_table(fadt, "FACP"))
        return;
    /* HW_REDUCED_ACPI exists from FADT revision 5 (ACPI 5.0, §5.2.9). */
    CHECK(rd8(fadt + 8) >= 5);
    CHECK(rd32(fadt + 4) >= 148); /* through X_DSDT */
    CHECK(rd32(fadt + 112) & (1u << 20));
    uint64_t dsdt = rd64(fadt + 140) ? rd64(fadt + 140) : rd32(fadt + 40);
    if (rd64(fadt + 140) && rd32(fadt + 40))
        CHECK_EQ(rd32(fadt + 40), rd64(fadt + 140)); /* both pointers agree */
    if (check_table(dsdt, "DSDT")) {
        s5_slp_typ = find_s5(dsdt);
        gprintf("  \\_S5 SLP_TYP %d\n", s5_slp_typ);
        CHECK(s5_slp_typ >= 0 && s5_slp_typ < 8);
    }
    /* SLEEP_CONTROL_REG and SLEEP_STATUS_REG: from revision 5, at 244, 256. */
    if (CHECK(rd32(fadt + 4) >= 268)) {
        sleep_control = io_byte_register(fadt + 244, "sleep control");
        sleep_status = io_byte_register(fadt + 256, "sleep status");
    }
}

/* What must not power off, then (poweroff=1) what must. */
static void check_sleep_registers(int poweroff)
{
    if (!CHECK(sleep_control && sleep_status && s5_slp_typ >= 0))
        return;
    uint8_t s5 = (uint8_t)(s5_slp_typ << SLP_TYP_SHIFT);
    CHECK_EQ(guest_inb(sleep_control), 0);
    CHECK_EQ(guest_inb(sleep_status), 0);
    guest_outb(sleep_status, 0x80); /* WAK_STS */
    guest_outb(sleep_control, s5);  /* no SLP_EN */
    guest_outb(sleep_control, (uint8_t)((((s5_slp_typ + 1) & 7) << SLP_TYP_SHIFT) | SLP_EN));
    gprintf("still running after the writes that must not power off\n");
    if (!poweroff)
        return;
    gprintf("writing S5 with SLP_EN\n");
    guest_outb(sleep_control, s5 | SLP_EN);
    /* The domain is stopping: this vCPU does not get here again. */
    CHECK(!"the S5 write returned");
}

static void check_madt(uint64_t madt, unsigned int nr_vcpus)
{
    unsigned int lapics = 0;

    if (!check_table(madt, "APIC"))
        return;
    CHECK_EQ(rd32(madt + 36), 0xFEE00000u); /* the local APIC address */
    CHECK_EQ(rd32(madt + 40) & 1, 0);       /* PCAT_COMPAT: no 8259s */
    uint32_t len = rd32(madt + 4);
    for (uint32_t off = 44; off + 2 <= len;) {
        uint8_t type = rd8(madt + off), elen = rd8(madt + off + 1);
        if (!CHECK(elen >= 2 && off + elen <= len))
            break;
        CHECK(type != 1); /* no I/O APIC */
        if (type == 0 && CHECK_EQ(elen, 8)) {
            uint8_t uid = rd8(madt + off + 2), apic_id = rd8(madt + off + 3);
            gprintf("  local APIC: processor %u, APIC ID %u, flags 0x%x\n", uid, apic_id,
                    rd32(madt + off + 4));
            CHECK_EQ(uid, lapics);
            CHECK_EQ(apic_id, 2 * uid);
            CHECK_EQ(rd32(madt + off + 4) & 1, 1); /* enabled */
            lapics++;
        }
        off += elen;
    }
    CHECK_EQ(lapics, nr_vcpus);
}

void test_main(void)
{
    const struct hvm_start_info *si = guest_start_info();
    unsigned long expect_vcpus, poweroff;
    unsigned int nr_vcpus = count_vcpus(), fadts = 0, madts = 0;

    if (guest_arg_ulong("vcpus", &expect_vcpus))
        guest_test_abort("the argument vcpus=N is missing");
    gprintf("%u vCPU(s)\n", nr_vcpus);
    CHECK_EQ(nr_vcpus, expect_vcpus);

    read_maps();
    check_map_disjoint(&start_info_map);
    check_map_disjoint(&xenmem_map);
    CHECK_EQ(xenmem_map.n, start_info_map.n);

    CHECK(si->version >= 1); /* rsdp_paddr exists from version 1 */
    uint64_t rsdp = si->rsdp_paddr;
    gprintf("RSDP at 0x%llx\n", (unsigned long long)rsdp);
    if (!CHECK(rsdp != 0 && rsdp < 0x100000000ull - 36))
        return;
    CHECK(!memcmp((const void *)(uintptr_t)rsdp, "RSD PTR ", 8));
    CHECK_EQ(sum(rsdp, 20), 0);  /* the ACPI 1.0 checksum */
    CHECK_EQ(rd8(rsdp + 15), 2); /* revision 2 */
    uint32_t rsdp_len = rd32(rsdp + 20);
    CHECK(rsdp_len >= 36 && rsdp_len < 4096);
    CHECK_EQ(sum(rsdp, rsdp_len), 0); /* the extended checksum */
    check_placed("RSDP", rsdp, rsdp_len);

    uint64_t xsdt = rd64(rsdp + 24);
    if (!check_table(xsdt, "XSDT"))
        return;
    uint32_t xsdt_len = rd32(xsdt + 4);
    CHECK_EQ((xsdt_len - HEADER_LEN) % 8, 0);
    for (uint32_t off = HEADER_LEN; off + 8 <= xsdt_len; off += 8) {
        uint64_t table = rd64(xsdt + off);
        if (!CHECK(table != 0 && table < 0x100000000ull - HEADER_LEN))
            continue;
        if (!memcmp((const void *)(uintptr_t)table, "FACP", 4)) {
            fadts++;
            check_fadt(table);
        } else if (!memcmp((const void *)(uintptr_t)table, "APIC", 4)) {
            madts++;
            check_madt(table, nr_vcpus);
        } else {
            char sig[5] = { 0 };
            memcpy(sig, (const void *)(uintptr_t)table, 4);
            check_table(table, sig);
        }
    }
    CHECK_EQ(fadts, 1);
    CHECK_EQ(madts, 1);
    check_sleep_registers(guest_arg_ulong("poweroff", &poweroff) == 0 && poweroff);
}
