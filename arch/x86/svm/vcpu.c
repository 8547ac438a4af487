/*
 * A vCPU on SVM: its VMCB, the PVH entry state, and the run loop.
 */
#include "x86/vcpu.h"
#include "heap.h"
#include "p2m/p2m_gfn.h"
#include "lib/string.h"
#include "page_alloc.h"
#include "panic.h"
#include "percpu.h"
#include "printk.h"
#include "public/errno.h"
#include "schedule.h"
#include "timer.h"
#include "x86/asm.h"
#include "x86/guest_state.h"
#include "x86/svm_exits.h"
#include "x86/svm_intr_path.h"
#include "x86/vlapic.h"
#include "x86/vmcb.h"
#include "x86/control_regs.h"
#include "x86/msr.h"

/* The PAT the guest starts with: the architectural power-on value
 * (WB, WT, UC-, UC repeated), APM vol. 2 §7.8.2. */
#define PAT_POWER_ON 0x0007040600070406UL

/* One I/O permission map (12 KiB) and one MSR permission map (8 KiB) for
 * all vCPUs (APM §15.10, §15.11): a set bit intercepts. */
static paddr_t iopm_pa, msrpm_pa;

/* MSRs the guest reads and writes directly: their values are part of the
 * state VMLOAD/VMSAVE switch (APM §15.5.2), so no emulation is needed. */
static const uint32_t passthrough_msrs[] = {
    MSR_STAR,    MSR_LSTAR,          MSR_CSTAR,       MSR_SFMASK,       MSR_FS_BASE,
    MSR_GS_BASE, MSR_KERNEL_GS_BASE, MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP,
};

/* The PVH entry state's segments (docs/xen-abi.md): the ABI fixes their
 * bases, limits and types, not the selectors; these are Mica's choice. A
 * 32-bit TSS is 104 bytes (limit 0x67). */
#define PVH_SEL_CODE 0x08
#define PVH_SEL_DATA 0x10
#define PVH_SEL_TSS 0x18
#define SEG_LIMIT_4G 0xFFFFFFFFu
#define TSS32_LIMIT 0x67

/* The MSR permission map (APM vol. 2 §15.11, table 15-5): three 2 KiB
 * blocks, each for 8K MSRs from its first, two bits (read, write) per MSR. */
#define MSRPM_BLOCK_BYTES 0x800
#define MSRPM_BLOCK_MSRS 0x2000
static const uint32_t msrpm_block_first[] = { 0x00000000, 0xC0000000, 0xC0010000 };

static bool msrpm_clear(uint8_t *map, uint32_t msr)
{
    uint32_t base;
    unsigned int i = 0;

    while (i < ARRAY_SIZE(msrpm_block_first) &&
           (msr < msrpm_block_first[i] || msr - msrpm_block_first[i] >= MSRPM_BLOCK_MSRS))
        i++;
    if (i == ARRAY_SIZE(msrpm_block_first))
        return false;
    base = i * MSRPM_BLOCK_BYTES;
    msr -= msrpm_block_first[i];
    map[base + msr / 4] &= (uint8_t) ~(3u << ((msr % 4) * 2));
    return true;
}

int svm_permission_maps_init(void)
{
    struct frame *io = alloc_frames(2);  /* 16 KiB covers the 12 KiB IOPM */
    struct frame *msr = alloc_frames(1); /* 8 KiB MSRPM */

    if (!io || !msr)
        return -XEN_ENOMEM;
    memset(frame_to_virt(io), 0xFF, 4 * PAGE_SIZE);  /* every port */
    memset(frame_to_virt(msr), 0xFF, 2 * PAGE_SIZE); /* every MSR ... */
    for (unsigned int i = 0; i < ARRAY_SIZE(passthrough_msrs); i++)
        msrpm_clear(frame_to_virt(msr), passthrough_msrs[i]); /* ... but these */
    iopm_pa = mfn_to_paddr(frame_to_mfn(io));
    msrpm_pa = mfn_to_paddr(frame_to_mfn(msr));
    return 0;
}

static void set_segment(struct vmcb_segment *s, uint16_t sel, uint16_t attrib, uint32_t limit)
{
    s->selector = sel;
    s->attrib = attrib;
    s->limit = limit;
    s->base = 0;
}

