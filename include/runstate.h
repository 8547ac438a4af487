/*
 * Each vCPU's runstate: how long it has been running, runnable, blocked and
 * offline (Xen's struct vcpu_runstate_info, public/vcpu.h), and the copy a
 * guest registers with VCPUOP_register_runstate_memory_area (Linux reads it
 * for steal time and to see whether another vCPU was preempted).
 *
 * The scheduler moves a vCPU between the four states (runstate_change,
 * under its run-queue lock) and publishes the guest's copy when the vCPU
 * is scheduled in and when it leaves its CPU (runstate_publish, no lock
 * held), as Xen does at a context switch. Times are system time in ns
 * (include/timer.h), the clock of the guest's pvclock.
 */
#ifndef MICA_RUNSTATE_H
#define MICA_RUNSTATE_H

#include "public/vcpu.h"
#include "types.h"

struct vcpu;
struct hypercall_args;

struct vcpu_runstate {
    struct vcpu_runstate_info info; /* under the scheduler's runq_lock */
    uint64_t area;                  /* the guest's copy: a guest-linear address, or 0 */
    bool area_compat;               /* ... in the 32-bit layout */
};

/* A new vCPU: offline since system time now. */
void runstate_init(struct vcpu *v);

/* v enters state (RUNSTATE_*) now: the time since it entered its current
 * one is added to that state's total. The caller holds runq_lock. */
void runstate_change(struct vcpu *v, int state);

/* Count a copy's time in its current state up to now, as
 * VCPUOP_get_runstate_info reports it (the copy comes from
 * sched_runstate_read, include/schedule.h). */
void runstate_count_to_now(struct vcpu_runstate_info *info);

/* Write v's runstate to its registered area, if any, through v's own page
 * tables (v is on this CPU, or off every CPU). A copy that fails is
 * dropped, as in Xen: the area is the guest's business. No lock held. */
void runstate_publish(struct vcpu *v);

/* VCPUOP_register_runstate_memory_area / VCPUOP_get_runstate_info from
 * `caller` about its domain's vCPU v (common/vcpu_op.c). */
long runstate_register_area(struct vcpu *caller, struct vcpu *v, uint64_t arg, bool compat);
long runstate_get_info(struct vcpu *caller, struct vcpu *v, uint64_t arg, bool compat);

#endif
