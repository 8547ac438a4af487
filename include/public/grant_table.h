/*
 * Mica's guest ABI: HYPERVISOR_grant_table_op(cmd, uop, count), grant table v1
 * (mirrors the numbers and layouts of xen/include/public/grant_table.h).
 *
 * Where a structure differs for a 32-bit guest (setup_table's frame list,
 * copy's gmfn), `struct compat_X` is that layout; in a 32-bit guest build the
 * native `struct gnttab_X` naturally has it. Offsets are asserted below.
 */
#ifndef MICA_PUBLIC_GRANT_TABLE_H
#define MICA_PUBLIC_GRANT_TABLE_H

#include "xen.h"

typedef uint32_t grant_ref_t;
typedef uint32_t grant_handle_t;

/* --- A v1 grant entry: 8 bytes, 512 per 4 KiB grant frame. The granting
 * guest writes domid and frame, then (after a barrier) flags. ------------- */
struct grant_entry_v1 {
    uint16_t flags; /* GTF_*: type and flags [guest and hypervisor]      */
    domid_t domid;  /* the domain allowed to use the entry [guest]       */
    uint32_t frame; /* the granted frame (a gfn of the granter) [guest] */
};
#define GRANT_ENTRIES_PER_FRAME (4096 / sizeof(struct grant_entry_v1))

/* Entry types (flags & GTF_type_mask). */
#define GTF_invalid         (0u << 0)
#define GTF_permit_access   (1u << 0)
#define GTF_accept_transfer (2u << 0)
#define GTF_transitive      (3u << 0)
#define GTF_type_mask       (3u << 0)
/* Sub-flags of GTF_permit_access. */
#define GTF_readonly        (1u << 2) /* [guest] only read-only use        */
#define GTF_reading         (1u << 3) /* [hypervisor] mapped or copied from */
#define GTF_writing         (1u << 4) /* [hypervisor] mapped or copied to   */
#define GTF_PWT             (1u << 5)
#define GTF_PCD             (1u << 6)
#define GTF_PAT             (1u << 7)
#define GTF_sub_page        (1u << 8) /* v2 only: a subrange, copy only     */

/* Refs the toolstack reserves (GNTTAB_RESERVED_*). */
#define GNTTAB_RESERVED_CONSOLE  0
#define GNTTAB_RESERVED_XENSTORE 1

/* --- Commands. ------------------------------------------------------------- */
#define GNTTABOP_map_grant_ref        0
#define GNTTABOP_unmap_grant_ref      1
#define GNTTABOP_setup_table          2
#define GNTTABOP_dump_table           3
#define GNTTABOP_transfer             4
#define GNTTABOP_copy                 5
#define GNTTABOP_query_size           6
#define GNTTABOP_unmap_and_replace    7
#define GNTTABOP_set_version          8
#define GNTTABOP_get_status_frames    9
#define GNTTABOP_get_version          10
#define GNTTABOP_swap_grant_ref       11
#define GNTTABOP_cache_flush          12
/* cmd's low 12 bits are the command; the bits above are Xen's own
 * continuation argument (GNTTABOP_CONTINUATION_ARG_SHIFT). */
#define GNTTABOP_CMD_MASK             0xfffu

/* GNTMAP_* (map_grant_ref flags). */
#define GNTMAP_device_map       (1u << 0)
#define GNTMAP_host_map         (1u << 1)
#define GNTMAP_readonly         (1u << 2)
#define GNTMAP_application_map  (1u << 3)
#define GNTMAP_contains_pte     (1u << 4)
#define GNTMAP_can_fail         (1u << 5)

/* GNTCOPY_* (copy flags). */
#define GNTCOPY_source_gref     (1u << 0)
#define GNTCOPY_dest_gref       (1u << 1)
#define GNTCOPY_can_fail        (1u << 2)

/* GNTST_*: each operation's status (the hypercall itself returns 0). */
#define GNTST_okay               0
#define GNTST_general_error     (-1)
#define GNTST_bad_domain        (-2)
#define GNTST_bad_gntref        (-3)
#define GNTST_bad_handle        (-4)
#define GNTST_bad_virt_addr     (-5)
#define GNTST_bad_dev_addr      (-6)
#define GNTST_no_device_space   (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page          (-9)
#define GNTST_bad_copy_arg      (-10)
#define GNTST_address_too_big   (-11)
#define GNTST_eagain            (-12)

/* --- Operation structures. ---------------------------------------------- */
struct gnttab_map_grant_ref {
    uint64_t host_addr; /* IN: translated guests: a guest-physical address */
    uint32_t flags;     /* IN: GNTMAP_* */
    grant_ref_t ref;    /* IN */
    domid_t dom;        /* IN: the granting domain */
    int16_t status;     /* OUT: GNTST_* */
    grant_handle_t handle; /* OUT */
    uint64_t dev_bus_addr; /* OUT */
};

