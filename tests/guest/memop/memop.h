/*
 * Helpers shared by the memory_op test guests (tests/guest/memop/memop_*.c):
 * typed wrappers over HYPERVISOR_memory_op and a few facts about the
 * domain the guest runs in. Everything is static inline so each guest stays
 * one translation unit.
 *
 * The guests run identity-mapped (64-bit: the library's page tables map
 * 0..4 GiB one to one; 32-bit: paging is off), so a guest-physical frame
 * number gfn is readable at the pointer gfn_ptr(gfn).
 */
#ifndef GUEST_MEMOP_H
#define GUEST_MEMOP_H

#include "test.h"

#define PAGE_SIZE 4096UL
#define MIB_PAGES 256UL /* 4 KiB pages in 1 MiB */

static inline void *gfn_ptr(unsigned long gfn)
{
    return (void *)(uintptr_t)(gfn * PAGE_SIZE);
}

/* increase_reservation (extents may be NULL), decrease_reservation and
 * populate_physmap: the number of extents done, or -errno. */
static inline long memop_reservation(unsigned int cmd, xen_pfn_t *extents, unsigned long nr,
                                     unsigned int order, domid_t domid)
{
    struct xen_memory_reservation r = {
        .nr_extents = nr,
        .extent_order = order,
        .mem_flags = 0,
        .domid = domid,
    };
    set_xen_guest_handle(r.extent_start, extents);
    return HYPERVISOR_memory_op(cmd, &r);
}

/* One extent of 2^order pages at gfn. */
static inline long decrease_one(unsigned long gfn, unsigned int order)
{
    xen_pfn_t e = gfn;
    return memop_reservation(XENMEM_decrease_reservation, &e, 1, order, DOMID_SELF);
}

static inline long populate_one(unsigned long gfn, unsigned int order)
{
    xen_pfn_t e = gfn;
    return memop_reservation(XENMEM_populate_physmap, &e, 1, order, DOMID_SELF);
}

/* current_reservation, maximum_reservation, maximum_gpfn of a domain. */
static inline long memop_query(unsigned int cmd, domid_t domid)
{
    domid_t d = domid;
    return HYPERVISOR_memory_op(cmd, &d);
}

static inline long current_pages(void)
{
    return memop_query(XENMEM_current_reservation, DOMID_SELF);
}

static inline long add_to_physmap(domid_t domid, unsigned int space, unsigned long idx,
                                  unsigned long gpfn)
{
    struct xen_add_to_physmap x = {
        .domid = domid,
        .size = 0,
        .space = space,
        .idx = idx,
        .gpfn = gpfn,
    };
    return HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
}

static inline long remove_from_physmap(domid_t domid, unsigned long gpfn)
{
    struct xen_remove_from_physmap x = { .domid = domid, .gpfn = gpfn };
    return HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &x);
}

/* add_to_physmap_batch of n pages; errs receives the per-page results. */
static inline long add_to_physmap_batch(domid_t domid, unsigned int space, domid_t foreign,
                                        xen_ulong_t *idxs, xen_pfn_t *gpfns, int *errs,
                                        unsigned int n)
{
    struct xen_add_to_physmap_batch b = {
        .domid = domid,
        .space = (uint16_t)space,
        .size = (uint16_t)n,
    };
    b.u.foreign_domid = foreign;
    set_xen_guest_handle(b.idxs, idxs);
    set_xen_guest_handle(b.gpfns, gpfns);
    set_xen_guest_handle(b.errs, errs);
    return HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b);
}

/* Map frame idx (a gfn) of domain foreign at our gpfn with
 * add_to_physmap_batch(gmfn_foreign): the call's result, else errs[0]. */
static inline long map_foreign_one(domid_t foreign, unsigned long idx, unsigned long gpfn)
{
    xen_ulong_t i = idx;
    xen_pfn_t g = gpfn;
    int err = 99;
    long rc = add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn_foreign, foreign, &i, &g, &err, 1);

    return rc ? rc : err;
}

/* Is this domain privileged (SIF_PRIVILEGED in hvm_start_info)? */
static inline int domain_is_privileged(void)
{
    return (guest_start_info()->flags & SIF_PRIVILEGED) != 0;
}

/* This domain's id, from CPUID leaf base+4 (ECX when EAX bit 4 is set). */
static inline domid_t own_domid(void)
{
    struct cpuid_regs r = guest_cpuid(xen_cpuid_base + 4, 0);
    return (r.eax & (1u << 4)) ? (domid_t)r.ecx : DOMID_INVALID;
}

/* Is [gfn, gfn + count) RAM in the guest's memory map? */
static inline int gfns_are_ram(unsigned long gfn, unsigned long count)
{
    struct hvm_memmap_table_entry map[64];
    int n = guest_memory_map(map, 64);
    uint64_t start = (uint64_t)gfn * PAGE_SIZE, end = start + (uint64_t)count * PAGE_SIZE;

    for (int i = 0; i < n; i++)
        if (map[i].type == 1 && map[i].addr <= start && end <= map[i].addr + map[i].size)
            return 1;
    return 0;
}

/*
 * A hypercall buffer at p, in a gfn that is not this domain's own RAM (a
 * hole, another domain's frame mapped foreign or by grant), is -EFAULT both
 * ways: Mica reads nothing from it and writes nothing to it, however the
 * guest itself may access the page. (The caller checks afterwards that a
 * mapped page is unchanged.) The calls only read a domid, or write version
 * strings and memory-map records, so nothing else happens if a broken
 * Mica let them through.
 */
static inline void check_buffer_faults(void *p)
{
    struct xen_memory_map m = { .nr_entries = 2 };

    /* Reading: the argument itself is at p. */
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_current_reservation, p), -XEN_EFAULT);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_maximum_gpfn, p), -XEN_EFAULT);
    /* Writing: results go to p. */
    CHECK_EQ(HYPERVISOR_xen_version(XENVER_extraversion, p), -XEN_EFAULT);
    set_xen_guest_handle(m.buffer, p);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, &m), -XEN_EFAULT);
}

/* Fill / check a page with a pattern derived from seed. */
static inline void fill_page(unsigned long gfn, uint32_t seed)
{
    volatile uint32_t *p = gfn_ptr(gfn);
    for (unsigned int i = 0; i < PAGE_SIZE / 4; i++)
        p[i] = seed * 0x9E3779B9u + i;
}

static inline int page_has_pattern(unsigned long gfn, uint32_t seed)
{
    volatile const uint32_t *p = gfn_ptr(gfn);
    for (unsigned int i = 0; i < PAGE_SIZE / 4; i++)
        if (p[i] != seed * 0x9E3779B9u + i)
            return 0;
    return 1;
}

static inline int page_is_zero(unsigned long gfn)
{
    volatile const uint32_t *p = gfn_ptr(gfn);
    for (unsigned int i = 0; i < PAGE_SIZE / 4; i++)
        if (p[i])
            return 0;
    return 1;
}

#endif /* GUEST_MEMOP_H */
