/*
 * Unit tests for the x86 instruction emulator (arch/x86/emulate/): a table
 * of encodings in 16-, 32- and 64-bit code with the length, operand size and
 * outcome each must decode to, then instructions executed against a fake
 * memory, checking registers, flags and every access they make.
 *
 * The fake memory, by linear address:
 *   [0, 64 KiB)              RAM, bytes in ram[]
 *   [DEVICE, DEVICE + 4 KiB) a device that reads all ones and logs every access
 *   [FAULT, FAULT + 4 KiB)   not mapped: each access raises #PF
 *   anything else            UNHANDLEABLE
 */
#include <string.h>

#include "x86/emulate.h"
#include "unit.h"

#define RAM_SIZE 0x10000UL
#define DEVICE 0x10000UL
#define FAULT 0x20000UL
#define PF_WRITE 2 /* #PF error code bit 1 (APM vol. 2 §8.4.2) */

struct access {
    bool write, for_write;
    uint64_t linear;
    unsigned int size;
    uint64_t value;
};

static uint8_t ram[RAM_SIZE];
static struct access log_[64];
static unsigned int nlog;

static enum x86_emul_status fake_access(struct x86_emul_ctx *ctx, uint64_t linear,
                                        unsigned int size, uint64_t *value, bool write,
                                        bool for_write)
{
    if (linear + size <= RAM_SIZE) {
        if (write)
            memcpy(&ram[linear], value, size);
        else
            memcpy(value, &ram[linear], size);
        return X86EMUL_OK;
    }
    if (linear >= DEVICE && linear + size <= DEVICE + 0x1000) {
        if (!write)
            *value = ~0UL;
        if (nlog < sizeof(log_) / sizeof(log_[0]))
            log_[nlog++] = (struct access){ write, for_write, linear, size, write ? *value : 0 };
        return X86EMUL_OK;
    }
    if (linear >= FAULT && linear < FAULT + 0x1000) {
        ctx->exception = (struct x86_exception){ .vector = X86_EXC_PF,
                                                 .has_error = true,
                                                 .error = write || for_write ? PF_WRITE : 0,
                                                 .cr2 = linear };
        return X86EMUL_EXCEPTION;
    }
    return X86EMUL_UNHANDLEABLE;
}

static enum x86_emul_status fake_read(struct x86_emul_ctx *ctx, uint64_t linear, unsigned int size,
                                      uint64_t *value, bool for_write)
{
    *value = 0;
    return fake_access(ctx, linear, size, value, false, for_write);
}

static enum x86_emul_status fake_write(struct x86_emul_ctx *ctx, uint64_t linear, unsigned int size,
                                       uint64_t value)
{
    return fake_access(ctx, linear, size, &value, true, false);
}

static const struct x86_emul_ops fake_ops = { fake_read, fake_write };

static struct x86_emul_ctx ctx;

/* A fresh machine: RAM zeroed, no accesses logged, RIP at 0x1000, RFLAGS
 * with only its reserved bit 1 set. */
static void reset(enum x86_mode mode)
{
    memset(ram, 0, sizeof(ram));
    nlog = 0;
    memset(&ctx, 0, sizeof(ctx));
    ctx.ops = &fake_ops;
    ctx.mode = mode;
    ctx.regs.rip = 0x1000;
    ctx.regs.rflags = 0x2;
    ctx.max_reps = 1000;
}

/* Decode and execute bytes in the current context. */
#define RUN(...)                                                                        \
    ({                                                                                  \
        static const uint8_t bytes_[] = { __VA_ARGS__ };                                \
        struct x86_insn insn_;                                                          \
        enum x86_emul_status st_ = x86_decode(bytes_, sizeof(bytes_), ctx.mode, &insn_, \
                                              &ctx.exception);                          \
        if (st_ == X86EMUL_OK)                                                          \
            st_ = x86_emulate(&ctx, &insn_);                                            \
        st_;                                                                            \
    })

static uint64_t ram_read(uint64_t addr, unsigned int size)
{
    uint64_t v = 0;

    memcpy(&v, &ram[addr], size);
    return v;
}

static void ram_write(uint64_t addr, uint64_t v, unsigned int size)
{
    memcpy(&ram[addr], &v, size);
}

#define FLAGS(f) ((ctx.regs.rflags & X86_ARITH_FLAGS) == (f))

/* ---- decoding ------------------------------------------------------------------- */

struct decode_case {
    enum x86_mode mode;
    uint8_t bytes[16];
    unsigned int nbytes;
    enum x86_emul_status status;
    unsigned int len;      /* OK */
    enum x86_op op;        /* OK */
    unsigned int dst_size; /* OK */
    unsigned int addr_size;
    uint8_t vector; /* EXCEPTION */
};

#define M16 X86_MODE_16
#define M32 X86_MODE_32
#define M64 X86_MODE_64
#define OK(mode, len, op, size, asize, ...)                                      \
    {                                                                            \
        mode, { __VA_ARGS__ }, len, X86EMUL_OK, len, X86_OP_##op, size, asize, 0 \
    }
#define EXC(mode, vector, ...)                                                                    \
    {                                                                                             \
        mode, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), X86EMUL_EXCEPTION, 0, 0, 0, 0, \
            vector                                                                                \
    }
#define OTHER(mode, status, ...)                                                         \
    {                                                                                    \
        mode, { __VA_ARGS__ }, sizeof((uint8_t[]){ __VA_ARGS__ }), status, 0, 0, 0, 0, 0 \
    }

