/* Every hypercall Mica answers, declared once: number, name, 32-bit layout,
 * arguments, and the XSM hooks that guard it with the dummy module's class. */
/*
 * An X-macro list, included several times (so no include guard around the
 * list): define HYPERCALL and/or HYPERCALL_XSM, include this file, and each
 * line expands to what you need; a macro you leave undefined expands to
 * nothing, and both are undefined again at the end. What follows from it:
 *
 *   include/hypercall.h        the prototype long do_NAME(v, a) of each handler
 *   common/hypercall.c         the dispatch table: handler, argument count, name
 *                              (hypercall_name(nr) for logging)
 *   xsm/dummy.c, xsm/xsm.c     the dummy module's hook of each class, the dummy
 *                              ops table and xsm_register's filling of NULL hooks
 *   tests/guest/core/test_hypercall_errors.c
 *                              probes every number not declared here (and not
 *                              in the experiment range) for -ENOSYS
 *   docs/hypercalls.md         the index table (tools/gen_hypercall_docs.py;
 *                              `make test` fails if the committed one differs)
 *
 * HYPERCALL(number, name, compat, argument...)
 *   number    Xen's number (include/public/xen.h: __HYPERVISOR_name), or one
 *             of the experiment range below for a call of your own
 *   name      the handler is do_NAME(struct vcpu *, const struct hypercall_args *)
 *   compat    `none` if a 32-bit caller's structures have the 64-bit layout
 *             (its registers are truncated to 32 bits either way), else the
 *             X of include/compat/X.h, which reads either layout (and of
 *             common/compat/X.c, which writes results back, if any are)
 *   argument  Xen's C prototype of each argument register, in order (0 to 5;
 *             their count is how many registers the dispatcher reads)
 *
 * HYPERCALL_XSM(call, hook, class, shape, "what")
 *   call      the hypercall (its HYPERCALL line is just above)
 *   hook      the member of struct xsm_ops (include/xsm.h) it asks
 *   class     the dummy module's class: HOOK, TARGET, DM_PRIV, PRIV or XS_PRIV
 *   shape     src_tgt: int hook(struct domain *src, struct domain *tgt)
 *             src:     int hook(struct domain *src)
 *             (both: the dummy's hook is generated from the class)
 *             own:     another signature; xsm/dummy.c writes dummy_HOOK by hand
 *                      and uses xsm_default_HOOK (the class) in it
 *   "what"    when the call asks it (for docs/hypercalls.md)
 */
#ifndef MICA_HYPERCALL_DEFS_ONCE
#define MICA_HYPERCALL_DEFS_ONCE

/* Numbers for local experiments. Xen's dispatch table has 64 entries
 * (NR_hypercalls), so no guest built for Xen calls 64..127 (Xen answers
 * -ENOSYS), yet the hypercall page has a stub for each. Xen's own free
 * numbers (43..47 for new common calls, 48..55 for its architectures: x86
 * uses 48 mca and 49 internally) stay free for Xen. */
#define HYPERCALL_EXPERIMENT_FIRST 64
#define HYPERCALL_EXPERIMENT_LAST 71

/* How many arguments a HYPERCALL line lists (0 to 5). */
#define HYPERCALL_NARGS(...) HYPERCALL_NARGS_(0, ##__VA_ARGS__, 5, 4, 3, 2, 1, 0)
#define HYPERCALL_NARGS_(z, a1, a2, a3, a4, a5, n, ...) n

#endif

#ifndef HYPERCALL
#define HYPERCALL(nr, name, compat, ...)
#endif
#ifndef HYPERCALL_XSM
#define HYPERCALL_XSM(call, hook, class, shape, what)
#endif

HYPERCALL(12, memory_op, memory, unsigned long cmd, void *arg)
HYPERCALL_XSM(memory_op, memory_adjust_reservation, TARGET, src_tgt,
              "increase_reservation, decrease_reservation, populate_physmap")
HYPERCALL_XSM(memory_op, memory_stat_reservation, TARGET, src_tgt,
              "current_reservation, maximum_reservation, maximum_gpfn")
HYPERCALL_XSM(memory_op, memory_map, TARGET, src_tgt, "memory_map")
HYPERCALL_XSM(memory_op, machine_memory_map, PRIV, src, "machine_memory_map")
HYPERCALL_XSM(memory_op, add_to_physmap, TARGET, src_tgt, "add_to_physmap, add_to_physmap_batch")
HYPERCALL_XSM(memory_op, remove_from_physmap, TARGET, src_tgt, "remove_from_physmap")
HYPERCALL_XSM(memory_op, map_gmfn_foreign, TARGET, own,
              "add_to_physmap_batch of gmfn_foreign (the mapping domain on the foreign one)")

/* A 32-bit caller passes the 64-bit timeout in two registers (Xen's
 * compat_set_timer_op(u32 lo, s32 hi)); a 64-bit caller's second is unread. */
