/*
 * One guest instruction through the emulator (see x86/guest_emulate.h).
 *
 * The emulator (arch/x86/emulate/) knows instructions, not guests: here it
 * gets the vCPU's registers and mode from the VMCB and a memory interface
 * that does what the guest's MMU and the p2m would do with each access:
 *   1. translate the linear address through the guest's page tables
 *      (guest_walk_access), raising the #PF the MMU would raise;
 *   2. serve the guest-physical address by the p2m's type at its gfn: RAM in
 *      place, a write to a read-only type discarded (Xen's
 *      P2M_DISCARD_WRITE_TYPES, ram_ro and grant_map_ro), an unmapped gfn by
 *      the MMIO handler that claims it (x86/mmio.h) or else as a hole.
 * An access that crosses a page boundary is translated page by page, both
 * pages before either is touched, so a fault on the second leaves the first
 * unread and unwritten.
 *
 * The instruction's bytes are read the same way (QEMU gives no decode
 * assists: docs/qemu.md), from RAM only; an instruction that runs into a
 * page it cannot fetch faults there, as on the CPU.
 */
#include "x86/guest_emulate.h"
#include "lib/string.h"
#include "lib/vsnprintf.h"
#include "p2m/p2m_gfn.h"
#include "page_alloc.h"
#include "printk.h"
#include "x86/control_regs.h"
#include "x86/emulate.h"
#include "x86/guest_walk.h"
#include "x86/mmio.h"
#include "x86/npt.h"
#include "x86/vcpu.h"
#include "x86/vmcb.h"

/* A rep string instruction gets this many iterations per #NPF; the guest
 * then executes it again for the rest (x86_emul_ctx.max_reps), so a long
 * rep into a hole cannot keep Mica from scheduling. */
#define MAX_REPS_PER_EXIT 256

/* The state of one emulation, beside the emulator's context. */
struct guest_insn {
    struct vcpu *v;
    unsigned int user; /* PFEC_USER if the guest runs at CPL 3 */
    /* Why an access could not be served (X86EMUL_UNHANDLEABLE), and where. */
    const char *failure;
    uint64_t failure_gpa;
};

static enum x86_emul_status cannot_serve(struct guest_insn *gi, const char *why, uint64_t gpa)
{
    gi->failure = why;
    gi->failure_gpa = gpa;
    return X86EMUL_UNHANDLEABLE;
}

/* ---- 1. the guest's page tables ------------------------------------------------- */

static enum x86_emul_status translate(struct x86_emul_ctx *ctx, uint64_t linear,
                                      unsigned int access, uint64_t *gpa)
{
    struct guest_insn *gi = ctx->data;
    uint64_t table_gpa = 0;
    uint32_t pf_error = 0;

    switch (guest_walk_access(gi->v, linear, access | gi->user, gpa, &pf_error, &table_gpa)) {
    case GUEST_WALK_OK:
        return X86EMUL_OK;
    case GUEST_WALK_FAULT:
        ctx->exception = (struct x86_exception){
            .vector = X86_EXC_PF, .has_error = true, .error = pf_error, .cr2 = linear
        };
        return X86EMUL_EXCEPTION;
    default: /* GUEST_WALK_TABLE_NOT_RAM */
        return cannot_serve(gi, "a page table of the guest lies outside RAM", table_gpa);
    }
}

/* ---- 2. the p2m ------------------------------------------------------------------ */

/* Memory the p2m maps, read or written in place; false if the gfn maps none
 * (nothing, or passed-through device memory). */
static bool memory_access(struct domain *d, uint64_t gpa, uint8_t *buf, unsigned int len,
                          bool write, enum p2m_type *type)
{
    gfn_t gfn = _gfn(gpa >> PAGE_SHIFT);
    unsigned int order;
    mfn_t mfn = get_gfn(&d->p2m, gfn, type, &order);
    bool memory = !mfn_eq(mfn, INVALID_MFN) && *type != p2m_invalid && *type != p2m_mmio_direct;

    if (memory) {
        uint8_t *at = (uint8_t *)mfn_to_virt(mfn) + (gpa & ~PAGE_MASK);
        if (!write)
            memcpy(buf, at, len);
        else if (npt_type_bits(*type) & PTE_WRITE)
            memcpy(at, buf, len);
        /* else a read-only type: the write is discarded, the guest goes on */
    }
    put_gfn(&d->p2m, gfn);
    return memory;
}