static const struct decode_case decode_cases[] = {
    /* mov in every width and form */
    OK(M64, 2, MOV, 1, 8, 0x88, 0x20),                         /* mov [rax], ah */
    OK(M64, 3, MOV, 1, 8, 0x40, 0x88, 0x20),                   /* mov [rax], spl */
    OK(M64, 3, MOV, 2, 8, 0x66, 0x89, 0x08),                   /* mov [rax], cx */
    OK(M64, 2, MOV, 4, 8, 0x89, 0x08),                         /* mov [rax], ecx */
    OK(M64, 3, MOV, 8, 8, 0x48, 0x89, 0x08),                   /* mov [rax], rcx */
    OK(M64, 3, MOV, 8, 8, 0x48, 0x8B, 0x00),                   /* mov rax, [rax] */
    OK(M64, 2, MOV, 1, 8, 0x8A, 0x00),                         /* mov al, [rax] */
    OK(M64, 7, MOV, 4, 8, 0x8B, 0x04, 0x25, 0, 0, 1, 0),       /* mov eax, [0x10000] */
    OK(M64, 6, MOV, 4, 8, 0x8B, 0x05, 0x10, 0, 0, 0),          /* mov eax, [rip+0x10] */
    OK(M64, 7, MOV, 4, 4, 0x67, 0x8B, 0x05, 0x10, 0, 0, 0),    /* mov eax, [eip+0x10] */
    OK(M64, 5, MOV, 4, 8, 0x41, 0x8B, 0x44, 0x24, 0x08),       /* mov eax, [r12+8] */
    OK(M64, 8, MOV, 4, 8, 0x42, 0x8B, 0x04, 0xA5, 0, 0, 1, 0), /* mov eax, [r12*4+0x10000] */
    OK(M64, 4, MOV, 2, 8, 0x48, 0x66, 0x8B, 0x00), /* a REX before 66 is void: mov ax, [rax] */
    OK(M64, 10, MOV, 4, 8, 0xC7, 0x80, 0, 1, 0, 0, 0x78, 0x56, 0x34, 0x12),
    OK(M64, 7, MOV, 8, 8, 0x48, 0xC7, 0x00, 0xFF, 0xFF, 0xFF, 0xFF), /* mov qword [rax], -1 */
    OK(M64, 5, MOV, 2, 8, 0x66, 0xC7, 0x00, 0x34, 0x12),             /* mov word [rax], imm16 */
    OK(M64, 3, MOV, 1, 8, 0xC6, 0x00, 0xAB),                         /* mov byte [rax], imm8 */
    OK(M64, 10, MOV, 8, 8, 0x48, 0xA1, 0, 0, 1, 0, 0, 0, 0, 0),      /* mov rax, [moffs64] */
    OK(M64, 6, MOV, 4, 4, 0x67, 0xA1, 0, 0, 1, 0),                   /* mov eax, [moffs32] */
    OK(M64, 9, MOV, 1, 8, 0xA2, 0, 0, 1, 0, 0, 0, 0, 0),             /* mov [moffs64], al */
    OK(M32, 5, MOV, 4, 4, 0xA1, 0, 0, 1, 0),                         /* mov eax, [moffs32] */
    OK(M32, 4, MOV, 4, 4, 0x8B, 0x44, 0x24, 0x04),                   /* mov eax, [esp+4] */
    OK(M32, 6, MOV, 4, 4, 0x8B, 0x05, 0, 0, 1, 0),                   /* mov eax, [0x10000] */
    OK(M32, 3, MOV, 2, 4, 0x66, 0x89, 0x08),                         /* mov [eax], cx */
    OK(M32, 4, MOV, 4, 2, 0x67, 0x8B, 0x46, 0x02),                   /* mov eax, [bp+2] */
    OK(M16, 3, MOV, 2, 2, 0xA1, 0x34, 0x12),                         /* mov ax, [0x1234] */
    OK(M16, 2, MOV, 2, 2, 0x8B, 0x07),                               /* mov ax, [bx] */
    OK(M16, 3, MOV, 2, 2, 0x8B, 0x46, 0x02),                         /* mov ax, [bp+2] */
    OK(M16, 4, MOV, 2, 2, 0x8B, 0x06, 0x34, 0x12),                   /* mov ax, [0x1234] */
    OK(M16, 4, MOV, 2, 2, 0x8B, 0x80, 0x34, 0x12),                   /* mov ax, [bx+si+0x1234] */
    OK(M16, 3, MOV, 4, 2, 0x66, 0x8B, 0x07),                         /* mov eax, [bx] */
    OK(M16, 4, MOV, 2, 4, 0x67, 0x8B, 0x04, 0x24),                   /* mov ax, [esp] */
    OK(M16, 4, MOV, 2, 2, 0xC7, 0x07, 0x34, 0x12),                   /* mov word [bx], imm16 */
    /* movzx, movsx, movsxd */
    OK(M64, 3, MOVZX, 4, 8, 0x0F, 0xB6, 0x00),
    OK(M64, 4, MOVZX, 8, 8, 0x48, 0x0F, 0xB7, 0x00),
    OK(M64, 3, MOVSX, 4, 8, 0x0F, 0xBE, 0x00),
    OK(M64, 4, MOVSX, 8, 8, 0x48, 0x0F, 0xBF, 0x00),
    OK(M64, 3, MOVSX, 8, 8, 0x48, 0x63, 0x00), /* movsxd rax, dword [rax] */
    OK(M32, 3, MOVZX, 4, 4, 0x0F, 0xB7, 0x00),
    OK(M16, 3, MOVZX, 2, 2, 0x0F, 0xB6, 0x07),
    /* the ALU */
    OK(M64, 2, ADD, 4, 8, 0x01, 0x08),
    OK(M64, 2, OR, 1, 8, 0x0A, 0x00),
    OK(M64, 3, ADC, 8, 8, 0x48, 0x11, 0x08),
    OK(M64, 2, SBB, 4, 8, 0x1B, 0x00),
    OK(M64, 2, AND, 4, 8, 0x21, 0x08),
    OK(M64, 2, SUB, 4, 8, 0x2B, 0x00),
    OK(M64, 2, XOR, 1, 8, 0x30, 0x00),
    OK(M64, 2, CMP, 4, 8, 0x3B, 0x00),
    OK(M64, 3, CMP, 1, 8, 0x80, 0x38, 0x01),
    OK(M64, 6, CMP, 4, 8, 0x81, 0x38, 1, 0, 0, 0),
    OK(M64, 4, CMP, 2, 8, 0x66, 0x83, 0x38, 0xFF),
    OK(M64, 3, OR, 4, 8, 0x83, 0x08, 0x01),
    OK(M32, 3, CMP, 1, 4, 0x82, 0x38, 0x01), /* 82 is 80's alias outside 64-bit mode */
    OK(M64, 2, TEST, 4, 8, 0x85, 0x08),
    OK(M64, 3, TEST, 1, 8, 0xF6, 0x00, 0x01),
    OK(M64, 3, TEST, 1, 8, 0xF6, 0x08, 0x01), /* F6 /1 is test too */
    OK(M64, 6, TEST, 4, 8, 0xF7, 0x00, 1, 0, 0, 0),
    OK(M64, 5, TEST, 2, 8, 0x66, 0xF7, 0x00, 1, 0),
    OK(M16, 4, TEST, 2, 2, 0xF7, 0x07, 1, 0),
    OK(M64, 3, ADD, 4, 8, 0xF0, 0x01, 0x08), /* lock add */
    /* bit tests */
    OK(M64, 3, BT, 4, 8, 0x0F, 0xA3, 0x08),
    OK(M64, 3, BTS, 4, 8, 0x0F, 0xAB, 0x08),
    OK(M64, 3, BTR, 4, 8, 0x0F, 0xB3, 0x08),
    OK(M64, 4, BTC, 8, 8, 0x48, 0x0F, 0xBB, 0x08),
    OK(M64, 4, BT, 4, 8, 0x0F, 0xBA, 0x20, 0x05),
    OK(M64, 4, BTS, 4, 8, 0x0F, 0xBA, 0x28, 0x05),
    OK(M64, 4, BTR, 4, 8, 0x0F, 0xBA, 0x30, 0x05),
    OK(M64, 5, BTC, 2, 8, 0x66, 0x0F, 0xBA, 0x38, 0x05),
    OK(M64, 4, BTS, 4, 8, 0xF0, 0x0F, 0xAB, 0x08), /* lock bts */
    /* xchg, strings */
    OK(M64, 2, XCHG, 4, 8, 0x87, 0x08),
    OK(M64, 3, XCHG, 1, 8, 0xF0, 0x86, 0x08),
    OK(M64, 2, STOS, 4, 8, 0xF3, 0xAB),
    OK(M64, 3, STOS, 8, 8, 0xF3, 0x48, 0xAB),
    OK(M64, 1, STOS, 1, 8, 0xAA),
    OK(M64, 3, MOVS, 8, 8, 0xF3, 0x48, 0xA5),
    OK(M64, 3, MOVS, 2, 8, 0x66, 0xF3, 0xA5),
    OK(M32, 2, MOVS, 1, 4, 0xF3, 0xA4),
    OK(M16, 3, STOS, 2, 4, 0x67, 0xF3, 0xAB),
    /* encodings the CPU rejects */
    EXC(M64, X86_EXC_UD, 0xF0, 0x8B, 0x00),       /* lock mov */
    EXC(M64, X86_EXC_UD, 0xF0, 0x38, 0x00),       /* lock cmp */
    EXC(M64, X86_EXC_UD, 0xF0, 0x01, 0xC0),       /* lock add to a register */
    EXC(M64, X86_EXC_UD, 0xF0, 0x0F, 0xA3, 0x08), /* lock bt */
    EXC(M64, X86_EXC_UD, 0xC6, 0x08, 0x00),       /* C6 /1 */
    EXC(M64, X86_EXC_UD, 0x0F, 0xBA, 0x00, 0x05), /* 0F BA /0 */
    EXC(M64, X86_EXC_UD, 0x82, 0x38, 0x01),       /* 82 in 64-bit mode */
    EXC(M64, X86_EXC_GP, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x8B, 0x00), /* 16 bytes */
    /* valid, but not emulated */
    OTHER(M64, X86EMUL_UNSUPPORTED, 0xFF, 0x00),       /* inc dword [rax] */
    OTHER(M64, X86EMUL_UNSUPPORTED, 0x0F, 0x01, 0xD9), /* vmmcall */
    OTHER(M64, X86EMUL_UNSUPPORTED, 0xF6, 0x18),       /* neg byte [rax] */
    OTHER(M32, X86EMUL_UNSUPPORTED, 0x63, 0x00),       /* arpl */
    OTHER(M64, X86EMUL_UNSUPPORTED, 0x05, 1, 0, 0, 0), /* add eax, imm32 */
    /* cut short */
    OTHER(M64, X86EMUL_TRUNCATED, 0x8B),
    OTHER(M64, X86EMUL_TRUNCATED, 0x66),
    OTHER(M64, X86EMUL_TRUNCATED, 0xC7, 0x00, 0x78, 0x56),
    OTHER(M64, X86EMUL_TRUNCATED, 0x8B, 0x04),
};

