/*
 * Decoding one x86 instruction (APM vol. 3 chapter 1, "Instruction
 * Encoding"): legacy prefixes, REX, the opcode, ModRM, SIB, displacement,
 * immediate. The result says what the instruction does, its operands as
 * registers, memory references or immediates, and its length.
 *
 * Only the opcodes listed in include/x86/emulate.h are decoded; any other
 * is X86EMUL_UNSUPPORTED. Encodings the CPU itself rejects give the
 * exception it would raise: #UD (a LOCK prefix where none is allowed, an
 * undefined ModRM.reg, 82 in 64-bit mode), #GP(0) (more than 15 bytes).
 */
#include "x86/emulate.h"

/* REX (APM vol. 3 §1.4.4): 0100WRXB, only in 64-bit mode. */
#define REX_B 0x1 /* extends ModRM.rm, SIB.base */
#define REX_X 0x2 /* extends SIB.index */
#define REX_R 0x4 /* extends ModRM.reg */
#define REX_W 0x8 /* 64-bit operand size */

#define PREFIX_OPSIZE 0x66
#define PREFIX_ADDRSIZE 0x67
#define PREFIX_LOCK 0xF0
#define PREFIX_REPNE 0xF2
#define PREFIX_REP 0xF3
#define OPCODE_ESCAPE 0x0F /* the two-byte opcode map */

#define NO_SEG (-1)

struct decoder {
    const uint8_t *bytes;
    unsigned int nbytes, pos;
    enum x86_mode mode;
    bool truncated, too_long;
    /* prefixes */
    bool opsize_prefix, addrsize_prefix, lock, rep;
    int seg_override; /* enum x86_seg, or NO_SEG */
    uint8_t rex;
    /* ModRM */
    uint8_t mod, reg, rm;
};

/* The next byte; past the bytes given or past 15 it records why and
 * returns 0, and the decode ends in TRUNCATED or #GP once it is done. */
static uint8_t fetch(struct decoder *d)
{
    if (d->pos >= X86_MAX_INSN_LEN) {
        d->too_long = true;
        return 0;
    }
    if (d->pos >= d->nbytes) {
        d->truncated = true;
        d->pos++;
        return 0;
    }
    return d->bytes[d->pos++];
}

/* A little-endian value of size bytes, sign-extended to 64 bits. */
static uint64_t fetch_signed(struct decoder *d, unsigned int size)
{
    uint64_t value = 0;

    for (unsigned int i = 0; i < size; i++)
        value |= (uint64_t)fetch(d) << (8 * i);
    if (size < 8) {
        unsigned int shift = 64 - 8 * size;
        value = (uint64_t)((int64_t)(value << shift) >> shift);
    }
    return value;
}

static uint64_t fetch_unsigned(struct decoder *d, unsigned int size)
{
    uint64_t value = 0;

    for (unsigned int i = 0; i < size; i++)
        value |= (uint64_t)fetch(d) << (8 * i);
    return value;
}

/* ---- prefixes and sizes ---------------------------------------------------- */

static bool legacy_prefix(struct decoder *d, uint8_t b)
{
    switch (b) {
    case 0x26:
        d->seg_override = X86_SEG_ES;
        return true;
    case 0x2E:
        d->seg_override = X86_SEG_CS;
        return true;
    case 0x36:
        d->seg_override = X86_SEG_SS;
        return true;
    case 0x3E:
        d->seg_override = X86_SEG_DS;
        return true;
    case 0x64:
        d->seg_override = X86_SEG_FS;
        return true;
    case 0x65:
        d->seg_override = X86_SEG_GS;
        return true;
    case PREFIX_OPSIZE:
        d->opsize_prefix = true;
        return true;
    case PREFIX_ADDRSIZE:
        d->addrsize_prefix = true;
        return true;
    case PREFIX_LOCK:
        d->lock = true;
        return true;
    case PREFIX_REPNE:
    case PREFIX_REP:
        d->rep = true;
        return true;
    default:
        return false;
    }
}

