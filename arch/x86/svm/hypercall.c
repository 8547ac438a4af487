/*
 * The VMMCALL side of a hypercall: the registers of each calling convention
 * (docs/xen-abi.md), the privilege check, the result in RAX, and the
 * hypercall page a guest installs through MSR 0x40000000.
 */
#include "hypercall.h"
#include "hypercall_trace.h"
#include "arch.h"
#include "guest_access.h"
#include "lib/string.h"
#include "public/errno.h"
#include "public/xen.h"
#include "x86/guest.h"
#include "x86/vcpu.h"
#include "x86/svm_exits.h"
#include "x86/vmcb.h"

#define VMMCALL_LENGTH 3
#define HYPERCALL_STUB_SIZE 32

void svm_exit_vmmcall(struct vcpu *v, struct vmcb *vmcb)
{
    const struct guest_gprs *r = &v->arch.gprs;
    struct hypercall_args a;
    uint64_t nr;
    long result;

    /* The number in RAX and the arguments of each calling convention
     * (docs/xen-abi.md). A 32-bit caller's are 32 bits: whatever the upper
     * halves of its registers hold is ignored. Every argument register is
     * read; a handler uses as many as its hypercall takes. */
    a.compat = !vcpu_in_long_mode(v);
    if (a.compat) {
        nr = (uint32_t)vmcb->save.rax;
        a.arg[0] = (uint32_t)r->rbx;
        a.arg[1] = (uint32_t)r->rcx;
        a.arg[2] = (uint32_t)r->rdx;
        a.arg[3] = (uint32_t)r->rsi;
        a.arg[4] = (uint32_t)r->rdi;
    } else {
        nr = vmcb->save.rax;
        a.arg[0] = r->rdi;
        a.arg[1] = r->rsi;
        a.arg[2] = r->rdx;
        a.arg[3] = r->r10;
        a.arg[4] = r->r8;
    }
    if (vmcb->save.cpl != 0)
        result = -XEN_EPERM; /* only the guest kernel may call Mica (as in Xen for HVM guests) */
    else
        result = hypercall_call(v, nr, &a);
    if (result == HYPERCALL_PREEMPTED)
        return; /* RAX still holds the number: VMMCALL runs again */
    if (__builtin_expect(v->domain->trace_hypercalls, 0))
        hypercall_trace(v, nr, &a, result);
    vmcb->save.rax = (uint64_t)result;
    /* Past VMMCALL (0F 01 D9): QEMU has no NRIPS (docs/qemu.md). */
    vmcb->save.rip += VMMCALL_LENGTH;
}

void hypercall_set_arg(struct vcpu *v, unsigned int i, uint64_t value)
{
    uint64_t *regs64[HYPERCALL_MAX_ARGS] = { &v->arch.gprs.rdi, &v->arch.gprs.rsi,
                                             &v->arch.gprs.rdx, &v->arch.gprs.r10,
                                             &v->arch.gprs.r8 };
    uint64_t *regs32[HYPERCALL_MAX_ARGS] = { &v->arch.gprs.rbx, &v->arch.gprs.rcx,
                                             &v->arch.gprs.rdx, &v->arch.gprs.rsi,
                                             &v->arch.gprs.rdi };

    *(vcpu_in_long_mode(v) ? regs64 : regs32)[i] = value;
}

/*
 * The hypercall page: 128 stubs of 32 bytes. Stub i is
 *   b8 <i as le32>   mov $i, %eax
 *   0f 01 d9         vmmcall (AMD)
 *   c3               ret
 * and the rest of the page is int3 (0xcc). Stub 23 (__HYPERVISOR_iret, a
 * PV-only call) is ud2 (0f 0b). These are the bytes Xen 4.17 writes on AMD
 * (checked by tests/guest/core/test_cpuid.c under both).
 *
 * The page is written one stub at a time from the stack: installing it
 * allocates nothing, so it never fails for want of memory. A guest could
 * not handle that (a failed WRMSR is a #GP), and Xen's install cannot fail
 * that way either.
 */
int hypercall_page_install(struct domain *d, uint64_t gpa)
{
    uint8_t stub[HYPERCALL_STUB_SIZE];

    for (uint32_t i = 0; i < PAGE_SIZE / HYPERCALL_STUB_SIZE; i++) {
        memset(stub, 0xCC, sizeof(stub));
        if (i == __HYPERVISOR_iret) {
            stub[0] = 0x0F;
            stub[1] = 0x0B;
        } else {
            stub[0] = 0xB8;
            memcpy(&stub[1], &i, 4);
            stub[5] = 0x0F;
            stub[6] = 0x01;
            stub[7] = 0xD9;
            stub[8] = 0xC3;
        }
        int rc = guest_phys_write(d, gpa + i * HYPERCALL_STUB_SIZE, stub, sizeof(stub));
        if (rc)
            return rc;
    }
    d->arch.hypercall_page_gpa = gpa;
    return 0;
}
