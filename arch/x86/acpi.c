/*
 * Finding the CPUs through ACPI (ACPI spec 6.x §5.2): the RSDP points at the
 * RSDT (32-bit entries) or, from revision 2, the XSDT (64-bit entries); one
 * of their tables is the MADT (signature "APIC"), whose type-0 entries are
 * the processors' local APICs.
 */
#include "x86/acpi.h"
#include "x86/acpi_tables.h"
#include "bootinfo.h"
#include "lib/string.h"
#include "percpu.h"
#include "printk.h"
#include "x86/paging.h"

static bool checksum_ok(const void *p, size_t len)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += ((const uint8_t *)p)[i];
    return sum == 0;
}

/* The legacy search (ACPI §5.2.5.1): the first KiB of the EBDA, then the
 * BIOS area 0xE0000..0xFFFFF, on 16-byte boundaries. */
static const struct acpi_rsdp *scan_for_rsdp(void)
{
    paddr_t ebda = (paddr_t)(*(const uint16_t *)phys_to_virt(0x40E)) << 4;
    const paddr_t areas[2][2] = { { ebda, ebda + 1024 }, { 0xE0000, 0x100000 } };

    for (int a = 0; a < 2; a++) {
        for (paddr_t pa = areas[a][0]; pa + 20 <= areas[a][1]; pa += 16) {
            const struct acpi_rsdp *rsdp = phys_to_virt(pa);
            if (!memcmp(rsdp->signature, "RSD PTR ", 8) && checksum_ok(rsdp, 20))
                return rsdp;
        }
    }
    return NULL;
}

static const struct madt *find_madt(void)
{
    const struct acpi_rsdp *rsdp = boot_info.acpi_rsdp ? phys_to_virt(boot_info.acpi_rsdp)
                                                       : scan_for_rsdp();
    const struct acpi_header *root;
    bool xsdt;
    size_t entry_size, count;

    if (!rsdp)
        return NULL;
    xsdt = rsdp->revision >= 2 && rsdp->xsdt_address;
    root = phys_to_virt(xsdt ? rsdp->xsdt_address : rsdp->rsdt_address);
    entry_size = xsdt ? 8 : 4;
    count = (root->length - sizeof(*root)) / entry_size;

    for (size_t i = 0; i < count; i++) {
        const uint8_t *entry = (const uint8_t *)(root + 1) + i * entry_size;
        paddr_t pa = xsdt ? *(const uint64_t *)entry : *(const uint32_t *)entry;
        const struct acpi_header *table = phys_to_virt(pa);

        if (!memcmp(table->signature, "APIC", 4) && checksum_ok(table, table->length))
            return (const struct madt *)table;
    }
    return NULL;
}

void acpi_find_cpus(uint32_t bsp_apic_id)
{
    const struct madt *madt = find_madt();

    nr_cpus = 1;
    percpu_areas[0].apic_id = bsp_apic_id;
    if (!madt) {
        pr_warn("ACPI: no MADT found; running on the boot CPU only\n");
        return;
    }
    for (uint32_t off = 0; off + 2 <= madt->header.length - sizeof(*madt);) {
        const struct madt_local_apic *e = (const void *)&madt->entries[off];

        if (e->length < 2)
            break;
        if (e->type == MADT_LOCAL_APIC &&
            (e->flags & (MADT_LAPIC_ENABLED | MADT_LAPIC_ONLINE_CAPABLE)) &&
            e->apic_id != bsp_apic_id) {
            if (nr_cpus == MAX_CPUS) {
                pr_warn("ACPI: more than %d CPUs; the rest stay offline\n", MAX_CPUS);
                break;
            }
            percpu_areas[nr_cpus++].apic_id = e->apic_id;
        }
        off += e->length;
    }
    printk("ACPI: MADT lists %u CPUs\n", nr_cpus);
}
