/*
 * Mica's own page tables (not a guest's: those are the p2m's).
 * x86-64 4-level paging, AMD APM vol. 2 §5.3.
 */
#ifndef MICA_X86_PAGING_H
#define MICA_X86_PAGING_H

#include "../types.h"
#include "memlayout.h"
#include "pte.h"

/* Where the local APIC's registers are mapped (uncached). */
#define MMIO_VBASE 0xFFFFFFFFC0000000UL

static inline void *phys_to_virt(paddr_t pa)
{
    return (void *)(DIRECTMAP_BASE + pa);
}

static inline paddr_t virt_to_phys(const void *va)
{
    uintptr_t v = (uintptr_t)va;
    return v >= KERNEL_VBASE ? v - KERNEL_VBASE : v - DIRECTMAP_BASE;
}

/* Build Mica's page tables from boot_info and switch to them. */
void paging_init(void);

/* Physical address of Mica's top-level table, for APs and (later) VMRUN hosts. */
paddr_t paging_root(void);

/* Remove the identity mapping the AP trampoline needed (all CPUs flushed). */
void paging_drop_identity_map(void);

/* Frames the boot allocator handed out before the frame allocator existed:
 * [paging_boot_alloc_start(), paging_boot_alloc_end()). */
paddr_t paging_boot_alloc_start(void);
paddr_t paging_boot_alloc_end(void);

/* Early bump allocation of zeroed, page-aligned memory (boot only). */
void *boot_alloc(size_t size);

#endif
