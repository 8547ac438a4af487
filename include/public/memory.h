/*
 * Mica's guest ABI: HYPERVISOR_memory_op(cmd, arg)
 * (mirrors xen/include/public/memory.h).
 *
 * Each struct comes twice where the ABIs differ: `struct xen_X` is the native
 * layout (64-bit in Mica and 64-bit guests; in a 32-bit guest build it
 * naturally has the compat layout), `struct compat_X` is what a 32-bit guest
 * passes, which Mica reads when the caller is in 32-bit mode. Offsets are
 * asserted below against docs/xen-abi.md ("memory_op").
 */
#ifndef MICA_PUBLIC_MEMORY_H
#define MICA_PUBLIC_MEMORY_H

#include "xen.h"

/* --- Sub-commands. cmd's low MEMOP_EXTENT_SHIFT bits are the command; the
 * bits above carry the extent to restart from in a continuation. ----------- */
#define XENMEM_increase_reservation   0
#define XENMEM_decrease_reservation   1
#define XENMEM_maximum_ram_page       2
#define XENMEM_current_reservation    3
#define XENMEM_maximum_reservation    4
#define XENMEM_machphys_mfn_list      5
#define XENMEM_populate_physmap       6
#define XENMEM_add_to_physmap         7
#define XENMEM_memory_map             9
#define XENMEM_machine_memory_map    10
#define XENMEM_exchange              11
#define XENMEM_machphys_mapping      12
#define XENMEM_set_memory_map        13
#define XENMEM_maximum_gpfn          14
#define XENMEM_remove_from_physmap   15
#define XENMEM_set_pod_target        16
#define XENMEM_get_pod_target        17
#define XENMEM_add_to_physmap_batch  23
#define XENMEM_claim_pages           24
#define XENMEM_machphys_compat_mfn_list 25
#define XENMEM_get_vnumainfo         26
#define XENMEM_reserved_device_memory_map 27
#define XENMEM_acquire_resource      28

#define MEMOP_EXTENT_SHIFT  6
#define MEMOP_CMD_MASK      ((1u << MEMOP_EXTENT_SHIFT) - 1)

/* mem_flags of xen_memory_reservation (memory.h, XENMEMF_*). */
#define XENMEMF_address_bits(x)      (x)
#define XENMEMF_get_address_bits(x)  ((x) & 0xffu)
#define XENMEMF_node(x)              (((x) + 1) << 8)
#define XENMEMF_get_node(x)          ((((x) >> 8) - 1) & 0xffu)
#define XENMEMF_populate_on_demand   (1u << 16)
#define XENMEMF_exact_node_request   (1u << 17)
#define XENMEMF_vnode                (1u << 18)

/* Address spaces for add_to_physmap (memory.h, XENMAPSPACE_*). */
#define XENMAPSPACE_shared_info   0   /* shared info page */
#define XENMAPSPACE_grant_table   1   /* grant table page */
#define XENMAPSPACE_gmfn          2   /* GMFN */
#define XENMAPSPACE_gmfn_range    3   /* GMFN range, add_to_physmap only */
#define XENMAPSPACE_gmfn_foreign  4   /* GMFN from another domain, batch only */
#define XENMAPSPACE_dev_mmio      5   /* device mmio region (Arm) */
#define XENMAPIDX_grant_table_status 0x80000000u

/* --- increase/decrease_reservation, populate_physmap, exchange halves.
 * Mirrors memory.h struct xen_memory_reservation. ----------------------- */
struct xen_memory_reservation {
    XEN_GUEST_HANDLE(xen_pfn_t) extent_start; /* IN/OUT: array of GMFNs */
    xen_ulong_t nr_extents;                   /* IN: number of extents */
    uint32_t    extent_order;                 /* IN: 2^order pages per extent */
    uint32_t    mem_flags;                    /* IN: XENMEMF_* */
    domid_t     domid;                        /* IN: usually DOMID_SELF */
};
typedef struct xen_memory_reservation xen_memory_reservation_t;

struct compat_memory_reservation {
    compat_handle_t extent_start;
    compat_ulong_t  nr_extents;
    uint32_t        extent_order;
    uint32_t        mem_flags;
    domid_t         domid;
};