static void test_decode_table(void)
{
    for (size_t i = 0; i < sizeof(decode_cases) / sizeof(decode_cases[0]); i++) {
        const struct decode_case *c = &decode_cases[i];
        struct x86_exception exc = { 0 };
        struct x86_insn insn;
        enum x86_emul_status st = x86_decode(c->bytes, c->nbytes, c->mode, &insn, &exc);

        if (st != c->status)
            printf("  decode case %zu: status %d, expected %d\n", i, st, c->status);
        CHECK_EQ(st, c->status);
        if (st == X86EMUL_OK && c->status == X86EMUL_OK) {
            if (insn.len != c->len || insn.op != c->op || insn.dst.size != c->dst_size ||
                insn.addr_size != c->addr_size)
                printf("  decode case %zu: len %u op %s size %u asize %u\n", i, insn.len,
                       x86_op_name(insn.op), insn.dst.size, insn.addr_size);
            CHECK_EQ(insn.len, c->len);
            CHECK_EQ(insn.op, c->op);
            CHECK_EQ(insn.dst.size, c->dst_size);
            CHECK_EQ(insn.addr_size, c->addr_size);
        }
        if (c->status == X86EMUL_EXCEPTION) {
            CHECK_EQ(exc.vector, c->vector);
            CHECK_EQ(exc.has_error, c->vector == X86_EXC_GP);
        }
    }
}

/* Truncated at every length short of the whole, then whole. */
static void test_decode_every_prefix_length(void)
{
    static const uint8_t bytes[] = { 0x2E, 0x67, 0x66, 0x48, 0xC7, 0x84, 0x88, 1,
                                     2,    3,    4,    5,    6,    7,    8 };
    struct x86_exception exc;
    struct x86_insn insn;

    for (unsigned int n = 0; n < sizeof(bytes) - 1; n++)
        CHECK_EQ(x86_decode(bytes, n, X86_MODE_64, &insn, &exc), X86EMUL_TRUNCATED);
    /* mov qword cs:[eax+ecx*4+0x04030201], 0x08070605: REX.W beats 66. */
    CHECK_EQ(x86_decode(bytes, sizeof(bytes), X86_MODE_64, &insn, &exc), X86EMUL_OK);
    CHECK_EQ(insn.len, 15);
    CHECK_EQ(insn.dst.size, 8);
    CHECK_EQ(insn.addr_size, 4);
    CHECK_EQ(insn.dst.mem.base, X86_RAX);
    CHECK_EQ(insn.dst.mem.index, X86_RCX);
    CHECK_EQ(insn.dst.mem.scale, 4);
    CHECK_EQ(insn.dst.mem.disp, 0x04030201);
    CHECK_EQ(insn.dst.mem.seg, X86_SEG_CS);
    CHECK_EQ(insn.src.imm, 0x08070605);
}

