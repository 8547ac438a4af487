/*
 * The x86 instruction emulator (arch/x86/emulate/): decodes one instruction
 * from its bytes and executes it against registers and a memory-access
 * interface that the caller provides.
 *
 * It serves the nested page faults a guest takes on memory no RAM backs
 * (arch/x86/svm/npf.c, docs/platform.md "MMIO emulation and holes"), so it
 * knows the instructions that touch device memory, and no others:
 *
 *   mov      88 89 8A 8B C6/0 C7/0, A0-A3 (moffs), movzx 0F B6/B7,
 *            movsx 0F BE/BF, movsxd 63 (64-bit mode)
 *   ALU      add or adc sbb and sub xor cmp: 00-3B (the ModRM forms),
 *            80 81 82 83 (group 1); test 84 85, F6/0-1 F7/0-1
 *   bits     bt bts btr btc: 0F A3 AB B3 BB, 0F BA/4-7
 *   xchg     86 87
 *   strings  stos AA AB, movs A4 A5, with rep (F3, or F2)
 *
 * in 16-, 32- and 64-bit code, with the prefixes 66 67 F0 F2 F3, the six
 * segment overrides and REX. It is pure: no hypervisor state, so it runs on
 * the host in tests/unit/test_emulate.c.
 */
#ifndef MICA_X86_EMULATE_H
#define MICA_X86_EMULATE_H

#include "types.h"

/* The longest instruction the CPU accepts (APM vol. 3 §1.1): a longer one
 * is #GP(0). */
#define X86_MAX_INSN_LEN 15

/* The code the instruction runs in: its default operand and address size
 * (APM vol. 1 §2.2.3). */
enum x86_mode { X86_MODE_16, X86_MODE_32, X86_MODE_64 };

/* Segment registers in their encoding order (APM vol. 3 §1.2.2). */
enum x86_seg { X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS, X86_SEG_FS, X86_SEG_GS };
#define X86_NR_SEGS 6

/* General-purpose registers in their encoding order. */
enum x86_reg {
    X86_RAX,
    X86_RCX,
    X86_RDX,
    X86_RBX,
    X86_RSP,
    X86_RBP,
    X86_RSI,
    X86_RDI,
    X86_R8,
    X86_R9,
    X86_R10,
    X86_R11,
    X86_R12,
    X86_R13,
    X86_R14,
    X86_R15,
};
#define X86_NR_GPRS 16
#define X86_NO_REG (-1)

/* RFLAGS bits the emulator reads or writes (APM vol. 2 §3.1.6). */
#define X86_FLAG_CF (1UL << 0)
#define X86_FLAG_PF (1UL << 2)
#define X86_FLAG_AF (1UL << 4)
#define X86_FLAG_ZF (1UL << 6)
#define X86_FLAG_SF (1UL << 7)
#define X86_FLAG_DF (1UL << 10)
#define X86_FLAG_OF (1UL << 11)
#define X86_ARITH_FLAGS \
    (X86_FLAG_CF | X86_FLAG_PF | X86_FLAG_AF | X86_FLAG_ZF | X86_FLAG_SF | X86_FLAG_OF)

/* Exceptions the emulator raises itself; the memory interface raises #PF. */
#define X86_EXC_UD 6
#define X86_EXC_SS 12
#define X86_EXC_GP 13
#define X86_EXC_PF 14

/* What an instruction does. */
enum x86_op {
    /* The eight ALU operations, numbered as opcode bits 5:3 and the ModRM
     * reg field of group 1 number them. */
    X86_OP_ADD,
    X86_OP_OR,
    X86_OP_ADC,
    X86_OP_SBB,
    X86_OP_AND,
    X86_OP_SUB,
    X86_OP_XOR,
    X86_OP_CMP,
    X86_OP_TEST,
    X86_OP_MOV,
    X86_OP_MOVZX,
    X86_OP_MOVSX, /* movsx and movsxd */
    /* The bit tests, in the order of 0F BA's reg field 4..7. */
    X86_OP_BT,
    X86_OP_BTS,
    X86_OP_BTR,
    X86_OP_BTC,
    X86_OP_XCHG,
    X86_OP_STOS,
    X86_OP_MOVS,
};

enum x86_operand_kind { X86_OPND_NONE, X86_OPND_REG, X86_OPND_MEM, X86_OPND_IMM };

/* A memory operand: seg:[base + index * scale + disp], or, RIP-relative,
 * seg:[next RIP + disp]. The offset wraps at the address size. */
struct x86_mem {
    enum x86_seg seg;
    int8_t base, index; /* a register, or X86_NO_REG */
    uint8_t scale;      /* 1, 2, 4 or 8 */
    bool rip_relative;
    uint64_t disp; /* sign-extended from the encoding; a moffs as it is */
};

