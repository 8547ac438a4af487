/*
 * Executing a decoded instruction (see include/x86/emulate.h): registers
 * in the context change as the CPU's would, memory goes through the
 * caller's read and write functions, one access of 1, 2, 4 or 8 bytes at a
 * time, at a linear address.
 *
 * Every access that can fault comes before any register changes, and a
 * read-modify-write reads "for write", so a fault leaves the instruction
 * undone, as on the CPU (APM vol. 2 §8.2: faults are restartable). A rep
 * string instruction is the exception the architecture makes: its
 * iterations complete one by one, each counted in rCX, rSI, rDI.
 *
 * Linear addresses: segment base + offset, the offset wrapping at the
 * address size; in 64-bit mode only FS and GS have a base and the address
 * must be canonical (#GP(0), #SS(0) for a stack reference: APM vol. 2
 * §4.12.2), elsewhere the address wraps at 4 GiB. Segment limits and
 * alignment checking are not applied (guests that run here have flat
 * segments: docs/platform.md).
 */
#include "x86/emulate.h"

enum access { ACCESS_READ, ACCESS_READ_FOR_WRITE, ACCESS_WRITE };

static uint64_t size_mask(unsigned int size)
{
    return size == 8 ? ~0UL : (1UL << (size * 8)) - 1;
}

static uint64_t sign_extend(uint64_t value, unsigned int size)
{
    unsigned int shift = 64 - 8 * size;

    return (uint64_t)((int64_t)(value << shift) >> shift);
}

/* ---- registers ------------------------------------------------------------------ */

static uint64_t reg_read(const struct x86_emul_ctx *ctx, const struct x86_operand *o)
{
    uint64_t value = ctx->regs.gpr[o->reg];

    return o->high_byte ? (value >> 8) & 0xFF : value & size_mask(o->size);
}

/* A write of 8 or 16 bits keeps the rest of the register; a write of 32
 * bits clears bits 63:32 (APM vol. 1 §3.1.2.3). */
static void reg_write_sized(struct x86_emul_ctx *ctx, int reg, unsigned int size, bool high_byte,
                            uint64_t value)
{
    uint64_t *r = &ctx->regs.gpr[reg];

    if (high_byte)
        *r = (*r & ~0xFF00UL) | ((value & 0xFF) << 8);
    else if (size < 4)
        *r = (*r & ~size_mask(size)) | (value & size_mask(size));
    else
        *r = value & size_mask(size);
}

static void reg_write(struct x86_emul_ctx *ctx, const struct x86_operand *o, uint64_t value)
{
    reg_write_sized(ctx, o->reg, o->size, o->high_byte, value);
}

/* ---- memory -------------------------------------------------------------------- */

static bool canonical(uint64_t linear)
{
    return (uint64_t)((int64_t)(linear << 16) >> 16) == linear;
}

/* The offset of m, moved by adjust bytes, at the address size. */
static uint64_t mem_offset(const struct x86_emul_ctx *ctx, const struct x86_insn *insn,
                           const struct x86_mem *m, int64_t adjust)
{
    uint64_t offset = m->disp + (uint64_t)adjust;

    if (m->rip_relative)
        offset += ctx->regs.rip + insn->len; /* relative to the next instruction */
    if (m->base != X86_NO_REG)
        offset += ctx->regs.gpr[m->base];
    if (m->index != X86_NO_REG)
        offset += ctx->regs.gpr[m->index] * m->scale;
    return offset & size_mask(insn->addr_size);
}

static enum x86_emul_status mem_access(struct x86_emul_ctx *ctx, const struct x86_insn *insn,
                                       const struct x86_mem *m, int64_t adjust, unsigned int size,
                                       uint64_t *value, enum access kind)
{
    uint64_t offset = mem_offset(ctx, insn, m, adjust), linear;
    enum x86_emul_status st;

    if (ctx->mode == X86_MODE_64) {
        linear = offset +
                 (m->seg == X86_SEG_FS || m->seg == X86_SEG_GS ? ctx->seg_base[m->seg] : 0);
        if (!canonical(linear)) {
            ctx->exception = (struct x86_exception){ .vector = m->seg == X86_SEG_SS ? X86_EXC_SS
                                                                                    : X86_EXC_GP,
                                                     .has_error = true };
            return X86EMUL_EXCEPTION;
        }
    } else {
        linear = (uint32_t)(ctx->seg_base[m->seg] + offset);
    }
    if (kind == ACCESS_WRITE)
        return ctx->ops->write(ctx, linear, size, *value & size_mask(size));
    st = ctx->ops->read(ctx, linear, size, value, kind == ACCESS_READ_FOR_WRITE);
    *value &= size_mask(size);
    return st;
}

/* ---- operands ------------------------------------------------------------------- */

