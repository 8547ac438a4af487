/*
 * The states INIT and a start-up IPI give a vCPU (the local APIC sends
 * them, arch/x86/vlapic.c). Called on the vCPU's own CPU, or while it
 * cannot run (see vlapic.c).
 *
 * INIT: the processor initialization state of AMD APM vol. 2 §14.1.3
 * (table 14-1, "Initial Processor State"): real mode, CS F000h with base
 * FFFF0000h, IP FFF0h, the other segments 0 with limit FFFFh, CR0
 * 60000010h (CD, NW, ET), RFLAGS 2, EFER 0, DR6 FFFF0FF0h, DR7 400h, EDX
 * the processor's family/model/stepping, the other general registers 0.
 * INIT leaves the x87/SSE state, the PAT and the MTRRs as they were.
 *
 * Start-up IPI with vector V (APM §16.5, Intel SDM 8.4.4.1): the same
 * state, but executing from CS = V << 8 (base V << 12), IP 0.
 */
#include "x86/vcpu.h"
#include "lib/string.h"
#include "x86/guest.h"
#include "x86/vmcb.h"
#include "x86/control_regs.h"
#include "x86/cpuid_bits.h"

/* Segment attributes in the VMCB's packed form (vmcb.h): present,
 * accessed code (read/execute) or data (read/write); the LDT; a busy
 * 16-bit TSS. */
#define REAL_CODE 0x9B
#define REAL_DATA 0x93
#define REAL_LDT 0x82
#define REAL_TSS_BUSY 0x83

#define INIT_CR0 (CR0_CD | CR0_NW | CR0_ET)

static void real_segment(struct vmcb_segment *s, uint16_t sel, uint64_t base, uint16_t attrib)
{
    s->selector = sel;
    s->base = base;
    s->limit = 0xFFFF;
    s->attrib = attrib;
}

void svm_vcpu_reset(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    struct vmcb_save *s = &vmcb->save;

    real_segment(&s->cs, 0xF000, 0xFFFF0000, REAL_CODE);
    real_segment(&s->ds, 0, 0, REAL_DATA);
    real_segment(&s->es, 0, 0, REAL_DATA);
    real_segment(&s->ss, 0, 0, REAL_DATA);
    real_segment(&s->fs, 0, 0, REAL_DATA);
    real_segment(&s->gs, 0, 0, REAL_DATA);
    real_segment(&s->gdtr, 0, 0, 0);
    real_segment(&s->idtr, 0, 0, 0);
    real_segment(&s->ldtr, 0, 0, REAL_LDT);
    real_segment(&s->tr, 0, 0, REAL_TSS_BUSY);
    s->cpl = 0;
    s->rip = 0xFFF0;
    s->rflags = RFLAGS_ALWAYS_ONE;
    s->cr0 = INIT_CR0;
    s->cr2 = s->cr3 = s->cr4 = 0;
    v->arch.guest_efer = 0;
    s->efer = EFER_SVME; /* SVM requires it in the guest's EFER (APM §15.5.1) */
    s->dr6 = DR6_RESET;
    s->dr7 = DR7_RESET;
    s->rsp = 0;
    s->rax = 0;
    memset(&v->arch.gprs, 0, sizeof(v->arch.gprs));
    v->arch.gprs.rdx = guest_cpuid(v, CPUID_LEAF_FEATURES, 0).eax;

    /* Nothing in flight, no window, no NMI handler, not halted. */
    vmcb->control.event_inject = 0;
    vmcb->control.interrupt_shadow = 0;
    vmcb->control.int_ctl &= ~(INT_CTL_V_IRQ_ALL | INT_CTL_V_TPR);
    vmcb->control.intercept_misc1 &= ~(INTERCEPT_VINTR | INTERCEPT_IRET);
    memset(&v->arch.intr, 0, sizeof(v->arch.intr));
    arch_vcpu_flush_tlb(v); /* paging went off under the guest's feet */
}

void svm_vcpu_startup(struct vcpu *v, uint8_t vector)
{
    struct vmcb_save *s = &v->arch.vmcb->save;

    svm_vcpu_reset(v); /* a vCPU never started has the PVH entry state */
    real_segment(&s->cs, (uint16_t)(vector << 8), (uint64_t)vector << 12, REAL_CODE);
    s->rip = 0;
}