static void test_decode_segments(void)
{
    struct x86_exception exc;
    struct x86_insn insn;
    static const uint8_t esp_based[] = { 0x8B, 0x44, 0x24, 0x04 },
                         bp_based[] = { 0x8B, 0x46, 0x02 }, gs_moffs[] = { 0x65, 0xA1, 0, 0, 0, 0 },
                         movs_fs[] = { 0x64, 0xA5 };

    CHECK_EQ(x86_decode(esp_based, sizeof(esp_based), X86_MODE_32, &insn, &exc), X86EMUL_OK);
    CHECK_EQ(insn.src.mem.seg, X86_SEG_SS);
    CHECK_EQ(x86_decode(bp_based, sizeof(bp_based), X86_MODE_16, &insn, &exc), X86EMUL_OK);
    CHECK_EQ(insn.src.mem.seg, X86_SEG_SS);
    CHECK_EQ(x86_decode(gs_moffs, sizeof(gs_moffs), X86_MODE_32, &insn, &exc), X86EMUL_OK);
    CHECK_EQ(insn.src.mem.seg, X86_SEG_GS);
    /* movs: the source takes the override, the destination stays ES. */
    CHECK_EQ(x86_decode(movs_fs, sizeof(movs_fs), X86_MODE_32, &insn, &exc), X86EMUL_OK);
    CHECK_EQ(insn.src.mem.seg, X86_SEG_FS);
    CHECK_EQ(insn.dst.mem.seg, X86_SEG_ES);
}

/* ---- mov ------------------------------------------------------------------------ */

static void test_mov_reads_in_every_width(void)
{
    reset(X86_MODE_64);
    ctx.regs.gpr[X86_RAX] = 0x1122334455667788UL;
    ctx.regs.gpr[X86_RBX] = DEVICE + 0x10;
    CHECK_EQ(RUN(0x8A, 0x03), X86EMUL_OK); /* mov al, [rbx] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0x11223344556677FFUL);
    CHECK_EQ(RUN(0x8A, 0x23), X86EMUL_OK); /* mov ah, [rbx] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0x112233445566FFFFUL);
    ctx.regs.gpr[X86_RAX] = 0x1122334455667788UL;
    CHECK_EQ(RUN(0x66, 0x8B, 0x03), X86EMUL_OK); /* mov ax, [rbx] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0x112233445566FFFFUL);
    CHECK_EQ(RUN(0x8B, 0x03), X86EMUL_OK); /* mov eax, [rbx]: bits 63:32 cleared */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0xFFFFFFFFUL);
    CHECK_EQ(RUN(0x48, 0x8B, 0x03), X86EMUL_OK); /* mov rax, [rbx] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], ~0UL);
    CHECK_EQ(RUN(0x4C, 0x8B, 0x3B), X86EMUL_OK); /* mov r15, [rbx] */
    CHECK_EQ(ctx.regs.gpr[X86_R15], ~0UL);
    CHECK_EQ(nlog, 6);
    for (unsigned int i = 0; i < nlog; i++) {
        CHECK_EQ(log_[i].write, false);
        CHECK_EQ(log_[i].linear, DEVICE + 0x10);
    }
    CHECK_EQ(log_[0].size, 1);
    CHECK_EQ(log_[2].size, 2);
    CHECK_EQ(log_[3].size, 4);
    CHECK_EQ(log_[4].size, 8);
    CHECK_EQ(ctx.regs.rip, 0x1000 + 2 + 2 + 3 + 2 + 3 + 3);
    CHECK(FLAGS(0));
}

static void test_mov_writes(void)
{
    reset(X86_MODE_64);
    ctx.regs.gpr[X86_RAX] = 0x100;
    ctx.regs.gpr[X86_RCX] = 0x8877665544332211UL;
    CHECK_EQ(RUN(0x88, 0x28), X86EMUL_OK); /* mov [rax], ch */
    CHECK_EQ(ram_read(0x100, 8), 0x22);
    CHECK_EQ(RUN(0x66, 0x89, 0x08), X86EMUL_OK); /* mov [rax], cx */
    CHECK_EQ(ram_read(0x100, 8), 0x2211);
    CHECK_EQ(RUN(0x48, 0x89, 0x08), X86EMUL_OK); /* mov [rax], rcx */
    CHECK_EQ(ram_read(0x100, 8), 0x8877665544332211UL);
    CHECK_EQ(RUN(0x48, 0xC7, 0x40, 0x08, 0xFE, 0xFF, 0xFF, 0xFF), X86EMUL_OK);
    CHECK_EQ(ram_read(0x108, 8), (uint64_t)-2); /* imm32 sign-extended */
    CHECK_EQ(RUN(0x66, 0xC7, 0x40, 0x10, 0x34, 0x12), X86EMUL_OK);
    CHECK_EQ(ram_read(0x110, 8), 0x1234);
    CHECK_EQ(RUN(0xC6, 0x40, 0x18, 0xAB), X86EMUL_OK);
    CHECK_EQ(ram_read(0x118, 8), 0xAB);
    /* To the device: the write is logged with its size and value. */
    ctx.regs.gpr[X86_RAX] = DEVICE;
    CHECK_EQ(RUN(0xC7, 0x00, 0x78, 0x56, 0x34, 0x12), X86EMUL_OK);
    CHECK_EQ(nlog, 1);
    CHECK(log_[0].write);
    CHECK_EQ(log_[0].size, 4);
    CHECK_EQ(log_[0].value, 0x12345678);
}

