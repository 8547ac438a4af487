/*
 * Mica's guest ABI: the PVH start of day structure
 * (mirrors xen/include/public/arch-x86/hvm/start_info.h).
 *
 * At the PVH entry point EBX holds the guest-physical address of a struct
 * hvm_start_info. Every address inside it is guest-physical, and all fields
 * are fixed-width, so 32- and 64-bit guests see one layout.
 */
#ifndef MICA_PUBLIC_HVM_START_INFO_H
#define MICA_PUBLIC_HVM_START_INFO_H

#include <stdint.h>
#include "../xen.h"     /* SIF_* flags */

#define XEN_HVM_START_MAGIC_VALUE 0x336ec578u

/* Mirrors start_info.h struct hvm_start_info (version 1: 56 bytes). */
struct hvm_start_info {
    uint32_t magic;          /* XEN_HVM_START_MAGIC_VALUE */
    uint32_t version;        /* 0 or 1; memmap_* exist from version 1 */
    uint32_t flags;          /* SIF_* */
    uint32_t nr_modules;     /* entries in modlist */
    uint64_t modlist_paddr;  /* struct hvm_modlist_entry[nr_modules] */
    uint64_t cmdline_paddr;  /* NUL-terminated command line, 0 if none */
    uint64_t rsdp_paddr;     /* ACPI RSDP, 0 if none */
    uint64_t memmap_paddr;   /* struct hvm_memmap_table_entry[memmap_entries] */
    uint32_t memmap_entries;
    uint32_t reserved;       /* must be zero */
};

/* Mirrors start_info.h struct hvm_modlist_entry. */
struct hvm_modlist_entry {
    uint64_t paddr;          /* module start */
    uint64_t size;           /* module size in bytes */
    uint64_t cmdline_paddr;  /* module command line, 0 if none */
    uint64_t reserved;
};

/* Mirrors start_info.h struct hvm_memmap_table_entry (E820-like). */
struct hvm_memmap_table_entry {
    uint64_t addr;           /* base address */
    uint64_t size;           /* size in bytes */
    uint32_t type;           /* XEN_HVM_MEMMAP_TYPE_* */
    uint32_t reserved;       /* must be zero */
};

/* Memory map entry types (start_info.h; the E820 / ACPI numbering). */
#define XEN_HVM_MEMMAP_TYPE_RAM       1
#define XEN_HVM_MEMMAP_TYPE_RESERVED  2
#define XEN_HVM_MEMMAP_TYPE_ACPI      3
#define XEN_HVM_MEMMAP_TYPE_NVS       4
#define XEN_HVM_MEMMAP_TYPE_UNUSABLE  5
#define XEN_HVM_MEMMAP_TYPE_DISABLED  6
#define XEN_HVM_MEMMAP_TYPE_PMEM      7

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info is 56 bytes");
_Static_assert(__builtin_offsetof(struct hvm_start_info, modlist_paddr) == 16, "modlist_paddr @16");
_Static_assert(__builtin_offsetof(struct hvm_start_info, cmdline_paddr) == 24, "cmdline_paddr @24");
_Static_assert(__builtin_offsetof(struct hvm_start_info, rsdp_paddr) == 32, "rsdp_paddr @32");
_Static_assert(__builtin_offsetof(struct hvm_start_info, memmap_paddr) == 40, "memmap_paddr @40");
_Static_assert(__builtin_offsetof(struct hvm_start_info, memmap_entries) == 48, "memmap_entries @48");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry is 32 bytes");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry is 24 bytes");

#endif /* MICA_PUBLIC_HVM_START_INFO_H */
