/* The x86/SVM side of a vCPU inside arch/x86: the permission maps, VMRUN's
 * checks, exception injection (the arch_vcpu_* interface is in arch.h). */
#ifndef MICA_X86_VCPU_H
#define MICA_X86_VCPU_H

#include "../domain.h"
#include "control_regs.h"
#include "vmcb.h"

/* Shared by every vCPU: the I/O and MSR permission maps (allocated once). */
int svm_permission_maps_init(void);

/* Why the guest state in a VMCB would fail VMRUN's consistency checks
 * (APM vol. 2 §15.5.1), or NULL if it passes. */
const char *vmcb_check_guest_state(const struct vmcb *vmcb, uint32_t max_asids);

/* Guest exceptions injected by Mica. */
void svm_inject_exception(struct vcpu *v, unsigned int vector, bool has_error, uint32_t error);

/* The INIT state, and the state a start-up IPI with this vector gives
 * (vcpu_reset.c; the local APIC sends them, arch/x86/vlapic.c). */
void svm_vcpu_reset(struct vcpu *v);
void svm_vcpu_startup(struct vcpu *v, uint8_t vector);

/* Is the guest in 64-bit mode (EFER.LMA and CS.L)? Inline: every
 * hypercall asks. */
static inline bool vcpu_in_long_mode(const struct vcpu *v)
{
    return (v->arch.vmcb->save.efer & EFER_LMA) && (v->arch.vmcb->save.cs.attrib & SEG_ATTR_L);
}

#endif
