/*
 * The ACPI tables a guest finds through hvm_start_info.rsdp_paddr
 * (arch_guest_acpi_build, include/arch.h): an RSDP (revision 2) leads to an
 * XSDT listing a FADT and a MADT; the FADT leads to a DSDT. Layouts in
 * x86/acpi_tables.h, rules in the ACPI Specification 6.5, §5.2.
 *
 * They describe Mica's PVH platform, which has no legacy hardware at all:
 * - The FADT (revision 5, the first with the flag) is hardware-reduced
 *   (HW_REDUCED_ACPI, §4.1): no PM1 blocks, PM timer, GPEs or SCI, no fixed
 *   buttons, and no FACS (with the flag, FIRMWARE_CTRL and X_FIRMWARE_CTRL
 *   may both be 0, §5.2.9). IAPC_BOOT_ARCH says no VGA and no CMOS RTC and
 *   claims neither legacy devices nor an 8042, as Xen's libacpi does for a
 *   PVH guest.
 * - Powering off is the one sleep transition (S5): the FADT names a sleep
 *   control and a sleep status register (§4.8.3.7-8, one byte each, in I/O
 *   space), and the DSDT holds the one term that gives S5's SLP_TYP,
 *   Name (_S5, Package () { SLP_TYP, SLP_TYP }). An OS needs both to offer
 *   power-off on a hardware-reduced platform (Linux: acpi_sleep_state_
 *   supported); writing SLP_TYP with SLP_EN ends the domain
 *   (arch/x86/svm/acpi_sleep.c). The DSDT describes no device.
 * - The MADT lists one enabled local APIC per vCPU with Xen's HVM APIC IDs,
 *   2 x vCPU id (libxl's PVH tables and Xen's vLAPIC use the same), at the
 *   address the guest's APIC_BASE MSR reports. It lists no I/O APIC (Xen's
 *   toolstack builds PVH tables without one, and Mica emulates none) and
 *   clears PCAT_COMPAT, since there are no 8259s to mask. (Xen's libacpi
 *   sets PCAT_COMPAT for every guest; Mica says what is there.)
 * - There is no RSDT: with an RSDP of revision 2 an OS uses the XSDT
 *   (§5.2.5.3), and every table sits below 4 GiB anyway.
 *
 * Pure: it writes only the buffer it is given, so it runs unchanged on the
 * host in tests/unit/test_guest_acpi.c.
 */
#include "arch.h"
#include "lib/string.h"
#include "public/errno.h"
#include "x86/acpi_tables.h"
#include "x86/msr.h"

#define OEM_ID "MICA  " /* six characters, space-padded */
#define OEM_REVISION 1
#define CREATOR_ID "MICA"
#define CREATOR_REVISION 1

/* Each table starts on a 16-byte boundary, as firmware lays them out (the
 * RSDP must be; the others need not, but it costs nothing). */
#define TABLE_ALIGN 16

/* Revisions: the FADT's is ACPI 5.0's, the MADT's of the same version;
 * a DSDT of revision 2 or more uses 64-bit AML integers (§5.2.11.1). */
#define RSDP_REVISION 2
#define XSDT_REVISION 1
#define FADT_REVISION 5
#define MADT_REVISION 3
#define DSDT_REVISION 2

/* The XSDT's entries, in order (the FADT first, as Xen's libacpi lists it). */
enum { XSDT_FADT, XSDT_MADT, XSDT_ENTRIES };

/* The largest vCPU count whose APIC ID (2 x id) fits the MADT entry's byte. */
#define MAX_ACPI_VCPUS 128

static uint8_t checksum_of(const void *p, size_t len)
{
    uint8_t sum = 0;

    for (size_t i = 0; i < len; i++)
        sum += ((const uint8_t *)p)[i];
    return (uint8_t)-sum;
}

static void header_init(struct acpi_header *h, const char signature[4], uint32_t length,
                        uint8_t revision)
{
    memcpy(h->signature, signature, 4);
    h->length = length;
    h->revision = revision;
    memcpy(h->oem_id, OEM_ID, 6);
    /* "MICA" and the signature: an OEM table ID is 8 characters. */
    memcpy(h->oem_table_id, "MICA", 4);
    memcpy(h->oem_table_id + 4, signature, 4);
    h->oem_revision = OEM_REVISION;
    memcpy(&h->creator_id, CREATOR_ID, 4);
    h->creator_revision = CREATOR_REVISION;
}

/* Last, once every other byte of the table is written. */
static void header_seal(struct acpi_header *h)
{
    h->checksum = 0;
    h->checksum = checksum_of(h, h->length);
}

/* The DSDT's AML (§20.2): Name (_S5, Package (2) { S5, S5 }), the SLP_TYP
 * values for the two sleep control registers a non-reduced platform would
 * have (PM1a, PM1b; a reduced one reads the first). NameOp, the NameSeg,
 * then PackageOp, its PkgLength (one byte: the rest of the package and
 * itself), NumElements and two BytePrefix constants. */
static const uint8_t dsdt_aml[] = {
    0x08, '_',
    'S',  '5',
    '_', /* NameOp "_S5_" */
    0x12, 0x06,
    0x02,                        /* PackageOp, PkgLength 6, 2 elements */
    0x0A, GUEST_ACPI_SLP_TYP_S5, /* BytePrefix SLP_TYPa */
    0x0A, GUEST_ACPI_SLP_TYP_S5, /* BytePrefix SLP_TYPb */
};

static void build_dsdt(struct acpi_header *dsdt)
{
    header_init(dsdt, "DSDT", sizeof(*dsdt) + sizeof(dsdt_aml), DSDT_REVISION);
    memcpy(dsdt + 1, dsdt_aml, sizeof(dsdt_aml));
    header_seal(dsdt);
}