HYPERCALL(15, set_timer_op, set_timer_op, int64_t timeout, int32_t timeout_hi_for_32_bit_callers)

HYPERCALL(17, xen_version, none, int cmd, void *arg)

HYPERCALL(18, console_io, none, unsigned int cmd, unsigned int count, char *buffer)
HYPERCALL_XSM(console_io, console_io, HOOK, own, "write; read is PRIV")

HYPERCALL(20, grant_table_op, grant_table, unsigned int cmd, void *uop, unsigned int count)
HYPERCALL_XSM(grant_table_op, grant_mapref, HOOK, own,
              "map_grant_ref (the mapping domain on the granting one, with the GNTMAP_ flags)")
HYPERCALL_XSM(grant_table_op, grant_unmapref, HOOK, src_tgt,
              "unmap_grant_ref (the mapping domain on the granting one)")
HYPERCALL_XSM(grant_table_op, grant_setup, TARGET, src_tgt, "setup_table")
HYPERCALL_XSM(grant_table_op, grant_copy, HOOK, src_tgt,
              "copy (the source domain on the destination domain)")
HYPERCALL_XSM(grant_table_op, grant_query_size, TARGET, src_tgt, "query_size, get_version")

/* The caller's own domain only, as in Xen: no XSM hook. */
HYPERCALL(21, vm_assist, none, unsigned int cmd, unsigned int type)

HYPERCALL(24, vcpu_op, vcpu, int cmd, unsigned int vcpuid, void *extra_arg)
HYPERCALL_XSM(vcpu_op, vcpu_op, TARGET, src_tgt, "every command, on the caller itself")

HYPERCALL(27, xsm_op, xsm_op, void *op)
HYPERCALL_XSM(xsm_op, xsm_op, HOOK, src, "every command, then the command's own check")

HYPERCALL(29, sched_op, sched, int cmd, void *arg)
HYPERCALL_XSM(sched_op, schedop_shutdown, DM_PRIV, src_tgt,
              "remote_shutdown (yield, block, shutdown of the caller: none)")

HYPERCALL(32, event_channel_op, none, int cmd, void *arg)
HYPERCALL_XSM(event_channel_op, evtchn_unbound, TARGET, own,
              "alloc_unbound (the caller on the domain the port is made in)")
HYPERCALL_XSM(event_channel_op, evtchn_interdomain, HOOK, src_tgt,
              "bind_interdomain (the binding domain on the remote one)")
HYPERCALL_XSM(event_channel_op, evtchn_send, HOOK, src_tgt,
              "send (the sender on the peer; itself for an IPI)")
HYPERCALL_XSM(event_channel_op, evtchn_status, TARGET, src_tgt, "status")
HYPERCALL_XSM(event_channel_op, evtchn_close, HOOK, src_tgt, "close (the caller on itself)")
HYPERCALL_XSM(event_channel_op, evtchn_reset, TARGET, src_tgt,
              "reset (bind_virq, bind_ipi, bind_vcpu, unmask: none)")

HYPERCALL(34, hvm_op, none, unsigned long op, void *arg)
HYPERCALL_XSM(hvm_op, hvm_getparam, TARGET, src_tgt, "get_param")
HYPERCALL_XSM(hvm_op, hvm_setparam, TARGET, src_tgt, "set_param")

HYPERCALL(35, sysctl, none, struct xen_sysctl *u_sysctl)
HYPERCALL_XSM(sysctl, sysctl_physinfo, PRIV, src, "physinfo")

HYPERCALL(36, domctl, none, struct xen_domctl *u_domctl)
HYPERCALL_XSM(domctl, domain_create, PRIV, own,
              "createdomain (the caller, for the new domain's label, before anything is made)")
HYPERCALL_XSM(domctl, domain_max_vcpus, PRIV, src_tgt, "max_vcpus")
HYPERCALL_XSM(domctl, domain_set_max_mem, PRIV, src_tgt, "max_mem")
HYPERCALL_XSM(domctl, domain_set_vcpu_context, PRIV, src_tgt, "setvcpucontext")
HYPERCALL_XSM(domctl, domain_pause, PRIV, src_tgt, "pausedomain")
HYPERCALL_XSM(domctl, domain_unpause, DM_PRIV, src_tgt,
              "unpausedomain (the domain's builder, its target= device model, may)")
HYPERCALL_XSM(domctl, domain_kill, PRIV, src_tgt, "destroydomain")
HYPERCALL_XSM(domctl, getdomaininfo, XS_PRIV, src_tgt,
              "getdomaininfo (a privileged or the xenstore domain; asked per domain)")
HYPERCALL_XSM(domctl, set_virq_handler, PRIV, src_tgt, "set_virq_handler")

#undef HYPERCALL
#undef HYPERCALL_XSM
