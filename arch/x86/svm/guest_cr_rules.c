/*
 * What a guest may write to CR0, CR4 and EFER: the #GP conditions the
 * processor itself checks on MOV to CRn, LMSW and WRMSR (AMD APM vol. 3,
 * "MOV CRn" and "WRMSR"; vol. 2 §3.1.1 CR0, §3.1.3 CR4, §3.1.7 EFER, §14.6
 * long mode), with "the feature exists" read from the guest's own CPUID.
 *
 * Mica intercepts these writes (guest_cr.c, guest_msr.c) because QEMU's TCG
 * does not make all of the checks: a reserved CR4 bit ends the guest with
 * VMEXIT_INVALID, a bad CR0 reaches the VMCB and fails VMRUN's checks
 * (docs/qemu.md). Checking here gives the guest the #GP real hardware
 * would. Pure functions: unit-tested on the host.
 */
#include "x86/guest_cr.h"
#include "x86/control_regs.h"
#include "x86/cpuid_bits.h"

/* CR0 bits the architecture defines; the rest of 31:0 is reserved and
 * ignored on a write, 63:32 must be zero (APM §3.1.1). */
#define CR0_DEFINED                                                                            \
    (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | \
     CR0_PG)

/* CR3 bits 11:0 hold the PCID once CR4.PCIDE is set (APM §5.3.3). */
#define CR3_PCID_MASK 0xFFFUL

/* Changing one of these invalidates the TLB (APM §5.5.2). */
#define CR0_TLB_BITS (CR0_PE | CR0_WP | CR0_CD | CR0_PG)
#define CR4_TLB_BITS (CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCIDE | CR4_SMEP | CR4_SMAP)

/* One CR4 bit (or pair) Mica supports, and the CPUID word and bit that say
 * the processor has it. */
struct cr4_feature {
    uint64_t cr4_bits;
    size_t word; /* offset of the CPUID word in struct guest_cr_features */
    uint32_t cpuid_bit;
};
#define FEATURE(cr4_bits, word, bit)                            \
    {                                                           \
        cr4_bits, offsetof(struct guest_cr_features, word), bit \
    }

/* Bits not listed here (OSXSAVE, PKE, LA57, CET, VMXE, SMXE, ...) belong to
 * features Mica hides from its guests (guest_cpuid.c): they are reserved. */
static const struct cr4_feature cr4_features[] = {
    FEATURE(CR4_VME | CR4_PVI, leaf1_edx, CPUID_1_EDX_VME),
    FEATURE(CR4_TSD, leaf1_edx, CPUID_1_EDX_TSC),
    FEATURE(CR4_DE, leaf1_edx, CPUID_1_EDX_DE),
    FEATURE(CR4_PSE, leaf1_edx, CPUID_1_EDX_PSE),
    FEATURE(CR4_PAE, leaf1_edx, CPUID_1_EDX_PAE),
    FEATURE(CR4_MCE, leaf1_edx, CPUID_1_EDX_MCE),
    FEATURE(CR4_PGE, leaf1_edx, CPUID_1_EDX_PGE),
    FEATURE(CR4_OSFXSR, leaf1_edx, CPUID_1_EDX_FXSR),
    FEATURE(CR4_OSXMMEXCPT, leaf1_edx, CPUID_1_EDX_SSE),
    FEATURE(CR4_UMIP, leaf7_ecx, CPUID_7_ECX_UMIP),
    FEATURE(CR4_FSGSBASE, leaf7_ebx, CPUID_7_EBX_FSGSBASE),
    FEATURE(CR4_PCIDE, leaf1_ecx, CPUID_1_ECX_PCID),
    FEATURE(CR4_SMEP, leaf7_ebx, CPUID_7_EBX_SMEP),
    FEATURE(CR4_SMAP, leaf7_ebx, CPUID_7_EBX_SMAP),
};

