/*
 * Setting a vCPU's registers from a struct vcpu_hvm_context: the x86 half
 * of VCPUOP_initialise (common/vcpu_op.c).
 *
 * The rules are Xen's for HVM guests (its arch_set_info_hvm_guest):
 *
 *   VCPU_HVM_MODE_32B  the caller gives every register, including the
 *                      hidden part (base, limit, attributes) of CS, DS, ES,
 *                      SS and TR; the attributes must describe sensible
 *                      segments (see check_segment).
 *   VCPU_HVM_MODE_64B  the caller gives the GPRs RAX..RDI, RIP, RFLAGS,
 *                      CR0, CR3, CR4 and EFER; paging, PAE and EFER.LME
 *                      must be on. The segments are fixed: flat 64-bit code,
 *                      flat data, a busy TSS, all with null selectors.
 *
 * In both modes RFLAGS keeps only its defined bits (bit 1 set), EFER.LMA
 * follows EFER.LME (the vCPU starts with paging as given), and GDTR, IDTR
 * and LDTR are empty: the vCPU loads its own tables.
 *
 * Everything is built in a scratch copy of the VMCB first and put through
 * the same consistency checks as every VMRUN (vmcb_check.c). Only a state
 * that passes them is copied into the vCPU: a bad context is -EINVAL for
 * the caller, never a crash of the domain at the vCPU's first VMRUN.
 */
#include "heap.h"
#include "lib/string.h"
#include "public/errno.h"
#include "public/hvm/hvm_vcpu.h"
#include "x86/guest_state.h"
#include "x86/svm.h"
#include "x86/vcpu.h"
#include "x86/vmcb.h"
#include "x86/control_regs.h"

/* RFLAGS bits a vCPU may start with (CF PF AF ZF SF TF IF DF OF IOPL NT RF
 * VM AC VIF VIP ID), and the one that always reads as 1. */
#define RFLAGS_DEFINED 0x3F7FD5UL

/* Packed attribute fields (vmcb.h). */
#define AR_TYPE(ar) ((ar)&0xF)
#define AR_S(ar) (((ar) >> 4) & 1)
#define AR_DPL(ar) (((ar) >> 5) & 3)
#define AR_P(ar) (((ar) >> 7) & 1)
#define AR_G(ar) (((ar) >> 11) & 1)
#define AR_TYPE_CODE 0x8     /* code, not data */
#define AR_TYPE_WRITABLE 0x2 /* data: writable; code: readable */
#define AR_TYPE_ACCESSED 0x1
#define AR_TYPE_TSS_BUSY 0xB /* system segment: 32/64-bit busy TSS */

/* The fixed segments of a vCPU started in 64-bit mode. */
#define SEG_ATTR_CODE64 0xA9B /* execute/read, accessed, P, L=1, G=1 */

enum seg { SEG_CS, SEG_DS, SEG_ES, SEG_SS, SEG_TR };

static void set_segment(struct vmcb_segment *s, uint16_t attrib, uint32_t limit, uint32_t base)
{
    s->selector = 0;
    s->attrib = attrib;
    s->limit = limit;
    s->base = base;
}

/*
 * Is ar a usable attribute for segment register seg in 32-bit mode? (Xen's
 * rules.) DS and ES may be null (ar 0); CS, SS and TR may not. TR must be
 * a busy TSS, the others code or data segments that are present; CS must
 * be code, SS writable data, DS and ES readable. Returns the attribute with
 * the accessed (busy) bit set, as a loaded descriptor would have it, or -1.
 */
static int check_segment(uint16_t ar, enum seg seg)
{
    if (ar & 0xF000)
        return -1; /* bits 12-15 must be blank */
    if (ar == 0)
        return (seg == SEG_DS || seg == SEG_ES) ? 0 : -1;
    if (AR_P(ar))
        ar |= seg == SEG_TR ? 0x2 : AR_TYPE_ACCESSED;
    if (seg == SEG_TR)
        return (!AR_S(ar) && AR_TYPE(ar) == AR_TYPE_TSS_BUSY && AR_P(ar)) ? ar : -1;
    if (!AR_S(ar) || !AR_P(ar))
        return -1;
    switch (seg) {
    case SEG_CS:
        return (AR_TYPE(ar) & AR_TYPE_CODE) ? ar : -1;
    case SEG_SS:
        return (!(AR_TYPE(ar) & AR_TYPE_CODE) && (AR_TYPE(ar) & AR_TYPE_WRITABLE)) ? ar : -1;
    default: /* DS, ES: code segments must be readable */
        return ((AR_TYPE(ar) & AR_TYPE_CODE) && !(AR_TYPE(ar) & AR_TYPE_WRITABLE)) ? -1 : ar;
    }
}

