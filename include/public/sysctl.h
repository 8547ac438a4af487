/*
 * sysctl (hypercall 35): a control domain asks about the machine. Mirrors
 * Xen's struct xen_sysctl (xen/include/public/sysctl.h, Xen 4.17: interface
 * version 0x15): an 8-byte header and a 128-byte union. Mica implements
 * XEN_SYSCTL_physinfo; other commands: -ENOSYS.
 */
#ifndef MICA_PUBLIC_SYSCTL_H
#define MICA_PUBLIC_SYSCTL_H

#include "domctl.h" /* uint64_aligned_t */

#define XEN_SYSCTL_INTERFACE_VERSION 0x00000015

#define XEN_SYSCTL_physinfo 3

/* physinfo's capabilities: what the hypervisor offers its guests. */
#define XEN_SYSCTL_PHYSCAP_hvm                (1u << 0)
#define XEN_SYSCTL_PHYSCAP_pv                 (1u << 1)
#define XEN_SYSCTL_PHYSCAP_directio           (1u << 2) /* devices through an IOMMU */
#define XEN_SYSCTL_PHYSCAP_hap                (1u << 3) /* hardware-assisted paging */
#define XEN_SYSCTL_PHYSCAP_shadow             (1u << 4)
#define XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share (1u << 5)
#define XEN_SYSCTL_PHYSCAP_vmtrace            (1u << 6)
#define XEN_SYSCTL_PHYSCAP_vpmu               (1u << 7)
#define XEN_SYSCTL_PHYSCAP_gnttab_v1          (1u << 8)
#define XEN_SYSCTL_PHYSCAP_gnttab_v2          (1u << 9)

struct xen_sysctl_physinfo {
    uint32_t threads_per_core;      /* 0 */
    uint32_t cores_per_socket;      /* 4 */
    uint32_t nr_cpus;               /* 8: CPUs online */
    uint32_t max_cpu_id;            /* 12 */
    uint32_t nr_nodes;              /* 16: NUMA nodes online */
    uint32_t max_node_id;           /* 20 */
    uint32_t cpu_khz;               /* 24 */
    uint32_t capabilities;          /* 28: XEN_SYSCTL_PHYSCAP_* */
    uint32_t arch_capabilities;     /* 32: XEN_SYSCTL_PHYSCAP_X86_* */
    uint32_t pad;
    uint64_aligned_t total_pages;   /* 40: the RAM the hypervisor manages */
    uint64_aligned_t free_pages;    /* 48: of it, free now */
    uint64_aligned_t scrub_pages;   /* 56: freed, not yet scrubbed */
    uint64_aligned_t outstanding_pages; /* 64: claimed, not yet allocated */
    uint64_aligned_t max_mfn;       /* 72: the largest machine frame number */
    uint32_t hw_cap[8];             /* 80: the CPU's feature words */
};
_Static_assert(sizeof(struct xen_sysctl_physinfo) == 112, "physinfo is 112 bytes");

struct xen_sysctl {
    uint32_t cmd;
    uint32_t interface_version;     /* XEN_SYSCTL_INTERFACE_VERSION */
    union {
        struct xen_sysctl_physinfo physinfo;
        uint8_t pad[128];
    } u;
};
_Static_assert(sizeof(struct xen_sysctl) == 136, "xen_sysctl is 136 bytes");

#endif
