/*
 * Mica's own page tables (not a guest's: those are the p2m's).
 * x86-64 4-level paging, AMD APM vol. 2 §5.3.
 */
#ifndef MICA_X86_PAGING_H
#define MICA_X86_PAGING_H

#include "../types.h"
#include "memlayout.h"

/* Page-table entry bits (APM vol. 2 §5.4.1); the guest page walk
 * (guest_walk.c) reads a guest's long-mode and PAE entries with them too. */
#define PTE_PRESENT (1UL << 0)
#define PTE_WRITE (1UL << 1)
#define PTE_USER (1UL << 2)
#define PTE_PWT (1UL << 3)
#define PTE_PCD (1UL << 4)
#define PTE_ACCESSED (1UL << 5)
#define PTE_DIRTY (1UL << 6)
#define PTE_LARGE (1UL << 7)     /* PS: a 2 MiB page in a PDE, 1 GiB in a PDPE */
#define PTE_GLOBAL (1UL << 8)
#define PTE_NX (1UL << 63)       /* needs EFER.NXE */
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000UL

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
