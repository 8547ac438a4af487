/*
 * Mica's guest ABI: the core of Xen's public interface (x86).
 *
 * Mirrors xen/include/public/xen.h and arch-x86/xen.h: hypercall numbers,
 * domain ids, the guest-handle convention, console_io commands and start_info
 * flags. Numbers and layouts are facts of Xen's ABI (docs/xen-abi.md);
 * a guest built against Xen's headers must see exactly the same values here.
 *
 * Usable from Mica (freestanding, 64-bit, -mcmodel=kernel) and from guests
 * built for 64-bit or 32-bit: only <stdint.h>, fixed-width or pointer-sized
 * types. Where the 32-bit ("compat") layout differs from the 64-bit one, the
 * 64-bit struct is `struct xen_X` and the 32-bit one `struct compat_X`; in a
 * 32-bit build the native struct already has the compat layout.
 */
#ifndef MICA_PUBLIC_XEN_H
#define MICA_PUBLIC_XEN_H

#include <stdint.h>

/* --- Hypercall numbers (xen.h, "HYPERCALLS"). On x86 the number goes in
 * RAX/EAX; the hypercall page has one 32-byte stub per number. --------------- */
#define __HYPERVISOR_set_trap_table                0
#define __HYPERVISOR_mmu_update                    1
#define __HYPERVISOR_set_gdt                       2
#define __HYPERVISOR_stack_switch                  3
#define __HYPERVISOR_set_callbacks                 4
#define __HYPERVISOR_fpu_taskswitch                5
#define __HYPERVISOR_sched_op_compat               6
#define __HYPERVISOR_platform_op                   7
#define __HYPERVISOR_set_debugreg                  8
#define __HYPERVISOR_get_debugreg                  9
#define __HYPERVISOR_update_descriptor            10
#define __HYPERVISOR_memory_op                    12
#define __HYPERVISOR_multicall                    13
#define __HYPERVISOR_update_va_mapping            14
#define __HYPERVISOR_set_timer_op                 15
#define __HYPERVISOR_event_channel_op_compat      16
#define __HYPERVISOR_xen_version                  17
#define __HYPERVISOR_console_io                   18
#define __HYPERVISOR_physdev_op_compat            19
#define __HYPERVISOR_grant_table_op               20
#define __HYPERVISOR_vm_assist                    21
#define __HYPERVISOR_update_va_mapping_otherdomain 22
#define __HYPERVISOR_iret                         23 /* PV only: its stub is ud2 */
#define __HYPERVISOR_vcpu_op                      24
#define __HYPERVISOR_set_segment_base             25
#define __HYPERVISOR_mmuext_op                    26
#define __HYPERVISOR_xsm_op                       27
#define __HYPERVISOR_nmi_op                       28
#define __HYPERVISOR_sched_op                     29
#define __HYPERVISOR_callback_op                  30
#define __HYPERVISOR_xenoprof_op                  31
#define __HYPERVISOR_event_channel_op             32
#define __HYPERVISOR_physdev_op                   33
#define __HYPERVISOR_hvm_op                       34
#define __HYPERVISOR_sysctl                       35
#define __HYPERVISOR_domctl                       36
#define __HYPERVISOR_kexec_op                     37
#define __HYPERVISOR_xc_reserved_op               38 /* was tmem_op */
#define __HYPERVISOR_argo_op                      39
#define __HYPERVISOR_xenpmu_op                    40
#define __HYPERVISOR_dm_op                        41
#define __HYPERVISOR_hypfs_op                     42
/* Architecture-specific hypercalls 48..55. */
#define __HYPERVISOR_arch_0                       48
#define __HYPERVISOR_arch_1                       49
#define __HYPERVISOR_arch_2                       50
#define __HYPERVISOR_arch_3                       51
#define __HYPERVISOR_arch_4                       52
#define __HYPERVISOR_arch_5                       53
#define __HYPERVISOR_arch_6                       54
#define __HYPERVISOR_arch_7                       55

