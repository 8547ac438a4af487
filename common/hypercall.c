/* The hypercall table and dispatch (see hypercall.h). */
#include "hypercall.h"
#include "guest_access.h"
#include "heap.h"
#include "lib/string.h"
#include "public/errno.h"
#include "public/xen.h"
#include "x86/vcpu.h"
#include "x86/vmcb.h"

struct hypercall {
    hypercall_fn fn;
    unsigned int nr_args;        /* how many argument registers it reads */
    const char *name;
};

static const struct hypercall hypercall_table[] = {
    [__HYPERVISOR_memory_op] = { do_memory_op, 2, "memory_op" },
    [__HYPERVISOR_xsm_op] = { do_xsm_op, 1, "xsm_op" },
    [__HYPERVISOR_domctl] = { do_domctl, 1, "domctl" },
    [__HYPERVISOR_xen_version] = { do_xen_version, 2, "xen_version" },
    [__HYPERVISOR_console_io] = { do_console_io, 3, "console_io" },
    [__HYPERVISOR_vcpu_op] = { do_vcpu_op, 3, "vcpu_op" },
    [__HYPERVISOR_sched_op] = { do_sched_op, 2, "sched_op" },
    [__HYPERVISOR_hvm_op] = { do_hvm_op, 2, "hvm_op" },
};

bool hypercall_dispatch(struct vcpu *v)
{
    struct vmcb *vmcb = v->vmcb;
    struct hypercall_args a = { .compat = !vcpu_in_long_mode(v) };
    const struct guest_gprs *r = &v->gprs;
    uint64_t nr = a.compat ? (uint32_t)vmcb->save.rax : vmcb->save.rax;
    const uint64_t regs64[HYPERCALL_MAX_ARGS] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8 };
    const uint64_t regs32[HYPERCALL_MAX_ARGS] = { r->rbx, r->rcx, r->rdx, r->rsi, r->rdi };
    long result;

    if (vmcb->save.cpl != 0) {
        /* Only the guest kernel may call Mica (as in Xen for HVM guests). */
        result = -XEN_EPERM;
    } else if (nr >= ARRAY_SIZE(hypercall_table) || !hypercall_table[nr].fn) {
        result = -XEN_ENOSYS;
    } else {
        const struct hypercall *h = &hypercall_table[nr];
        for (unsigned int i = 0; i < h->nr_args; i++)
            a.arg[i] = a.compat ? (uint32_t)regs32[i] : regs64[i];
        result = h->fn(v, &a);
    }
    if (result == HYPERCALL_PREEMPTED)
        return false;          /* RAX still holds the number: VMMCALL runs again */
    vmcb->save.rax = (uint64_t)result;
    return true;
}

void hypercall_set_arg(struct vcpu *v, unsigned int i, uint64_t value)
{
    uint64_t *regs64[HYPERCALL_MAX_ARGS] = { &v->gprs.rdi, &v->gprs.rsi, &v->gprs.rdx,
                                             &v->gprs.r10, &v->gprs.r8 };
    uint64_t *regs32[HYPERCALL_MAX_ARGS] = { &v->gprs.rbx, &v->gprs.rcx, &v->gprs.rdx,
                                             &v->gprs.rsi, &v->gprs.rdi };

    *(vcpu_in_long_mode(v) ? regs64 : regs32)[i] = value;
}

/*
 * The hypercall page: 128 stubs of 32 bytes. Stub i is
 *   b8 <i as le32>   mov $i, %eax
 *   0f 01 d9         vmmcall (AMD)
 *   c3               ret
 * and the rest of the page is int3 (0xcc). Stub 23 (__HYPERVISOR_iret, a
 * PV-only call) is ud2 (0f 0b). These are the bytes Xen 4.17 writes on AMD
 * (checked by tests/guest/test_cpuid.c under both).
 */
int hypercall_page_install(struct domain *d, uint64_t gpa)
{
    uint8_t *page = xmalloc(PAGE_SIZE);
    int rc;

    if (!page)
        return -XEN_ENOMEM;
    memset(page, 0xCC, PAGE_SIZE);
    for (uint32_t i = 0; i < PAGE_SIZE / 32; i++) {
        uint8_t *stub = &page[i * 32];
        if (i == __HYPERVISOR_iret) {
            stub[0] = 0x0F;
            stub[1] = 0x0B;
            continue;
        }
        stub[0] = 0xB8;
        memcpy(&stub[1], &i, 4);
        stub[5] = 0x0F;
        stub[6] = 0x01;
        stub[7] = 0xD9;
        stub[8] = 0xC3;
    }
    rc = guest_phys_write(d, gpa, page, PAGE_SIZE);
    xfree(page);
    return rc;
}
