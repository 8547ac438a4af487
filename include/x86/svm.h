/* AMD SVM: turning it on per CPU, ASIDs, and entering a guest. */
#ifndef MICA_X86_SVM_H
#define MICA_X86_SVM_H

#include "../types.h"

/* A guest's general registers other than RAX and RSP (those live in the
 * VMCB). The layout is shared with svm_vmrun.asm. */
struct guest_gprs {
    uint64_t rbx, rcx, rdx, rsi, rdi, rbp;
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/* Does this CPU have SVM and nested paging? Prints why not. (Boot CPU.) */
bool svm_supported(void);

/* Enable SVM on the calling CPU (EFER.SVME, its host save area). */
void svm_cpu_init(void);

/* Enter the guest of vmcb; returns at its next #VMEXIT with interrupts off. */
void svm_vmrun(paddr_t vmcb_pa, struct guest_gprs *gprs, paddr_t host_area_pa);

/* Physical address of this CPU's VMSAVE area for host state. */
paddr_t svm_host_area(void);

/* ASIDs (APM §15.16): tag TLB entries per guest address space. Each CPU hands
 * out its own ASIDs; when they run out it starts a new generation and
 * flushes its whole TLB, so a vCPU whose ASID is from an old generation
 * simply gets a fresh one. */
struct svm_asid {
    uint32_t asid;
    uint64_t generation;
};
/* Pick the ASID for a VMRUN on this CPU; returns true if the whole TLB must
 * be flushed on this VMRUN. */
bool svm_asid_assign(struct svm_asid *asid);
uint32_t svm_max_asids(void);

#endif
