/*
 * memory_op's write-backs: Mica's own form of an argument written to the guest
 * in its layout (the layouts and the reads: include/compat/memory.h).
 */
#include "compat/memory.h"

/* add_to_physmap: a 32-bit guest's idx and gpfn keep their low 32 bits. */
#define ADD_TO_PHYSMAP_OUT(s, x) \
    ((s) = (__typeof__(s)){ (x)->domid, (x)->size, (x)->space, (x)->idx, (x)->gpfn })
XLAT_DEFINE_OUT(add_to_physmap, struct memop_add_to_physmap, ADD_TO_PHYSMAP_OUT)

/* add_to_physmap_batch: the handles keep their low 32 bits for a 32-bit guest. */
#define BATCH_OUT(s, b)                                                 \
    do {                                                                \
        (s) = (__typeof__(s)){ .domid = (b)->domid,                     \
                               .space = (b)->space,                     \
                               .size = (b)->size,                       \
                               .u.foreign_domid = (b)->foreign_domid }; \
        guest_handle_set((s).idxs, (b)->idxs);                          \
        guest_handle_set((s).gpfns, (b)->gpfns);                        \
        guest_handle_set((s).errs, (b)->errs);                          \
    } while (0)
XLAT_DEFINE_OUT(add_to_physmap_batch, struct memop_add_to_physmap_batch, BATCH_OUT)

/* memory_map: nr_entries is first (@0:4) in both layouts. */
_Static_assert(__builtin_offsetof(struct xen_memory_map, nr_entries) == 0, "nr_entries @0");
_Static_assert(__builtin_offsetof(struct compat_memory_map, nr_entries) == 0, "nr_entries @0");

int xlat_memory_map_out(struct vcpu *v, uint64_t arg, uint32_t nr_entries)
{
    return copy_to_guest(v, arg, &nr_entries, sizeof(nr_entries)) ? -XEN_EFAULT : 0;
}