static void test_movzx_movsx(void)
{
    reset(X86_MODE_64);
    ctx.regs.gpr[X86_RBX] = 0x200;
    ram_write(0x200, 0x80008080UL, 4);
    ctx.regs.gpr[X86_RAX] = ~0UL;
    CHECK_EQ(RUN(0x0F, 0xB6, 0x03), X86EMUL_OK); /* movzx eax, byte [rbx] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0x80);
    CHECK_EQ(RUN(0x0F, 0xBE, 0x03), X86EMUL_OK); /* movsx eax, byte [rbx] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0xFFFFFF80UL);
    CHECK_EQ(RUN(0x48, 0x0F, 0xBF, 0x03), X86EMUL_OK); /* movsx rax, word [rbx] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0xFFFFFFFFFFFF8080UL);
    CHECK_EQ(RUN(0x66, 0x0F, 0xB6, 0x03), X86EMUL_OK); /* movzx ax, byte [rbx] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0xFFFFFFFFFFFF0080UL);
    CHECK_EQ(RUN(0x48, 0x63, 0x03), X86EMUL_OK); /* movsxd rax, dword [rbx] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0xFFFFFFFF80008080UL);
    CHECK_EQ(RUN(0x0F, 0xB7, 0x03), X86EMUL_OK); /* movzx eax, word [rbx] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0x8080);
}

static void test_moffs_and_addressing(void)
{
    reset(X86_MODE_64);
    ram_write(0x300, 0x55, 1);
    CHECK_EQ(RUN(0xA0, 0x00, 0x03, 0, 0, 0, 0, 0, 0), X86EMUL_OK); /* mov al, [0x300] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0x55);
    ctx.regs.gpr[X86_RAX] = 0xCAFEF00DUL;
    CHECK_EQ(RUN(0xA3, 0x08, 0x03, 0, 0, 0, 0, 0, 0), X86EMUL_OK); /* mov [0x308], eax */
    CHECK_EQ(ram_read(0x308, 4), 0xCAFEF00DUL);
    /* RIP-relative: from the end of the instruction (RIP 0x1000 + 6 + 0x10). */
    ctx.regs.rip = 0x1000;
    ram_write(0x1016, 0x4321, 4);
    CHECK_EQ(RUN(0x8B, 0x05, 0x10, 0, 0, 0), X86EMUL_OK);
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0x4321);
    /* base + index * scale + disp8 (negative) */
    ctx.regs.gpr[X86_RSI] = 0x400;
    ctx.regs.gpr[X86_R9] = 3;
    ram_write(0x400 + 24 - 8, 0x77, 1);
    CHECK_EQ(RUN(0x42, 0x8A, 0x44, 0xCE, 0xF8), X86EMUL_OK); /* mov al, [rsi+r9*8-8] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX] & 0xFF, 0x77);
    /* FS has a base in 64-bit mode, DS does not. */
    ctx.seg_base[X86_SEG_FS] = 0x500;
    ctx.seg_base[X86_SEG_DS] = 0x9999;
    ram_write(0x510, 0x66, 1);
    CHECK_EQ(RUN(0x64, 0x8A, 0x04, 0x25, 0x10, 0, 0, 0), X86EMUL_OK); /* mov al, fs:[0x10] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX] & 0xFF, 0x66);
    ram_write(0x10, 0x99, 1);
    CHECK_EQ(RUN(0x3E, 0x8A, 0x04, 0x25, 0x10, 0, 0, 0), X86EMUL_OK); /* mov al, ds:[0x10] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX] & 0xFF, 0x99);
    /* A non-canonical address is #GP(0); through rSP it is #SS(0). */
    ctx.regs.gpr[X86_RBX] = 0x0000800000000000UL;
    ctx.regs.gpr[X86_RSP] = 0x0000800000000000UL;
    uint64_t rip = ctx.regs.rip;
    CHECK_EQ(RUN(0x8B, 0x03), X86EMUL_EXCEPTION);
    CHECK_EQ(ctx.exception.vector, X86_EXC_GP);
    CHECK_EQ(ctx.exception.error, 0);
    CHECK_EQ(RUN(0x8B, 0x04, 0x24), X86EMUL_EXCEPTION);
    CHECK_EQ(ctx.exception.vector, X86_EXC_SS);
    CHECK_EQ(ctx.regs.rip, rip);
}

static void test_32_and_16_bit_code(void)
{
    /* 32-bit: DS's base counts; linear addresses wrap at 4 GiB. */
    reset(X86_MODE_32);
    ctx.seg_base[X86_SEG_DS] = 0x1000;
    ram_write(0x1010, 0xDEADBEEF, 4);
    ctx.regs.gpr[X86_RAX] = 0xAAAAAAAA00000000UL;
    CHECK_EQ(RUN(0xA1, 0x10, 0, 0, 0), X86EMUL_OK); /* mov eax, [0x10] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0xDEADBEEF);
    ctx.seg_base[X86_SEG_DS] = 0xFFFFF000UL;
    ctx.regs.gpr[X86_RBX] = 0x1100; /* 0xFFFFF000 + 0x1100 wraps to 0x100 */
    ram_write(0x100, 0x12, 1);
    CHECK_EQ(RUN(0x8A, 0x03), X86EMUL_OK); /* mov al, [ebx] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX] & 0xFF, 0x12);
    CHECK_EQ(ctx.regs.rip, 0x1000 + 5 + 2);

    /* 16-bit: [bp+si+disp] uses SS; the offset wraps at 64 KiB. */
    reset(X86_MODE_16);
    ctx.seg_base[X86_SEG_SS] = 0x2000;
    ctx.regs.gpr[X86_RBP] = 0xFFF0;
    ctx.regs.gpr[X86_RSI] = 0x0020; /* 0xFFF0 + 0x20 wraps to 0x10 */
    ram_write(0x2010, 0xBEEF, 2);
    CHECK_EQ(RUN(0x8B, 0x02), X86EMUL_OK); /* mov ax, [bp+si] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0xBEEF);
    /* 66: a 32-bit operand in 16-bit code. */
    ctx.regs.gpr[X86_RBX] = 0x10;
    ctx.seg_base[X86_SEG_DS] = 0x2000;
    ram_write(0x2010, 0x12345678, 4);
    CHECK_EQ(RUN(0x66, 0x8B, 0x07), X86EMUL_OK); /* mov eax, [bx] */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0x12345678);
    /* IP wraps at 16 bits. */
    ctx.regs.rip = 0xFFFF;
    CHECK_EQ(RUN(0x8B, 0x07), X86EMUL_OK);
    CHECK_EQ(ctx.regs.rip, 1);
}

/* ---- arithmetic and flags ---------------------------------------------------------- */

struct alu_case {
    uint8_t op_byte; /* ModRM form E,G (00, 08, ... 38) at 8 bits */
    uint8_t dst, src;
    bool carry_in;
    uint8_t result;
    uint64_t flags;
};

#define CF X86_FLAG_CF
#define PF X86_FLAG_PF
#define AF X86_FLAG_AF
#define ZF X86_FLAG_ZF
#define SF X86_FLAG_SF
#define OF X86_FLAG_OF

static const struct alu_case alu_cases[] = {
    { 0x00, 0xFF, 0x01, false, 0x00, CF | PF | AF | ZF }, /* add: wraps */
    { 0x00, 0x7F, 0x01, false, 0x80, AF | SF | OF },      /* add: signed overflow */
    { 0x00, 0x01, 0x02, false, 0x03, PF },
    { 0x10, 0xFE, 0x01, true, 0x00, CF | PF | AF | ZF }, /* adc: carry in */
    { 0x10, 0x00, 0xFF, true, 0x00, CF | PF | AF | ZF },
    { 0x28, 0x01, 0x02, false, 0xFF, CF | PF | AF | SF }, /* sub: borrow */
    { 0x28, 0x80, 0x01, false, 0x7F, AF | OF },           /* sub: signed overflow */
    { 0x28, 0x05, 0x05, false, 0x00, PF | ZF },
    { 0x18, 0x05, 0x05, true, 0xFF, CF | PF | AF | SF },  /* sbb: borrow in */
    { 0x38, 0x01, 0x02, false, 0x01, CF | PF | AF | SF }, /* cmp: dst unchanged */
    { 0x08, 0x0F, 0xF0, true, 0xFF, PF | SF },            /* or: CF cleared */
    { 0x20, 0x0F, 0xF0, false, 0x00, PF | ZF },           /* and */
    { 0x30, 0xFF, 0x01, false, 0xFE, SF },                /* xor */
    { 0x30, 0x07, 0x07, true, 0x00, PF | ZF },
};