/* vm_assist(cmd, type): turn on or off an optional behaviour of Xen for
 * the calling domain. Of Xen's types an HVM/PVH guest may use only
 * runstate_update_flag (XEN_RUNSTATE_UPDATE, public/vcpu.h); any other is
 * -EINVAL, an unknown cmd -ENOSYS. */
#define VMASST_CMD_enable                 0
#define VMASST_CMD_disable                1
#define VMASST_TYPE_runstate_update_flag  5

/* One hypercall page: 4096 bytes of 32-byte stubs (arch-x86/xen.h). */
#define XEN_HYPERCALL_STUB_SIZE                   32
#define XEN_HYPERCALL_PAGE_STUBS                 (4096 / XEN_HYPERCALL_STUB_SIZE)

/* --- Domain ids (xen.h). 0 .. DOMID_FIRST_RESERVED-1 are ordinary domains. -- */
typedef uint16_t domid_t;
#define DOMID_FIRST_RESERVED  ((domid_t)0x7FF0)
#define DOMID_SELF            ((domid_t)0x7FF0)
#define DOMID_IO              ((domid_t)0x7FF1)
#define DOMID_XEN             ((domid_t)0x7FF2)
#define DOMID_COW             ((domid_t)0x7FF3)
#define DOMID_INVALID         ((domid_t)0x7FF4)
#define DOMID_IDLE            ((domid_t)0x7FFF)
#define DOMID_MASK            ((domid_t)0x7FFF)

/* --- Basic x86 types (arch-x86/xen.h). On x86, xen_ulong_t and xen_pfn_t are
 * `unsigned long`: 8 bytes for 64-bit callers, 4 bytes for 32-bit ones.
 * uintptr_t is the <stdint.h> type with exactly that width. ------------------ */
typedef uintptr_t xen_ulong_t;
typedef uintptr_t xen_pfn_t;
typedef uint32_t  compat_ulong_t;   /* xen_ulong_t as a 32-bit guest sees it */
typedef uint32_t  compat_pfn_t;     /* xen_pfn_t as a 32-bit guest sees it   */

/*
 * Guest handles (arch-x86/xen.h). On x86 a handle is a struct holding one
 * pointer, so it is pointer-sized: 8 bytes in the 64-bit ABI, 4 in compat.
 * The pointer is a guest-linear address: the hypervisor must never dereference
 * it, only translate it (guest page tables, then the p2m).
 */
#define ___DEFINE_XEN_GUEST_HANDLE(name, type) \
    typedef struct { type *p; } __guest_handle_##name
#define DEFINE_XEN_GUEST_HANDLE(name)  ___DEFINE_XEN_GUEST_HANDLE(name, name)
#define __DEFINE_XEN_GUEST_HANDLE(name, type) ___DEFINE_XEN_GUEST_HANDLE(name, type)
#define XEN_GUEST_HANDLE(name)         __guest_handle_##name
#define set_xen_guest_handle(hnd, val) do { (hnd).p = (val); } while (0)

__DEFINE_XEN_GUEST_HANDLE(uchar, unsigned char);
__DEFINE_XEN_GUEST_HANDLE(uint, unsigned int);
__DEFINE_XEN_GUEST_HANDLE(char, char);
__DEFINE_XEN_GUEST_HANDLE(int, int);
__DEFINE_XEN_GUEST_HANDLE(void, void);
__DEFINE_XEN_GUEST_HANDLE(uint64_t, uint64_t);
DEFINE_XEN_GUEST_HANDLE(xen_pfn_t);
DEFINE_XEN_GUEST_HANDLE(xen_ulong_t);

/* A 32-bit guest's handle: a 32-bit linear address (Xen's compat_handle). */
typedef struct { uint32_t c; } compat_handle_t;

_Static_assert(sizeof(XEN_GUEST_HANDLE(void)) == sizeof(void *), "handle is pointer-sized");
_Static_assert(sizeof(compat_handle_t) == 4, "compat handle is 32 bits");

/* --- console_io (xen.h): HYPERVISOR_console_io(cmd, count, buffer). ------- */
#define CONSOLEIO_write       0
#define CONSOLEIO_read        1

