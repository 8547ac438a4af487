/*
 * The layouts of the ACPI tables Mica reads from the machine's firmware
 * (arch/x86/acpi.c: the MADT's CPUs) and writes for its guests
 * (arch/x86/guest_acpi.c). ACPI Specification 6.5, §5.2: every field is
 * little-endian at a fixed byte offset, so the structures are packed and
 * their sizes checked below.
 */
#ifndef MICA_X86_ACPI_TABLES_H
#define MICA_X86_ACPI_TABLES_H

#include "../types.h"

/* Root System Description Pointer (§5.2.5.3). The checksum covers the first
 * 20 bytes (the ACPI 1.0 structure), the extended checksum all `length`. */
struct acpi_rsdp {
    char signature[8]; /* "RSD PTR " */
    uint8_t checksum;
    char oem_id[6];
    uint8_t revision; /* 0: ACPI 1.0 (RSDT only); 2: the fields below exist */
    uint32_t rsdt_address;
    uint32_t length; /* revision >= 2 from here on */
    uint64_t xsdt_address;
    uint8_t extended_checksum;
    uint8_t reserved[3];
} __attribute__((packed));

#define ACPI_RSDP_SIGNATURE "RSD PTR "
#define ACPI_RSDP_V1_LENGTH 20 /* what `checksum` covers */

/* The header of every description table (§5.2.6); the checksum makes all
 * `length` bytes of the table sum to 0. */
struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __attribute__((packed));

/* Generic Address Structure (§5.2.3.2). */
struct acpi_gas {
    uint8_t address_space_id;
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;
    uint64_t address;
} __attribute__((packed));

/* Fixed ACPI Description Table, signature "FACP" (§5.2.9, Table 5.9), as far
 * as ACPI 5.0's revision 5 goes (up to SLEEP_STATUS_REG). */
struct acpi_fadt {
    struct acpi_header header;
    uint32_t firmware_ctrl; /* the FACS; 0 for none */
    uint32_t dsdt;
    uint8_t reserved0;
    uint8_t preferred_pm_profile;
    uint16_t sci_int;
    uint32_t smi_cmd;
    uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
    uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk, pm2_cnt_blk;
    uint32_t pm_tmr_blk, gpe0_blk, gpe1_blk;
    uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
    uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
    uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
    uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
    uint16_t iapc_boot_arch;
    uint8_t reserved1;
    uint32_t flags;
    struct acpi_gas reset_reg;
    uint8_t reset_value;
    uint16_t arm_boot_arch;
    uint8_t minor_version;
    uint64_t x_firmware_ctrl;
    uint64_t x_dsdt;
    struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
    struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
    struct acpi_gas sleep_control_reg, sleep_status_reg;
} __attribute__((packed));

/* FADT flags (Table 5.10) and IA-PC boot architecture flags (Table 5.11). */
#define ACPI_FADT_PWR_BUTTON (1u << 4)       /* no fixed power button */
#define ACPI_FADT_SLP_BUTTON (1u << 5)       /* no fixed sleep button */
#define ACPI_FADT_HW_REDUCED_ACPI (1u << 20) /* no fixed hardware, no SCI */
#define ACPI_IAPC_VGA_NOT_PRESENT (1u << 2)
#define ACPI_IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)

/* Generic Address Structure (§5.2.3.2): its address space and access size. */
#define ACPI_GAS_SYSTEM_IO 1
#define ACPI_GAS_ACCESS_BYTE 1

/* A hardware-reduced platform's sleep registers (§4.8.3.7, §4.8.3.8): the
 * OS writes SLP_TYPx (from the DSDT's \_Sx package) with SLP_EN to the
 * control register to enter state Sx, and reads WAK_STS in the status one. */
#define ACPI_SLEEP_CONTROL_SLP_EN (1u << 5)
#define ACPI_SLEEP_CONTROL_SLP_TYP_SHIFT 2
#define ACPI_SLEEP_CONTROL_SLP_TYP_MASK (7u << ACPI_SLEEP_CONTROL_SLP_TYP_SHIFT)
#define ACPI_SLEEP_STATUS_WAK_STS (1u << 7)

/* Mica's guests have one sleep state, S5 (soft off: the domain powers
 * off), with this SLP_TYP in \_S5, and their sleep registers at these I/O
 * ports (arch/x86/svm/acpi_sleep.c; Xen's HVM guests have their PM1a
 * control block at 0xb004). */
#define GUEST_ACPI_SLP_TYP_S5 5
#define GUEST_ACPI_SLEEP_CONTROL_PORT 0xB004
#define GUEST_ACPI_SLEEP_STATUS_PORT 0xB005

/* Multiple APIC Description Table, signature "APIC" (§5.2.12): the header,
 * the local APICs' address, flags, then variable-length entries. */
struct madt {
    struct acpi_header header;
    uint32_t lapic_address;
    uint32_t flags; /* MADT_PCAT_COMPAT: dual 8259s are present too */
    uint8_t entries[];
} __attribute__((packed));

#define MADT_PCAT_COMPAT (1u << 0)

/* Entry type 0: a processor's local APIC (§5.2.12.2). */
#define MADT_LOCAL_APIC 0
#define MADT_LAPIC_ENABLED (1u << 0)
#define MADT_LAPIC_ONLINE_CAPABLE (1u << 1)

struct madt_local_apic {
    uint8_t type, length;
    uint8_t processor_id; /* the ACPI processor UID */
    uint8_t apic_id;
    uint32_t flags;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP: 36 bytes (§5.2.5.3)");
_Static_assert(sizeof(struct acpi_header) == 36, "table header: 36 bytes (§5.2.6)");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS: 12 bytes (§5.2.3.2)");
_Static_assert(__builtin_offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "IAPC_BOOT_ARCH @109");
_Static_assert(__builtin_offsetof(struct acpi_fadt, flags) == 112, "FADT flags @112");
_Static_assert(__builtin_offsetof(struct acpi_fadt, x_dsdt) == 140, "X_DSDT @140");
_Static_assert(sizeof(struct acpi_fadt) == 268, "FADT revision 5: 268 bytes");
_Static_assert(sizeof(struct madt) == 44, "MADT header: 44 bytes (§5.2.12)");
_Static_assert(sizeof(struct madt_local_apic) == 8, "Local APIC entry: 8 bytes");

#endif