static void test_alu_flags_8bit(void)
{
    for (size_t i = 0; i < sizeof(alu_cases) / sizeof(alu_cases[0]); i++) {
        const struct alu_case *c = &alu_cases[i];
        uint8_t bytes[] = { c->op_byte, 0x08 }; /* op [rax], cl */
        struct x86_insn insn;

        reset(X86_MODE_64);
        ctx.regs.gpr[X86_RAX] = 0x40;
        ctx.regs.gpr[X86_RCX] = c->src;
        ram[0x40] = c->dst;
        ctx.regs.rflags = 0x2 | (c->carry_in ? CF : 0) | X86_FLAG_DF;
        CHECK_EQ(x86_decode(bytes, 2, X86_MODE_64, &insn, &ctx.exception), X86EMUL_OK);
        CHECK_EQ(x86_emulate(&ctx, &insn), X86EMUL_OK);
        if (ram[0x40] != c->result || !FLAGS(c->flags))
            printf("  alu case %zu: result %#x flags %#lx\n", i, ram[0x40],
                   ctx.regs.rflags & X86_ARITH_FLAGS);
        CHECK_EQ(ram[0x40], c->result);
        CHECK(FLAGS(c->flags));
        CHECK(ctx.regs.rflags & X86_FLAG_DF); /* other flags kept */
    }
}

static void test_alu_wider(void)
{
    reset(X86_MODE_64);
    ctx.regs.gpr[X86_RBX] = 0x80;
    /* add dword [rbx], 1 (83 /0): 0x7FFFFFFF + 1 overflows. */
    ram_write(0x80, 0x7FFFFFFF, 4);
    CHECK_EQ(RUN(0x83, 0x03, 0x01), X86EMUL_OK);
    CHECK_EQ(ram_read(0x80, 4), 0x80000000UL);
    CHECK(FLAGS(PF | AF | SF | OF));
    /* sub qword [rbx], -1 (83 /5 with REX.W): adds one, borrows. */
    ram_write(0x80, 5, 8);
    CHECK_EQ(RUN(0x48, 0x83, 0x2B, 0xFF), X86EMUL_OK);
    CHECK_EQ(ram_read(0x80, 8), 6);
    CHECK(FLAGS(CF | PF | AF));
    /* and word [rbx], 0xFF00 (81 /4 with 66) */
    ram_write(0x80, 0x1234, 2);
    CHECK_EQ(RUN(0x66, 0x81, 0x23, 0x00, 0xFF), X86EMUL_OK);
    CHECK_EQ(ram_read(0x80, 2), 0x1200);
    CHECK(FLAGS(PF));
    /* cmp eax, [device] (3B): all ones equals all ones. */
    ctx.regs.gpr[X86_RBX] = DEVICE;
    ctx.regs.gpr[X86_RAX] = 0xFFFFFFFF;
    CHECK_EQ(RUN(0x3B, 0x03), X86EMUL_OK);
    CHECK(FLAGS(ZF | PF));
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 0xFFFFFFFF);
    /* add rax, [device] (48 03): ~0 + 2 = 1 with carry. */
    ctx.regs.gpr[X86_RAX] = 2;
    CHECK_EQ(RUN(0x48, 0x03, 0x03), X86EMUL_OK);
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 1);
    CHECK(FLAGS(CF | AF));
    /* or [device], ecx: read for write, then written. */
    nlog = 0;
    CHECK_EQ(RUN(0xF0, 0x09, 0x0B), X86EMUL_OK);
    CHECK_EQ(nlog, 2);
    CHECK(!log_[0].write && log_[0].for_write);
    CHECK(log_[1].write);
    CHECK_EQ(log_[1].value, 0xFFFFFFFF);
    /* cmp byte [device], 0xFF: equal, no write. */
    nlog = 0;
    CHECK_EQ(RUN(0x80, 0x3B, 0xFF), X86EMUL_OK);
    CHECK(FLAGS(ZF | PF));
    CHECK_EQ(nlog, 1);
    CHECK(!log_[0].for_write);
}

static void test_test(void)
{
    reset(X86_MODE_64);
    ctx.regs.gpr[X86_RBX] = DEVICE;
    ctx.regs.rflags |= CF | OF;
    CHECK_EQ(RUN(0xF6, 0x03, 0x80), X86EMUL_OK); /* test byte [rbx], 0x80 */
    CHECK(FLAGS(SF));
    CHECK_EQ(RUN(0xF7, 0x03, 0, 0, 0, 0), X86EMUL_OK); /* test dword [rbx], 0 */
    CHECK(FLAGS(ZF | PF));
    ctx.regs.gpr[X86_RCX] = 0x8000000000000000UL;
    CHECK_EQ(RUN(0x48, 0x85, 0x0B), X86EMUL_OK); /* test [rbx], rcx */
    CHECK(FLAGS(SF | PF));
    CHECK_EQ(nlog, 3);
    for (unsigned int i = 0; i < nlog; i++)
        CHECK(!log_[i].write);
    /* In RAM: memory unchanged. */
    ctx.regs.gpr[X86_RBX] = 0x10;
    ram_write(0x10, 0x0F, 2);
    CHECK_EQ(RUN(0x66, 0xF7, 0x03, 0xF0, 0x00), X86EMUL_OK); /* test word [rbx], 0xF0 */
    CHECK(FLAGS(ZF | PF));
    CHECK_EQ(ram_read(0x10, 2), 0x0F);
}

/* ---- bits, xchg ---------------------------------------------------------------- */