uint64_t guest_cr4_allowed(const struct guest_cr_features *f)
{
    /* CR4.PCE needs no CPUID bit: the four legacy performance counters
     * exist on every AMD64 processor (APM §13.2.1). */
    uint64_t allowed = CR4_PCE;

    for (size_t i = 0; i < ARRAY_SIZE(cr4_features); i++) {
        const struct cr4_feature *c = &cr4_features[i];
        uint32_t word = *(const uint32_t *)((const char *)f + c->word);
        if (word & c->cpuid_bit)
            allowed |= c->cr4_bits;
    }
    return allowed;
}

uint64_t guest_efer_allowed(const struct guest_cr_features *f)
{
    uint64_t allowed = 0;

    if (f->ext1_edx & CPUID_E1_EDX_SYSCALL)
        allowed |= EFER_SCE;
    if (f->ext1_edx & CPUID_E1_EDX_LM)
        allowed |= EFER_LME;
    if (f->ext1_edx & CPUID_E1_EDX_NX)
        allowed |= EFER_NXE;
    return allowed;
}

const char *guest_cr0_check(const struct guest_cr_state *s, uint64_t value)
{
    bool paging_on = !(s->cr0 & CR0_PG) && (value & CR0_PG);
    bool paging_off = (s->cr0 & CR0_PG) && !(value & CR0_PG);

    if (value >> 32)
        return "CR0 bits 63:32 set";
    if ((value & CR0_NW) && !(value & CR0_CD))
        return "CR0.NW without CR0.CD";
    if ((value & CR0_PG) && !(value & CR0_PE))
        return "CR0.PG without CR0.PE";
    /* Activating long mode needs PAE paging (APM §14.6.1). */
    if (paging_on && (s->efer & EFER_LME) && !(s->cr4 & CR4_PAE))
        return "paging with EFER.LME but without CR4.PAE";
    /* Long mode is left from compatibility mode only (APM §14.7). */
    if (paging_off && s->in_64bit)
        return "paging turned off in 64-bit mode";
    return NULL;
}

uint64_t guest_cr0_value(uint64_t value)
{
    return (value & CR0_DEFINED) | CR0_ET;
}

const char *guest_cr4_check(const struct guest_cr_state *s, uint64_t allowed, uint64_t value)
{
    if (value & ~allowed)
        return "reserved or unsupported CR4 bit";
    if ((s->efer & EFER_LMA) && !(value & CR4_PAE))
        return "CR4.PAE cleared in long mode";
    if (!(s->cr4 & CR4_PCIDE) && (value & CR4_PCIDE)) {
        if (!(s->efer & EFER_LMA))
            return "CR4.PCIDE set outside long mode";
        if (s->cr3 & CR3_PCID_MASK)
            return "CR4.PCIDE set with a nonzero PCID in CR3";
    }
    return NULL;
}

const char *guest_efer_check(const struct guest_cr_state *s, uint64_t allowed, uint64_t value)
{
    /* LMA is the processor's: a write may hold either value, which is
     * ignored (APM §3.1.7). */
    if (value & ~(allowed | EFER_LMA))
        return "reserved or unsupported EFER bit";
    /* LME changes only while paging is off (APM §14.6.1). */
    if ((s->cr0 & CR0_PG) && ((value ^ s->efer) & EFER_LME))
        return "EFER.LME changed while paging is on";
    return NULL;
}

uint64_t guest_efer_in_vmcb(uint64_t efer, uint64_t cr0)
{
    efer = (efer & ~EFER_LMA) | EFER_SVME;
    if (!(cr0 & CR0_PG))
        return efer & ~EFER_LME;
    return (efer & EFER_LME) ? efer | EFER_LMA : efer;
}

bool guest_cr0_change_flushes_tlb(uint64_t old_cr0, uint64_t new_cr0)
{
    return (old_cr0 ^ new_cr0) & CR0_TLB_BITS;
}

bool guest_cr4_change_flushes_tlb(uint64_t old_cr4, uint64_t new_cr4)
{
    return (old_cr4 ^ new_cr4) & CR4_TLB_BITS;
}
