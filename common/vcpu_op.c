/*
 * vcpu_op: a guest starts and stops its own vCPUs and sets their timers
 * (Xen's VCPUOP_*, the subset an HVM/PVH guest needs).
 *
 *   arguments: cmd, vcpuid, extra_arg (a guest pointer or unused)
 *
 *   VCPUOP_initialise  extra_arg = struct vcpu_hvm_context: the vCPU's first
 *                      registers (arch/x86/svm/vcpu_context.c has the rules).
 *                      0; -EFAULT bad pointer; -EEXIST already initialised
 *                      (vCPU 0 always is); -EINVAL a context Xen refuses or
 *                      whose state would fail VMRUN. It stays down.
 *   VCPUOP_up          make an initialised vCPU runnable: 0 (also when it
 *                      is up already); -EINVAL not initialised.
 *   VCPUOP_down        take a vCPU down: 0. It stops at its next exit
 *                      (at once if it is the caller). If no other vCPU is
 *                      up, the domain is shut down (poweroff) instead, as
 *                      in Xen. VCPUOP_up brings it back where it stopped.
 *   VCPUOP_is_up       1 if up, 0 if down.
 *   VCPUOP_get_runstate_info  extra_arg = struct vcpu_runstate_info: the
 *                      vCPU's time in each run state, counted up to now
 *                      (common/runstate.c). 0; -EFAULT.
 *   VCPUOP_register_runstate_memory_area  extra_arg = struct
 *                      vcpu_register_runstate_memory_area { addr }: a
 *                      guest-linear address (0: none) where Mica keeps a
 *                      copy of that runstate, written at once and whenever
 *                      the vCPU is scheduled in or leaves its CPU. 0;
 *                      -EFAULT only if extra_arg itself is unreadable (a
 *                      copy that fails is dropped, as in Xen).
 *   VCPUOP_register_vcpu_info  extra_arg = struct vcpu_register_vcpu_info
 *                      { mfn (a gfn), offset }: the vCPU's vcpu_info moves
 *                      there (common/event_channel.c). 0; -EINVAL if it
 *                      would cross the page, the gfn is not the domain's
 *                      own writable RAM, it is registered already, or the
 *                      vCPU is another one that is up; -EFAULT.
 *   VCPUOP_set_periodic_timer  extra_arg = struct vcpu_set_periodic_timer
 *                      { period_ns }: VIRQ_TIMER every period while the
 *                      vCPU runs (any vCPU of the domain). 0; -EINVAL a
 *                      period below 1 ms or above 2^63-1 ns; -EFAULT.
 *   VCPUOP_stop_periodic_timer  0.
 *   VCPUOP_set_singleshot_timer  extra_arg = struct vcpu_set_singleshot_timer
 *                      { timeout_abs_ns, flags }: VIRQ_TIMER once at that
 *                      system time. The calling vCPU only: -EINVAL for
 *                      another (before the pointer is read); -EFAULT;
 *                      -ETIME if VCPU_SSHOTTMR_future and the time has
 *                      passed. 0.
 *   VCPUOP_stop_singleshot_timer  the calling vCPU only (-EINVAL); 0.
 *                      (Rules and Xen's semantics: common/guest_time.c.)
 *   other commands     -ENOSYS.
 *
 * A vcpuid that is not one of the domain's vCPUs is -ENOENT for every
 * known command. Xen's argument types are int cmd and unsigned int vcpuid,
 * so both are truncated to 32 bits.
 *
 * Locking: the domain's lock serialises initialise, up and down, so
 * "initialised" and the set of up vCPUs cannot change under one of them;
 * the scheduler's runq_lock (taken inside it) guards each vCPU's state.
 */
#include "guest_access.h"
#include "hypercall.h"
#include "public/errno.h"
#include "xsm.h"
#include "public/hvm/hvm_vcpu.h"
#include "public/sched.h"
#include "public/vcpu.h"
#include "runstate.h"
#include "schedule.h"
#include "spinlock.h"
#include "arch.h"
#include "event.h"
#include "guest_time.h"

