/*
 * Translating a guest-linear address the way the guest's own MMU would
 * (AMD APM vol. 2 §5.2 legacy 32-bit, §5.3 PAE and long mode), reading each
 * table entry from guest-physical memory through the p2m.
 * guest_walk_access (x86/guest_walk.h) checks an access of any kind and
 * says which page fault the MMU would raise; guest_walk (arch.h), for
 * hypercall buffers, checks a supervisor access: a write needs the R/W bit
 * at every level when CR0.WP is set (§5.6.3).
 */
#include "arch.h"
#include "guest_access.h"
#include "x86/guest_walk.h"
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

/* One walk: the permission bits gathered on the way down. They combine
 * across levels (§5.6): writable and user only if every level says so
 * (the AND of the entries), no-execute if any level does (the OR). */
struct walk {
    struct domain *d;
    uint64_t all_levels; /* AND of the entries with permission bits */
    uint64_t any_level;  /* OR of them */
    uint64_t table_gpa;  /* NOT_RAM: where the unreadable entry lies */
};

enum step { STEP_OK, STEP_NOT_PRESENT, STEP_NOT_RAM };

/* Read one entry of size bytes at gpa; perm_bits: it has R/W, U/S, NX
 * (a legacy PAE PDPTE has none, §5.3.2). */
static enum step read_entry(struct walk *w, uint64_t gpa, size_t size, bool perm_bits,
                            uint64_t *entry)
{
    *entry = 0;
    if (guest_phys_read(w->d, gpa, entry, size)) {
        w->table_gpa = gpa;
        return STEP_NOT_RAM;
    }
    if (!(*entry & PTE_PRESENT))
        return STEP_NOT_PRESENT;
    if (perm_bits) {
        w->all_levels &= *entry;
        w->any_level |= *entry;
    }
    return STEP_OK;
}

static enum step walk_long_mode(struct walk *w, uint64_t cr3, uint64_t gva, uint64_t *gpa)
{
    uint64_t table = cr3 & PTE_ADDR_MASK, e;

    /* Bits 63:47 must all equal bit 47 (canonical form, §5.3.1). */
    const unsigned int high_bits = 64 - PT_VADDR_BITS;
    if ((uint64_t)((int64_t)(gva << high_bits) >> high_bits) != gva)
        return STEP_NOT_PRESENT;
    /* Level 3 (PML4) down to 0 (PT), where the walk always ends. */
    for (unsigned int level = PT_LEVELS - 1;; level--) {
        enum step st = read_entry(w, table + pt_index(gva, level) * sizeof(e), sizeof(e), true, &e);

        if (st != STEP_OK)
            return st;
        if (level == 0 || (level <= 2 && (e & PTE_LARGE))) {
            uint64_t page_mask = (1UL << PT_LEVEL_SHIFT(level)) - 1;
            *gpa = ((e & PTE_ADDR_MASK) & ~page_mask) | (gva & page_mask);
            return STEP_OK;
        }
        table = e & PTE_ADDR_MASK;
    }
}

static enum step walk_pae(struct walk *w, uint64_t cr3, uint64_t gva, uint64_t *gpa)
{
    uint64_t e;
    uint64_t pdpte_gpa = (cr3 & PAE_CR3_PDPT_MASK) +
                         ((gva >> PT_LEVEL_SHIFT(2)) & (PAE_PDPTES - 1)) * sizeof(e);
    enum step st = read_entry(w, pdpte_gpa, sizeof(e), false, &e);

    if (st == STEP_OK)
        st = read_entry(w, (e & PTE_ADDR_MASK) + pt_index(gva, 1) * sizeof(e), sizeof(e), true, &e);
    if (st != STEP_OK)
        return st;
    if (e & PTE_LARGE) {
        *gpa = (e & PTE_ADDR_MASK & ~PAE_2M_OFFSET_MASK) | (gva & PAE_2M_OFFSET_MASK);
        return STEP_OK;
    }
    st = read_entry(w, (e & PTE_ADDR_MASK) + pt_index(gva, 0) * sizeof(e), sizeof(e), true, &e);
    if (st == STEP_OK)
        *gpa = (e & PTE_ADDR_MASK) | (gva & ~PAGE_MASK);
    return st;
}