/* A device's registers: one handler call per access the handler interface
 * takes (1, 2, 4 or 8 bytes), byte by byte for the odd piece of a split
 * access. A handler's error is #GP(0) to the guest (x86/mmio.h). */
static enum x86_emul_status mmio_access(struct x86_emul_ctx *ctx, const struct mmio_handler *h,
                                        uint64_t gpa, uint8_t *buf, unsigned int len, bool write)
{
    struct guest_insn *gi = ctx->data;
    unsigned int step = (len & (len - 1)) ? 1 : len;

    for (unsigned int done = 0; done < len; done += step) {
        uint64_t value = 0;
        int rc;

        if (write) {
            memcpy(&value, buf + done, step);
            rc = h->write(gi->v, gpa + done, step, value);
        } else {
            rc = h->read(gi->v, gpa + done, step, &value);
            memcpy(buf + done, &value, step);
        }
        if (rc < 0) {
            ctx->exception = (struct x86_exception){ .vector = X86_EXC_GP, .has_error = true };
            return X86EMUL_EXCEPTION;
        }
    }
    return X86EMUL_OK;
}

/* A hole: as a bus with no device on it, reads float to all ones and writes
 * go nowhere (Xen's null handler for an HVM guest without a device model). */
static void hole_access(struct x86_emul_ctx *ctx, uint64_t gpa, uint8_t *buf, unsigned int len,
                        bool write)
{
    struct guest_insn *gi = ctx->data;
    struct domain *d = gi->v->domain;

    if (!write)
        memset(buf, 0xFF, len);
    if (!__atomic_exchange_n(&d->arch.hole_reported, true, __ATOMIC_RELAXED))
        printk("d%u v%u: hole at gfn %#lx (gpa %#lx): %s of %u bytes at RIP %#lx; reads return "
               "all ones, writes are dropped (reported once per domain)\n",
               d->domid, gi->v->id, gpa >> PAGE_SHIFT, gpa, write ? "write" : "read", len,
               ctx->regs.rip);
}

/* One access within one page, at a guest-physical address. */
static enum x86_emul_status phys_access(struct x86_emul_ctx *ctx, uint64_t gpa, uint8_t *buf,
                                        unsigned int len, bool write)
{
    struct guest_insn *gi = ctx->data;
    const struct mmio_handler *h;
    enum p2m_type type;

    if (memory_access(gi->v->domain, gpa, buf, len, write, &type))
        return X86EMUL_OK;
    if (type == p2m_mmio_direct)
        return cannot_serve(gi, "passed-through device memory is not emulated", gpa);
    h = mmio_find(gi->v, gpa);
    if (h)
        return mmio_access(ctx, h, gpa, buf, len, write);
    hole_access(ctx, gpa, buf, len, write);
    return X86EMUL_OK;
}

/* ---- the emulator's memory interface ---------------------------------------------- */

/* The next linear address in the vCPU's mode: 32-bit ones wrap at 4 GiB. */
static uint64_t linear_add(const struct x86_emul_ctx *ctx, uint64_t linear, uint64_t n)
{
    return ctx->mode == X86_MODE_64 ? linear + n : (uint32_t)(linear + n);
}

static enum x86_emul_status linear_access(struct x86_emul_ctx *ctx, uint64_t linear,
                                          unsigned int size, uint8_t *buf, bool write,
                                          bool for_write)
{
    unsigned int access = write || for_write ? PFEC_WRITE : 0;
    unsigned int first = MIN(size, (unsigned int)(PAGE_SIZE - (linear & ~PAGE_MASK)));
    uint64_t second_linear = linear_add(ctx, linear, first), gpa[2] = { 0, 0 };
    enum x86_emul_status st = translate(ctx, linear, access, &gpa[0]);

    if (st == X86EMUL_OK && first < size)
        st = translate(ctx, second_linear, access, &gpa[1]);
    if (st == X86EMUL_OK)
        st = phys_access(ctx, gpa[0], buf, first, write);
    if (st == X86EMUL_OK && first < size)
        st = phys_access(ctx, gpa[1], buf + first, size - first, write);
    return st;
}

