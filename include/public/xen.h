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

#endif /* MICA_PUBLIC_XEN_H */