struct x86_operand {
    enum x86_operand_kind kind;
    uint8_t size;   /* bytes: 1, 2, 4 or 8 */
    int8_t reg;     /* REG */
    bool high_byte; /* REG of size 1: AH, CH, DH or BH (bits 15:8 of reg) */
    struct x86_mem mem;
    uint64_t imm; /* IMM: the value, extended as the encoding defines */
};

/* One decoded instruction. For the string instructions dst and src are the
 * implicit operands: ES:[rDI] and AL/AX/EAX/RAX (stos), seg:[rSI] (movs). */
struct x86_insn {
    uint8_t len;
    enum x86_op op;
    uint8_t addr_size; /* bytes: 2, 4 or 8 */
    bool lock;         /* F0 */
    bool rep;          /* F3 or F2 on a string instruction */
    struct x86_operand dst, src;
};

/* A decode or execution ends in one of these. */
enum x86_emul_status {
    X86EMUL_OK,
    X86EMUL_EXCEPTION,   /* raise the exception described in the context */
    X86EMUL_TRUNCATED,   /* decode: the bytes given end inside the instruction */
    X86EMUL_UNSUPPORTED, /* a valid instruction this emulator does not know */
    X86EMUL_UNHANDLEABLE /* the memory interface cannot serve the access */
};

struct x86_exception {
    uint8_t vector;
    bool has_error;
    uint32_t error;
    uint64_t cr2; /* #PF: the faulting linear address */
};

/* The architectural state an instruction reads and writes. */
struct x86_regs {
    uint64_t gpr[X86_NR_GPRS];
    uint64_t rip, rflags;
};

struct x86_emul_ctx;

/*
 * The memory interface. Each call moves size bytes (1, 2, 4 or 8) at a
 * linear address, little-endian in *value. A read made to modify the same
 * location (read-modify-write, xchg) says so in for_write, so a fault that
 * the write would take comes before anything is read. Returns X86EMUL_OK,
 * or X86EMUL_EXCEPTION with ctx->exception filled in, or
 * X86EMUL_UNHANDLEABLE (the emulation stops; the caller knows why).
 */
struct x86_emul_ops {
    enum x86_emul_status (*read)(struct x86_emul_ctx *ctx, uint64_t linear, unsigned int size,
                                 uint64_t *value, bool for_write);
    enum x86_emul_status (*write)(struct x86_emul_ctx *ctx, uint64_t linear, unsigned int size,
                                  uint64_t value);
};

struct x86_emul_ctx {
    const struct x86_emul_ops *ops;
    enum x86_mode mode;
    uint64_t seg_base[X86_NR_SEGS]; /* in 64-bit mode only FS's and GS's count */
    struct x86_regs regs;
    /* A rep string instruction does at most this many iterations per call;
     * if its count is not exhausted then, RIP stays on it, so the guest
     * executes it again (as after an interrupt between iterations). */
    unsigned int max_reps;
    struct x86_exception exception; /* after X86EMUL_EXCEPTION */
    void *data;                     /* the caller's own */
};

/*
 * Decode the instruction whose first nbytes bytes are at bytes. Returns
 * X86EMUL_OK and fills *insn; X86EMUL_TRUNCATED if it runs past nbytes
 * (and nbytes < X86_MAX_INSN_LEN); X86EMUL_EXCEPTION with *exc set for an
 * encoding the CPU rejects (#UD; #GP(0) when longer than 15 bytes);
 * X86EMUL_UNSUPPORTED for any opcode not listed above.
 */
enum x86_emul_status x86_decode(const uint8_t *bytes, unsigned int nbytes, enum x86_mode mode,
                                struct x86_insn *insn, struct x86_exception *exc);

/*
 * Execute insn in ctx: its registers change as the CPU's would, its memory
 * accesses go through ctx->ops, and RIP moves past it once it completes.
 * When an access fails, registers are left as the CPU leaves them at that
 * fault: RIP on the instruction, a rep instruction's completed iterations
 * counted in rCX, rSI and rDI.
 */
enum x86_emul_status x86_emulate(struct x86_emul_ctx *ctx, const struct x86_insn *insn);

/* The instruction's name ("mov", "btr", ...) for diagnostics. */
const char *x86_op_name(enum x86_op op);

/* The arithmetic and its flags (arch/x86/emulate/alu.c): dst op src at size
 * bytes; the result, and the RFLAGS the CPU leaves (*rflags is read for
 * CF by adc and sbb). cmp returns dst and test returns dst; both set flags
 * only. */
uint64_t x86_alu(enum x86_op op, unsigned int size, uint64_t dst, uint64_t src, uint64_t *rflags);

#endif
