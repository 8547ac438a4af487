/* The hypercall table and the arch-neutral half of dispatch (hypercall.h);
 * the VMMCALL side is arch/x86/svm/hypercall.c. */
#include "hypercall.h"
#include "public/errno.h"
#include "public/xen.h"

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

long hypercall_call(struct vcpu *v, uint64_t nr, const uint64_t regs[HYPERCALL_MAX_ARGS],
                    bool compat)
{
    struct hypercall_args a = { .compat = compat };
    const struct hypercall *h;

    if (nr >= ARRAY_SIZE(hypercall_table) || !hypercall_table[nr].fn)
        return -XEN_ENOSYS;
    h = &hypercall_table[nr];
    /* A 32-bit caller's arguments are 32 bits: whatever the upper halves
     * of its registers hold is ignored. */
    for (unsigned int i = 0; i < h->nr_args; i++)
        a.arg[i] = compat ? (uint32_t)regs[i] : regs[i];
    return h->fn(v, &a);
}
