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
    if ((uint64_t)((int64_t)(gva << 16) >> 16) != gva)
        return false;
    for (int level = 3; level >= 0; level--) {
        unsigned int shift = 12 + 9 * level;
        if (!read_entry(w, table + ((gva >> shift) & 511) * 8, 8, &e))
            return false;
        if (level == 0 || (level <= 2 && (e & PTE_LARGE))) {
            uint64_t page_mask = (1UL << shift) - 1;
            *gpa = ((e & PTE_ADDR_MASK) & ~page_mask) | (gva & page_mask);
            return true;
        }
        table = e & PTE_ADDR_MASK;
    }
    return false;
}

static bool walk_pae(const struct walk *w, uint64_t cr3, uint64_t gva, uint64_t *gpa)
{
    uint64_t e;
    uint64_t pdpte_gpa = (cr3 & 0xFFFFFFE0UL) + ((gva >> 30) & 3) * 8;

    /* PDPTEs carry no R/W bit in legacy PAE mode (§5.3.2). */
    struct walk no_rw = { w->d, false, false };
    if (!read_entry(&no_rw, pdpte_gpa, 8, &e))
        return false;
    if (!read_entry(w, (e & PTE_ADDR_MASK) + ((gva >> 21) & 511) * 8, 8, &e))
        return false;
    if (e & PTE_LARGE) {
        *gpa = (e & PTE_ADDR_MASK & ~0x1FFFFFUL) | (gva & 0x1FFFFF);
        return true;
    }
    if (!read_entry(w, (e & PTE_ADDR_MASK) + ((gva >> 12) & 511) * 8, 8, &e))
        return false;
    *gpa = (e & PTE_ADDR_MASK) | (gva & 0xFFF);
    return true;
}

static bool walk_legacy(const struct walk *w, uint64_t cr3, uint64_t cr4, uint64_t gva, uint64_t *gpa)
{
    uint64_t e;

    if (!read_entry(w, (cr3 & 0xFFFFF000UL) + ((gva >> 22) & 1023) * 4, 4, &e))
        return false;
    if ((e & PTE_LARGE) && (cr4 & CR4_PSE)) {
        *gpa = (e & 0xFFC00000UL) | (gva & 0x3FFFFF);
        return true;
    }
    if (!read_entry(w, (e & 0xFFFFF000UL) + ((gva >> 12) & 1023) * 4, 4, &e))
        return false;
    *gpa = (e & 0xFFFFF000UL) | (gva & 0xFFF);
    return true;
}

bool guest_walk(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
    const struct vmcb_save *s = &v->arch.vmcb->save;
    struct walk w = { v->domain, write, (s->cr0 & CR0_WP) != 0 };

    if (!(s->efer & EFER_LMA))
        gva &= 0xFFFFFFFFUL;         /* 32-bit linear addresses */
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
