/*
 * Guest state a guest changes without help from Mica, and the exits that
 * keep it the guest's own (docs/platform.md, "Guest state"):
 *   arch/x86/svm/guest_switch.c  DR0-DR3 and TSC_AUX, which VMRUN does not
 *                                switch: Mica switches them with the vCPU
 *   arch/x86/svm/guest_cr.c      writes to CR0 and CR4, checked as the
 *                                processor would (guest_cr_rules.c); the
 *                                decoding CR8's intercept (intr.c) shares
 *   arch/x86/svm/guest_pmu.c     the performance counters, which guests see
 *                                stopped
 */
#ifndef MICA_X86_GUEST_STATE_H
#define MICA_X86_GUEST_STATE_H

#include "../domain.h"
#include "guest_cr.h"

struct vmcb;

/* v starts or stops running on this CPU (arch_vcpu_run). */
void guest_switch_in(struct vcpu *v);
void guest_switch_out(struct vcpu *v);

/* Does the guest's CPUID give it TSC_AUX (RDTSCP or RDPID)? */
bool guest_has_tsc_aux(const struct vcpu *v);
/* A WRMSR to TSC_AUX that guest_msr.c accepted: v runs on this CPU. */
void guest_tsc_aux_write(struct vcpu *v, uint32_t value);

/* The CPUID words of v's view that decide its CR4 and EFER bits. */
void guest_cr_features(const struct vcpu *v, struct guest_cr_features *f);
/* v's state as the CR0/CR4/EFER rules read it. */
void guest_cr_state(const struct vcpu *v, struct guest_cr_state *s);

/* The performance-counter MSRs: true if msr is one (then read as 0, and
 * written without effect, as Xen 4.17 does for a guest without vPMU). */
bool guest_pmu_msr_read(uint32_t msr, uint64_t *value);
bool guest_pmu_msr_write(uint32_t msr);

/* General register n of v in ModRM order (0 RAX, 1 RCX, 2 RDX, 3 RBX,
 * 4 RSP, 5 RBP, 6 RSI, 7 RDI, 8-15 R8-R15): RAX and RSP from the VMCB, the
 * others from struct guest_gprs (guest_cr.c). */
uint64_t guest_gpr(const struct vcpu *v, unsigned int n);

/* The instruction at v's CS:RIP, read through its page tables and decoded
 * (mov_cr_decode.c): true if it writes control register cr (0, 4, or 8 for
 * CR8's intercept, intr.c). */
bool guest_cr_write_insn(struct vcpu *v, unsigned int cr, struct cr_write_insn *insn);

/* Exit handlers (the table in svm_exits.c). */
void svm_exit_dr_access(struct vcpu *v, struct vmcb *vmcb); /* MOV DR, first of a run */
void svm_exit_cr_write(struct vcpu *v, struct vmcb *vmcb);  /* CR0 (selective), CR4 */
void svm_exit_rdpmc(struct vcpu *v, struct vmcb *vmcb);

#endif