static enum x86_emul_status guest_read(struct x86_emul_ctx *ctx, uint64_t linear, unsigned int size,
                                       uint64_t *value, bool for_write)
{
    *value = 0;
    return linear_access(ctx, linear, size, (uint8_t *)value, false, for_write);
}

static enum x86_emul_status guest_write(struct x86_emul_ctx *ctx, uint64_t linear,
                                        unsigned int size, uint64_t value)
{
    return linear_access(ctx, linear, size, (uint8_t *)&value, true, false);
}

static const struct x86_emul_ops guest_memory = { guest_read, guest_write };

/* ---- fetching the instruction ------------------------------------------------------ */

/* len bytes of code within one page at linear: executable RAM only. */
static enum x86_emul_status fetch_page(struct x86_emul_ctx *ctx, uint64_t linear, uint8_t *buf,
                                       unsigned int len)
{
    struct guest_insn *gi = ctx->data;
    enum x86_emul_status st;
    enum p2m_type type;
    uint64_t gpa;

    st = translate(ctx, linear, PFEC_FETCH, &gpa);
    if (st != X86EMUL_OK)
        return st;
    if (!memory_access(gi->v->domain, gpa, buf, len, false, &type) ||
        (npt_type_bits(type) & PTE_NX))
        return cannot_serve(gi, "the instruction's bytes are not in executable RAM", gpa);
    return X86EMUL_OK;
}

/* Fetch and decode at CS:RIP: first up to the end of RIP's page, and only
 * if the instruction goes on, from the next page. */
static enum x86_emul_status fetch_and_decode(struct x86_emul_ctx *ctx, struct x86_insn *insn,
                                             uint8_t *bytes, unsigned int *nbytes)
{
    const struct guest_insn *gi = ctx->data;
    const struct vmcb_save *s = &gi->v->arch.vmcb->save;
    uint64_t linear = ctx->mode == X86_MODE_64 ? s->rip : (uint32_t)(s->cs.base + s->rip);
    unsigned int first = MIN(X86_MAX_INSN_LEN, (unsigned int)(PAGE_SIZE - (linear & ~PAGE_MASK)));
    enum x86_emul_status st = fetch_page(ctx, linear, bytes, first);

    if (st != X86EMUL_OK)
        return st;
    *nbytes = first;
    st = x86_decode(bytes, first, ctx->mode, insn, &ctx->exception);
    if (st != X86EMUL_TRUNCATED)
        return st;
    st = fetch_page(ctx, linear_add(ctx, linear, first), bytes + first, X86_MAX_INSN_LEN - first);
    if (st != X86EMUL_OK)
        return st;
    *nbytes = X86_MAX_INSN_LEN;
    return x86_decode(bytes, X86_MAX_INSN_LEN, ctx->mode, insn, &ctx->exception);
}

/* ---- the vCPU ------------------------------------------------------------------------ */

/* Long mode with a 64-bit code segment, else CS.D picks 32 or 16 bits
 * (real mode's segments have D clear). */
static enum x86_mode guest_mode(const struct vmcb_save *s)
{
    if ((s->efer & EFER_LMA) && (s->cs.attrib & SEG_ATTR_L))
        return X86_MODE_64;
    return s->cs.attrib & SEG_ATTR_DB ? X86_MODE_32 : X86_MODE_16;
}

static void load_state(const struct vcpu *v, struct x86_emul_ctx *ctx)
{
    const struct vmcb_save *s = &v->arch.vmcb->save;
    const struct guest_gprs *g = &v->arch.gprs;
    const struct vmcb_segment *segs[X86_NR_SEGS] = {
        &s->es, &s->cs, &s->ss, &s->ds, &s->fs, &s->gs
    };
    uint64_t *r = ctx->regs.gpr;

    for (unsigned int i = 0; i < X86_NR_SEGS; i++)
        ctx->seg_base[i] = segs[i]->base;
    r[X86_RAX] = s->rax, r[X86_RCX] = g->rcx, r[X86_RDX] = g->rdx, r[X86_RBX] = g->rbx;
    r[X86_RSP] = s->rsp, r[X86_RBP] = g->rbp, r[X86_RSI] = g->rsi, r[X86_RDI] = g->rdi;
    r[X86_R8] = g->r8, r[X86_R9] = g->r9, r[X86_R10] = g->r10, r[X86_R11] = g->r11;
    r[X86_R12] = g->r12, r[X86_R13] = g->r13, r[X86_R14] = g->r14, r[X86_R15] = g->r15;
    ctx->regs.rip = s->rip;
    ctx->regs.rflags = s->rflags;
}

