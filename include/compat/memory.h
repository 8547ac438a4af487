/*
 * memory_op's arguments in Mica's own form, read from either layout (64-bit or
 * 32-bit, include/public/memory.h); write-backs are in common/compat/memory.c.
 *
 * Each structure has the same field names in both layouts (include/public/
 * memory.h asserts the offsets, docs/xen-abi.md lists them), so one field
 * list per structure serves both (XLAT_DEFINE_IN, include/compat/xlat.h).
 */
#ifndef MICA_COMPAT_MEMORY_H
#define MICA_COMPAT_MEMORY_H

#include "compat/xlat.h"
#include "public/memory.h"

/* ---- increase/decrease_reservation, populate_physmap -------------------------
 * xen_memory_reservation: 32 bytes (extent_start @0:8, nr_extents @8:8,
 * extent_order @16, mem_flags @20, domid @24); compat 20 bytes (extent_start
 * @0:4, nr_extents @4:4, extent_order @8, mem_flags @12, domid @16). */
struct memop_reservation {
    uint64_t extent_start; /* guest address of the xen_pfn_t array */
    uint64_t nr_extents;
    unsigned int extent_order;
    uint32_t mem_flags;
    domid_t domid;
};
#define RESERVATION_IN(s)                                                             \
    ((struct memop_reservation){ guest_handle_addr((s).extent_start), (s).nr_extents, \
                                 (s).extent_order, (s).mem_flags, (s).domid })
XLAT_DEFINE_IN(memory_reservation, struct memop_reservation, RESERVATION_IN)

/* ---- add_to_physmap ------------------------------------------------------------
 * xen_add_to_physmap: 24 bytes (domid @0, size @2, space @4, idx @8:8,
 * gpfn @16:8); compat 16 bytes (idx @8:4, gpfn @12:4). */
struct memop_add_to_physmap {
    domid_t domid;
    uint16_t size;
    uint32_t space;
    uint64_t idx;
    uint64_t gpfn;
};
#define ADD_TO_PHYSMAP_IN(s) \
    ((struct memop_add_to_physmap){ (s).domid, (s).size, (s).space, (s).idx, (s).gpfn })
XLAT_DEFINE_IN(add_to_physmap, struct memop_add_to_physmap, ADD_TO_PHYSMAP_IN)

/* ---- add_to_physmap_batch --------------------------------------------------------
 * xen_add_to_physmap_batch: 32 bytes (domid @0, space @2, size @4, u @6,
 * then the handles idxs @8, gpfns @16, errs @24); compat 20 bytes (handles
 * of 4 bytes: idxs @8, gpfns @12, errs @16). The three array addresses move
 * on as the work is done (and are written back for a continuation). */
struct memop_add_to_physmap_batch {
    domid_t domid;
    uint16_t space;
    uint16_t size;
    uint16_t foreign_domid;     /* u.foreign_domid, or u.res0 */
    uint64_t idxs, gpfns, errs; /* guest addresses of the next element of each */
};
#define BATCH_IN(s)                                                                       \
    ((struct memop_add_to_physmap_batch){                                                 \
        (s).domid, (s).space, (s).size, (s).u.foreign_domid, guest_handle_addr((s).idxs), \
        guest_handle_addr((s).gpfns), guest_handle_addr((s).errs) })
XLAT_DEFINE_IN(add_to_physmap_batch, struct memop_add_to_physmap_batch, BATCH_IN)

/* ---- remove_from_physmap -----------------------------------------------------------
 * xen_remove_from_physmap: 16 bytes (domid @0, gpfn @8:8); compat 8 bytes
 * (gpfn @4:4). */
struct memop_remove_from_physmap {
    domid_t domid;
    uint64_t gpfn;
};
#define REMOVE_IN(s) ((struct memop_remove_from_physmap){ (s).domid, (s).gpfn })
XLAT_DEFINE_IN(remove_from_physmap, struct memop_remove_from_physmap, REMOVE_IN)

/* ---- memory_map, machine_memory_map ----------------------------------------------
 * xen_memory_map: 16 bytes (nr_entries @0:4, buffer @8:8); compat 8 bytes
 * (buffer @4:4). The buffer's records (struct xen_e820_entry, 20 bytes) have
 * one layout for every guest. */
struct memop_memory_map {
    uint32_t nr_entries;
    uint64_t buffer; /* guest address of the records */
};
#define MEMORY_MAP_IN(s) \
    ((struct memop_memory_map){ (s).nr_entries, guest_handle_addr((s).buffer) })
XLAT_DEFINE_IN(memory_map, struct memop_memory_map, MEMORY_MAP_IN)

/* ---- Write-backs (common/compat/memory.c): 0, or -EFAULT ----------------------- */
int xlat_add_to_physmap_out(struct vcpu *v, const struct hypercall_args *a, uint64_t arg,
                            const struct memop_add_to_physmap *src);
int xlat_add_to_physmap_batch_out(struct vcpu *v, const struct hypercall_args *a, uint64_t arg,
                                  const struct memop_add_to_physmap_batch *src);
/* memory_map: only nr_entries (the entries written) goes back. */
int xlat_memory_map_out(struct vcpu *v, uint64_t arg, uint32_t nr_entries);

/* ---- Array elements, one at a time. The xen_pfn_t and xen_ulong_t elements
 * are 8 bytes, 4 for a 32-bit guest; errs' are int in both. ---------------- */

/* Element i of a reservation's extent_start array: 0, or nonzero if unreadable. */
static inline int xlat_extent_in(struct vcpu *v, const struct hypercall_args *a,
                                 const struct memop_reservation *r, uint64_t i, uint64_t *gfn)
{
    unsigned int size = guest_ulong_size(a);

    *gfn = 0;
    return copy_from_guest(v, gfn, r->extent_start + i * size, size);
}

/* The batch's current idxs and gpfns elements: 0, or -EFAULT. */
static inline int xlat_batch_entry_in(struct vcpu *v, const struct hypercall_args *a,
                                      const struct memop_add_to_physmap_batch *b, uint64_t *idx,
                                      uint64_t *gpfn)
{
    *idx = 0;
    *gpfn = 0;
    if (copy_from_guest(v, idx, b->idxs, guest_ulong_size(a)) ||
        copy_from_guest(v, gpfn, b->gpfns, guest_ulong_size(a)))
        return -XEN_EFAULT;
    return 0;
}

/* The batch's current errs element: 0, or -EFAULT. */
static inline int xlat_batch_err_out(struct vcpu *v, const struct memop_add_to_physmap_batch *b,
                                     int err)
{
    return copy_to_guest(v, b->errs, &err, sizeof(err)) ? -XEN_EFAULT : 0;
}

/* Move the batch's three arrays on to their next element. */
static inline void xlat_batch_next(const struct hypercall_args *a,
                                   struct memop_add_to_physmap_batch *b)
{
    b->idxs += guest_ulong_size(a);
    b->gpfns += guest_ulong_size(a);
    b->errs += sizeof(int);
}

#endif /* MICA_COMPAT_MEMORY_H */
