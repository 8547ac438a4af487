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

#define XEN_DOMCTL_createdomain   1
#define XEN_DOMCTL_destroydomain  2
#define XEN_DOMCTL_pausedomain    3
#define XEN_DOMCTL_unpausedomain  4
#define XEN_DOMCTL_getdomaininfo  5
#define XEN_DOMCTL_max_mem        11
#define XEN_DOMCTL_setvcpucontext 12
#define XEN_DOMCTL_max_vcpus      15

/* A 64-bit field 8-byte aligned for a 32-bit caller too (Xen's
 * uint64_aligned_t): the domctl structures have one layout for both. */
typedef uint64_t uint64_aligned_t __attribute__((aligned(8)));

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

/*
 * XEN_DOMCTL_createdomain: a new domain, paused until its first
 * XEN_DOMCTL_unpausedomain. The header's domain is IN/OUT: 1 ..
 * DOMID_FIRST_RESERVED-1 asks for that domid, 0 or a reserved one for any
 * free domid (never 0); the domid given is written back there.
 */
#define XEN_DOMCTL_CDF_hvm          (1u << 0) /* an HVM guest (PVH is one) */
#define XEN_DOMCTL_CDF_hap          (1u << 1) /* hardware-assisted paging */
#define XEN_DOMCTL_CDF_s3_integrity (1u << 2) /* tboot's S3 memory integrity */
#define XEN_DOMCTL_CDF_oos_off      (1u << 3) /* shadow paging: no out-of-sync tables */
#define XEN_DOMCTL_CDF_xs_domain    (1u << 4) /* the xenstore domain */
#define XEN_DOMCTL_CDF_iommu        (1u << 5) /* may use the IOMMU */
#define XEN_DOMCTL_CDF_nested_virt  (1u << 6) /* nested virtualization */
#define XEN_DOMCTL_CDF_vpmu         (1u << 7) /* a virtual PMU */
#define XEN_DOMCTL_CDF_MAX          XEN_DOMCTL_CDF_vpmu

#define XEN_DOMCTL_GRANT_version_mask 0xf     /* grant_opts: the grant table version */

/* struct xen_arch_domainconfig (arch-x86/xen.h): what Xen emulates for the
 * domain (XEN_X86_EMU_*: a PVH domain has the local APIC alone, an HVM one
 * all but VPCI and USE_PIRQ optional) and MSR policy. */
#define XEN_X86_EMU_ALL   0x7FFu              /* bits 0-10: LAPIC .. VPCI */
#define XEN_X86_MSR_RELAXED (1u << 0)         /* misc_flags: unknown MSRs read 0 */
struct xen_arch_domainconfig {
    uint32_t emulation_flags;
    uint32_t misc_flags;
};

struct xen_domctl_createdomain {
    uint32_t ssidref;               /* 0: XSM's label (FLASK: a SID) */
    uint8_t handle[16];             /* xen_domain_handle_t: the toolstack's UUID */
    uint32_t flags;                 /* 20: XEN_DOMCTL_CDF_* */
    uint32_t iommu_opts;            /* 24: XEN_DOMCTL_IOMMU_*, with CDF_iommu only */
    uint32_t max_vcpus;             /* 28 */
    uint32_t max_evtchn_port;       /* 32 */
    int32_t max_grant_frames;       /* 36: < 0 the default */
    int32_t max_maptrack_frames;    /* 40: < 0 the default */
    uint32_t grant_opts;            /* 44: XEN_DOMCTL_GRANT_version_mask */
    uint32_t vmtrace_size;          /* 48: per-vCPU trace buffer, 0 none */
    uint32_t cpupool_id;            /* 52 */
    struct xen_arch_domainconfig arch; /* 56 */
};
_Static_assert(sizeof(struct xen_domctl_createdomain) == 64, "createdomain is 64 bytes");

/* XEN_DOMCTL_max_mem: the most memory the domain may own, in KiB. */
struct xen_domctl_max_mem {
    uint64_aligned_t max_memkb;
};

/*
 * XEN_DOMCTL_setvcpucontext: vCPU `vcpu` of the domain gets the register
 * state `ctxt` points to. Mica: ctxt points to a struct vcpu_hvm_context
 * (public/hvm/hvm_vcpu.h, VCPUOP_initialise's), not to Xen's
 * vcpu_guest_context, whose HVM use sets the general registers only (Xen's
 * toolstack starts a PVH vCPU with XEN_DOMCTL_sethvmcontext's CPU record).
 * A null ctxt resets the vCPU: it has no start state any more.
 */
struct xen_domctl_vcpucontext {
    uint32_t vcpu;
    uint32_t pad;
    uint64_aligned_t ctxt;          /* guest pointer (XEN_GUEST_HANDLE_64) */
};
_Static_assert(sizeof(struct xen_domctl_vcpucontext) == 16, "vcpucontext is 16 bytes");

/* XEN_DOMCTL_max_vcpus: in Xen 4.17 it must repeat createdomain's
 * max_vcpus (it allocates the vCPUs there); Mica has allocated them at
 * createdomain, and only checks the number. */
struct xen_domctl_max_vcpus {
    uint32_t max;
};

/* The whole argument: header and union (Xen's struct xen_domctl). */
#define XEN_DOMCTL_PAYLOAD_SIZE 128
struct xen_domctl {
    struct xen_domctl_header h;
    union {
        struct xen_domctl_createdomain createdomain;
        struct xen_domctl_getdomaininfo getdomaininfo;
        struct xen_domctl_max_mem max_mem;
        struct xen_domctl_vcpucontext vcpucontext;
        struct xen_domctl_max_vcpus max_vcpus;
        struct xen_domctl_set_virq_handler set_virq_handler;
        uint8_t pad[XEN_DOMCTL_PAYLOAD_SIZE];
    } u;
};
_Static_assert(sizeof(struct xen_domctl) == 144, "xen_domctl is 144 bytes");

#endif
