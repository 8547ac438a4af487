/*
 * domctl (hypercall 36): a control domain acts on another domain. Mirrors
 * Xen's struct xen_domctl (xen/include/public/domctl.h, Xen 4.17: interface
 * version 0x15): a 16-byte header and a 128-byte union of per-command
 * arguments. Mica implements the commands a domain builder needs below;
 * other commands: -ENOSYS.
 */
#ifndef MICA_PUBLIC_DOMCTL_H
#define MICA_PUBLIC_DOMCTL_H

#include "xen.h"

#define XEN_DOMCTL_INTERFACE_VERSION 0x00000015

#define XEN_DOMCTL_destroydomain  2
#define XEN_DOMCTL_pausedomain    3
#define XEN_DOMCTL_unpausedomain  4
#define XEN_DOMCTL_getdomaininfo  5

struct xen_domctl_header {
    uint32_t cmd;
    uint32_t interface_version;     /* XEN_DOMCTL_INTERFACE_VERSION */
    domid_t domain;
    uint16_t pad[3];
    /* followed in Xen by a union of per-command arguments */
};

_Static_assert(sizeof(struct xen_domctl_header) == 16, "domctl header is 16 bytes");

/* XEN_DOMCTL_set_virq_handler: the domain named in the header becomes the
 * handler of global VIRQ `virq` (its payload follows the 16-byte header). */
#define XEN_DOMCTL_set_virq_handler 66
struct xen_domctl_set_virq_handler {
    uint32_t virq;
};

/* XEN_DOMCTL_getdomaininfo: the first domain whose id is >= the header's
 * domain (echoed back in the header's domain). */
#define XEN_DOMINF_dying     (1u << 0)
#define XEN_DOMINF_hvm_guest (1u << 1)   /* HVM, and so PVH, guests */
#define XEN_DOMINF_shutdown  (1u << 2)
#define XEN_DOMINF_paused    (1u << 3)
#define XEN_DOMINF_blocked   (1u << 4)
#define XEN_DOMINF_running   (1u << 5)
#define XEN_DOMINF_debugged  (1u << 6)
#define XEN_DOMINF_xs_domain (1u << 7)   /* the xenstore domain */
#define XEN_DOMINF_hap       (1u << 8)   /* hardware-assisted paging (NPT) */
#define XEN_DOMINF_shutdownshift 16      /* the SHUTDOWN_* reason, 8 bits */
#define XEN_DOMINF_shutdownmask  255

struct xen_domctl_getdomaininfo {
    domid_t domain;                 /* 0 */
    uint16_t pad1;
    uint32_t flags;                 /* 4: XEN_DOMINF_* */
    uint64_t tot_pages;             /* 8 */
    uint64_t max_pages;             /* 16 */
    uint64_t outstanding_pages;     /* 24 */
    uint64_t shr_pages;             /* 32 */
    uint64_t paged_pages;           /* 40 */
    uint64_t shared_info_frame;     /* 48: gfn of shared_info */
    uint64_t cpu_time;              /* 56: ns */
    uint32_t nr_online_vcpus;       /* 64 */
    uint32_t max_vcpu_id;           /* 68 */
    uint32_t ssidref;               /* 72 */
    uint8_t handle[16];             /* 76: xen_domain_handle_t */
    uint32_t cpupool;               /* 92 */
    uint8_t gpaddr_bits;            /* 96: guest-physical address bits */
    uint8_t pad2[7];
    uint32_t arch_emulation_flags;  /* 104: struct xen_arch_domainconfig (x86) */
    uint32_t arch_misc_flags;       /* 108 */
};
_Static_assert(sizeof(struct xen_domctl_getdomaininfo) == 112, "getdomaininfo is 112 bytes");
/* arch_emulation_flags (arch-x86/xen.h): what Xen emulates for the domain;
 * a PVH domain has the local APIC and nothing else. */
#define XEN_X86_EMU_LAPIC (1u << 0)

/* The whole argument: header and union (Xen's struct xen_domctl). */
#define XEN_DOMCTL_PAYLOAD_SIZE 128
struct xen_domctl {
    struct xen_domctl_header h;
    union {
        struct xen_domctl_getdomaininfo getdomaininfo;
        struct xen_domctl_set_virq_handler set_virq_handler;
        uint8_t pad[XEN_DOMCTL_PAYLOAD_SIZE];
    } u;
};
_Static_assert(sizeof(struct xen_domctl) == 144, "xen_domctl is 144 bytes");

#endif