static enum x86_emul_status read_operand(struct x86_emul_ctx *ctx, const struct x86_insn *insn,
                                         const struct x86_operand *o, uint64_t *value,
                                         bool for_write)
{
    switch (o->kind) {
    case X86_OPND_REG:
        *value = reg_read(ctx, o);
        return X86EMUL_OK;
    case X86_OPND_MEM:
        return mem_access(ctx, insn, &o->mem, 0, o->size, value,
                          for_write ? ACCESS_READ_FOR_WRITE : ACCESS_READ);
    default: /* X86_OPND_IMM */
        *value = o->imm;
        return X86EMUL_OK;
    }
}

/* dst is a register or memory. */
static enum x86_emul_status write_operand(struct x86_emul_ctx *ctx, const struct x86_insn *insn,
                                          const struct x86_operand *o, uint64_t value)
{
    if (o->kind == X86_OPND_REG) {
        reg_write(ctx, o, value);
        return X86EMUL_OK;
    }
    return mem_access(ctx, insn, &o->mem, 0, o->size, &value, ACCESS_WRITE);
}

/* ---- the instructions ------------------------------------------------------------ */

/* add or adc sbb and sub xor cmp test: dst op= src, flags set only once the
 * result is stored. */
static enum x86_emul_status exec_alu(struct x86_emul_ctx *ctx, const struct x86_insn *insn)
{
    bool stores = insn->op != X86_OP_CMP && insn->op != X86_OP_TEST;
    uint64_t dst, src, rflags = ctx->regs.rflags, result;
    enum x86_emul_status st;

    st = read_operand(ctx, insn, &insn->dst, &dst, stores);
    if (st == X86EMUL_OK)
        st = read_operand(ctx, insn, &insn->src, &src, false);
    if (st != X86EMUL_OK)
        return st;
    result = x86_alu(insn->op, insn->dst.size, dst, src, &rflags);
    if (stores)
        st = write_operand(ctx, insn, &insn->dst, result);
    if (st == X86EMUL_OK)
        ctx->regs.rflags = rflags;
    return st;
}

/* mov, movzx, movsx, movsxd: dst = src, extended to dst's size. */
static enum x86_emul_status exec_mov(struct x86_emul_ctx *ctx, const struct x86_insn *insn)
{
    uint64_t value;
    enum x86_emul_status st = read_operand(ctx, insn, &insn->src, &value, false);

    if (st != X86EMUL_OK)
        return st;
    if (insn->op == X86_OP_MOVSX)
        value = sign_extend(value, insn->src.size);
    return write_operand(ctx, insn, &insn->dst, value);
}

/* xchg E, G: memory is read for write, written, then the register set. */
static enum x86_emul_status exec_xchg(struct x86_emul_ctx *ctx, const struct x86_insn *insn)
{
    uint64_t old, reg = reg_read(ctx, &insn->src);
    enum x86_emul_status st = read_operand(ctx, insn, &insn->dst, &old, true);

    if (st == X86EMUL_OK)
        st = write_operand(ctx, insn, &insn->dst, reg);
    if (st == X86EMUL_OK)
        reg_write(ctx, &insn->src, old);
    return st;
}

/*
 * bt, bts, btr, btc (APM vol. 3 "BT"): CF = the selected bit, which bts
 * sets, btr clears and btc flips. An immediate offset selects within the
 * operand (modulo its width). A register offset into memory is signed and
 * may reach outside the operand: the access moves by whole operands,
 * (offset >> log2(width)) * size bytes. The other flags are undefined and
 * left as they were.
 */
static enum x86_emul_status exec_bt(struct x86_emul_ctx *ctx, const struct x86_insn *insn)
{
    unsigned int width = insn->dst.size * 8;
    bool stores = insn->op != X86_OP_BT;
    uint64_t offset, word, bit, result;
    int64_t adjust = 0;
    enum x86_emul_status st;

    read_operand(ctx, insn, &insn->src, &offset, false); /* a register or an immediate */
    if (insn->src.kind == X86_OPND_REG && insn->dst.kind == X86_OPND_MEM) {
        int64_t signed_offset = (int64_t)sign_extend(offset, insn->src.size);
        adjust = (signed_offset >> __builtin_ctz(width)) * insn->dst.size;
    }
    bit = 1UL << (offset & (width - 1));
    if (insn->dst.kind == X86_OPND_MEM)
        st = mem_access(ctx, insn, &insn->dst.mem, adjust, insn->dst.size, &word,
                        stores ? ACCESS_READ_FOR_WRITE : ACCESS_READ);
    else
        st = read_operand(ctx, insn, &insn->dst, &word, false);
    if (st != X86EMUL_OK)
        return st;
    result = insn->op == X86_OP_BTS   ? word | bit
             : insn->op == X86_OP_BTR ? word & ~bit
                                      : word ^ bit;
    if (stores && insn->dst.kind == X86_OPND_MEM)
        st = mem_access(ctx, insn, &insn->dst.mem, adjust, insn->dst.size, &result, ACCESS_WRITE);
    else if (stores)
        reg_write(ctx, &insn->dst, result);
    if (st == X86EMUL_OK)
        ctx->regs.rflags = (ctx->regs.rflags & ~X86_FLAG_CF) | (word & bit ? X86_FLAG_CF : 0);
    return st;
}