static enum step walk_legacy(struct walk *w, uint64_t cr3, uint64_t cr4, uint64_t gva,
                             uint64_t *gpa)
{
    uint64_t e;
    enum step st = read_entry(w,
                              (cr3 & LEGACY_ADDR_MASK) + legacy_index(gva, 1) * LEGACY_ENTRY_SIZE,
                              LEGACY_ENTRY_SIZE, true, &e);

    if (st != STEP_OK)
        return st;
    if ((e & PTE_LARGE) && (cr4 & CR4_PSE)) {
        *gpa = (e & LEGACY_4M_MASK) | (gva & LEGACY_4M_OFFSET);
        return STEP_OK;
    }
    st = read_entry(w, (e & LEGACY_ADDR_MASK) + legacy_index(gva, 0) * LEGACY_ENTRY_SIZE,
                    LEGACY_ENTRY_SIZE, true, &e);
    if (st == STEP_OK)
        *gpa = (e & LEGACY_ADDR_MASK) | (gva & ~PAGE_MASK);
    return st;
}

/* The page-protection checks on the gathered permissions (§5.6.1-§5.6.3):
 * a user access needs U/S everywhere; a write needs R/W everywhere, for a
 * supervisor only with CR0.WP; a fetch needs no NX anywhere. */
static bool access_allowed(const struct walk *w, unsigned int access, bool wp, bool nx_enabled)
{
    bool user = access & PFEC_USER;

    if (user && !(w->all_levels & PTE_USER))
        return false;
    if ((access & PFEC_WRITE) && !(w->all_levels & PTE_WRITE) && (user || wp))
        return false;
    return !((access & PFEC_FETCH) && nx_enabled && (w->any_level & PTE_NX));
}

enum guest_walk_status guest_walk_access(struct vcpu *v, uint64_t gva, unsigned int access,
                                         uint64_t *gpa, uint32_t *pf_error, uint64_t *table_gpa)
{
    const struct vmcb_save *s = &v->arch.vmcb->save;
    struct walk w = { .d = v->domain, .all_levels = ~0ULL };
    bool nx_enabled = s->efer & EFER_NXE;
    enum step st;

    if (!(s->efer & EFER_LMA))
        gva = (uint32_t)gva; /* 32-bit linear addresses */
    if (!(s->cr0 & CR0_PG)) {
        *gpa = gva;
        return GUEST_WALK_OK;
    }
    if (s->efer & EFER_LMA)
        st = walk_long_mode(&w, s->cr3, gva, gpa);
    else if (s->cr4 & CR4_PAE)
        st = walk_pae(&w, s->cr3, gva, gpa);
    else
        st = walk_legacy(&w, s->cr3, s->cr4, gva, gpa);

    if (st == STEP_NOT_RAM) {
        *table_gpa = w.table_gpa;
        return GUEST_WALK_TABLE_NOT_RAM;
    }
    if (st == STEP_OK && access_allowed(&w, access, s->cr0 & CR0_WP, nx_enabled))
        return GUEST_WALK_OK;
    /* The error code: P for a protection fault, then the access's kind;
     * I/D only where the CPU reports it, with EFER.NXE (§8.4.2). */
    *pf_error = (st == STEP_OK ? PFEC_PRESENT : 0) | (access & (PFEC_WRITE | PFEC_USER)) |
                (nx_enabled ? access & PFEC_FETCH : 0);
    return GUEST_WALK_FAULT;
}

bool guest_walk(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
    uint32_t pf_error;
    uint64_t table_gpa;

    return guest_walk_access(v, gva, write ? PFEC_WRITE : 0, gpa, &pf_error, &table_gpa) ==
           GUEST_WALK_OK;
}
