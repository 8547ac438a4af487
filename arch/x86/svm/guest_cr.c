/*
 * A guest writing CR0 or CR4. Mica intercepts every write to either (APM
 * vol. 2 §15.9: MOV to CR0 or CR4, LMSW, CLTS), checks it as the processor
 * would (guest_cr_rules.c) and either performs it or gives the guest #GP(0).
 * QEMU's TCG skips some of these checks and ends the guest with
 * VMEXIT_INVALID instead, or drops bits 63:32 of CR0 (guest_cr_rules.c,
 * docs/qemu.md). The selective CR0 intercept, which exits only when a bit
 * other than TS or MP changes, would spare CLTS its exit but misses a write
 * that differs in bits 63:32 only: QEMU then truncates it where the
 * processor raises #GP.
 *
 * Without decode assists (QEMU has none, docs/qemu.md) the #VMEXIT says only
 * which control register; the instruction is read at CS:RIP through the
 * guest's page tables and decoded (mov_cr_decode.c) for its source register.
 */
#include "x86/guest_state.h"
#include "arch.h"
#include "guest_access.h"
#include "printk.h"
#include "x86/control_regs.h"
#include "x86/cpuid_bits.h"
#include "x86/emulate.h"
#include "x86/guest.h"
#include "x86/vcpu.h"
#include "x86/vmcb.h"

void guest_cr_features(const struct vcpu *v, struct guest_cr_features *f)
{
    struct cpuid_result leaf1 = guest_cpuid(v, CPUID_LEAF_FEATURES, 0),
                        leaf7 = guest_cpuid(v, CPUID_LEAF_STRUCT_FEATURES, 0);

    f->leaf1_ecx = leaf1.ecx;
    f->leaf1_edx = leaf1.edx;
    f->leaf7_ebx = leaf7.ebx;
    f->leaf7_ecx = leaf7.ecx;
    f->ext1_edx = guest_cpuid(v, CPUID_LEAF_EXT_FEATURES, 0).edx;
}

void guest_cr_state(const struct vcpu *v, struct guest_cr_state *s)
{
    const struct vmcb_save *save = &v->arch.vmcb->save;

    s->cr0 = save->cr0;
    s->cr3 = save->cr3;
    s->cr4 = save->cr4;
    s->efer = (v->arch.guest_efer & ~EFER_LMA) | (save->efer & EFER_LMA);
    s->in_64bit = vcpu_in_long_mode(v);
}

/* Where general register n lives, in ModRM order (RAX, RCX, RDX, RBX, RSP,
 * RBP, RSI, RDI, R8..R15): RAX and RSP in the VMCB (marked -1 here), the
 * others in struct guest_gprs. */
#define GPR(name) offsetof(struct guest_gprs, name)
static const ptrdiff_t gpr_offset[16] = {
    -1,      GPR(rcx), GPR(rdx), GPR(rbx), -1,       GPR(rbp), GPR(rsi), GPR(rdi),
    GPR(r8), GPR(r9),  GPR(r10), GPR(r11), GPR(r12), GPR(r13), GPR(r14), GPR(r15),
};

uint64_t guest_gpr(const struct vcpu *v, unsigned int n)
{
    if (n == 0)
        return v->arch.vmcb->save.rax;
    if (n == 4)
        return v->arch.vmcb->save.rsp;
    return *(const uint64_t *)((const char *)&v->arch.gprs + gpr_offset[n & 15]);
}

/* The instruction at CS:RIP: as many of its first 15 bytes as the guest
 * maps (an instruction near the end of the last mapped page is shorter).
 * In 64-bit mode the CS base is 0; otherwise linear addresses are 32-bit. */
static unsigned int fetch_insn(struct vcpu *v, uint8_t *bytes)
{
    const struct vmcb_save *s = &v->arch.vmcb->save;
    uint64_t linear = vcpu_in_long_mode(v) ? s->rip : (uint32_t)(s->cs.base + s->rip);
    unsigned int to_page_end = PAGE_SIZE - (linear & ~PAGE_MASK);
    unsigned int len = MIN(X86_MAX_INSN_LEN, to_page_end);

    if (copy_from_guest(v, bytes, linear, len))
        return 0;
    if (len < X86_MAX_INSN_LEN &&
        copy_from_guest(v, bytes + len, linear + len, X86_MAX_INSN_LEN - len) == 0)
        len = X86_MAX_INSN_LEN;
    return len;
}

static void guest_write_cr0(struct vcpu *v, uint64_t value)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    uint64_t old = s->cr0;

    s->cr0 = guest_cr0_value(value);
    s->efer = guest_efer_in_vmcb(v->arch.guest_efer, s->cr0);
    if (guest_cr0_change_flushes_tlb(old, s->cr0))
        arch_vcpu_flush_tlb(v);
}

static void guest_write_cr4(struct vcpu *v, uint64_t value)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    uint64_t old = s->cr4;

    s->cr4 = value;
    if (guest_cr4_change_flushes_tlb(old, value))
        arch_vcpu_flush_tlb(v);
}

bool guest_cr_write_insn(struct vcpu *v, unsigned int cr, struct cr_write_insn *insn)
{
    uint8_t bytes[X86_MAX_INSN_LEN];
    unsigned int len = fetch_insn(v, bytes);

    return cr_write_decode(bytes, len, vcpu_in_long_mode(v), insn) && insn->cr == cr;
}

void svm_exit_cr_write(struct vcpu *v, struct vmcb *vmcb)
{
    unsigned int cr = vmcb->control.exit_code == SVM_EXIT_WRITE_CR4 ? 4 : 0;
    bool mode64 = vcpu_in_long_mode(v);
    struct guest_cr_features features;
    struct guest_cr_state state;
    struct cr_write_insn insn;
    uint64_t value;
    const char *bad;

    /* Bytes that are not (or no longer, if another vCPU changed them or the
     * page tables) a write to this register: let the guest execute them
     * again, and the processor decide. */
    if (!guest_cr_write_insn(v, cr, &insn))
        return;
    if (insn.kind == CR_WRITE_LMSW_MEM) {
        domain_crash(v->domain, "d%u v%u: LMSW with a memory operand is not emulated (RIP %#lx)",
                     v->domain->domid, v->id, vmcb->save.rip);
        return;
    }

    value = guest_gpr(v, insn.gpr);
    if (!mode64)
        value = (uint32_t)value;
    /* LMSW loads MP, EM and TS and can set PE, never clear it; CLTS clears
     * TS (APM vol. 3). */
    if (insn.kind == CR_WRITE_LMSW_REG)
        value = (vmcb->save.cr0 & ~(CR0_MP | CR0_EM | CR0_TS)) |
                (value & (CR0_PE | CR0_MP | CR0_EM | CR0_TS));
    else if (insn.kind == CR_WRITE_CLTS)
        value = vmcb->save.cr0 & ~CR0_TS;

    guest_cr_state(v, &state);
    if (cr == 0) {
        bad = guest_cr0_check(&state, value);
    } else {
        guest_cr_features(v, &features);
        bad = guest_cr4_check(&state, guest_cr4_allowed(&features), value);
    }
    if (bad) {
        pr_debug("d%u v%u: MOV to CR%u of %#lx: #GP (%s)\n", v->domain->domid, v->id, cr, value,
                 bad);
        svm_inject_exception(v, X86_EXC_GP, true, 0);
        return;
    }
    if (cr == 0)
        guest_write_cr0(v, value);
    else
        guest_write_cr4(v, value);
    vmcb->save.rip += insn.length;
}