/* --- start_info flags (xen.h, SIF_*); PVH reports them in hvm_start_info. - */
#define SIF_PRIVILEGED        (1u << 0)  /* Is the domain privileged?          */
#define SIF_INITDOMAIN        (1u << 1)  /* Is this the initial control domain? */
#define SIF_MULTIBOOT_MOD     (1u << 2)  /* Is mod_start a multiboot module?   */
#define SIF_MOD_START_PFN     (1u << 3)  /* Is mod_start a PFN?                */
#define SIF_VIRT_P2M_4TOOLS   (1u << 4)  /* Do Xen tools understand a virt. mapped p2m? */
#define SIF_PM_MASK           (0xFFu << 8) /* reserve 1 byte for xen-pm options */


/* --- Virtual IRQs (xen.h, VIRQ_*): events Mica raises, bound to a port with
 * EVTCHNOP_bind_virq. Per-vCPU: TIMER, DEBUG; the others are global (one
 * handler domain, vCPU 0). ------------------------------------------------- */
#define VIRQ_TIMER      0   /* per-vCPU: its singleshot or periodic timer   */
#define VIRQ_DEBUG      1   /* per-vCPU: debug key 'e' on the console       */
#define VIRQ_CONSOLE    2   /* global: serial input for CONSOLEIO_read */
#define VIRQ_DOM_EXC    3   /* global: a domain shut down or died           */
#define VIRQ_TBUF       4   /* global: trace buffer                         */
#define VIRQ_DEBUGGER   6   /* global: a domain hit a debugger trap         */
#define VIRQ_XENOPROF   7   /* per-vCPU                                     */
#define VIRQ_CON_RING   8   /* global                                       */
#define VIRQ_PCPU_STATE 9   /* global                                       */
#define VIRQ_MEM_EVENT  10  /* global                                       */
#define VIRQ_ARGO       11  /* global                                       */
#define VIRQ_ENOMEM     12  /* global                                       */
#define VIRQ_XENPMU     13  /* per-vCPU                                     */
#define VIRQ_ARCH_0     16  /* 16..23: architecture-specific                */
#define NR_VIRQS        24

/* --- vcpu_info and shared_info (xen.h, arch-x86/xen.h). The layout follows
 * the guest's word size (xen_ulong_t): shared_info begins with 32 vcpu_info
 * of 64 bytes, then the 2-level event bitmaps evtchn_pending[] at byte 2048
 * and evtchn_mask[] after it (64-bit: 64 words of 8 bytes, mask at 2560;
 * 32-bit: 32 words of 4 bytes, mask at 2176). On x86 (little-endian) bit p of
 * either bitmap is bit p % 8 of byte p / 8 in both layouts. ----------------- */
#define XEN_LEGACY_MAX_VCPUS  32

/*
 * A vCPU's pvclock: system time (ns since the hypervisor booted) is
 *     system_time + (((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul >> 32)
 * (a negative tsc_shift shifts right), for tsc read from the vCPU's own TSC.
 * The hypervisor makes version odd while it rewrites the rest and even
 * again after: a reader takes version, the fields, version again, and
 * retries if the two differ or are odd.
 */