static void test_bit_tests(void)
{
    reset(X86_MODE_64);
    ctx.regs.gpr[X86_RBX] = 0x100;
    ram_write(0x100, 0x10, 4);
    ctx.regs.rflags |= ZF;
    CHECK_EQ(RUN(0x0F, 0xBA, 0x23, 0x04), X86EMUL_OK); /* bt dword [rbx], 4 */
    CHECK(FLAGS(CF | ZF));                             /* ZF kept */
    CHECK_EQ(RUN(0x0F, 0xBA, 0x23, 0x24), X86EMUL_OK); /* bt dword [rbx], 36: 36 mod 32 */
    CHECK(FLAGS(CF | ZF));
    CHECK_EQ(RUN(0x0F, 0xBA, 0x2B, 0x00), X86EMUL_OK); /* bts dword [rbx], 0 */
    CHECK(FLAGS(ZF));
    CHECK_EQ(ram_read(0x100, 4), 0x11);
    CHECK_EQ(RUN(0x0F, 0xBA, 0x33, 0x04), X86EMUL_OK); /* btr dword [rbx], 4 */
    CHECK(FLAGS(CF | ZF));
    CHECK_EQ(ram_read(0x100, 4), 0x01);
    CHECK_EQ(RUN(0x0F, 0xBA, 0x3B, 0x1F), X86EMUL_OK); /* btc dword [rbx], 31 */
    CHECK_EQ(ram_read(0x100, 4), 0x80000001UL);
    /* A register offset reaches past the operand: 35 is bit 3 of the next dword. */
    ctx.regs.gpr[X86_RCX] = 35;
    CHECK_EQ(RUN(0x0F, 0xAB, 0x0B), X86EMUL_OK); /* bts [rbx], ecx */
    CHECK_EQ(ram_read(0x104, 4), 0x08);
    /* ... and before it: -1 is bit 31 of the dword below. */
    ctx.regs.gpr[X86_RCX] = 0xFFFFFFFF;
    CHECK_EQ(RUN(0x0F, 0xAB, 0x0B), X86EMUL_OK);
    CHECK_EQ(ram_read(0xFC, 4), 0x80000000UL);
    /* 64-bit: offset 64 + 63 is bit 63 of the next qword. */
    ctx.regs.gpr[X86_RCX] = 127;
    CHECK_EQ(RUN(0x48, 0x0F, 0xBB, 0x0B), X86EMUL_OK); /* btc [rbx], rcx */
    CHECK_EQ(ram_read(0x108, 8), 0x8000000000000000UL);
    /* 16-bit operand, negative offset -17: bit 15 of the word two below. */
    ctx.regs.gpr[X86_RCX] = (uint16_t)-17;
    ram_write(0xFC, 0, 4);
    CHECK_EQ(RUN(0x66, 0x0F, 0xAB, 0x0B), X86EMUL_OK);
    CHECK_EQ(ram_read(0xFC, 4), 0x8000);
    /* On the device: every bit reads as one; btr writes it back cleared. */
    ctx.regs.gpr[X86_RBX] = DEVICE;
    nlog = 0;
    CHECK_EQ(RUN(0x0F, 0xBA, 0x33, 0x05), X86EMUL_OK); /* btr dword [rbx], 5 */
    CHECK(FLAGS(CF | ZF));
    CHECK_EQ(nlog, 2);
    CHECK(log_[0].for_write);
    CHECK_EQ(log_[1].value, 0xFFFFFFDFUL);
    /* A register destination: bit mod 32. */
    ctx.regs.gpr[X86_RAX] = 0;
    CHECK_EQ(RUN(0x0F, 0xBA, 0xE8, 0x21), X86EMUL_OK); /* bts eax, 33 */
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 2);
}

static void test_xchg(void)
{
    reset(X86_MODE_64);
    ctx.regs.gpr[X86_RBX] = 0x20;
    ctx.regs.gpr[X86_RCX] = 0x1111111122222222UL;
    ram_write(0x20, 0x33333333, 4);
    CHECK_EQ(RUN(0x87, 0x0B), X86EMUL_OK); /* xchg [rbx], ecx */
    CHECK_EQ(ram_read(0x20, 8), 0x22222222);
    CHECK_EQ(ctx.regs.gpr[X86_RCX], 0x33333333);
    ctx.regs.gpr[X86_RDX] = 0xAB00;
    CHECK_EQ(RUN(0x86, 0x33), X86EMUL_OK); /* xchg [rbx], dh */
    CHECK_EQ(ram_read(0x20, 8), 0x222222AB);
    CHECK_EQ(ctx.regs.gpr[X86_RDX], 0x2200);
    /* A fault on the device side leaves the register alone. */
    ctx.regs.gpr[X86_RBX] = FAULT + 8;
    CHECK_EQ(RUN(0x87, 0x0B), X86EMUL_EXCEPTION);
    CHECK_EQ(ctx.exception.error, PF_WRITE); /* read for write */
    CHECK_EQ(ctx.regs.gpr[X86_RCX], 0x33333333);
}

/* ---- strings ------------------------------------------------------------------- */

static void test_rep_stos(void)
{
    reset(X86_MODE_64);
    ctx.regs.gpr[X86_RAX] = 0xAABBCCDD;
    ctx.regs.gpr[X86_RDI] = DEVICE;
    ctx.regs.gpr[X86_RCX] = 4;
    CHECK_EQ(RUN(0xF3, 0xAB), X86EMUL_OK); /* rep stosd */
    CHECK_EQ(nlog, 4);
    for (unsigned int i = 0; i < 4; i++) {
        CHECK(log_[i].write);
        CHECK_EQ(log_[i].linear, DEVICE + 4 * i);
        CHECK_EQ(log_[i].value, 0xAABBCCDD);
    }
    CHECK_EQ(ctx.regs.gpr[X86_RCX], 0);
    CHECK_EQ(ctx.regs.gpr[X86_RDI], DEVICE + 16);
    CHECK_EQ(ctx.regs.rip, 0x1002);
    /* rCX = 0: nothing, and RIP moves on. */
    CHECK_EQ(RUN(0xF3, 0xAB), X86EMUL_OK);
    CHECK_EQ(nlog, 4);
    CHECK_EQ(ctx.regs.rip, 0x1004);
    /* Without rep: one store, rCX untouched. */
    ctx.regs.gpr[X86_RCX] = 9;
    CHECK_EQ(RUN(0x48, 0xAB), X86EMUL_OK); /* stosq */
    CHECK_EQ(nlog, 5);
    CHECK_EQ(log_[4].size, 8);
    CHECK_EQ(ctx.regs.gpr[X86_RCX], 9);
    CHECK_EQ(ctx.regs.gpr[X86_RDI], DEVICE + 24);
    /* DF set: downwards, bytes. */
    ctx.regs.rflags |= X86_FLAG_DF;
    ctx.regs.gpr[X86_RDI] = 0x103;
    ctx.regs.gpr[X86_RCX] = 3;
    CHECK_EQ(RUN(0xF3, 0xAA), X86EMUL_OK); /* rep stosb */
    CHECK_EQ(ram_read(0x100, 4), 0xDDDDDD00UL);
    CHECK_EQ(ctx.regs.gpr[X86_RDI], 0x100);
}