/* Reads the prefixes and returns the first opcode byte. A REX counts only
 * directly before the opcode: a legacy prefix after it cancels it
 * (APM vol. 3 §1.4.4). */
static uint8_t read_prefixes(struct decoder *d)
{
    for (;;) {
        uint8_t b = fetch(d);

        if (d->truncated || d->too_long)
            return 0;
        if (d->mode == X86_MODE_64 && (b & 0xF0) == 0x40) {
            d->rex = b;
            continue;
        }
        if (!legacy_prefix(d, b))
            return b;
        d->rex = 0;
    }
}

/* The operand size of a non-byte instruction (APM vol. 1 §2.2.3, Table
 * 2-2): REX.W makes it 64; else 66 flips the mode's default. */
static uint8_t op_size(const struct decoder *d)
{
    if (d->rex & REX_W)
        return 8;
    if (d->mode == X86_MODE_16)
        return d->opsize_prefix ? 4 : 2;
    return d->opsize_prefix ? 2 : 4;
}

/* The address size: 67 turns 64 into 32, 32 into 16, 16 into 32. */
static uint8_t addr_size(const struct decoder *d)
{
    switch (d->mode) {
    case X86_MODE_64:
        return d->addrsize_prefix ? 4 : 8;
    case X86_MODE_32:
        return d->addrsize_prefix ? 2 : 4;
    default:
        return d->addrsize_prefix ? 4 : 2;
    }
}

/* ---- operands ---------------------------------------------------------------- */

/* General register num at size. Without REX, byte registers 4..7 are AH,
 * CH, DH, BH; with any REX they are SPL, BPL, SIL, DIL (§1.4.4). */
static struct x86_operand reg_operand(const struct decoder *d, unsigned int num, uint8_t size)
{
    struct x86_operand o = { .kind = X86_OPND_REG, .size = size, .reg = (int8_t)num };

    if (size == 1 && !d->rex && num >= 4 && num < 8) {
        o.reg = (int8_t)(num - 4);
        o.high_byte = true;
    }
    return o;
}

static struct x86_operand imm_operand(uint8_t size, uint64_t value)
{
    return (struct x86_operand){ .kind = X86_OPND_IMM, .size = size, .imm = value };
}

/* The segment of a memory reference: the override, else DS, or SS for a
 * reference based on rSP or rBP (APM vol. 1 §2.5.3). */
static enum x86_seg mem_segment(const struct decoder *d, int base)
{
    if (d->seg_override != NO_SEG)
        return (enum x86_seg)d->seg_override;
    return base == X86_RSP || base == X86_RBP ? X86_SEG_SS : X86_SEG_DS;
}

static void read_modrm(struct decoder *d)
{
    uint8_t modrm = fetch(d);

    d->mod = modrm >> 6;
    d->reg = (uint8_t)(((modrm >> 3) & 7) | (d->rex & REX_R ? 8 : 0));
    d->rm = modrm & 7;
}

/* 16-bit addressing (APM vol. 3 Table A-33): the eight rm forms. */
static struct x86_mem modrm_mem16(struct decoder *d)
{
    static const int8_t base[8] = { X86_RBX, X86_RBX, X86_RBP, X86_RBP,
                                    X86_RSI, X86_RDI, X86_RBP, X86_RBX };
    static const int8_t index[8] = { X86_RSI,    X86_RDI,    X86_RSI,    X86_RDI,
                                     X86_NO_REG, X86_NO_REG, X86_NO_REG, X86_NO_REG };
    struct x86_mem m = { .base = base[d->rm], .index = index[d->rm], .scale = 1 };

    if (d->mod == 0 && d->rm == 6) { /* disp16 alone */
        m.base = X86_NO_REG;
        m.disp = fetch_signed(d, 2);
    } else if (d->mod == 1) {
        m.disp = fetch_signed(d, 1);
    } else if (d->mod == 2) {
        m.disp = fetch_signed(d, 2);
    }
    m.seg = mem_segment(d, m.base);
    return m;
}

