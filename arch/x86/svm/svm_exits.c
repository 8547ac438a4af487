/*
 * #VMEXIT dispatch: one handler per exit code, in a table. An exit Mica does
 * not handle crashes the domain with a diagnostic, never Mica.
 *
 * QEMU does not emulate NRIPS (docs/qemu.md), so handlers
 * advance RIP by the length of the instruction they emulate: CPUID, RDMSR
 * and WRMSR are 2 bytes (0F A2, 0F 32, 0F 30), VMMCALL 3 (0F 01 D9),
 * HLT 1 (F4). IN/OUT report the next RIP in EXITINFO2 (APM §15.10.2).
 */
#include "x86/svm_exits.h"
#include "domain_console.h"
#include "x86/acpi_sleep.h"
#include "printk.h"
#include "x86/guest.h"
#include "x86/svm_intr_path.h"
#include "x86/guest_state.h"
#include "x86/vcpu.h"
#include "x86/vmcb.h"
#include "x86/control_regs.h"

#define EXC_UD 6
#define EXC_GP 13

#define IOIO_IN (1UL << 0)
#define IOIO_STRING (1UL << 2)
#define IOIO_REP (1UL << 3)
#define IOIO_SIZE(info) (((info) >> 4) & 7) /* 1, 2 or 4: SZ8/SZ16/SZ32 */
#define IOIO_PORT(info) ((uint16_t)((info) >> 16))
#define DEBUG_CONSOLE_PORT 0xE9

typedef void (*exit_handler_t)(struct vcpu *v, struct vmcb *vmcb);

static void exit_nothing(struct vcpu *v, struct vmcb *vmcb)
{
    /* INTR, NMI, SMI, INIT: the host takes the event once interrupts are
     * back on (arch_vcpu_run); the guest just continues. */
    (void)v;
    (void)vmcb;
}

static void exit_cpuid(struct vcpu *v, struct vmcb *vmcb)
{
    struct cpuid_result r = guest_cpuid(v, (uint32_t)vmcb->save.rax, (uint32_t)v->arch.gprs.rcx);

    vmcb->save.rax = r.eax;
    v->arch.gprs.rbx = r.ebx;
    v->arch.gprs.rcx = r.ecx;
    v->arch.gprs.rdx = r.edx;
    vmcb->save.rip += 2;
}

static void exit_msr(struct vcpu *v, struct vmcb *vmcb)
{
    uint32_t msr = (uint32_t)v->arch.gprs.rcx;
    bool ok;

    if (vmcb->control.exit_info1 == 0) { /* RDMSR */
        uint64_t value = 0;
        ok = guest_msr_read(v, msr, &value);
        if (ok) {
            vmcb->save.rax = (uint32_t)value;
            v->arch.gprs.rdx = value >> 32;
        }
    } else { /* WRMSR */
        ok = guest_msr_write(v, msr, (uint32_t)vmcb->save.rax | (v->arch.gprs.rdx << 32));
    }
    if (ok)
        vmcb->save.rip += 2;
    else
        svm_inject_exception(v, EXC_GP, true, 0); /* as a CPU without that MSR */
}

static void exit_ioio(struct vcpu *v, struct vmcb *vmcb)
{
    uint64_t info = vmcb->control.exit_info1;
    unsigned int size = IOIO_SIZE(info);
    uint16_t port = (uint16_t)IOIO_PORT(info);

    if (info & (IOIO_STRING | IOIO_REP)) {
        domain_crash(v->domain, "d%u v%u: string I/O to port %#x is not supported (RIP %#lx)",
                     v->domain->domid, v->id, IOIO_PORT(info), vmcb->save.rip);
        return;
    }
    if (info & IOIO_IN) {
        /* No device answers: the bus floats high. */
        uint64_t mask = size == 4 ? 0xFFFFFFFFUL : size == 2 ? 0xFFFFUL : 0xFFUL;
        uint64_t value = mask;
        if (acpi_sleep_port(port))
            value = acpi_sleep_read(port);
        vmcb->save.rax = (size == 4 ? 0 : vmcb->save.rax & ~mask) | value;
    } else if (port == DEBUG_CONSOLE_PORT) {
        domain_console_putc(v->domain, (char)vmcb->save.rax);
    } else if (acpi_sleep_port(port)) {
        acpi_sleep_write(v, port, (uint8_t)vmcb->save.rax);
    }
    vmcb->save.rip = vmcb->control.exit_info2;
}

static void exit_shutdown(struct vcpu *v, struct vmcb *vmcb)
{
    domain_crash(v->domain, "d%u v%u: triple fault at RIP %#lx", v->domain->domid, v->id,
                 vmcb->save.rip);
}

static void exit_undefined(struct vcpu *v, struct vmcb *vmcb)
{
    /* SVM and other instructions guests do not get: as on a CPU without them. */
    (void)vmcb;
    svm_inject_exception(v, EXC_UD, false, 0);
}

static void exit_invd(struct vcpu *v, struct vmcb *vmcb)
{
    (void)v;
    vmcb->save.rip += 2; /* 0F 08: nothing to invalidate for a guest */
}

