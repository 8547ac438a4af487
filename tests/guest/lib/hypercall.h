/*
 * Hypercalls for test guests: finding the hypervisor, installing the
 * hypercall page, and calling through it (docs/xen-abi.md,
 * "Finding the hypervisor" and "Hypercall page and calling convention").
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include "guest.h"
#include <public/xen.h>
#include <public/errno.h>
#include <public/version.h>
#include <public/sched.h>
#include <public/memory.h>
#include <public/hvm/hvm_op.h>
#include <public/hvm/params.h>
#include <public/cpuid.h>
#include <public/vcpu.h>
#include <public/hvm/hvm_vcpu.h>
#include <public/event_channel.h>
#include <public/grant_table.h>

/* The hypercall page: 4 KiB, page-aligned, in .bss; filled by the hypervisor. */
extern uint8_t hypercall_page[4096];

/* CPUID base where "XenVMMXenVMM" was found (0 before hypercall_init). */
extern uint32_t xen_cpuid_base;

/* Nonzero once the hypercall page is installed. */
extern int hypercall_ready;

/*
 * Scan CPUID 0x40000000 + n*0x100 for the signature, read base+2 for the MSR,
 * write the page's guest-physical address to it. Returns 0, or -1 if no
 * hypervisor (or a leaf base+2 that reports no page) was found.
 */
int hypercall_init(void);

/*
 * Call stub `nr` of the hypercall page with up to five arguments.
 * 64-bit: RAX = nr (set by the stub), RDI RSI RDX R10 R8; result in RAX.
 * 32-bit: EAX = nr, EBX ECX EDX ESI EDI; result in EAX.
 * nr must be below XEN_HYPERCALL_PAGE_STUBS (128).
 */
long hypercall5(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4,
                unsigned long a5);

/* The same convention, but a bare VMMCALL with RAX = nr (any nr, no page). */
long hypercall_raw5(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
                    unsigned long a4, unsigned long a5);

static inline long HYPERVISOR_console_io(int cmd, unsigned count, const void *buf)
{
    return hypercall5(__HYPERVISOR_console_io, (unsigned long)cmd, count, (unsigned long)buf, 0, 0);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
    return hypercall5(__HYPERVISOR_xen_version, (unsigned long)cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
    return hypercall5(__HYPERVISOR_sched_op, (unsigned long)cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_memory_op(unsigned cmd, void *arg)
{
    return hypercall5(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_hvm_op(unsigned op, void *arg)
{
    return hypercall5(__HYPERVISOR_hvm_op, op, (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_vcpu_op(int cmd, unsigned int vcpuid, void *arg)
{
    return hypercall5(__HYPERVISOR_vcpu_op, (unsigned long)cmd, vcpuid, (unsigned long)arg, 0, 0);
}

static inline long HYPERVISOR_vm_assist(unsigned int cmd, unsigned int type)
{
    return hypercall5(__HYPERVISOR_vm_assist, cmd, type, 0, 0, 0);
}

static inline long HYPERVISOR_event_channel_op(int cmd, void *arg)
{
    return hypercall5(__HYPERVISOR_event_channel_op, (unsigned long)cmd, (unsigned long)arg, 0, 0,
                      0);
}

static inline long HYPERVISOR_xsm_op(void *arg)
{
    return hypercall5(__HYPERVISOR_xsm_op, (unsigned long)arg, 0, 0, 0, 0);
}

static inline long HYPERVISOR_grant_table_op(unsigned int cmd, void *uop, unsigned int count)
{
    return hypercall5(__HYPERVISOR_grant_table_op, cmd, (unsigned long)uop, count, 0, 0);
}

/* Does domain d exist? current_reservation answers -ESRCH for a domain that
 * is not (or no longer) there, and anything else (even -EPERM: the lookup
 * comes before the XSM check) for one that is. */
static inline int domain_exists(domid_t d)
{
    domid_t arg = d;

    return HYPERVISOR_memory_op(XENMEM_current_reservation, &arg) != -XEN_ESRCH;
}

/* Under Mica, XENVER_extraversion contains "mica"; under Xen it does not. */
static inline int running_on_mica(void)
{
    char extra[16] = { 0 };
    HYPERVISOR_xen_version(XENVER_extraversion, extra);
    for (unsigned int i = 0; i + 4 <= sizeof(extra); i++)
        if (extra[i] == 'm' && extra[i + 1] == 'i' && extra[i + 2] == 'c' && extra[i + 3] == 'a')
            return 1;
    return 0;
}

#ifdef __x86_64__
/* Register probe (probe64.asm): see there. */
struct probe_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
long hypercall_probe(const struct probe_regs *in, struct probe_regs *out, const void *target);
extern const uint8_t guest_vmmcall_ret[]; /* "vmmcall; ret" */
#endif

#endif /* GUEST_HYPERCALL_H */