/* 32- and 64-bit addressing (APM vol. 3 §1.4.2, §1.5): ModRM, perhaps a SIB
 * byte, a displacement; rm 5 with mod 0 is disp32 alone, or RIP-relative
 * in 64-bit mode (§1.7). */
static struct x86_mem modrm_mem32(struct decoder *d)
{
    struct x86_mem m = { .base = X86_NO_REG, .index = X86_NO_REG, .scale = 1 };
    uint8_t rex_b = d->rex & REX_B ? 8 : 0;

    if (d->rm == 4) {
        uint8_t sib = fetch(d);
        unsigned int index = ((sib >> 3) & 7) | (d->rex & REX_X ? 8 : 0);

        m.scale = (uint8_t)(1u << (sib >> 6));
        if (index != X86_RSP) /* index 100b alone means none */
            m.index = (int8_t)index;
        if ((sib & 7) == 5 && d->mod == 0)
            m.disp = fetch_signed(d, 4); /* no base */
        else
            m.base = (int8_t)((sib & 7) | rex_b);
    } else if (d->rm == 5 && d->mod == 0) {
        m.rip_relative = d->mode == X86_MODE_64;
        m.disp = fetch_signed(d, 4);
    } else {
        m.base = (int8_t)(d->rm | rex_b);
    }
    if (d->mod == 1)
        m.disp = fetch_signed(d, 1);
    else if (d->mod == 2)
        m.disp = fetch_signed(d, 4);
    m.seg = mem_segment(d, m.base);
    return m;
}

/* The ModRM r/m operand (E) at size: a register if mod is 3. */
static struct x86_operand rm_operand(struct decoder *d, uint8_t size)
{
    if (d->mod == 3)
        return reg_operand(d, d->rm | (d->rex & REX_B ? 8 : 0), size);
    struct x86_operand o = { .kind = X86_OPND_MEM, .size = size };
    o.mem = addr_size(d) == 2 ? modrm_mem16(d) : modrm_mem32(d);
    return o;
}

/* A string instruction's memory operand: seg:[rSI] or ES:[rDI] (APM vol. 3
 * "MOVS", "STOS": the destination's ES cannot be overridden). */
static struct x86_operand string_operand(const struct decoder *d, int reg, uint8_t size)
{
    struct x86_operand o = { .kind = X86_OPND_MEM, .size = size };

    o.mem = (struct x86_mem){ .base = (int8_t)reg, .index = X86_NO_REG, .scale = 1 };
    if (reg == X86_RDI)
        o.mem.seg = X86_SEG_ES;
    else
        o.mem.seg = d->seg_override != NO_SEG ? (enum x86_seg)d->seg_override : X86_SEG_DS;
    return o;
}

/* An immediate of size Iz: 16 bits for 16-bit operands, else 32 (sign-
 * extended to a 64-bit operand). */
static struct x86_operand imm_z(struct decoder *d, uint8_t size)
{
    return imm_operand(size, fetch_signed(d, size == 2 ? 2 : 4));
}

/* ---- opcodes ------------------------------------------------------------------ */

/* Outcomes of decoding the opcode. */
enum verdict { DECODED, UNDEFINED, NOT_EMULATED };

/* E, G forms (00-3B, 84-8B): byte form if bit 0 is clear; reg_first puts G
 * first, as the destination (bit 1 set). */
static void modrm_e_g(struct decoder *d, struct x86_insn *insn, uint8_t opc, bool reg_first)
{
    uint8_t size = opc & 1 ? op_size(d) : 1;
    struct x86_operand e, g;

    read_modrm(d);
    e = rm_operand(d, size);
    g = reg_operand(d, d->reg, size);
    insn->dst = reg_first ? g : e;
    insn->src = reg_first ? e : g;
}