/* A one-byte register at an I/O port. */
static void gas_io_byte(struct acpi_gas *gas, uint16_t port)
{
    gas->address_space_id = ACPI_GAS_SYSTEM_IO;
    gas->bit_width = 8;
    gas->bit_offset = 0;
    gas->access_size = ACPI_GAS_ACCESS_BYTE;
    gas->address = port;
}

static void build_fadt(struct acpi_fadt *fadt, uint64_t dsdt_gpa)
{
    header_init(&fadt->header, "FACP", sizeof(*fadt), FADT_REVISION);
    fadt->flags = ACPI_FADT_HW_REDUCED_ACPI | ACPI_FADT_PWR_BUTTON | ACPI_FADT_SLP_BUTTON;
    fadt->iapc_boot_arch = ACPI_IAPC_VGA_NOT_PRESENT | ACPI_IAPC_CMOS_RTC_NOT_PRESENT;
    /* Both pointers to the DSDT: the 32-bit one for older readers, the
     * 64-bit one that ACPI 2.0+ prefers when it is set. */
    fadt->dsdt = (uint32_t)dsdt_gpa;
    fadt->x_dsdt = dsdt_gpa;
    gas_io_byte(&fadt->sleep_control_reg, GUEST_ACPI_SLEEP_CONTROL_PORT);
    gas_io_byte(&fadt->sleep_status_reg, GUEST_ACPI_SLEEP_STATUS_PORT);
    header_seal(&fadt->header);
}

static void build_madt(struct madt *madt, unsigned int nr_vcpus)
{
    struct madt_local_apic *lapic = (struct madt_local_apic *)madt->entries;

    header_init(&madt->header, "APIC", sizeof(*madt) + nr_vcpus * sizeof(*lapic), MADT_REVISION);
    madt->lapic_address = (uint32_t)APIC_BASE_DEFAULT;
    madt->flags = 0; /* not PCAT_COMPAT: no 8259s */
    for (unsigned int i = 0; i < nr_vcpus; i++) {
        lapic[i].type = MADT_LOCAL_APIC;
        lapic[i].length = sizeof(*lapic);
        lapic[i].processor_id = (uint8_t)i;
        lapic[i].apic_id = (uint8_t)(2 * i);
        lapic[i].flags = MADT_LAPIC_ENABLED;
    }
    header_seal(&madt->header);
}

static void build_xsdt(struct acpi_header *xsdt, const uint64_t entries[XSDT_ENTRIES])
{
    uint32_t length = sizeof(*xsdt) + XSDT_ENTRIES * sizeof(uint64_t);

    header_init(xsdt, "XSDT", length, XSDT_REVISION);
    /* The entries follow the header unaligned (at offset 36): copy them. */
    memcpy(xsdt + 1, entries, XSDT_ENTRIES * sizeof(uint64_t));
    header_seal(xsdt);
}

static void build_rsdp(struct acpi_rsdp *rsdp, uint64_t xsdt_gpa)
{
    memcpy(rsdp->signature, ACPI_RSDP_SIGNATURE, 8);
    memcpy(rsdp->oem_id, OEM_ID, 6);
    rsdp->revision = RSDP_REVISION;
    rsdp->rsdt_address = 0; /* no RSDT */
    rsdp->length = sizeof(*rsdp);
    rsdp->xsdt_address = xsdt_gpa;
    rsdp->checksum = checksum_of(rsdp, ACPI_RSDP_V1_LENGTH);
    /* Covers `checksum` too, so it comes second. */
    rsdp->extended_checksum = checksum_of(rsdp, sizeof(*rsdp));
}

/* Take len bytes at the next aligned offset; false if they would pass end. */
static bool place(size_t *next, size_t len, size_t end, size_t *at)
{
    size_t start = ALIGN_UP(*next, (size_t)TABLE_ALIGN);

    if (start > end || len > end - start)
        return false;
    *at = start;
    *next = start + len;
    return true;
}

int arch_guest_acpi_build(void *buf, size_t size, uint64_t gpa, unsigned int nr_vcpus)
{
    uint8_t *base = buf;
    size_t next = 0, rsdp, xsdt, fadt, dsdt, madt;
    uint64_t xsdt_entries[XSDT_ENTRIES];

    if (nr_vcpus < 1 || nr_vcpus > MAX_ACPI_VCPUS || gpa % TABLE_ALIGN)
        return -XEN_EINVAL;
    /* The RSDP first, at gpa itself: the address hvm_start_info gives. */
    if (!place(&next, sizeof(struct acpi_rsdp), size, &rsdp) ||
        !place(&next, sizeof(struct acpi_header) + sizeof(xsdt_entries), size, &xsdt) ||
        !place(&next, sizeof(struct acpi_fadt), size, &fadt) ||
        !place(&next, sizeof(struct acpi_header) + sizeof(dsdt_aml), size, &dsdt) ||
        !place(&next, sizeof(struct madt) + nr_vcpus * sizeof(struct madt_local_apic), size, &madt))
        return -XEN_ENOSPC;
    /* Every pointer must fit the 32-bit fields as well (FADT.DSDT). */
    if (gpa + next > (1ULL << 32))
        return -XEN_EINVAL;

    memset(buf, 0, size);
    build_dsdt((struct acpi_header *)(base + dsdt));
    build_fadt((struct acpi_fadt *)(base + fadt), gpa + dsdt);
    build_madt((struct madt *)(base + madt), nr_vcpus);
    xsdt_entries[XSDT_FADT] = gpa + fadt;
    xsdt_entries[XSDT_MADT] = gpa + madt;
    build_xsdt((struct acpi_header *)(base + xsdt), xsdt_entries);
    build_rsdp((struct acpi_rsdp *)(base + rsdp), gpa + xsdt);
    return 0;
}