/* --- add_to_physmap. Mirrors memory.h struct xen_add_to_physmap. -------- */
struct xen_add_to_physmap {
    domid_t     domid;      /* which domain to change the mapping for */
    uint16_t    size;       /* number of pages for XENMAPSPACE_gmfn_range */
    uint32_t    space;      /* XENMAPSPACE_* */
    xen_ulong_t idx;        /* index into space being mapped */
    xen_pfn_t   gpfn;       /* GPFN in domid where the source is mapped */
};
typedef struct xen_add_to_physmap xen_add_to_physmap_t;

struct compat_add_to_physmap {
    domid_t        domid;
    uint16_t       size;
    uint32_t       space;
    compat_ulong_t idx;
    compat_pfn_t   gpfn;
};

/* --- add_to_physmap_batch. Mirrors memory.h struct xen_add_to_physmap_batch. */
struct xen_add_to_physmap_batch {
    domid_t  domid;         /* which domain to change the mapping for */
    uint16_t space;         /* XENMAPSPACE_* */
    uint16_t size;          /* number of pages */
    union {
        domid_t  foreign_domid;  /* for XENMAPSPACE_gmfn_foreign */
        uint16_t res0;           /* all other spaces: must be zero */
    } u;
    XEN_GUEST_HANDLE(xen_ulong_t) idxs;   /* IN: indexes into space */
    XEN_GUEST_HANDLE(xen_pfn_t)   gpfns;  /* IN: GPFNs to map at */
    XEN_GUEST_HANDLE(int)         errs;   /* OUT: per-page error codes */
};
typedef struct xen_add_to_physmap_batch xen_add_to_physmap_batch_t;

struct compat_add_to_physmap_batch {
    domid_t  domid;
    uint16_t space;
    uint16_t size;
    union {
        domid_t  foreign_domid;
        uint16_t res0;
    } u;
    compat_handle_t idxs;
    compat_handle_t gpfns;
    compat_handle_t errs;
};

/* --- remove_from_physmap. Mirrors memory.h struct xen_remove_from_physmap. */
struct xen_remove_from_physmap {
    domid_t   domid;        /* which domain to change the mapping for */
    xen_pfn_t gpfn;         /* GPFN of the current mapping of the page */
};
typedef struct xen_remove_from_physmap xen_remove_from_physmap_t;

struct compat_remove_from_physmap {
    domid_t      domid;
    compat_pfn_t gpfn;
};

/* --- memory_map / machine_memory_map / set_memory_map: an E820-style table.
 * Mirrors memory.h struct xen_memory_map. -------------------------------- */
struct xen_memory_map {
    uint32_t nr_entries;               /* IN: array size; OUT: entries written */
    XEN_GUEST_HANDLE(void) buffer;     /* array of struct e820entry-like records */
};
typedef struct xen_memory_map xen_memory_map_t;

/* One entry of the XENMEM_memory_map buffer: the BIOS E820 record, packed to
 * 20 bytes (Xen's x86 struct e820entry; type 1 RAM, 2 reserved, ...). */
struct xen_e820_entry {
    uint64_t addr;
    uint64_t size;
    uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct xen_e820_entry) == 20, "e820 entry is 20 bytes");

/* xen_e820_entry types (the BIOS E820 / ACPI numbering). */
#define XEN_E820_RAM       1
#define XEN_E820_RESERVED  2

struct compat_memory_map {
    uint32_t        nr_entries;
    compat_handle_t buffer;
};

/* --- Layout checks (docs/xen-abi.md, "Layouts"). ----------------- */
#define MICA_OFF(t, f) __builtin_offsetof(struct t, f)