static enum verdict decode_one_byte(struct decoder *d, struct x86_insn *insn, uint8_t opc)
{
    uint8_t size = opc & 1 ? op_size(d) : 1;

    /* The eight ALU operations in their E,G / G,E forms. */
    if (opc < 0x40 && (opc & 7) < 4) {
        insn->op = (enum x86_op)(opc >> 3);
        modrm_e_g(d, insn, opc, opc & 2);
        return DECODED;
    }
    switch (opc) {
    case 0x63: /* movsxd Gv, Ed (64-bit mode; ARPL elsewhere) */
        if (d->mode != X86_MODE_64)
            return NOT_EMULATED;
        insn->op = X86_OP_MOVSX;
        read_modrm(d);
        insn->src = rm_operand(d, MIN(op_size(d), 4));
        insn->dst = reg_operand(d, d->reg, op_size(d));
        return DECODED;
    case 0x82: /* an alias of 80, invalid in 64-bit mode */
        if (d->mode == X86_MODE_64)
            return UNDEFINED;
        /* fall through */
    case 0x80:
    case 0x81:
    case 0x83: /* group 1: Eb,Ib  Ev,Iz  Eb,Ib  Ev,Ib (sign-extended) */
        read_modrm(d);
        insn->op = (enum x86_op)(d->reg & 7);
        size = opc == 0x81 || opc == 0x83 ? op_size(d) : 1;
        insn->dst = rm_operand(d, size);
        insn->src = opc == 0x81 ? imm_z(d, size) : imm_operand(size, fetch_signed(d, 1));
        return DECODED;
    case 0x84:
    case 0x85:
        insn->op = X86_OP_TEST;
        modrm_e_g(d, insn, opc, false);
        return DECODED;
    case 0x86:
    case 0x87:
        insn->op = X86_OP_XCHG;
        modrm_e_g(d, insn, opc, false);
        return DECODED;
    case 0x88:
    case 0x89:
    case 0x8A:
    case 0x8B:
        insn->op = X86_OP_MOV;
        modrm_e_g(d, insn, opc, opc & 2);
        return DECODED;
    case 0xA0:
    case 0xA1:
    case 0xA2:
    case 0xA3: { /* mov between rAX and a moffs, an offset of the address size */
        struct x86_operand mem = { .kind = X86_OPND_MEM, .size = size };
        mem.mem = (struct x86_mem){ .seg = mem_segment(d, X86_NO_REG),
                                    .base = X86_NO_REG,
                                    .index = X86_NO_REG,
                                    .scale = 1,
                                    .disp = fetch_unsigned(d, addr_size(d)) };
        insn->op = X86_OP_MOV;
        insn->dst = opc & 2 ? mem : reg_operand(d, X86_RAX, size);
        insn->src = opc & 2 ? reg_operand(d, X86_RAX, size) : mem;
        return DECODED;
    }
    case 0xA4:
    case 0xA5:
        insn->op = X86_OP_MOVS;
        insn->rep = d->rep;
        insn->dst = string_operand(d, X86_RDI, size);
        insn->src = string_operand(d, X86_RSI, size);
        return DECODED;
    case 0xAA:
    case 0xAB:
        insn->op = X86_OP_STOS;
        insn->rep = d->rep;
        insn->dst = string_operand(d, X86_RDI, size);
        insn->src = reg_operand(d, X86_RAX, size);
        return DECODED;
    case 0xC6:
    case 0xC7: /* group 11: only /0, mov Eb,Ib / Ev,Iz (no RTM on AMD) */
        read_modrm(d);
        if ((d->reg & 7) != 0)
            return UNDEFINED;
        insn->op = X86_OP_MOV;
        insn->dst = rm_operand(d, size);
        insn->src = opc == 0xC6 ? imm_operand(1, fetch_signed(d, 1)) : imm_z(d, size);
        return DECODED;
    case 0xF6:
    case 0xF7: /* group 3: /0 and /1 are test E,I; not, neg, mul, div are not emulated */
        read_modrm(d);
        if ((d->reg & 7) > 1)
            return NOT_EMULATED;
        insn->op = X86_OP_TEST;
        insn->dst = rm_operand(d, size);
        insn->src = opc == 0xF6 ? imm_operand(1, fetch_signed(d, 1)) : imm_z(d, size);
        return DECODED;
    default:
        return NOT_EMULATED;
    }
}