struct gnttab_unmap_grant_ref {
    uint64_t host_addr;    /* IN */
    uint64_t dev_bus_addr; /* IN */
    grant_handle_t handle; /* IN */
    int16_t status;        /* OUT */
};

struct gnttab_setup_table {
    domid_t dom;                          /* IN */
    uint32_t nr_frames;                   /* IN */
    int16_t status;                       /* OUT */
    XEN_GUEST_HANDLE(xen_ulong_t) frame_list; /* OUT: nr_frames entries */
};
struct compat_gnttab_setup_table {
    domid_t dom;
    uint32_t nr_frames;
    int16_t status;
    compat_handle_t frame_list; /* compat_ulong_t entries */
};

struct gnttab_copy_ptr {
    union {
        grant_ref_t ref;
        xen_pfn_t gmfn;
    } u;
    domid_t domid;
    uint16_t offset;
};
struct gnttab_copy {
    struct gnttab_copy_ptr source, dest; /* IN */
    uint16_t len;                        /* IN */
    uint16_t flags;                      /* IN: GNTCOPY_* */
    int16_t status;                      /* OUT */
};
struct compat_gnttab_copy_ptr {
    union {
        grant_ref_t ref;
        compat_pfn_t gmfn;
    } u;
    domid_t domid;
    uint16_t offset;
};
struct compat_gnttab_copy {
    struct compat_gnttab_copy_ptr source, dest;
    uint16_t len;
    uint16_t flags;
    int16_t status;
};

struct gnttab_query_size {
    domid_t dom;            /* IN */
    uint32_t nr_frames;     /* OUT */
    uint32_t max_nr_frames; /* OUT */
    int16_t status;         /* OUT */
};

struct gnttab_set_version {
    uint32_t version; /* IN/OUT */
};

struct gnttab_get_version {
    domid_t dom;      /* IN */
    uint16_t pad;
    uint32_t version; /* OUT */
};

/* --- Layout checks (docs/xen-abi.md, "Grant tables"). ---------------------- */
#define MICA_GNT_OFF(t, f) __builtin_offsetof(struct t, f)
_Static_assert(sizeof(struct grant_entry_v1) == 8, "grant entry v1 is 8 bytes");
_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32, "map_grant_ref size");
_Static_assert(MICA_GNT_OFF(gnttab_map_grant_ref, ref) == 12, "map ref");
_Static_assert(MICA_GNT_OFF(gnttab_map_grant_ref, dom) == 16, "map dom");
_Static_assert(MICA_GNT_OFF(gnttab_map_grant_ref, status) == 18, "map status");
_Static_assert(MICA_GNT_OFF(gnttab_map_grant_ref, handle) == 20, "map handle");
_Static_assert(MICA_GNT_OFF(gnttab_map_grant_ref, dev_bus_addr) == 24, "map dev_bus_addr");
_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24, "unmap_grant_ref size");
_Static_assert(MICA_GNT_OFF(gnttab_unmap_grant_ref, handle) == 16, "unmap handle");
_Static_assert(MICA_GNT_OFF(gnttab_unmap_grant_ref, status) == 20, "unmap status");
_Static_assert(sizeof(struct gnttab_query_size) == 16, "query_size size");
_Static_assert(MICA_GNT_OFF(gnttab_query_size, status) == 12, "query_size status");
_Static_assert(sizeof(struct gnttab_get_version) == 8, "get_version size");
_Static_assert(sizeof(struct compat_gnttab_setup_table) == 16, "compat setup_table size");
_Static_assert(MICA_GNT_OFF(compat_gnttab_setup_table, frame_list) == 12, "compat frame_list");
_Static_assert(sizeof(struct compat_gnttab_copy) == 24, "compat copy size");
_Static_assert(MICA_GNT_OFF(compat_gnttab_copy, dest) == 8, "compat copy dest");
_Static_assert(MICA_GNT_OFF(compat_gnttab_copy, status) == 20, "compat copy status");
#if defined(__x86_64__)
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "setup_table size");
_Static_assert(MICA_GNT_OFF(gnttab_setup_table, frame_list) == 16, "setup frame_list");
_Static_assert(sizeof(struct gnttab_copy) == 40, "copy size");
_Static_assert(MICA_GNT_OFF(gnttab_copy, dest) == 16, "copy dest");
_Static_assert(MICA_GNT_OFF(gnttab_copy, len) == 32, "copy len");
_Static_assert(MICA_GNT_OFF(gnttab_copy, status) == 36, "copy status");
#endif

#endif /* MICA_PUBLIC_GRANT_TABLE_H */
