/* Handling a #VMEXIT: one handler per exit code (arch/x86/svm/svm_exits.c). */
#ifndef MICA_X86_SVM_EXITS_H
#define MICA_X86_SVM_EXITS_H

#include "../domain.h"

void svm_handle_exit(struct vcpu *v);

struct vmcb;
/* The VMMCALL exit (SVM_EXIT_VMMCALL): the hypercall the vCPU asked for
 * (arch/x86/svm/hypercall.c). RIP moves past VMMCALL unless the call is
 * continued, in which case the guest executes it again. */
void svm_exit_vmmcall(struct vcpu *v, struct vmcb *vmcb);

/* The nested page fault exit (SVM_EXIT_NPF): emulate the access, or crash
 * the domain (arch/x86/svm/npf.c, docs/platform.md). */
void svm_exit_npf(struct vcpu *v, struct vmcb *vmcb);

#endif