static enum verdict decode_two_byte(struct decoder *d, struct x86_insn *insn, uint8_t opc)
{
    switch (opc) {
    case 0xB6:
    case 0xB7:
    case 0xBE:
    case 0xBF: /* movzx / movsx Gv, Eb or Ew */
        insn->op = opc & 8 ? X86_OP_MOVSX : X86_OP_MOVZX;
        read_modrm(d);
        insn->src = rm_operand(d, opc & 1 ? 2 : 1);
        insn->dst = reg_operand(d, d->reg, op_size(d));
        return DECODED;
    case 0xA3:
    case 0xAB:
    case 0xB3:
    case 0xBB: /* bt, bts, btr, btc Ev, Gv: bits 4:3 of the opcode pick which */
        insn->op = (enum x86_op)(X86_OP_BT + ((opc >> 3) & 3));
        modrm_e_g(d, insn, 1, false);
        return DECODED;
    case 0xBA: /* group 8: bt, bts, btr, btc Ev, Ib as /4../7 */
        read_modrm(d);
        if ((d->reg & 7) < 4)
            return UNDEFINED;
        insn->op = (enum x86_op)(X86_OP_BT + (d->reg & 3));
        insn->dst = rm_operand(d, op_size(d));
        insn->src = imm_operand(1, fetch_unsigned(d, 1));
        return DECODED;
    default:
        return NOT_EMULATED;
    }
}

/* LOCK is allowed only on a read-modify-write of memory (APM vol. 3
 * §1.2.5): the ALU operations but cmp, bts/btr/btc, xchg. Else #UD. */
static bool lock_allowed(const struct x86_insn *insn)
{
    if (insn->dst.kind != X86_OPND_MEM)
        return false;
    switch (insn->op) {
    case X86_OP_ADD:
    case X86_OP_OR:
    case X86_OP_ADC:
    case X86_OP_SBB:
    case X86_OP_AND:
    case X86_OP_SUB:
    case X86_OP_XOR:
    case X86_OP_BTS:
    case X86_OP_BTR:
    case X86_OP_BTC:
    case X86_OP_XCHG:
        return true;
    default:
        return false;
    }
}

enum x86_emul_status x86_decode(const uint8_t *bytes, unsigned int nbytes, enum x86_mode mode,
                                struct x86_insn *insn, struct x86_exception *exc)
{
    struct decoder d = { .bytes = bytes, .nbytes = nbytes, .mode = mode, .seg_override = NO_SEG };
    enum verdict verdict;
    uint8_t opc;

    *insn = (struct x86_insn){ 0 };
    opc = read_prefixes(&d);
    if (opc == OPCODE_ESCAPE)
        verdict = decode_two_byte(&d, insn, fetch(&d));
    else
        verdict = decode_one_byte(&d, insn, opc);

    /* Running out of bytes first means the rest is not known yet. */
    if (d.truncated)
        return X86EMUL_TRUNCATED;
    *exc = (struct x86_exception){ .vector = X86_EXC_UD };
    if (d.too_long) {
        *exc = (struct x86_exception){ .vector = X86_EXC_GP, .has_error = true };
        return X86EMUL_EXCEPTION;
    }
    if (verdict == NOT_EMULATED)
        return X86EMUL_UNSUPPORTED;
    if (verdict == UNDEFINED || (d.lock && !lock_allowed(insn)))
        return X86EMUL_EXCEPTION;
    insn->len = (uint8_t)d.pos;
    insn->addr_size = addr_size(&d);
    insn->lock = d.lock;
    return X86EMUL_OK;
}
