/* Handling a #VMEXIT: one handler per exit code (arch/x86/svm/svm_exits.c). */
#ifndef MICA_X86_SVM_EXITS_H
#define MICA_X86_SVM_EXITS_H

#include "../domain.h"

void svm_handle_exit(struct vcpu *v);

#endif