/* A 32-bit context into the scratch VMCB s and gprs; -EINVAL if it is bad. */
static int load_32(const struct vcpu_hvm_x86_32 *r, struct vmcb_save *s, struct guest_gprs *g,
                   uint64_t *efer)
{
    int cs = check_segment(r->cs_ar, SEG_CS), ds = check_segment(r->ds_ar, SEG_DS);
    int es = check_segment(r->es_ar, SEG_ES), ss = check_segment(r->ss_ar, SEG_SS);
    int tr = check_segment(r->tr_ar, SEG_TR);
    uint64_t cs_limit;

    if (r->pad1 || r->pad2[0] || r->pad2[1] || r->pad2[2])
        return -XEN_EINVAL;
    if (cs < 0 || ds < 0 || es < 0 || ss < 0 || tr < 0)
        return -XEN_EINVAL;
    /* EIP inside CS; SS at CS's privilege; DS and ES no more privileged. */
    cs_limit = AR_G(cs) ? ((uint64_t)r->cs_limit << 12) | 0xFFF : r->cs_limit;
    if (r->eip > cs_limit || AR_DPL(ss) != AR_DPL(cs))
        return -XEN_EINVAL;
    if ((AR_P(ds) && AR_DPL(ds) > AR_DPL(cs)) || (AR_P(es) && AR_DPL(es) > AR_DPL(cs)))
        return -XEN_EINVAL;

    set_segment(&s->cs, (uint16_t)cs, r->cs_limit, r->cs_base);
    set_segment(&s->ds, (uint16_t)ds, r->ds_limit, r->ds_base);
    set_segment(&s->es, (uint16_t)es, r->es_limit, r->es_base);
    set_segment(&s->ss, (uint16_t)ss, r->ss_limit, r->ss_base);
    set_segment(&s->tr, (uint16_t)tr, r->tr_limit, r->tr_base);
    set_segment(&s->fs, (uint16_t)ds, r->ds_limit, r->ds_base); /* as DS */
    set_segment(&s->gs, (uint16_t)ds, r->ds_limit, r->ds_base);
    s->cpl = (uint8_t)AR_DPL(cs);

    s->rax = r->eax;
    g->rcx = r->ecx;
    g->rdx = r->edx;
    g->rbx = r->ebx;
    s->rsp = r->esp;
    g->rbp = r->ebp;
    g->rsi = r->esi;
    g->rdi = r->edi;
    s->rip = r->eip;
    s->rflags = r->eflags;
    s->cr0 = r->cr0;
    s->cr3 = r->cr3;
    s->cr4 = r->cr4;
    *efer = r->efer;
    return 0;
}

/* A 64-bit context into the scratch VMCB s and gprs; -EINVAL if it is bad. */
static int load_64(const struct vcpu_hvm_x86_64 *r, struct vmcb_save *s, struct guest_gprs *g,
                   uint64_t *efer)
{
    /* RIP canonical (48-bit addresses); 64-bit mode needs paging with PAE
     * and EFER.LME. */
    if ((uint64_t)((int64_t)(r->rip << 16) >> 16) != r->rip)
        return -XEN_EINVAL;
    if (!(r->cr0 & CR0_PG) || !(r->cr4 & CR4_PAE) || !(r->efer & EFER_LME))
        return -XEN_EINVAL;

    set_segment(&s->cs, SEG_ATTR_CODE64, 0xFFFFFFFF, 0);
    set_segment(&s->ds, SEG_ATTR_DATA32, 0xFFFFFFFF, 0);
    set_segment(&s->es, SEG_ATTR_DATA32, 0xFFFFFFFF, 0);
    set_segment(&s->ss, SEG_ATTR_DATA32, 0xFFFFFFFF, 0);
    set_segment(&s->fs, SEG_ATTR_DATA32, 0xFFFFFFFF, 0);
    set_segment(&s->gs, SEG_ATTR_DATA32, 0xFFFFFFFF, 0);
    set_segment(&s->tr, SEG_ATTR_TSS32_BUSY, 0x67, 0);
    s->cpl = 0;

    s->rax = r->rax;
    g->rcx = r->rcx;
    g->rdx = r->rdx;
    g->rbx = r->rbx;
    s->rsp = r->rsp;
    g->rbp = r->rbp;
    g->rsi = r->rsi;
    g->rdi = r->rdi;
    s->rip = r->rip;
    s->rflags = r->rflags;
    s->cr0 = r->cr0;
    s->cr3 = r->cr3;
    s->cr4 = r->cr4;
    *efer = r->efer;
    return 0;
}