int arch_vcpu_init(struct vcpu *v, uint32_t entry, uint32_t start_info_gpa)
{
    struct frame *f = alloc_frames(0);
    struct vmcb *vmcb;

    if (!f)
        return -XEN_ENOMEM;
    vmcb = frame_to_virt(f);
    memset(vmcb, 0, PAGE_SIZE);
    v->arch.vmcb = vmcb;
    v->arch.vmcb_pa = mfn_to_paddr(frame_to_mfn(f));

    /* What Mica intercepts (see docs/ARCHITECTURE.md, "Guests"). */
    vmcb->control.intercept_misc1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI |
                                    INTERCEPT_INIT | INTERCEPT_RDPMC | INTERCEPT_CPUID |
                                    INTERCEPT_INVD | INTERCEPT_HLT | INTERCEPT_INVLPGA |
                                    INTERCEPT_IOIO_PROT | INTERCEPT_MSR_PROT |
                                    INTERCEPT_TASK_SWITCH | INTERCEPT_SHUTDOWN;
    vmcb->control.intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL | INTERCEPT_VMLOAD |
                                    INTERCEPT_VMSAVE | INTERCEPT_STGI | INTERCEPT_CLGI |
                                    INTERCEPT_SKINIT | INTERCEPT_MONITOR | INTERCEPT_MWAIT |
                                    INTERCEPT_XSETBV;
    /* CR0 and CR4 writes, and MOV DR until the vCPU's debug registers are
     * loaded (guest_cr.c, guest_switch.c). */
    vmcb->control.intercept_cr_write = INTERCEPT_CR_WRITE(0) | INTERCEPT_CR_WRITE(4);
    vmcb->control.intercept_dr_read = INTERCEPT_DR_ALL;
    vmcb->control.intercept_dr_write = INTERCEPT_DR_ALL;
    vmcb->control.iopm_base_pa = iopm_pa;
    vmcb->control.msrpm_base_pa = msrpm_pa;
    vmcb->control.int_ctl = INT_CTL_V_INTR_MASKING;
    vmcb->control.np_enable = 1;
    vmcb->control.n_cr3 = mfn_to_paddr(v->domain->p2m.root);

    /* The PVH entry state (docs/xen-abi.md): 32-bit protected mode,
     * paging off, flat 4 GiB segments, a 32-bit busy TSS, IF=0, EBX = the
     * hvm_start_info address. */
    struct vmcb_save *s = &vmcb->save;
    set_segment(&s->cs, PVH_SEL_CODE, SEG_ATTR_CODE32, SEG_LIMIT_4G);
    set_segment(&s->ds, PVH_SEL_DATA, SEG_ATTR_DATA32, SEG_LIMIT_4G);
    set_segment(&s->es, PVH_SEL_DATA, SEG_ATTR_DATA32, SEG_LIMIT_4G);
    set_segment(&s->ss, PVH_SEL_DATA, SEG_ATTR_DATA32, SEG_LIMIT_4G);
    set_segment(&s->fs, PVH_SEL_DATA, SEG_ATTR_DATA32, SEG_LIMIT_4G);
    set_segment(&s->gs, PVH_SEL_DATA, SEG_ATTR_DATA32, SEG_LIMIT_4G);
    set_segment(&s->tr, PVH_SEL_TSS, SEG_ATTR_TSS32_BUSY, TSS32_LIMIT);
    set_segment(&s->ldtr, 0, SEG_ATTR_LDT, 0);
    set_segment(&s->gdtr, 0, 0, 0);
    set_segment(&s->idtr, 0, 0, 0);
    s->cr0 = CR0_PE | CR0_ET;
    s->cr4 = 0;
    s->cr3 = 0;
    v->arch.guest_efer = 0;
    s->efer = EFER_SVME; /* SVM requires it in the guest's EFER (APM §15.5.1) */
    s->rflags = RFLAGS_ALWAYS_ONE;
    s->rip = entry;
    s->dr6 = DR6_RESET;
    s->dr7 = DR7_RESET;
    s->g_pat = PAT_POWER_ON;
    v->arch.gprs.rbx = start_info_gpa;
    vlapic_init(v);

    /* FXSAVE image of a reset FPU: FCW 0x37F, MXCSR 0x1F80 (all masked). */
    *(uint16_t *)&v->arch.fpu_area[0] = 0x37F;
    *(uint32_t *)&v->arch.fpu_area[24] = 0x1F80;
    return 0;
}

void arch_vcpu_destroy(struct vcpu *v)
{
    if (v->arch.vmcb) {
        vlapic_destroy(v); /* vlapic_init ran: arch_vcpu_init cannot fail after the VMCB */
        free_frames(virt_to_frame(v->arch.vmcb), 0);
    }
    v->arch.vmcb = NULL;
}

void arch_vcpu_flush_tlb(struct vcpu *v)
{
    for (unsigned int cpu = 0; cpu < ARRAY_SIZE(v->arch.asid); cpu++)
        __atomic_store_n(&v->arch.asid[cpu].generation, 0, __ATOMIC_RELEASE);
}

