/* The x86/SVM side of a vCPU: its VMCB and the loop that runs it. */
#ifndef MICA_X86_VCPU_H
#define MICA_X86_VCPU_H

#include "../domain.h"

/* Allocate the VMCB and set the PVH entry state (32-bit protected mode,
 * paging off) with RIP = entry and EBX = start_info_gpa. -errno. */
int arch_vcpu_init(struct vcpu *v, uint32_t entry, uint32_t start_info_gpa);
void arch_vcpu_destroy(struct vcpu *v);

struct vcpu_hvm_context;
/* Set an offline, never-run vCPU's registers from ctx (VCPUOP_initialise;
 * rules in arch/x86/svm/vcpu_context.c). 0, or -EINVAL for a context Xen would
 * refuse or whose state would fail VMRUN's checks (nothing is changed
 * then), or -ENOMEM. */
int arch_vcpu_set_hvm_context(struct vcpu *v, const struct vcpu_hvm_context *ctx);

/* Run v on this CPU until the scheduler should take it off. */
void arch_vcpu_run(struct vcpu *v);

/* Forget v's TLB entries on every CPU: a fresh ASID at its next VMRUN. */
void arch_vcpu_flush_tlb(struct vcpu *v);

/* Shared by every vCPU: the I/O and MSR permission maps (allocated once). */
int svm_permission_maps_init(void);

/* Why the guest state in a VMCB would fail VMRUN's consistency checks
 * (APM vol. 2 §15.5.1), or NULL if it passes. */
const char *vmcb_check_guest_state(const struct vmcb *vmcb, uint32_t max_asids);

/* Guest exceptions injected by Mica. */
void svm_inject_exception(struct vcpu *v, unsigned int vector, bool has_error, uint32_t error);

/* Is the guest in 64-bit mode (EFER.LMA and CS.L)? */
bool vcpu_in_long_mode(const struct vcpu *v);

#endif