/* 32-bit (compat) layouts: the same on every build. */
_Static_assert(sizeof(struct compat_memory_reservation) == 20, "compat reservation size");
_Static_assert(MICA_OFF(compat_memory_reservation, nr_extents) == 4, "compat nr_extents");
_Static_assert(MICA_OFF(compat_memory_reservation, extent_order) == 8, "compat extent_order");
_Static_assert(MICA_OFF(compat_memory_reservation, mem_flags) == 12, "compat mem_flags");
_Static_assert(MICA_OFF(compat_memory_reservation, domid) == 16, "compat domid");
_Static_assert(sizeof(struct compat_add_to_physmap) == 16, "compat add_to_physmap size");
_Static_assert(MICA_OFF(compat_add_to_physmap, size) == 2, "compat size");
_Static_assert(MICA_OFF(compat_add_to_physmap, space) == 4, "compat space");
_Static_assert(MICA_OFF(compat_add_to_physmap, idx) == 8, "compat idx");
_Static_assert(MICA_OFF(compat_add_to_physmap, gpfn) == 12, "compat gpfn");
_Static_assert(sizeof(struct compat_remove_from_physmap) == 8, "compat remove size");
_Static_assert(MICA_OFF(compat_remove_from_physmap, gpfn) == 4, "compat remove gpfn");
_Static_assert(sizeof(struct compat_add_to_physmap_batch) == 20, "compat batch size");
_Static_assert(MICA_OFF(compat_add_to_physmap_batch, u) == 6, "compat batch u");
_Static_assert(MICA_OFF(compat_add_to_physmap_batch, idxs) == 8, "compat batch idxs");
_Static_assert(MICA_OFF(compat_add_to_physmap_batch, gpfns) == 12, "compat batch gpfns");
_Static_assert(MICA_OFF(compat_add_to_physmap_batch, errs) == 16, "compat batch errs");
_Static_assert(sizeof(struct compat_memory_map) == 8, "compat memory_map size");
_Static_assert(MICA_OFF(compat_memory_map, buffer) == 4, "compat memory_map buffer");

#if defined(__x86_64__)
/* 64-bit layouts. */
_Static_assert(sizeof(struct xen_memory_reservation) == 32, "reservation size");
_Static_assert(MICA_OFF(xen_memory_reservation, nr_extents) == 8, "nr_extents");
_Static_assert(MICA_OFF(xen_memory_reservation, extent_order) == 16, "extent_order");
_Static_assert(MICA_OFF(xen_memory_reservation, mem_flags) == 20, "mem_flags");
_Static_assert(MICA_OFF(xen_memory_reservation, domid) == 24, "domid");
_Static_assert(sizeof(struct xen_add_to_physmap) == 24, "add_to_physmap size");
_Static_assert(MICA_OFF(xen_add_to_physmap, space) == 4, "space");
_Static_assert(MICA_OFF(xen_add_to_physmap, idx) == 8, "idx");
_Static_assert(MICA_OFF(xen_add_to_physmap, gpfn) == 16, "gpfn");
_Static_assert(sizeof(struct xen_remove_from_physmap) == 16, "remove size");
_Static_assert(MICA_OFF(xen_remove_from_physmap, gpfn) == 8, "remove gpfn");
_Static_assert(sizeof(struct xen_add_to_physmap_batch) == 32, "batch size");
_Static_assert(MICA_OFF(xen_add_to_physmap_batch, idxs) == 8, "batch idxs");
_Static_assert(MICA_OFF(xen_add_to_physmap_batch, gpfns) == 16, "batch gpfns");
_Static_assert(MICA_OFF(xen_add_to_physmap_batch, errs) == 24, "batch errs");
_Static_assert(sizeof(struct xen_memory_map) == 16, "memory_map size");
_Static_assert(MICA_OFF(xen_memory_map, buffer) == 8, "memory_map buffer");
#elif defined(__i386__)
/* In a 32-bit build the native structs are the compat layouts. */
_Static_assert(sizeof(struct xen_memory_reservation) == sizeof(struct compat_memory_reservation), "");
_Static_assert(sizeof(struct xen_add_to_physmap) == sizeof(struct compat_add_to_physmap), "");
_Static_assert(sizeof(struct xen_remove_from_physmap) == sizeof(struct compat_remove_from_physmap), "");
_Static_assert(sizeof(struct xen_add_to_physmap_batch) == sizeof(struct compat_add_to_physmap_batch), "");
_Static_assert(sizeof(struct xen_memory_map) == sizeof(struct compat_memory_map), "");
#endif
#undef MICA_OFF

#endif /* MICA_PUBLIC_MEMORY_H */
