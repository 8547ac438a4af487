/*
 * What the boot loader told Mica, copied out of the multiboot2 information
 * structure early (that structure is only reachable through the boot page
 * tables, which paging_init replaces).
 */
#ifndef MICA_BOOTINFO_H
#define MICA_BOOTINFO_H

#include "types.h"

#define BOOT_MAX_MEM_RANGES 128
#define BOOT_MAX_MODULES 16
#define BOOT_CMDLINE_LEN 1024
#define BOOT_MODULE_CMDLINE_LEN 256

/* Multiboot2 memory map types (Multiboot2 spec §3.6.8, = ACPI/E820 types). */
enum boot_mem_type {
    BOOT_MEM_USABLE = 1,
    BOOT_MEM_RESERVED = 2,
    BOOT_MEM_ACPI_RECLAIMABLE = 3,
    BOOT_MEM_ACPI_NVS = 4,
    BOOT_MEM_BAD = 5,
};

struct boot_mem_range {
    paddr_t start, end; /* [start, end) */
    uint32_t type;      /* enum boot_mem_type */
};

struct boot_module {
    paddr_t start, end; /* [start, end) */
    char cmdline[BOOT_MODULE_CMDLINE_LEN];
    bool taken; /* a domain's boot module (module-of=), given to it */
};

struct boot_info {
    char cmdline[BOOT_CMDLINE_LEN];
    struct boot_mem_range mem[BOOT_MAX_MEM_RANGES];
    unsigned int nr_mem;
    struct boot_module modules[BOOT_MAX_MODULES];
    unsigned int nr_modules;
    paddr_t acpi_rsdp;            /* physical address of a copy of the RSDP, 0 if none */
    paddr_t info_start, info_end; /* the multiboot2 structure itself */
};

extern struct boot_info boot_info;

/* Copy the multiboot2 information at physical address info. Returns false
 * (after printing why) when magic shows Mica was not booted by multiboot2. */
bool multiboot2_parse(uint32_t magic, paddr_t info);

#endif
