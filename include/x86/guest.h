/*
 * What a guest sees of the machine: CPUID, MSRs and the hypercall page
 * (arch/x86/svm/guest_cpuid.c, guest_msr.c, hypercall.c).
 */
#ifndef MICA_X86_GUEST_H
#define MICA_X86_GUEST_H

#include "../domain.h"
#include "asm.h"

/* The CPUID values the guest gets for (leaf, subleaf). */
struct cpuid_result guest_cpuid(const struct vcpu *v, uint32_t leaf, uint32_t subleaf);

/* Fill the guest page at gpa with the hypercall stubs (MSR 0x40000000). */
int hypercall_page_install(struct domain *d, uint64_t gpa);

/* RDMSR / WRMSR from the guest: false means #GP. */
bool guest_msr_read(struct vcpu *v, uint32_t msr, uint64_t *value);
bool guest_msr_write(struct vcpu *v, uint32_t msr, uint64_t value);

#endif