int arch_vcpu_set_hvm_context(struct vcpu *v, const struct vcpu_hvm_context *ctx)
{
    struct vmcb *scratch;
    struct vmcb_save *s;
    struct guest_gprs gprs = { 0 };
    struct guest_cr_features features;
    struct guest_cr_state start;
    uint64_t efer = 0, allowed_efer;
    const char *bad;
    int rc;

    if (ctx->pad != 0)
        return -XEN_EINVAL;
    if (ctx->mode != VCPU_HVM_MODE_32B && ctx->mode != VCPU_HVM_MODE_64B)
        return -XEN_EINVAL;

    scratch = xmalloc(sizeof(*scratch));
    if (!scratch)
        return -XEN_ENOMEM;
    memcpy(scratch, v->arch.vmcb, sizeof(*scratch));
    s = &scratch->save;

    if (ctx->mode == VCPU_HVM_MODE_32B)
        rc = load_32(&ctx->cpu_regs.x86_32, s, &gprs, &efer);
    else
        rc = load_64(&ctx->cpu_regs.x86_64, s, &gprs, &efer);
    if (rc)
        goto out;

    /* Checks of both modes, as Xen makes them against the guest's CPUID:
     * EFER and CR4 bits the guest may set (guest_cr_rules.c, as for its own
     * writes: CR4 as if written once, from 0, in the state the context
     * gives), LMA only with LME (LMA is accepted, then recomputed from LME
     * and CR0.PG). */
    rc = -XEN_EINVAL;
    guest_cr_features(v, &features);
    allowed_efer = guest_efer_allowed(&features);
    if ((efer & ~(allowed_efer | EFER_LMA)) || ((efer & EFER_LMA) && !(efer & EFER_LME)))
        goto out;
    efer &= allowed_efer;
    start = (struct guest_cr_state){ .cr0 = s->cr0,
                                     .cr3 = s->cr3,
                                     .cr4 = 0,
                                     .efer = guest_efer_in_vmcb(efer, s->cr0) & ~EFER_SVME };
    if (guest_cr4_check(&start, guest_cr4_allowed(&features), s->cr4))
        goto out;

    s->rflags = (s->rflags & RFLAGS_DEFINED) | RFLAGS_ALWAYS_ONE;
    s->efer = guest_efer_in_vmcb(efer, s->cr0); /* LMA if long mode is active */
    set_segment(&s->ldtr, SEG_ATTR_LDT, 0, 0);
    set_segment(&s->gdtr, 0, 0, 0);
    set_segment(&s->idtr, 0, 0, 0);
    s->cr2 = 0;

    /* VMRUN's checks, as prepare_entry will make them. The ASID and the TLB
     * control are chosen at each VMRUN, so the scratch copy carries valid
     * placeholders: only the guest state is being judged here. */
    scratch->control.guest_asid = 1;
    scratch->control.tlb_control = TLB_CONTROL_DO_NOTHING;
    bad = vmcb_check_guest_state(scratch, 2);
    if (bad)
        goto out;

    /* Commit: the vCPU is offline and has never run, so nobody else is
     * reading its VMCB or registers. */
    memcpy(&v->arch.vmcb->save, s, sizeof(*s));
    v->arch.gprs = gprs;
    v->arch.guest_efer = efer;
    v->arch.vlapic.waiting_for_sipi = false; /* it starts from this context */
    rc = 0;
out:
    xfree(scratch);
    return rc;
}
