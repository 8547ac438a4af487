/*
 * vm_assist: the caller's domain turns on or off an optional behaviour of
 * Xen (Xen's __HYPERVISOR_vm_assist, public/xen.h).
 *
 *   arguments: cmd (VMASST_CMD_enable / _disable), type (VMASST_TYPE_*)
 *   -> 0; -EINVAL a type an HVM/PVH domain may not use (Xen 4.17 lets it
 *      use only runstate_update_flag, which marks a runstate copy that is
 *      being rewritten: common/runstate.c); -ENOSYS another cmd.
 *
 * The type is checked before the command, in Xen's order.
 */
#include "domain.h"
#include "hypercall.h"
#include "public/errno.h"
#include "public/xen.h"

/* The types an HVM domain may turn on (Xen's HVM_VM_ASSIST_MASK). */
#define VM_ASSIST_VALID_HVM (1UL << VMASST_TYPE_runstate_update_flag)

long do_vm_assist(struct vcpu *v, const struct hypercall_args *a)
{
    unsigned int cmd = (unsigned int)a->arg[0];
    unsigned int type = (unsigned int)a->arg[1];
    unsigned long *assist = &v->domain->vm_assist;

    if (type >= 64 || !(VM_ASSIST_VALID_HVM & (1UL << type)))
        return -XEN_EINVAL;
    switch (cmd) {
    case VMASST_CMD_enable:
        __atomic_fetch_or(assist, 1UL << type, __ATOMIC_RELAXED);
        return 0;
    case VMASST_CMD_disable:
        __atomic_fetch_and(assist, ~(1UL << type), __ATOMIC_RELAXED);
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}
