/*
 * The consistency checks VMRUN makes on the guest state (AMD APM vol. 2
 * §15.5.1, "VMRUN ... Canonicalization and Consistency Checks"), plus the
 * ones QEMU's emulation skips but real hardware enforces or that leave QEMU
 * in a broken state (docs/qemu.md). Mica runs them before every
 * VMRUN so a bad guest state crashes that domain with a reason instead of
 * producing VMEXIT_INVALID on hardware or silent misbehaviour under QEMU.
 * Pure function: unit-tested on the host.
 */
#include "x86/vcpu.h"
#include "x86/pat.h"
#include "x86/vmcb.h"
#include "x86/control_regs.h"

/* SCE, LME, LMA, NXE, SVME, LMSLE, FFXSR, TCE: every other bit must be zero. */
#define EFER_DEFINED 0xFD01UL
/* RFLAGS: bit 1 is always 1; bits 3, 5, 15 and 22..63 are reserved (zero). */
#define RFLAGS_MBZ (0xFFFFFFFFFFC00000UL | (1UL << 15) | (1UL << 5) | (1UL << 3))
#define EVENT_TYPE(e) (((e) >> 8) & 7)

const char *vmcb_check_guest_state(const struct vmcb *vmcb, uint32_t max_asids)
{
    const struct vmcb_save *s = &vmcb->save;
    const struct vmcb_control *c = &vmcb->control;
    bool long_mode_paging = (s->efer & EFER_LME) && (s->cr0 & CR0_PG);

    if (!(s->efer & EFER_SVME))
        return "EFER.SVME is clear";
    if (s->efer & ~EFER_DEFINED)
        return "reserved EFER bits set";
    if (!(s->cr0 & CR0_CD) && (s->cr0 & CR0_NW))
        return "CR0.NW set without CR0.CD";
    if (s->cr0 >> 32)
        return "CR0 bits 63:32 set";
    if (s->cr3 >> 52)
        return "CR3 bits 63:52 set";
    if (s->cr4 >> 32)
        return "CR4 bits 63:32 set";
    if ((s->dr6 >> 32) || (s->dr7 >> 32))
        return "DR6 or DR7 bits 63:32 set";
    if (long_mode_paging && !(s->cr4 & CR4_PAE))
        return "long mode paging without CR4.PAE";
    if (long_mode_paging && !(s->cr0 & CR0_PE))
        return "long mode paging without CR0.PE";
    if (long_mode_paging && (s->cs.attrib & SEG_ATTR_L) && (s->cs.attrib & SEG_ATTR_DB))
        return "CS has both L and D set in long mode";
    if (!!(s->efer & EFER_LMA) != long_mode_paging)
        return "EFER.LMA does not match EFER.LME && CR0.PG";
    if (!(s->rflags & (1UL << 1)) || (s->rflags & RFLAGS_MBZ))
        return "reserved RFLAGS bits wrong";
    if (!pat_valid(s->g_pat))
        return "G_PAT holds an invalid memory type";
    if (!(c->intercept_misc2 & INTERCEPT_VMRUN))
        return "VMRUN is not intercepted";
    if (c->guest_asid == 0 || c->guest_asid >= max_asids)
        return "ASID out of range";
    if (c->tlb_control != TLB_CONTROL_DO_NOTHING && c->tlb_control != TLB_CONTROL_FLUSH_ALL)
        return "unsupported TLB_CONTROL";
    if (c->event_inject & EVENT_INJECT_VALID) {
        unsigned int type = EVENT_TYPE(c->event_inject);
        if (type == 1 || type > 4)
            return "event injection of a reserved type";
        if (type == 3 && ((c->event_inject & 0xFF) > 31 || (c->event_inject & 0xFF) == 2))
            return "event injection of an invalid exception vector";
    }
    return NULL;
}
