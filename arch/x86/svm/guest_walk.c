/*
 * Translating a guest-linear address the way the guest's own MMU would
 * (AMD APM vol. 2 §5.2 legacy 32-bit, §5.3 PAE and long mode), reading each
 * table entry from guest-physical memory through the p2m.
 * Accesses are checked as supervisor accesses: a write needs the R/W bit at
 * every level when CR0.WP is set (§5.6.3).
 */
#include "arch.h"
#include "guest_access.h"
#include "x86/paging.h"
#include "x86/vmcb.h"
#include "x86/control_regs.h"

/* PAE (§5.3.2): CR3 holds the 32-byte aligned address of four PDPTEs, one
 * for each GiB of the 32-bit address space; below them, long-mode tables. */
#define PAE_CR3_PDPT_MASK 0xFFFFFFE0UL
#define PAE_PDPTES 4

/* 32-bit legacy paging (§5.2): two levels of 1024 four-byte entries, each
 * taking 10 bits of the address; a PS entry at the top maps 4 MiB. */
#define LEGACY_INDEX_BITS 10
#define LEGACY_ENTRIES (1u << LEGACY_INDEX_BITS)
#define LEGACY_LEVEL_SHIFT(level) (PAGE_SHIFT + LEGACY_INDEX_BITS * (level))
#define LEGACY_ADDR_MASK 0xFFFFF000UL /* a table or 4 KiB page, bits 31:12 */
#define LEGACY_4M_MASK 0xFFC00000UL   /* a 4 MiB page, bits 31:22 */
#define LEGACY_4M_OFFSET ((1UL << LEGACY_LEVEL_SHIFT(1)) - 1)
#define LEGACY_ENTRY_SIZE sizeof(uint32_t)

static inline unsigned int legacy_index(uint64_t gva, unsigned int level)
{
    return (gva >> LEGACY_LEVEL_SHIFT(level)) & (LEGACY_ENTRIES - 1);
}

#define PAE_2M_OFFSET_MASK ((1UL << PT_LEVEL_SHIFT(1)) - 1)

struct walk {
    struct domain *d;
    bool write, wp;
};

/* Read one entry; false if absent, unreachable, or not writable when needed. */
static bool read_entry(const struct walk *w, uint64_t gpa, size_t size, uint64_t *entry)
{
    *entry = 0;
    if (guest_phys_read(w->d, gpa, entry, size))
        return false;
    if (!(*entry & PTE_PRESENT))
        return false;
    return !(w->write && w->wp && !(*entry & PTE_WRITE));
}

static bool walk_long_mode(const struct walk *w, uint64_t cr3, uint64_t gva, uint64_t *gpa)
{
    uint64_t table = cr3 & PTE_ADDR_MASK, e;

    /* Bits 63:47 must all equal bit 47 (canonical form, §5.3.1). */
    const unsigned int high_bits = 64 - PT_VADDR_BITS;
    if ((uint64_t)((int64_t)(gva << high_bits) >> high_bits) != gva)
        return false;
    /* Level 3 (PML4) down to 0 (PT), where the walk always ends. */
    for (unsigned int level = PT_LEVELS - 1;; level--) {
        if (!read_entry(w, table + pt_index(gva, level) * sizeof(e), sizeof(e), &e))
            return false;
        if (level == 0 || (level <= 2 && (e & PTE_LARGE))) {
            uint64_t page_mask = (1UL << PT_LEVEL_SHIFT(level)) - 1;
            *gpa = ((e & PTE_ADDR_MASK) & ~page_mask) | (gva & page_mask);
            return true;
        }
        table = e & PTE_ADDR_MASK;
    }
}

static bool walk_pae(const struct walk *w, uint64_t cr3, uint64_t gva, uint64_t *gpa)
{
    uint64_t e;
    uint64_t pdpte_gpa = (cr3 & PAE_CR3_PDPT_MASK) +
                         ((gva >> PT_LEVEL_SHIFT(2)) & (PAE_PDPTES - 1)) * sizeof(e);

    /* PDPTEs carry no R/W bit in legacy PAE mode (§5.3.2). */
    struct walk no_rw = { w->d, false, false };
    if (!read_entry(&no_rw, pdpte_gpa, sizeof(e), &e))
        return false;
    if (!read_entry(w, (e & PTE_ADDR_MASK) + pt_index(gva, 1) * sizeof(e), sizeof(e), &e))
        return false;
    if (e & PTE_LARGE) {
        *gpa = (e & PTE_ADDR_MASK & ~PAE_2M_OFFSET_MASK) | (gva & PAE_2M_OFFSET_MASK);
        return true;
    }
    if (!read_entry(w, (e & PTE_ADDR_MASK) + pt_index(gva, 0) * sizeof(e), sizeof(e), &e))
        return false;
    *gpa = (e & PTE_ADDR_MASK) | (gva & ~PAGE_MASK);
    return true;
}

static bool walk_legacy(const struct walk *w, uint64_t cr3, uint64_t cr4, uint64_t gva,
                        uint64_t *gpa)
{
    uint64_t e;

    if (!read_entry(w, (cr3 & LEGACY_ADDR_MASK) + legacy_index(gva, 1) * LEGACY_ENTRY_SIZE,
                    LEGACY_ENTRY_SIZE, &e))
        return false;
    if ((e & PTE_LARGE) && (cr4 & CR4_PSE)) {
        *gpa = (e & LEGACY_4M_MASK) | (gva & LEGACY_4M_OFFSET);
        return true;
    }
    if (!read_entry(w, (e & LEGACY_ADDR_MASK) + legacy_index(gva, 0) * LEGACY_ENTRY_SIZE,
                    LEGACY_ENTRY_SIZE, &e))
        return false;
    *gpa = (e & LEGACY_ADDR_MASK) | (gva & ~PAGE_MASK);
    return true;
}

bool guest_walk(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
    const struct vmcb_save *s = &v->arch.vmcb->save;
    struct walk w = { v->domain, write, (s->cr0 & CR0_WP) != 0 };

    if (!(s->efer & EFER_LMA))
        gva = (uint32_t)gva; /* 32-bit linear addresses */
    if (!(s->cr0 & CR0_PG)) {
        *gpa = gva;
        return true;
    }
    if (s->efer & EFER_LMA)
        return walk_long_mode(&w, s->cr3, gva, gpa);
    if (s->cr4 & CR4_PAE)
        return walk_pae(&w, s->cr3, gva, gpa);
    return walk_legacy(&w, s->cr3, s->cr4, gva, gpa);
}
