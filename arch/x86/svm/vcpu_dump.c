/* The `v` debug key's x86 half: one vCPU's registers, interrupt state and
 * local APIC, as its VMCB last saved them (a vCPU running on another CPU
 * shows its state at its last exit). */
#include "arch.h"
#include "domain.h"
#include "printk.h"
#include "x86/control_regs.h"
#include "x86/vmcb.h"

void arch_vcpu_print(const struct vcpu *v)
{
    const struct vmcb *vmcb = v->arch.vmcb;
    const struct vlapic *apic = &v->arch.vlapic;

    printk("    rip %#lx rsp %#lx rflags %#lx (IF %d) cs %#x cpl %u shadow %lu\n", vmcb->save.rip,
           vmcb->save.rsp, vmcb->save.rflags, (vmcb->save.rflags & RFLAGS_IF) != 0,
           vmcb->save.cs.selector, vmcb->save.cpl, vmcb->control.interrupt_shadow & 1);
    printk("    cr0 %#lx cr3 %#lx cr4 %#lx efer %#lx halted %d nmi_masked %d inject %#lx\n",
           vmcb->save.cr0, vmcb->save.cr3, vmcb->save.cr4, vmcb->save.efer, v->arch.intr.halted,
           v->arch.intr.nmi_masked, vmcb->control.event_inject);
    printk("    apic: base %#lx irr %d isr %d ppr %#x timer %s%lu waiting_for_sipi %d\n",
           apic->base_msr, apic_highest_irr(&apic->regs), apic_highest_isr(&apic->regs),
           apic_ppr(&apic->regs), apic->timer_fired ? "fired, " : "", apic->timer_deadline_ns,
           apic->waiting_for_sipi);
}
