/*
 * trace=hypercalls: log every hypercall a domain makes, with its arguments
 * and its result, one line each:
 *
 *   (linux) hypercall memory_op(0xc, 0xffffc90000013e48) -> 0
 *
 * Given on Mica's command line it traces every domain; as a module option,
 * that domain only (docs/debugging.md). A continuation (a long call Mica
 * preempts) shows once, with its final result. The check on the VMMCALL
 * path is one flag of the domain.
 */
#ifndef MICA_HYPERCALL_TRACE_H
#define MICA_HYPERCALL_TRACE_H

#include "hypercall.h"

/* Is `value` a valid trace= value ("hypercalls")? */
bool hypercall_trace_value_ok(const char *value);
/* Did Mica's command line ask to trace every domain? */
bool hypercall_trace_all(void);

void hypercall_trace(struct vcpu *v, uint64_t nr, const struct hypercall_args *a, long result);

#endif
