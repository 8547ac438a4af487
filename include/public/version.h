/*
 * Mica's guest ABI: HYPERVISOR_xen_version(cmd, arg)
 * (mirrors xen/include/public/version.h). String results are fixed-size
 * char arrays, NUL-terminated and zero-padded to the full size.
 */
#ifndef MICA_PUBLIC_VERSION_H
#define MICA_PUBLIC_VERSION_H

#include "xen.h"

/* arg == NULL; returns major << XENVER_MAJOR_SHIFT | minor. */
#define XENVER_version      0
#define XENVER_MAJOR_SHIFT  16

/* arg == xen_extraversion_t. */
#define XENVER_extraversion 1
typedef char xen_extraversion_t[16];
#define XEN_EXTRAVERSION_LEN (sizeof(xen_extraversion_t))

/* arg == struct xen_compile_info (mirrors version.h). */
#define XENVER_compile_info 2
struct xen_compile_info {
    char compiler[64];
    char compile_by[16];
    char compile_domain[32];
    char compile_date[32];
};
typedef struct xen_compile_info xen_compile_info_t;
_Static_assert(sizeof(struct xen_compile_info) == 144, "xen_compile_info is 144 bytes");

/* arg == xen_capabilities_info_t, e.g. "xen-3.0-x86_64 hvm-3.0-x86_32 ...". */
#define XENVER_capabilities 3
typedef char xen_capabilities_info_t[1024];
#define XEN_CAPABILITIES_INFO_LEN (sizeof(xen_capabilities_info_t))

/* arg == xen_changeset_info_t. */
#define XENVER_changeset 4
typedef char xen_changeset_info_t[64];
#define XEN_CHANGESET_INFO_LEN (sizeof(xen_changeset_info_t))

/* arg == struct xen_platform_parameters (xen_ulong_t virt_start). */
#define XENVER_platform_parameters 5
struct xen_platform_parameters {
    xen_ulong_t virt_start;
};

/* arg == struct xen_feature_info; submap_idx selects a 32-bit feature word. */
#define XENVER_get_features 6
struct xen_feature_info {
    uint32_t submap_idx;    /* IN: which 32-bit submap to return */
    uint32_t submap;        /* OUT: 32-bit submap */
};
typedef struct xen_feature_info xen_feature_info_t;
_Static_assert(sizeof(struct xen_feature_info) == 8, "xen_feature_info is 8 bytes");
#define XENFEAT_NR_SUBMAPS 1    /* features.h: number of valid submap indices */
/* Feature bits of submap 0 (features.h, XENFEAT_*). */
#define XENFEAT_writable_page_tables    0   /* page tables are written directly */
#define XENFEAT_auto_translated_physmap 2   /* the guest's physmap is translated */
#define XENFEAT_hvm_callback_vector     8   /* HVM_PARAM_CALLBACK_IRQ vector type */
#define XENFEAT_hvm_safe_pvclock        9   /* vcpu_time_info is safe to use */
#define XENFEAT_dom0                    11  /* the hardware domain */
#define XENFEAT_not_direct_mapped       16  /* gfn != mfn (every x86 domain) */

/* arg == NULL; returns the host's page size. */
#define XENVER_pagesize 7

/* arg == xen_domain_handle_t (16 bytes). */
#define XENVER_guest_handle 8

/* arg == xen_commandline_t. */
#define XENVER_commandline 9
typedef char xen_commandline_t[1024];

/* arg == struct xen_build_id { uint32_t len; unsigned char buf[]; }. */
#define XENVER_build_id 10

#endif /* MICA_PUBLIC_VERSION_H */
