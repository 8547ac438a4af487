/*
 * The hypercall table. A guest executes VMMCALL (through its hypercall page)
 * with the hypercall number in RAX and up to five arguments; Mica looks the
 * number up in one table of (handler, argument count, name) and puts the
 * result in RAX. Adding a hypercall is one row in hypercall_table
 * (common/hypercall.c) and one handler. docs/hypercalls.md lists them all.
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

/* Change argument i in the guest's registers (for a continuation). */
void hypercall_set_arg(struct vcpu *v, unsigned int i, uint64_t value);

/* Run the hypercall the vCPU asked for. Returns true when it completed and
 * RIP should move past VMMCALL. */
bool hypercall_dispatch(struct vcpu *v);

/* Fill the guest page at gpa with the hypercall stubs (MSR 0x40000000). */
int hypercall_page_install(struct domain *d, uint64_t gpa);

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
