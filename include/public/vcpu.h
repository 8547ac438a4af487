/*
 * Mica's guest ABI: HYPERVISOR_vcpu_op(cmd, vcpuid, extra_arg)
 * (mirrors xen/include/public/vcpu.h).
 *
 * A domain's vCPUs all exist from the moment it is built; only vCPU 0 runs.
 * Another vCPU is given its first register state with VCPUOP_initialise
 * (once per vCPU) and then made runnable with VCPUOP_up.
 */
#ifndef MICA_PUBLIC_VCPU_H
#define MICA_PUBLIC_VCPU_H

#include "xen.h"

/* extra_arg: the initial state. For an HVM/PVH guest on x86 it is a
 * struct vcpu_hvm_context (public/hvm/hvm_vcpu.h). A vCPU can be
 * initialised only once; it does not run until VCPUOP_up. */
#define VCPUOP_initialise   0

/* Make an initialised vCPU runnable (extra_arg unused). */
#define VCPUOP_up           1

/* Make a vCPU non-runnable (extra_arg unused). Synchronous when a vCPU
 * takes itself down; bringing down the last running vCPU ends the domain. */
#define VCPUOP_down         2

/* Returns 1 if the vCPU is up, 0 if it is down (extra_arg unused). */
#define VCPUOP_is_up        3

/* The vCPU's timers, which raise VIRQ_TIMER on it (docs/hypercalls.md,
 * "vcpu_op"). Periodic: extra_arg = struct vcpu_set_periodic_timer, a
 * period of at least 1 ms; the timer runs while the vCPU runs, its first
 * event one period after the call. Singleshot: extra_arg = struct
 * vcpu_set_singleshot_timer, the calling vCPU only (-EINVAL otherwise); with
 * VCPU_SSHOTTMR_future, a timeout already past is -ETIME. */
#define VCPUOP_set_periodic_timer             6
#define VCPUOP_stop_periodic_timer            7
#define VCPUOP_set_singleshot_timer           8
#define VCPUOP_stop_singleshot_timer          9

struct vcpu_set_periodic_timer {
    uint64_t period_ns;
};
_Static_assert(sizeof(struct vcpu_set_periodic_timer) == 8, "vcpu_set_periodic_timer is 8 bytes");

/* 16 bytes for a 64-bit guest, 12 for a 32-bit one (uint64_t is 4-aligned
 * there): the fields sit at the same offsets. */
struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns; /* system time, as the pvclock counts it */
    uint32_t flags;          /* VCPU_SSHOTTMR_* */
};
#define VCPU_SSHOTTMR_future (1u << 0) /* fail with -ETIME if timeout_abs_ns has passed */
#define VCPU_SET_SINGLESHOT_TIMER_SIZE_32 12

/* How long a vCPU has spent in each state (system time in ns, as the
 * pvclock counts it). VCPUOP_get_runstate_info copies it to extra_arg,
 * counted up to the moment of the call; VCPUOP_register_runstate_memory_area
 * (extra_arg = struct vcpu_register_runstate_memory_area) names a guest
 * address where Xen keeps a copy up to date at each context switch. */
#define VCPUOP_get_runstate_info              4
#define VCPUOP_register_runstate_memory_area  5

#define RUNSTATE_running  0 /* on a physical CPU */
#define RUNSTATE_runnable 1 /* ready to run, waiting for a CPU */
#define RUNSTATE_blocked  2 /* waiting for an event (SCHEDOP_block, HLT, poll) */
#define RUNSTATE_offline  3 /* down, paused or not yet started */

/* 48 bytes for a 64-bit guest; 44 for a 32-bit one, where uint64_t is
 * 4-aligned: state_entry_time sits at offset 4 and time[] at 12
 * (VCPU_RUNSTATE_INFO_SIZE_32, Xen's compat layout). */
struct vcpu_runstate_info {
    int state;                 /* RUNSTATE_* */
    uint64_t state_entry_time; /* when it entered that state */
    uint64_t time[4];          /* total time in each state, indexed by RUNSTATE_* */
};
#define VCPU_RUNSTATE_INFO_SIZE_32 44
_Static_assert(sizeof(struct vcpu_runstate_info) == (sizeof(long) == 8 ? 48 : VCPU_RUNSTATE_INFO_SIZE_32),
               "vcpu_runstate_info is 48 bytes (44 for a 32-bit guest)");

/* Set in the registered copy's state_entry_time while Xen rewrites it, if
 * the guest enabled VMASST_TYPE_runstate_update_flag (public/xen.h). */
#define XEN_RUNSTATE_UPDATE (1ULL << 63)

/* A guest-linear address (a 32-bit guest's in the low half). */
struct vcpu_register_runstate_memory_area {
    uint64_t addr;
};

/* VCPUOP_register_vcpu_info: below. The rest, for reference (Mica: -ENOSYS). */
#define VCPUOP_register_vcpu_info            10
#define VCPUOP_send_nmi                      11
#define VCPUOP_get_physid                    12
#define VCPUOP_register_vcpu_time_memory_area 13

/* VCPUOP_register_vcpu_info: move the vCPU's vcpu_info (struct vcpu_info,
 * public/xen.h) out of shared_info to gfn `mfn` (an HVM guest names a gfn),
 * byte `offset`; it must not cross the page. Once per vCPU. */
struct vcpu_register_vcpu_info {
    uint64_t mfn;
    uint32_t offset;
    uint32_t rsvd;      /* must be 0 */
};
_Static_assert(sizeof(struct vcpu_register_vcpu_info) == 16, "vcpu_register_vcpu_info is 16 bytes");

#endif /* MICA_PUBLIC_VCPU_H */
