/*
 * The x86-64 page-table entry format and table geometry, one definition for
 * Mica's own tables (paging.c), the p2m's nested tables (npt.h) and the guest page walk.
 *
 * Long-mode 4-level translation (AMD APM vol. 2 §5.3.3): a table is one
 * 4 KiB page of 512 eight-byte entries; level 3 (PML4) down to level 0 (PT)
 * each take 9 bits of the address above the 12-bit page offset. A PS entry
 * at level 1 maps a 2 MiB page, at level 2 a 1 GiB page (§5.3.4, §5.3.5).
 * Nested page tables use the same format (§15.25.5); PAE entries (§5.3.2)
 * are 8 bytes with the same bits, 32-bit legacy entries (§5.2) the low ones.
 */
#ifndef MICA_X86_PTE_H
#define MICA_X86_PTE_H

#include "../types.h"

/* Entry bits (APM vol. 2 §5.4.1). */
#define PTE_PRESENT (1UL << 0)
#define PTE_WRITE (1UL << 1)
#define PTE_USER (1UL << 2)
#define PTE_PWT (1UL << 3)
#define PTE_PCD (1UL << 4)
#define PTE_ACCESSED (1UL << 5)
#define PTE_DIRTY (1UL << 6)
#define PTE_LARGE (1UL << 7) /* PS: a 2 MiB page in a PDE, 1 GiB in a PDPE */
#define PTE_GLOBAL (1UL << 8)
#define PTE_AVL_SHIFT 9                    /* bits 11:9 are available to software */
#define PTE_NX (1UL << 63)                 /* needs EFER.NXE */
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000UL /* bits 51:12, the next table or the page */

/* Table geometry (APM vol. 2 §5.3.3). */
#define PT_LEVELS 4 /* level 3 = PML4 ... level 0 = PT */
#define PT_INDEX_BITS 9
#define PT_ENTRIES (1u << PT_INDEX_BITS) /* 512 */
/* log2 of the 4 KiB pages one entry at `level` covers (0, 9, 18, 27): the
 * page order of a leaf there. */
#define PT_LEVEL_ORDER(level) (PT_INDEX_BITS * (level))
/* log2 of the bytes one entry at `level` covers (12, 21, 30, 39). */
#define PT_LEVEL_SHIFT(level) (PAGE_SHIFT + PT_LEVEL_ORDER(level))
/* Bits of a linear address the four levels translate (§5.3.1). */
#define PT_VADDR_BITS PT_LEVEL_SHIFT(PT_LEVELS)

/* The index of the entry for a byte address in a table at `level`. */
static inline unsigned int pt_index(uint64_t addr, unsigned int level)
{
    return (addr >> PT_LEVEL_SHIFT(level)) & (PT_ENTRIES - 1);
}

/* The same for a frame number (addr >> PAGE_SHIFT), as the p2m keeps gfns. */
static inline unsigned int pt_index_frame(uint64_t frame, unsigned int level)
{
    return (frame >> PT_LEVEL_ORDER(level)) & (PT_ENTRIES - 1);
}

#endif
