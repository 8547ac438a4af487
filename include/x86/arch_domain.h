/*
 * The x86 (AMD SVM) part of a vCPU and of a domain: embedded as `arch` in
 * struct vcpu and struct domain, read and written only under arch/x86/.
 */
#ifndef MICA_X86_ARCH_DOMAIN_H
#define MICA_X86_ARCH_DOMAIN_H

#include "percpu.h"
#include "types.h"
#include "x86/guest_mtrr.h"
#include "x86/svm.h"
#include "x86/svm_intr.h"
#include "x86/vlapic.h"

/* FXSAVE's image is 512 bytes, 16-byte aligned (APM vol. 2 §11.4.4). */
#define FXSAVE_AREA_SIZE 512

struct vmcb;

struct arch_vcpu {
    struct vmcb *vmcb;              /* its VMCB (APM vol. 2 Appendix B) */
    paddr_t vmcb_pa;                /* ... and its physical address for VMRUN */
    struct guest_gprs gprs;         /* registers VMRUN does not switch */
    struct svm_asid asid[MAX_CPUS]; /* its ASID on each physical CPU */
    uint64_t guest_efer;            /* EFER as the guest sees it (no SVME) */
    /* State VMRUN does not switch (arch/x86/svm/guest_switch.c): DR0-DR3,
     * and whether this CPU's debug registers hold them now (MOV DR then
     * runs without exits); TSC_AUX, as RDTSCP returns it. */
    uint64_t dr[4];
    bool dr_loaded;
    uint32_t tsc_aux;
    uint8_t fpu_area[FXSAVE_AREA_SIZE] __attribute__((aligned(16))); /* FXSAVE image */
    struct guest_mtrr mtrr; /* its MTRRs (storage only under NPT) */
    struct vlapic vlapic;   /* its local APIC (arch/x86/vlapic.c) */
    struct svm_intr intr;   /* HLT, NMI blocking (arch/x86/svm/intr.c) */
};

struct arch_domain {
    /* Guest-physical address of the hypercall page the guest last
     * installed through MSR 0x40000000, or 0 (docs/xen-abi.md). */
    uint64_t hypercall_page_gpa;
    /* An access to a hole was logged (once per domain; atomic exchange,
     * arch/x86/svm/guest_emulate.c). */
    bool hole_reported;
};

#endif