/* rSI or rDI moves by step, at the address size. */
static void string_advance(struct x86_emul_ctx *ctx, const struct x86_insn *insn, int reg,
                           int64_t step)
{
    reg_write_sized(ctx, reg, insn->addr_size, false, ctx->regs.gpr[reg] + (uint64_t)step);
}

/*
 * stos and movs, once, or with rep while rCX (at the address size) is not
 * zero, at most ctx->max_reps iterations per call. Each iteration stores,
 * then moves rDI (and rSI) by the element size, down if RFLAGS.DF is set,
 * and counts rCX down. *finished says whether RIP may move on.
 */
static enum x86_emul_status exec_string(struct x86_emul_ctx *ctx, const struct x86_insn *insn,
                                        bool *finished)
{
    unsigned int size = insn->dst.size, done = 0;
    int64_t step = ctx->regs.rflags & X86_FLAG_DF ? -(int64_t)size : (int64_t)size;
    uint64_t count_mask = size_mask(insn->addr_size);

    *finished = false;
    for (;;) {
        uint64_t count = ctx->regs.gpr[X86_RCX] & count_mask, value;
        enum x86_emul_status st;

        if (insn->rep && count == 0)
            break;
        if (insn->rep && done == MAX(ctx->max_reps, 1u))
            return X86EMUL_OK; /* more next time: RIP stays */
        st = read_operand(ctx, insn, &insn->src, &value, false);
        if (st == X86EMUL_OK)
            st = write_operand(ctx, insn, &insn->dst, value);
        if (st != X86EMUL_OK)
            return st;
        string_advance(ctx, insn, X86_RDI, step);
        if (insn->op == X86_OP_MOVS)
            string_advance(ctx, insn, X86_RSI, step);
        done++;
        if (!insn->rep)
            break;
        reg_write_sized(ctx, X86_RCX, insn->addr_size, false, count - 1);
    }
    *finished = true;
    return X86EMUL_OK;
}

enum x86_emul_status x86_emulate(struct x86_emul_ctx *ctx, const struct x86_insn *insn)
{
    enum x86_emul_status st;
    bool finished = true;

    switch (insn->op) {
    case X86_OP_MOV:
    case X86_OP_MOVZX:
    case X86_OP_MOVSX:
        st = exec_mov(ctx, insn);
        break;
    case X86_OP_BT:
    case X86_OP_BTS:
    case X86_OP_BTR:
    case X86_OP_BTC:
        st = exec_bt(ctx, insn);
        break;
    case X86_OP_XCHG:
        st = exec_xchg(ctx, insn);
        break;
    case X86_OP_STOS:
    case X86_OP_MOVS:
        st = exec_string(ctx, insn, &finished);
        break;
    default: /* the ALU operations and test */
        st = exec_alu(ctx, insn);
        break;
    }
    if (st == X86EMUL_OK && finished) {
        /* IP wraps at 16 bits in 16-bit code, EIP at 32 (APM vol. 1 §2.5.2). */
        uint64_t ip_mask = ctx->mode == X86_MODE_64   ? ~0UL
                           : ctx->mode == X86_MODE_32 ? 0xFFFFFFFFUL
                                                      : 0xFFFFUL;
        ctx->regs.rip = (ctx->regs.rip + insn->len) & ip_mask;
    }
    return st;
}

const char *x86_op_name(enum x86_op op)
{
    static const char *const names[] = {
        [X86_OP_ADD] = "add",   [X86_OP_OR] = "or",       [X86_OP_ADC] = "adc",
        [X86_OP_SBB] = "sbb",   [X86_OP_AND] = "and",     [X86_OP_SUB] = "sub",
        [X86_OP_XOR] = "xor",   [X86_OP_CMP] = "cmp",     [X86_OP_TEST] = "test",
        [X86_OP_MOV] = "mov",   [X86_OP_MOVZX] = "movzx", [X86_OP_MOVSX] = "movsx",
        [X86_OP_BT] = "bt",     [X86_OP_BTS] = "bts",     [X86_OP_BTR] = "btr",
        [X86_OP_BTC] = "btc",   [X86_OP_XCHG] = "xchg",   [X86_OP_STOS] = "stos",
        [X86_OP_MOVS] = "movs",
    };

    return (unsigned int)op < ARRAY_SIZE(names) && names[op] ? names[op] : "?";
}
