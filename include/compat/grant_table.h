/*
 * grant_table_op's structures whose 32-bit layout differs (setup_table's
 * frame list of compat_ulong_t, copy's compat_pfn_t gmfn), read into one
 * form of Mica's own; write-backs in common/compat/grant_table.c. The other
 * structures have one layout (include/public/grant_table.h asserts it).
 */
#ifndef MICA_COMPAT_GRANT_TABLE_H
#define MICA_COMPAT_GRANT_TABLE_H

#include "compat/xlat.h"
#include "public/grant_table.h"

struct gnt_setup_table {
    domid_t dom;
    uint32_t nr_frames;
    uint64_t frame_list; /* guest address of an array of guest_ulong_size() elements */
};

struct gnt_copy_side {
    uint64_t ref_or_gmfn; /* u.ref (GNTCOPY_*_gref) or u.gmfn */
    domid_t domid;
    uint16_t offset;
};

struct gnt_copy {
    struct gnt_copy_side source, dest;
    uint16_t len;
    uint16_t flags;
};

/* Bytes of one GNTTABOP_copy element in the caller's layout. */
static inline size_t xlat_gnttab_copy_size(const struct hypercall_args *a)
{
    return a->compat ? sizeof(struct compat_gnttab_copy) : sizeof(struct gnttab_copy);
}

static inline int xlat_gnttab_setup_table_in(struct vcpu *v, const struct hypercall_args *a,
                                             uint64_t arg, struct gnt_setup_table *dst)
{
    union {
        struct gnttab_setup_table n;
        struct compat_gnttab_setup_table c;
    } u;

    if (copy_from_guest(v, &u, arg, a->compat ? sizeof(u.c) : sizeof(u.n)))
        return -XEN_EFAULT;
    if (a->compat)
        *dst = (struct gnt_setup_table){ u.c.dom, u.c.nr_frames, u.c.frame_list.c };
    else
        *dst = (struct gnt_setup_table){ u.n.dom, u.n.nr_frames,
                                         guest_handle_addr(u.n.frame_list) };
    return 0;
}

static inline int xlat_gnttab_copy_in(struct vcpu *v, const struct hypercall_args *a, uint64_t arg,
                                      struct gnt_copy *dst)
{
    union {
        struct gnttab_copy n;
        struct compat_gnttab_copy c;
    } u;

    if (copy_from_guest(v, &u, arg, xlat_gnttab_copy_size(a)))
        return -XEN_EFAULT;
#define GNT_SIDE(s, wide)                                                \
    {                                                                    \
        (wide) ? (uint64_t)(s).u.gmfn : (s).u.ref, (s).domid, (s).offset \
    }
    if (a->compat)
        *dst = (struct gnt_copy){ GNT_SIDE(u.c.source, !(u.c.flags & GNTCOPY_source_gref)),
                                  GNT_SIDE(u.c.dest, !(u.c.flags & GNTCOPY_dest_gref)), u.c.len,
                                  u.c.flags };
    else
        *dst = (struct gnt_copy){ GNT_SIDE(u.n.source, !(u.n.flags & GNTCOPY_source_gref)),
                                  GNT_SIDE(u.n.dest, !(u.n.flags & GNTCOPY_dest_gref)), u.n.len,
                                  u.n.flags };
#undef GNT_SIDE
    return 0;
}

/* Write-backs (common/compat/grant_table.c): 0 or -EFAULT. */
int xlat_gnttab_frame_out(struct vcpu *v, const struct hypercall_args *a, uint64_t list, uint32_t i,
                          uint64_t gfn);
int xlat_gnttab_copy_status_out(struct vcpu *v, const struct hypercall_args *a, uint64_t arg,
                                int16_t status);

#endif