/* MOV from or to DR0..DR7 (DR8-DR15 do not exist: #UD before the intercept). */
#define DR_EXITS(base) [(base)...(base) + 7] = svm_exit_dr_access

static const exit_handler_t exit_handlers[SVM_EXIT_CODES] = {
    [SVM_EXIT_CR8_WRITE] = svm_exit_cr8_write, /* intr.c */
    [SVM_EXIT_WRITE_CR0] = svm_exit_cr_write,  /* arch/x86/svm/guest_cr.c */
    [SVM_EXIT_WRITE_CR4] = svm_exit_cr_write,
    DR_EXITS(SVM_EXIT_READ_DR0), /* arch/x86/svm/guest_switch.c */
    DR_EXITS(SVM_EXIT_WRITE_DR0),
    [SVM_EXIT_INTR] = exit_nothing,
    [SVM_EXIT_NMI] = exit_nothing,
    [SVM_EXIT_SMI] = exit_nothing,
    [SVM_EXIT_INIT] = exit_nothing,
    [SVM_EXIT_VINTR] = svm_exit_vintr, /* arch/x86/svm/intr.c */
    [SVM_EXIT_RDPMC] = svm_exit_rdpmc, /* arch/x86/svm/guest_pmu.c */
    [SVM_EXIT_CPUID] = exit_cpuid,
    [SVM_EXIT_IRET] = svm_exit_iret, /* intr.c */
    [SVM_EXIT_INVD] = exit_invd,
    [SVM_EXIT_HLT] = svm_exit_hlt, /* intr.c */
    [SVM_EXIT_INVLPGA] = exit_undefined,
    [SVM_EXIT_IOIO] = exit_ioio,
    [SVM_EXIT_MSR] = exit_msr,
    [SVM_EXIT_SHUTDOWN] = exit_shutdown,
    [SVM_EXIT_VMRUN] = exit_undefined,
    [SVM_EXIT_VMMCALL] = svm_exit_vmmcall, /* arch/x86/svm/hypercall.c */
    [SVM_EXIT_VMLOAD] = exit_undefined,
    [SVM_EXIT_VMSAVE] = exit_undefined,
    [SVM_EXIT_STGI] = exit_undefined,
    [SVM_EXIT_CLGI] = exit_undefined,
    [SVM_EXIT_SKINIT] = exit_undefined,
    [SVM_EXIT_MONITOR] = exit_undefined,
    [SVM_EXIT_MWAIT] = exit_undefined,
    [SVM_EXIT_XSETBV] = exit_undefined,
    [SVM_EXIT_NPF] = svm_exit_npf, /* arch/x86/svm/npf.c */
};

static void crash_with_registers(struct vcpu *v, const char *why)
{
    const struct vmcb *vmcb = v->arch.vmcb;

    domain_crash(v->domain,
                 "d%u v%u: %s: exit code %#lx, exitinfo1 %#lx, exitinfo2 %#lx, RIP %#lx, "
                 "RSP %#lx, RAX %#lx, RBX %#lx, RCX %#lx, RDX %#lx, RSI %#lx, RDI %#lx, "
                 "CR0 %#lx, CR3 %#lx, CR4 %#lx, EFER %#lx",
                 v->domain->domid, v->id, why, vmcb->control.exit_code, vmcb->control.exit_info1,
                 vmcb->control.exit_info2, vmcb->save.rip, vmcb->save.rsp, vmcb->save.rax,
                 v->arch.gprs.rbx, v->arch.gprs.rcx, v->arch.gprs.rdx, v->arch.gprs.rsi,
                 v->arch.gprs.rdi, vmcb->save.cr0, vmcb->save.cr3, vmcb->save.cr4, vmcb->save.efer);
}

void svm_handle_exit(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.vmcb;
    uint64_t code = vmcb->control.exit_code;

    if ((uint32_t)code == SVM_EXIT_INVALID_LOW32) {
        /* The guest state failed VMRUN's consistency checks (APM §15.5.1);
         * the VMCB's guest state is junk now. */
        crash_with_registers(v, "VMEXIT_INVALID (guest state failed the consistency checks)");
        return;
    }

    /* An event being delivered when the exit happened must be delivered
     * again (APM §15.7.2: EXITINTINFO). */
    vmcb->control.event_inject = 0;
    if (vmcb->control.exit_int_info & EVENT_INJECT_VALID)
        vmcb->control.event_inject = vmcb->control.exit_int_info;

    svm_intr_after_exit(v); /* CR8 the guest wrote, into its APIC's TPR */
    if (code < SVM_EXIT_CODES && exit_handlers[code]) {
        uint64_t rip = vmcb->save.rip;
        exit_handlers[code](v, vmcb);
        /* An instruction Mica completed for the guest ends an STI or MOV SS
         * shadow, as executing it would (APM §15.21.5); left set, the
         * shadow would carry over to the next instruction. */
        if (vmcb->save.rip != rip)
            vmcb->control.interrupt_shadow = 0;
    } else {
        crash_with_registers(v, "unhandled #VMEXIT");
    }
}
