/*
 * The hypercall table. A guest executes VMMCALL (through its hypercall page)
 * with the hypercall number in RAX and up to five arguments; Mica looks the
 * number up in one table of (handler, argument count, name) and puts the
 * result in RAX. Adding a hypercall is one row in hypercall_table
 * (common/hypercall.c) and one handler; arch/x86/svm/hypercall.c reads the
 * registers. docs/hypercalls.md lists them all.
 *
 * Calling conventions (docs/xen-abi.md), chosen by the guest's mode
 * (EFER.LMA && CS.L), never by register contents:
 *   64-bit: RAX = number; RDI, RSI, RDX, R10, R8 = arguments
 *   32-bit: EAX = number; EBX, ECX, EDX, ESI, EDI = arguments (truncated
 *           to 32 bits: whatever the upper halves hold is ignored)
 */
#ifndef MICA_HYPERCALL_H
#define MICA_HYPERCALL_H

#include "domain.h"

#define HYPERCALL_MAX_ARGS 5

struct hypercall_args {
    uint64_t arg[HYPERCALL_MAX_ARGS];
    bool compat;                 /* a 32-bit caller */
};

/* A handler returns the value for RAX (>= 0, or -XEN_Exxx), or
 * HYPERCALL_PREEMPTED after recording its progress (hypercall_set_arg or
 * the guest's argument structure): the guest then executes the same
 * hypercall again and it resumes (a continuation). */
typedef long (*hypercall_fn)(struct vcpu *v, const struct hypercall_args *a);
#define HYPERCALL_PREEMPTED (-0x7FFFFFFFFFFFFFFFL - 1)

/* Run hypercall nr for v with the argument registers of its calling
 * convention (compat: a 32-bit caller). The arch's VMMCALL exit calls this
 * (arch/x86/svm/hypercall.c); a continuation changes an argument with
 * hypercall_set_arg (arch.h). */
long hypercall_call(struct vcpu *v, uint64_t nr, const uint64_t regs[HYPERCALL_MAX_ARGS],
                    bool compat);

/* The handlers (one file each in common/). */
long do_console_io(struct vcpu *v, const struct hypercall_args *a);
long do_xen_version(struct vcpu *v, const struct hypercall_args *a);
long do_sched_op(struct vcpu *v, const struct hypercall_args *a);
long do_hvm_op(struct vcpu *v, const struct hypercall_args *a);
long do_memory_op(struct vcpu *v, const struct hypercall_args *a);
long do_xsm_op(struct vcpu *v, const struct hypercall_args *a);
long do_domctl(struct vcpu *v, const struct hypercall_args *a);
long do_vcpu_op(struct vcpu *v, const struct hypercall_args *a);

#endif
