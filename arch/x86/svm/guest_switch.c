/*
 * The guest state VMRUN does not switch and Mica does: DR0-DR3 and TSC_AUX.
 *
 * VMRUN loads DR6 and DR7 from the VMCB and #VMEXIT stores them back (AMD
 * APM vol. 2 §15.5.1, Appendix B), but DR0-DR3, the breakpoint addresses,
 * stay whatever the processor holds: without Mica, one domain would read
 * what another wrote. Mica switches them lazily, as Xen does: a vCPU starts
 * each run with MOV DR intercepted (all sixteen, reads and writes). Its first
 * MOV DR exits; Mica loads its DR0-DR3, drops the intercepts, and the guest
 * executes the instruction again, natively this time. When the vCPU leaves
 * the CPU, Mica saves DR0-DR3 and sets the intercepts again. A vCPU whose
 * DR7 enables a breakpoint needs its addresses before its first MOV DR, so
 * those are loaded at once. A guest that never touches its debug registers
 * costs nothing but a flag test per run.
 *
 * Mica itself never uses DR0-DR3 and its own DR7 (restored by #VMEXIT)
 * enables no breakpoint, so it leaves a guest's values in the registers.
 *
 * TSC_AUX (MSR 0xC0000103) is what RDTSCP and RDPID return; the guest writes
 * it through Mica (guest_msr.c), which keeps the value per vCPU and loads it
 * whenever the vCPU starts running, as Xen does.
 */
#include "x86/guest_state.h"
#include "x86/asm.h"
#include "x86/cpuid_bits.h"
#include "x86/guest.h"
#include "x86/msr.h"
#include "x86/vmcb.h"

/* DR7 bits L0, G0 ... L3, G3: a breakpoint is enabled (APM §13.1.1.5). */
#define DR7_BREAKPOINTS_ENABLED 0xFFUL

#define DEFINE_DR_ACCESSORS(n)                                         \
    static inline uint64_t read_dr##n(void)                            \
    {                                                                  \
        uint64_t value;                                                \
        __asm__ volatile("mov %%dr" #n ", %0" : "=r"(value));          \
        return value;                                                  \
    }                                                                  \
    static inline void write_dr##n(uint64_t value)                     \
    {                                                                  \
        __asm__ volatile("mov %0, %%dr" #n : : "r"(value) : "memory"); \
    }
DEFINE_DR_ACCESSORS(0)
DEFINE_DR_ACCESSORS(1)
DEFINE_DR_ACCESSORS(2)
DEFINE_DR_ACCESSORS(3)
#undef DEFINE_DR_ACCESSORS

/* This CPU's DR0-DR3 get v's values; v's MOV DR run without exits. */
static void debug_registers_load(struct vcpu *v)
{
    write_dr0(v->arch.dr[0]);
    write_dr1(v->arch.dr[1]);
    write_dr2(v->arch.dr[2]);
    write_dr3(v->arch.dr[3]);
    v->arch.vmcb->control.intercept_dr_read = 0;
    v->arch.vmcb->control.intercept_dr_write = 0;
    v->arch.dr_loaded = true;
}

static void debug_registers_save(struct vcpu *v)
{
    v->arch.dr[0] = read_dr0();
    v->arch.dr[1] = read_dr1();
    v->arch.dr[2] = read_dr2();
    v->arch.dr[3] = read_dr3();
    v->arch.vmcb->control.intercept_dr_read = INTERCEPT_DR_ALL;
    v->arch.vmcb->control.intercept_dr_write = INTERCEPT_DR_ALL;
    v->arch.dr_loaded = false;
}

bool guest_has_tsc_aux(const struct vcpu *v)
{
    return (guest_cpuid(v, CPUID_LEAF_EXT_FEATURES, 0).edx & CPUID_E1_EDX_RDTSCP) ||
           (guest_cpuid(v, CPUID_LEAF_STRUCT_FEATURES, 0).ecx & CPUID_7_ECX_RDPID);
}

void guest_tsc_aux_write(struct vcpu *v, uint32_t value)
{
    v->arch.tsc_aux = value;
    wrmsr(MSR_TSC_AUX, value);
}

void guest_switch_in(struct vcpu *v)
{
    if (v->arch.vmcb->save.dr7 & DR7_BREAKPOINTS_ENABLED)
        debug_registers_load(v);
    /* A guest has TSC_AUX only where the processor has it: CPUID's bits for
     * RDTSCP and RDPID come from the processor unchanged (guest_cpuid.c). */
    if (guest_has_tsc_aux(v))
        wrmsr(MSR_TSC_AUX, v->arch.tsc_aux);
}

void guest_switch_out(struct vcpu *v)
{
    if (v->arch.dr_loaded)
        debug_registers_save(v);
}

void svm_exit_dr_access(struct vcpu *v, struct vmcb *vmcb)
{
    /* RIP stays: the guest executes its MOV DR again, now without an exit,
     * with every architectural effect (DR4/DR5 aliasing or #UD with CR4.DE,
     * #GP for bits 63:32 of DR6/DR7, #DB with DR7.GD) the processor's. */
    (void)vmcb;
    debug_registers_load(v);
}