static long vcpu_initialise(struct vcpu *caller, struct vcpu *v, uint64_t arg)
{
    struct domain *d = v->domain;
    struct vcpu_hvm_context ctx;
    long rc;

    /* Copy first: an unreadable context is -EFAULT even for a vCPU that is
     * already initialised (Xen's order). */
    if (copy_from_guest(caller, &ctx, arg, sizeof(ctx)))
        return -XEN_EFAULT;

    spin_lock(&d->lock);
    if (v->initialised) {
        rc = -XEN_EEXIST;
    } else {
        rc = arch_vcpu_set_hvm_context(v, &ctx);
        if (rc == 0)
            v->initialised = true;
    }
    spin_unlock(&d->lock);
    return rc;
}

static long vcpu_up(struct vcpu *v)
{
    struct domain *d = v->domain;
    long rc = 0;

    spin_lock(&d->lock);
    if (!v->initialised)
        rc = -XEN_EINVAL;
    else
        sched_start_vcpu(v); /* nothing if it is up already */
    spin_unlock(&d->lock);
    return rc;
}

static long vcpu_down(struct vcpu *v)
{
    struct domain *d = v->domain;
    bool others_up = false;

    spin_lock(&d->lock);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        if (i != v->id && sched_vcpu_is_up(d->vcpus[i]))
            others_up = true;
    }
    if (others_up)
        sched_stop_vcpu(v);
    spin_unlock(&d->lock);

    /* The last vCPU going down: nothing could ever bring one back up. */
    if (!others_up)
        domain_shutdown(d, SHUTDOWN_poweroff);
    return 0;
}

long do_vcpu_op(struct vcpu *v, const struct hypercall_args *a)
{
    int cmd = (int)a->arg[0];
    unsigned int vcpuid = (unsigned int)a->arg[1];
    struct domain *d = v->domain;
    struct vcpu *target;

    if ((cmd < VCPUOP_initialise || cmd > VCPUOP_register_runstate_memory_area) &&
        (cmd < VCPUOP_set_periodic_timer || cmd > VCPUOP_stop_singleshot_timer) &&
        cmd != VCPUOP_register_vcpu_info)
        return -XEN_ENOSYS;
    if (vcpuid >= d->nr_vcpus)
        return -XEN_ENOENT;
    /* vcpu_op acts on the caller's own vCPUs: XSM's vcpu_op hook (dummy
     * TARGET, so always allowed; a FLASK policy may withhold domain: vcpu). */
    if (XSM_CALL(vcpu_op, d, d))
        return -XEN_EPERM;
    target = d->vcpus[vcpuid];

    switch (cmd) {
    case VCPUOP_initialise:
        return vcpu_initialise(v, target, a->arg[2]);
    case VCPUOP_up:
        return vcpu_up(target);
    case VCPUOP_down:
        return vcpu_down(target);
    case VCPUOP_get_runstate_info:
        return runstate_get_info(v, target, a->arg[2], a->compat);
    case VCPUOP_register_runstate_memory_area:
        return runstate_register_area(v, target, a->arg[2], a->compat);
    case VCPUOP_register_vcpu_info: {
        struct vcpu_register_vcpu_info info;
        if (copy_from_guest(v, &info, a->arg[2], sizeof(info)))
            return -XEN_EFAULT;
        return evtchn_register_vcpu_info(target, info.mfn, info.offset);
    }
    case VCPUOP_set_periodic_timer:
    case VCPUOP_stop_periodic_timer:
    case VCPUOP_set_singleshot_timer:
    case VCPUOP_stop_singleshot_timer:
        return vcpu_time_op(v, target, cmd, a->arg[2], a->compat);
    default: /* VCPUOP_is_up */
        return sched_vcpu_is_up(target) ? 1 : 0;
    }
}