void svm_inject_exception(struct vcpu *v, unsigned int vector, bool has_error, uint32_t error)
{
    uint64_t event = vector | EVENT_TYPE_EXCEPTION | EVENT_INJECT_VALID;

    if (has_error)
        event |= EVENT_INJECT_ERROR_VALID | ((uint64_t)error << 32);
    v->arch.vmcb->control.event_inject = event;
}

/* FSW (FXSAVE image bytes 2-3): the bits FNCLEX clears, ES among them. */
#define FSW_ES (1u << 7)
#define FSW_FNCLEX_BITS 0x80FFu

/*
 * QEMU's TCG, on an FXRSTOR that leaves FSW.ES clear, clears IGNNE in the
 * boot CPU's hflags2 with a plain read-modify-write from whichever CPU ran
 * the FXRSTOR. Under multi-threaded TCG that store can undo a VMRUN or
 * #VMEXIT the boot CPU does meanwhile: after a #VMEXIT nested paging stays on
 * for the host and CPU 0 triple-faults (docs/qemu.md). So load the image with
 * ES set, which skips that store, then clear ES with FNCLEX (non-waiting: no
 * #MF). That is exact when FSW has none of the bits FNCLEX clears, as after
 * FNINIT or any computation with no exception; otherwise plain FXRSTOR.
 */
static void fpu_load(struct vcpu *v)
{
    uint16_t *fsw = (uint16_t *)&v->arch.fpu_area[2];

    if (*fsw & FSW_FNCLEX_BITS) {
        __asm__ volatile("fxrstor64 %0"
                         :
                         : "m"(*(const uint8_t(*)[FXSAVE_AREA_SIZE])v->arch.fpu_area));
        return;
    }
    *fsw |= FSW_ES;
    __asm__ volatile("fxrstor64 %0\n\tfnclex"
                     :
                     : "m"(*(const uint8_t(*)[FXSAVE_AREA_SIZE])v->arch.fpu_area));
    *fsw &= (uint16_t)~FSW_ES;
}

static void fpu_save(struct vcpu *v)
{
    __asm__ volatile("fxsave64 %0" : "=m"(*(uint8_t(*)[FXSAVE_AREA_SIZE])v->arch.fpu_area));
}

/* Before each VMRUN: a current ASID, and a check that no lock is held
 * (a lock held while a guest runs could be held for ever). */
static bool prepare_entry(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    unsigned int cpu = smp_processor_id();
    const char *bad;

#ifdef MICA_DEBUG
    check_no_gfn_held();
    if (spin_innermost_held())
        panic("entering a guest with lock '%s' held\n", spin_innermost_held()->name);
#endif
    /* Pairs with the fence in p2m_domain_flush_tlbs: our processor is visible
     * before we read the ASID generation. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    vmcb->control.tlb_control = svm_asid_assign(&v->arch.asid[cpu]) ? TLB_CONTROL_FLUSH_ALL
                                                                    : TLB_CONTROL_DO_NOTHING;
    vmcb->control.guest_asid = v->arch.asid[cpu].asid;

    bad = vmcb_check_guest_state(vmcb, svm_max_asids());
    if (bad) {
        domain_crash(v->domain, "d%u v%u: guest state would fail VMRUN: %s (RIP %#lx)",
                     v->domain->domid, v->id, bad, vmcb->save.rip);
        return false;
    }
    return true;
}

void arch_vcpu_run(struct vcpu *v)
{
    fpu_load(v);
    guest_switch_in(v);
    for (;;) {
        /* INIT, start-up, the APIC timer; a halted vCPU that nothing wakes
         * blocks (intr.c). Two tests on the path without events. */
        if (__builtin_expect(vlapic_events_pending(&v->arch.vlapic) ||
                                 vlapic_waiting_for_sipi(&v->arch.vlapic),
                             0))
            vlapic_run_events(v);
        if (__builtin_expect(v->arch.intr.halted, 0) && svm_intr_stay_halted(v)) {
            if (sched_must_leave(v))
                break;
            continue;
        }
        irq_disable();
        /* Timers due on this CPU run first, with interrupts on (one may
         * raise an event for v); an interrupt after this test forces the
         * guest straight back out. */
        if (__builtin_expect(timers_pending(), 0)) {
            irq_enable();
            timers_run();
            continue;
        }
        if (sched_must_leave(v)) {
            irq_enable();
            break;
        }
        svm_intr_before_entry(v); /* an NMI, the upcall, the APIC's vector (intr.c) */
        if (!prepare_entry(v)) {
            irq_enable();
            break;
        }
        svm_vmrun(v->arch.vmcb_pa, &v->arch.gprs, svm_host_area());
        irq_enable(); /* take the interrupt that caused the exit, if any */
        svm_handle_exit(v);
    }
    guest_switch_out(v);
    fpu_save(v);
}