struct vcpu_time_info {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;     /* TSC at system_time */
    uint64_t system_time;       /* ns */
    uint32_t tsc_to_system_mul; /* ns per (shifted) tick, times 2^32 */
    int8_t tsc_shift;
    uint8_t flags;              /* XEN_PVCLOCK_* */
    uint8_t pad1[2];
};
_Static_assert(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info is 32 bytes");

/* vcpu_time_info.flags */
#define XEN_PVCLOCK_TSC_STABLE_BIT (1u << 0) /* TSCs agree across vCPUs: no
                                                 step back between them */
#define XEN_PVCLOCK_GUEST_STOPPED  (1u << 1) /* the vCPU was paused (not set by Mica) */

struct arch_vcpu_info {
    xen_ulong_t cr2;
    xen_ulong_t pad[sizeof(xen_ulong_t) == 8 ? 1 : 5]; /* 16 bytes / 24 bytes */
};

struct vcpu_info {
    uint8_t evtchn_upcall_pending;  /* @0: an upcall is due (Mica sets it)   */
    uint8_t evtchn_upcall_mask;     /* @1: the guest masks upcalls with it   */
    xen_ulong_t evtchn_pending_sel; /* @8 (32-bit: @4): one bit per bitmap word */
    struct arch_vcpu_info arch;
    struct vcpu_time_info time;
};
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info is 64 bytes in both ABIs");
_Static_assert(__builtin_offsetof(struct vcpu_info, time) == 32, "time @32 in both ABIs");

#define EVTCHN_2L_WORDS       (sizeof(xen_ulong_t) * 8)              /* bitmap words */
#define EVTCHN_2L_NR_CHANNELS (EVTCHN_2L_WORDS * sizeof(xen_ulong_t) * 8) /* 4096 / 1024 */

/* The PV guest's p2m description (arch-x86/xen.h); unused by HVM/PVH guests
 * but for the 32-bit layout's wc_sec_hi, which had no room elsewhere. */
struct arch_shared_info {
    xen_ulong_t max_pfn;
    xen_pfn_t pfn_to_mfn_frame_list_list;
    xen_ulong_t nmi_reason;
    xen_ulong_t p2m_cr3;
    xen_ulong_t p2m_vaddr;
    xen_ulong_t p2m_generation;
#if UINTPTR_MAX == 0xFFFFFFFFu
    uint32_t wc_sec_hi;
#endif
};

struct shared_info {
    struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
    xen_ulong_t evtchn_pending[EVTCHN_2L_WORDS];
    xen_ulong_t evtchn_mask[EVTCHN_2L_WORDS];
    /* The wallclock: the time of day at system time 0, in seconds
     * ((wc_sec_hi << 32) | wc_sec) and nanoseconds since 1970-01-01 00:00
     * UTC; wc_version is odd while the hypervisor rewrites it (as a
     * pvclock's version). */
    uint32_t wc_version;
    uint32_t wc_sec;
    uint32_t wc_nsec;
#if UINTPTR_MAX > 0xFFFFFFFFu
    uint32_t wc_sec_hi;
#endif
    struct arch_shared_info arch;
};
_Static_assert(__builtin_offsetof(struct shared_info, evtchn_pending) == 2048, "pending @2048");

/* The same offsets for the hypervisor, which serves both layouts. */
#define SHINFO_EVTCHN_PENDING       2048
#define SHINFO_EVTCHN_MASK_64       (2048 + 512)
#define SHINFO_EVTCHN_MASK_32       (2048 + 128)
#define VCPU_INFO_PENDING_SEL_64    8
#define VCPU_INFO_PENDING_SEL_32    4
#define VCPU_INFO_SIZE              64
#define SHINFO_WC_VERSION_64        3072 /* wc_version, wc_sec, wc_nsec, wc_sec_hi */
#define SHINFO_WC_SEC_HI_64         3084
#define SHINFO_WC_VERSION_32        2304 /* wc_version, wc_sec, wc_nsec ... */
#define SHINFO_WC_SEC_HI_32         2340 /* ... and arch.wc_sec_hi after 6 words */
#if UINTPTR_MAX > 0xFFFFFFFFu
_Static_assert(__builtin_offsetof(struct shared_info, wc_version) == SHINFO_WC_VERSION_64, "wc");
_Static_assert(__builtin_offsetof(struct shared_info, wc_sec_hi) == SHINFO_WC_SEC_HI_64, "wc_sec_hi");
#else
_Static_assert(__builtin_offsetof(struct shared_info, wc_version) == SHINFO_WC_VERSION_32, "wc");
_Static_assert(__builtin_offsetof(struct shared_info, arch.wc_sec_hi) == SHINFO_WC_SEC_HI_32,
               "wc_sec_hi");
#endif

#endif /* MICA_PUBLIC_XEN_H */
