/*
 * The nested page table (NPT) entry format: the p2m's hardware encoding.
 *
 * With nested paging the CPU translates guest-physical addresses through a
 * second set of ordinary x86-64 long-mode page tables rooted at the VMCB's
 * N_CR3 (AMD APM vol. 2 §15.25). Their entries are normal 4-level entries
 * (§5.4, x86/pte.h), with two SVM rules:
 *   - every access is treated as a user access, so U must be set at every
 *     level (§15.25.5; without it every access faults with #NPF);
 *   - a leaf may be 4 KiB (level 0), 2 MiB (PS in a level-1 entry) or 1 GiB
 *     (PS in a level-2 entry, when the CPU supports 1 GiB pages).
 * Mica keeps the p2m type of a leaf in the software-available bits 9..11,
 * so the type and the permissions never disagree: this is the one place
 * that turns a type into NPT bits.
 */
#ifndef MICA_X86_NPT_H
#define MICA_X86_NPT_H

#include "p2m/p2m_types.h"
#include "../types.h"
#include "pte.h"

typedef uint64_t npt_entry_t;

/* Mica's p2m type of a leaf, in the software-available bits 11:9. */
#define NPT_TYPE_SHIFT PTE_AVL_SHIFT
#define NPT_TYPE_MASK (7UL << NPT_TYPE_SHIFT)

/* Permission bits of each type (everything a guest may do with the frame). */
static inline npt_entry_t npt_type_bits(enum p2m_type t)
{
    switch (t) {
    case p2m_ram_rw:
        return PTE_PRESENT | PTE_USER | PTE_WRITE;
    case p2m_ram_ro:
        return PTE_PRESENT | PTE_USER;
    case p2m_grant_map_rw:
        return PTE_PRESENT | PTE_USER | PTE_WRITE | PTE_NX;
    case p2m_grant_map_ro:
        return PTE_PRESENT | PTE_USER | PTE_NX;
    case p2m_mmio_direct:
        return PTE_PRESENT | PTE_USER | PTE_WRITE | PTE_NX | PTE_PCD | PTE_PWT;
    case p2m_map_foreign:
        return PTE_PRESENT | PTE_USER | PTE_WRITE | PTE_NX;
    case p2m_invalid:
    default:
        return 0;
    }
}

static inline npt_entry_t npt_make_leaf(mfn_t mfn, enum p2m_type t, unsigned int level)
{
    if (t == p2m_invalid)
        return 0;
    return (mfn_x(mfn) << PAGE_SHIFT) | npt_type_bits(t) | ((npt_entry_t)t << NPT_TYPE_SHIFT) |
           (level ? PTE_LARGE : 0);
}

/* Intermediate entries allow everything; the leaf decides (permissions
 * combine across levels, APM §5.6). */
static inline npt_entry_t npt_make_table(mfn_t table_mfn)
{
    return (mfn_x(table_mfn) << PAGE_SHIFT) | PTE_PRESENT | PTE_WRITE | PTE_USER;
}

static inline bool npt_present(npt_entry_t e)
{
    return e & PTE_PRESENT;
}

static inline bool npt_is_leaf(npt_entry_t e, unsigned int level)
{
    return level == 0 || (e & PTE_LARGE);
}

static inline mfn_t npt_mfn(npt_entry_t e)
{
    return _mfn((e & PTE_ADDR_MASK) >> PAGE_SHIFT);
}

static inline enum p2m_type npt_type(npt_entry_t e)
{
    return npt_present(e) ? (enum p2m_type)((e & NPT_TYPE_MASK) >> NPT_TYPE_SHIFT) : p2m_invalid;
}

#endif
