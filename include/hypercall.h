/*
 * The hypercall table. A guest executes VMMCALL (through its hypercall page)
 * with the hypercall number in RAX and up to five arguments; Mica looks the
 * number up in one table of (handler, argument count, name) and puts the
 * result in RAX. Each hypercall is declared once, in include/hypercall_defs.h:
 * the table (common/hypercall.c) and the prototypes below follow from it;
 * arch/x86/svm/hypercall.c reads the registers. docs/hypercalls.md lists
 * them all and says how to add one.
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
#include "public/errno.h"

#define HYPERCALL_MAX_ARGS 5

struct hypercall_args {
    uint64_t arg[HYPERCALL_MAX_ARGS];
    bool compat; /* a 32-bit caller */
};

/* A handler returns the value for RAX (>= 0, or -XEN_Exxx), or
 * HYPERCALL_PREEMPTED after recording its progress (hypercall_set_arg or
 * the guest's argument structure): the guest then executes the same
 * hypercall again and it resumes (a continuation). */
typedef long (*hypercall_fn)(struct vcpu *v, const struct hypercall_args *a);
#define HYPERCALL_PREEMPTED (-0x7FFFFFFFFFFFFFFFL - 1)

/* The dispatch table (common/hypercall.c), one row per declared number. */
struct hypercall {
    hypercall_fn fn;
    unsigned int nr_args; /* how many argument registers it reads */
    const char *name;
};
extern const struct hypercall hypercall_table[];
extern const unsigned int hypercall_table_size;

/* Run hypercall nr for v with the arguments of its calling convention, as
 * the arch read them from the registers (a 32-bit caller's are 32 bits:
 * a->compat). The arch's VMMCALL exit calls this (arch/x86/svm/hypercall.c);
 * a continuation changes an argument with hypercall_set_arg (arch.h).
 * Inline: it is on every hypercall's path. */
static inline long hypercall_call(struct vcpu *v, uint64_t nr, const struct hypercall_args *a)
{
    if (nr >= hypercall_table_size || !hypercall_table[nr].fn)
        return -XEN_ENOSYS;
    return hypercall_table[nr].fn(v, a);
}

/* The name of hypercall nr ("memory_op"), or NULL if Mica has none: for
 * logging and traces. (Not called on the VMMCALL path: a call there, even
 * out of line, costs every hypercall two instructions.) */
const char *hypercall_name(uint64_t nr);

/* The handlers (one file each in common/), one per HYPERCALL line of
 * include/hypercall_defs.h. */
#define HYPERCALL(nr, name, ...) long do_##name(struct vcpu *v, const struct hypercall_args *a);
#include "hypercall_defs.h"

#endif