static void test_rep_movs(void)
{
    reset(X86_MODE_64);
    /* From the device into RAM: all ones arrive. */
    ctx.regs.gpr[X86_RSI] = DEVICE;
    ctx.regs.gpr[X86_RDI] = 0x200;
    ctx.regs.gpr[X86_RCX] = 3;
    CHECK_EQ(RUN(0xF3, 0x66, 0xA5), X86EMUL_OK); /* rep movsw */
    CHECK_EQ(ram_read(0x200, 8), 0x0000FFFFFFFFFFFFUL);
    CHECK_EQ(ctx.regs.gpr[X86_RSI], DEVICE + 6);
    CHECK_EQ(ctx.regs.gpr[X86_RDI], 0x206);
    CHECK_EQ(nlog, 3);
    /* RAM to RAM with an override on the source (FS base 0x1000). */
    ctx.seg_base[X86_SEG_FS] = 0x1000;
    ram_write(0x1010, 0x0123456789ABCDEFUL, 8);
    ctx.regs.gpr[X86_RSI] = 0x10;
    ctx.regs.gpr[X86_RDI] = 0x300;
    CHECK_EQ(RUN(0x64, 0x48, 0xA5), X86EMUL_OK); /* movsq fs:[rsi] */
    CHECK_EQ(ram_read(0x300, 8), 0x0123456789ABCDEFUL);
}

static void test_rep_limits_and_faults(void)
{
    /* At most max_reps iterations: RIP stays so the guest comes back. */
    reset(X86_MODE_64);
    ctx.max_reps = 2;
    ctx.regs.gpr[X86_RDI] = DEVICE;
    ctx.regs.gpr[X86_RCX] = 5;
    CHECK_EQ(RUN(0xF3, 0xAB), X86EMUL_OK);
    CHECK_EQ(ctx.regs.gpr[X86_RCX], 3);
    CHECK_EQ(ctx.regs.rip, 0x1000);
    CHECK_EQ(RUN(0xF3, 0xAB), X86EMUL_OK);
    CHECK_EQ(RUN(0xF3, 0xAB), X86EMUL_OK);
    CHECK_EQ(ctx.regs.gpr[X86_RCX], 0);
    CHECK_EQ(ctx.regs.rip, 0x1002);
    CHECK_EQ(nlog, 5);

    /* An access that fails after two iterations: those two are counted in
     * rCX, rSI, rDI, and RIP stays on the instruction. */
    reset(X86_MODE_64);
    ctx.regs.gpr[X86_RSI] = DEVICE + 0x1000 - 8;
    ctx.regs.gpr[X86_RDI] = 0x100;
    ctx.regs.gpr[X86_RCX] = 4;
    CHECK_EQ(RUN(0xF3, 0xA5), X86EMUL_UNHANDLEABLE); /* the third read leaves the device */
    CHECK_EQ(ctx.regs.gpr[X86_RCX], 2);
    CHECK_EQ(ctx.regs.gpr[X86_RSI], DEVICE + 0x1000);
    CHECK_EQ(ctx.regs.gpr[X86_RDI], 0x108);
    CHECK_EQ(ctx.regs.rip, 0x1000);
    ctx.regs.gpr[X86_RSI] = FAULT;
    CHECK_EQ(RUN(0xF3, 0xA5), X86EMUL_EXCEPTION);
    CHECK_EQ(ctx.exception.vector, X86_EXC_PF);
    CHECK_EQ(ctx.exception.cr2, FAULT);
    CHECK_EQ(ctx.exception.error, 0);
    CHECK_EQ(ctx.regs.gpr[X86_RCX], 2);

    /* 16-bit addresses: DI wraps at 64 KiB, bits above it stay. */
    reset(X86_MODE_16);
    ctx.regs.gpr[X86_RDI] = 0xABCD0000FFFEUL;
    ctx.regs.gpr[X86_RCX] = 0x77770002UL;
    ctx.regs.gpr[X86_RAX] = 0x5A5A;
    CHECK_EQ(RUN(0xF3, 0xAB), X86EMUL_OK); /* rep stosw */
    CHECK_EQ(ram_read(0xFFFE, 2), 0x5A5A);
    CHECK_EQ(ram_read(0, 2), 0x5A5A);
    CHECK_EQ(ctx.regs.gpr[X86_RDI], 0xABCD00000002UL);
    CHECK_EQ(ctx.regs.gpr[X86_RCX], 0x77770000UL);
}

static void test_faults_leave_state(void)
{
    reset(X86_MODE_64);
    ctx.regs.gpr[X86_RBX] = FAULT + 0x10;
    ctx.regs.gpr[X86_RAX] = 7;
    ctx.regs.rflags |= ZF;
    CHECK_EQ(RUN(0x8B, 0x03), X86EMUL_EXCEPTION); /* mov eax, [rbx] */
    CHECK_EQ(ctx.exception.vector, X86_EXC_PF);
    CHECK_EQ(ctx.exception.cr2, FAULT + 0x10);
    CHECK_EQ(ctx.regs.gpr[X86_RAX], 7);
    CHECK_EQ(ctx.regs.rip, 0x1000);
    CHECK_EQ(RUN(0x01, 0x03), X86EMUL_EXCEPTION); /* add [rbx], eax: faults as a write */
    CHECK_EQ(ctx.exception.error, PF_WRITE);
    CHECK(FLAGS(ZF));
    CHECK_EQ(RUN(0x0F, 0xA3, 0x03), X86EMUL_EXCEPTION); /* bt [rbx], eax: a read */
    CHECK_EQ(ctx.exception.error, 0);
}

int main(void)
{
    static const struct unit_test tests[] = {
        UNIT_TEST(test_decode_table),
        UNIT_TEST(test_decode_every_prefix_length),
        UNIT_TEST(test_decode_segments),
        UNIT_TEST(test_mov_reads_in_every_width),
        UNIT_TEST(test_mov_writes),
        UNIT_TEST(test_movzx_movsx),
        UNIT_TEST(test_moffs_and_addressing),
        UNIT_TEST(test_32_and_16_bit_code),
        UNIT_TEST(test_alu_flags_8bit),
        UNIT_TEST(test_alu_wider),
        UNIT_TEST(test_test),
        UNIT_TEST(test_bit_tests),
        UNIT_TEST(test_xchg),
        UNIT_TEST(test_rep_stos),
        UNIT_TEST(test_rep_movs),
        UNIT_TEST(test_rep_limits_and_faults),
        UNIT_TEST(test_faults_leave_state),
    };

    return unit_run("emulate", tests, sizeof(tests) / sizeof(tests[0]));
}