static void store_state(struct vcpu *v, const struct x86_emul_ctx *ctx)
{
    struct vmcb_save *s = &v->arch.vmcb->save;
    struct guest_gprs *g = &v->arch.gprs;
    const uint64_t *r = ctx->regs.gpr;

    s->rax = r[X86_RAX], g->rcx = r[X86_RCX], g->rdx = r[X86_RDX], g->rbx = r[X86_RBX];
    s->rsp = r[X86_RSP], g->rbp = r[X86_RBP], g->rsi = r[X86_RSI], g->rdi = r[X86_RDI];
    g->r8 = r[X86_R8], g->r9 = r[X86_R9], g->r10 = r[X86_R10], g->r11 = r[X86_R11];
    g->r12 = r[X86_R12], g->r13 = r[X86_R13], g->r14 = r[X86_R14], g->r15 = r[X86_R15];
    s->rip = ctx->regs.rip;
    s->rflags = ctx->regs.rflags;
}

static void inject(struct vcpu *v, const struct x86_exception *e)
{
    if (e->vector == X86_EXC_PF)
        v->arch.vmcb->save.cr2 = e->cr2; /* as the CPU sets it before delivering #PF */
    svm_inject_exception(v, e->vector, e->has_error, e->error);
}

/* Crash the domain, naming the instruction: its address and first bytes.
 * An instruction Mica cannot emulate on device memory is a gap in Mica (or
 * a guest using device memory in a way no device here supports), not a
 * fault of the guest's making that the CPU would report: so no #UD, but
 * the domain stops with the facts to close the gap, as Xen's "unhandled
 * emulation" crash does (docs/platform.md). */
static void crash(struct vcpu *v, const char *why, uint64_t gpa, const uint8_t *bytes,
                  unsigned int nbytes)
{
    char hex[3 * X86_MAX_INSN_LEN + 1];
    unsigned int n = 0;

    hex[0] = '\0';
    for (unsigned int i = 0; i < nbytes && i < 8; i++)
        n += (unsigned int)snprintf(hex + n, sizeof(hex) - n, "%s%02x", i ? " " : "", bytes[i]);
    domain_crash(v->domain,
                 "d%u v%u: cannot emulate the instruction at RIP %#lx (bytes %s ...) for "
                 "gpa %#lx: %s",
                 v->domain->domid, v->id, v->arch.vmcb->save.rip, n ? hex : "unknown", gpa, why);
}

void guest_emulate(struct vcpu *v)
{
    const struct vmcb_save *s = &v->arch.vmcb->save;
    struct guest_insn gi = { .v = v, .user = s->cpl == 3 ? PFEC_USER : 0 };
    struct x86_emul_ctx ctx = {
        .ops = &guest_memory, .mode = guest_mode(s), .max_reps = MAX_REPS_PER_EXIT, .data = &gi
    };
    uint8_t bytes[X86_MAX_INSN_LEN] = { 0 };
    unsigned int nbytes = 0;
    struct x86_insn insn;
    enum x86_emul_status st;

    load_state(v, &ctx);
    st = fetch_and_decode(&ctx, &insn, bytes, &nbytes);
    if (st == X86EMUL_OK)
        st = x86_emulate(&ctx, &insn);
    switch (st) {
    case X86EMUL_OK:
        store_state(v, &ctx);
        break;
    case X86EMUL_EXCEPTION:
        store_state(v, &ctx); /* a rep instruction's completed iterations count */
        inject(v, &ctx.exception);
        break;
    case X86EMUL_UNSUPPORTED:
        crash(v, "an instruction the emulator does not know", v->arch.vmcb->control.exit_info2,
              bytes, nbytes);
        break;
    default: /* X86EMUL_UNHANDLEABLE */
        crash(v, gi.failure, gi.failure_gpa, bytes, nbytes);
        break;
    }
}
