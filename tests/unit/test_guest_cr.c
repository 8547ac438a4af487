/*
 * Host unit tests of a guest's writes to CR0, CR4 and EFER: the rules
 * (arch/x86/svm/guest_cr_rules.c) and the decoder of the instructions
 * (arch/x86/svm/mov_cr_decode.c).
 *
 * Each rule is broken alone from a valid state and must fail with its own
 * reason (compared exactly); the writes a processor accepts must pass. The
 * decoder gets each encoding it knows, with and without prefixes, and a
 * seeded stream of random bytes, which it must never read past.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "x86/control_regs.h"
#include "x86/cpuid_bits.h"
#include "x86/guest_cr.h"
#include "unit.h"

#define EFER_LMSLE (1UL << 13)
#define EFER_FFXSR (1UL << 14)
#define CR4_LA57 (1UL << 12)
#define CR4_VMXE (1UL << 13)
#define CR4_OSXSAVE (1UL << 18)
#define CR4_PKE (1UL << 22)

/* What QEMU's qemu64 model reports (CPUID leaf 1 EDX 078bfbfd: no VME). */
static const struct guest_cr_features qemu64 = {
    .leaf1_ecx = 0x80002001,
    .leaf1_edx = 0x078bfbfd,
    .ext1_edx = 0x2193fbfd,
};

/* Every feature a CR4 or EFER bit could depend on. */
static const struct guest_cr_features everything = {
    .leaf1_ecx = 0xFFFFFFFF,
    .leaf1_edx = 0xFFFFFFFF,
    .leaf7_ebx = 0xFFFFFFFF,
    .leaf7_ecx = 0xFFFFFFFF,
    .ext1_edx = 0xFFFFFFFF,
};

/* A 64-bit guest: long mode active, executing 64-bit code. */
static struct guest_cr_state long_mode(void)
{
    return (struct guest_cr_state){
        .cr0 = CR0_PE | CR0_ET | CR0_PG,
        .cr3 = 0x10a000,
        .cr4 = CR4_PAE,
        .efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE,
        .in_64bit = true,
    };
}

/* A guest at the PVH entry: 32-bit protected mode, paging off. */
static struct guest_cr_state protected_mode(void)
{
    return (struct guest_cr_state){ .cr0 = CR0_PE | CR0_ET };
}

static void expect(const char *got, const char *reason)
{
    if (reason == NULL)
        CHECK(got == NULL);
    else
        CHECK(got != NULL && strcmp(got, reason) == 0);
}

static void test_cr4_allowed_follows_cpuid(void)
{
    const struct guest_cr_features none = { 0 };
    uint64_t q = guest_cr4_allowed(&qemu64);

    /* qemu64: TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT, and no VME. */
    CHECK_EQ(q, CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR |
                    CR4_OSXMMEXCPT);
    /* The legacy counters need no CPUID bit. */
    CHECK_EQ(guest_cr4_allowed(&none), CR4_PCE);
    /* Everything Mica supports, and nothing it hides. */
    CHECK_EQ(guest_cr4_allowed(&everything),
             0x7FFUL | CR4_UMIP | CR4_FSGSBASE | CR4_PCIDE | CR4_SMEP | CR4_SMAP);
    CHECK(!(guest_cr4_allowed(&everything) & (CR4_LA57 | CR4_VMXE | CR4_OSXSAVE | CR4_PKE)));
}

static void test_efer_allowed_follows_cpuid(void)
{
    const struct guest_cr_features none = { 0 };
    struct guest_cr_features no_nx = qemu64;

    CHECK_EQ(guest_efer_allowed(&qemu64), EFER_SCE | EFER_LME | EFER_NXE);
    CHECK_EQ(guest_efer_allowed(&everything), EFER_SCE | EFER_LME | EFER_NXE);
    CHECK_EQ(guest_efer_allowed(&none), 0);
    no_nx.ext1_edx &= ~CPUID_E1_EDX_NX;
    CHECK_EQ(guest_efer_allowed(&no_nx), EFER_SCE | EFER_LME);
}

static void test_cr0_valid_writes_pass(void)
{
    struct guest_cr_state lm = long_mode(), pm = protected_mode();
    const uint64_t flips[] = { CR0_MP, CR0_EM, CR0_TS, CR0_NE,
                               CR0_WP, CR0_AM, CR0_CD, CR0_CD | CR0_NW };

    for (size_t i = 0; i < ARRAY_SIZE(flips); i++) {
        expect(guest_cr0_check(&lm, lm.cr0 ^ flips[i]), NULL);
        expect(guest_cr0_check(&pm, pm.cr0 ^ flips[i]), NULL);
    }
    /* Reserved bits of 31:0 are ignored, not refused. */
    expect(guest_cr0_check(&lm, lm.cr0 | (1UL << 6) | (1UL << 28)), NULL);
    /* Paging on from protected mode, without long mode: legacy paging. */
    expect(guest_cr0_check(&pm, pm.cr0 | CR0_PG), NULL);
    /* Back to real mode. */
    expect(guest_cr0_check(&pm, 0), NULL);
    /* Long mode left from compatibility mode. */
    lm.in_64bit = false;
    expect(guest_cr0_check(&lm, lm.cr0 & ~CR0_PG), NULL);
}

static void test_cr0_rules_fail_with_their_reason(void)
{
    struct guest_cr_state lm = long_mode(), pm = protected_mode();

    expect(guest_cr0_check(&lm, lm.cr0 | (1UL << 32)), "CR0 bits 63:32 set");
    expect(guest_cr0_check(&lm, lm.cr0 | (1UL << 63)), "CR0 bits 63:32 set");
    expect(guest_cr0_check(&lm, lm.cr0 | CR0_NW), "CR0.NW without CR0.CD");
    expect(guest_cr0_check(&pm, CR0_PG), "CR0.PG without CR0.PE");
    expect(guest_cr0_check(&lm, lm.cr0 & ~CR0_PG), "paging turned off in 64-bit mode");
    /* Long mode needs PAE paging. */
    pm.efer = EFER_LME;
    expect(guest_cr0_check(&pm, pm.cr0 | CR0_PG), "paging with EFER.LME but without CR4.PAE");
    pm.cr4 = CR4_PAE;
    expect(guest_cr0_check(&pm, pm.cr0 | CR0_PG), NULL);
}

static void test_cr0_value_keeps_et_and_drops_reserved_bits(void)
{
    CHECK_EQ(guest_cr0_value(CR0_PE), CR0_PE | CR0_ET);
    CHECK_EQ(guest_cr0_value(CR0_PE | CR0_ET | (1UL << 6) | (1UL << 17) | (1UL << 28)),
             CR0_PE | CR0_ET);
    CHECK_EQ(guest_cr0_value(0xE005003FUL), 0xE005003FUL);
}

static void test_cr4_valid_writes_pass(void)
{
    struct guest_cr_state lm = long_mode(), pm = protected_mode();
    uint64_t all = guest_cr4_allowed(&everything);

    expect(guest_cr4_check(&lm, all, CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_SMEP | CR4_SMAP), NULL);
    expect(guest_cr4_check(&pm, all, 0), NULL);
    expect(guest_cr4_check(&pm, all, CR4_PAE | CR4_PSE), NULL);
    /* PCIDE in long mode with PCID 0 in CR3. */
    expect(guest_cr4_check(&lm, all, CR4_PAE | CR4_PCIDE), NULL);
    /* Once PCIDE is on, CR3 holds a PCID and CR4 writes keep it on. */
    lm.cr4 |= CR4_PCIDE;
    lm.cr3 |= 5;
    expect(guest_cr4_check(&lm, all, CR4_PAE | CR4_PCIDE | CR4_PGE), NULL);
}

static void test_cr4_rules_fail_with_their_reason(void)
{
    struct guest_cr_state lm = long_mode(), pm = protected_mode();
    uint64_t all = guest_cr4_allowed(&everything), q = guest_cr4_allowed(&qemu64);
    const char *reserved = "reserved or unsupported CR4 bit";

    /* Every bit outside the allowed set, one at a time. */
    for (unsigned int bit = 0; bit < 64; bit++) {
        uint64_t b = 1UL << bit;
        if (q & b)
            expect(guest_cr4_check(&pm, q, b), NULL);
        else
            expect(guest_cr4_check(&pm, q, b), reserved);
    }
    expect(guest_cr4_check(&lm, all, CR4_PAE | CR4_OSXSAVE), reserved);
    expect(guest_cr4_check(&lm, all, CR4_PAE | CR4_LA57), reserved);
    expect(guest_cr4_check(&lm, q, CR4_PAE | CR4_VME), reserved);
    expect(guest_cr4_check(&lm, all, CR4_PGE), "CR4.PAE cleared in long mode");
    expect(guest_cr4_check(&pm, all, CR4_PCIDE), "CR4.PCIDE set outside long mode");
    lm.cr3 |= 1;
    expect(guest_cr4_check(&lm, all, CR4_PAE | CR4_PCIDE),
           "CR4.PCIDE set with a nonzero PCID in CR3");
}

static void test_efer_rules(void)
{
    struct guest_cr_state lm = long_mode(), pm = protected_mode();
    uint64_t allowed = guest_efer_allowed(&qemu64);
    const char *reserved = "reserved or unsupported EFER bit";

    expect(guest_efer_check(&lm, allowed, lm.efer), NULL);
    expect(guest_efer_check(&lm, allowed, lm.efer & ~EFER_NXE), NULL);
    /* LMA may be written either way: it is ignored. */
    expect(guest_efer_check(&lm, allowed, lm.efer & ~EFER_LMA), NULL);
    expect(guest_efer_check(&pm, allowed, EFER_LMA), NULL);
    /* LME changes while paging is off. */
    expect(guest_efer_check(&pm, allowed, EFER_LME), NULL);
    expect(guest_efer_check(&lm, allowed, lm.efer & ~EFER_LME),
           "EFER.LME changed while paging is on");
    pm.cr0 |= CR0_PG;
    expect(guest_efer_check(&pm, allowed, EFER_LME), "EFER.LME changed while paging is on");
    for (unsigned int bit = 0; bit < 64; bit++) {
        uint64_t b = 1UL << bit;
        if (!(b & (allowed | EFER_LMA)))
            expect(guest_efer_check(&lm, allowed, lm.efer | b), reserved);
    }
    expect(guest_efer_check(&lm, allowed, lm.efer | EFER_SVME), reserved);
    expect(guest_efer_check(&lm, allowed, lm.efer | EFER_LMSLE), reserved);
    expect(guest_efer_check(&lm, allowed, lm.efer | EFER_FFXSR), reserved);
}

static void test_efer_in_vmcb(void)
{
    /* Paging off: LME stays out of the VMCB (QEMU's host-paging bug). */
    CHECK_EQ(guest_efer_in_vmcb(EFER_LME | EFER_SCE, CR0_PE), EFER_SVME | EFER_SCE);
    /* Paging on with LME: long mode active. */
    CHECK_EQ(guest_efer_in_vmcb(EFER_LME | EFER_NXE, CR0_PE | CR0_PG),
             EFER_SVME | EFER_LME | EFER_LMA | EFER_NXE);
    /* Paging on without LME: legacy paging. */
    CHECK_EQ(guest_efer_in_vmcb(EFER_NXE, CR0_PE | CR0_PG), EFER_SVME | EFER_NXE);
    /* A stale LMA from the caller does not survive. */
    CHECK_EQ(guest_efer_in_vmcb(EFER_LMA, CR0_PE), EFER_SVME);
    CHECK_EQ(guest_efer_in_vmcb(0, 0), EFER_SVME);
}

static void test_tlb_flushes(void)
{
    uint64_t cr0 = CR0_PE | CR0_ET | CR0_PG;

    CHECK(guest_cr0_change_flushes_tlb(cr0, cr0 & ~CR0_PG));
    CHECK(guest_cr0_change_flushes_tlb(cr0, cr0 | CR0_WP));
    CHECK(guest_cr0_change_flushes_tlb(cr0, cr0 | CR0_CD));
    CHECK(!guest_cr0_change_flushes_tlb(cr0, cr0 | CR0_TS));
    CHECK(!guest_cr0_change_flushes_tlb(cr0, cr0 | CR0_MP | CR0_NE | CR0_AM));
    CHECK(guest_cr4_change_flushes_tlb(CR4_PAE, CR4_PAE | CR4_PGE));
    CHECK(guest_cr4_change_flushes_tlb(CR4_PAE | CR4_PCIDE, CR4_PAE));
    CHECK(guest_cr4_change_flushes_tlb(0, CR4_PSE));
    CHECK(guest_cr4_change_flushes_tlb(CR4_SMEP, 0));
    CHECK(!guest_cr4_change_flushes_tlb(CR4_PAE, CR4_PAE | CR4_OSFXSR | CR4_DE | CR4_TSD));
}

/* Decode bytes (as a string literal) in the given mode. */
#define DECODE(str, mode64, insn) \
    cr_write_decode((const uint8_t *)(str), sizeof(str) - 1, mode64, insn)

static void check_insn(const struct cr_write_insn *i, enum cr_write_kind kind, unsigned int cr,
                       unsigned int gpr, unsigned int length)
{
    CHECK_EQ(i->kind, kind);
    CHECK_EQ(i->cr, cr);
    CHECK_EQ(i->gpr, gpr);
    CHECK_EQ(i->length, length);
}

static void test_decode_mov_to_cr(void)
{
    struct cr_write_insn i;

    CHECK(DECODE("\x0f\x22\xc0", true, &i)); /* mov %rax, %cr0 */
    check_insn(&i, CR_WRITE_MOV, 0, 0, 3);
    CHECK(DECODE("\x0f\x22\xe3", false, &i)); /* mov %ebx, %cr4 */
    check_insn(&i, CR_WRITE_MOV, 4, 3, 3);
    CHECK(DECODE("\x41\x0f\x22\xe1", true, &i)); /* mov %r9, %cr4 */
    check_insn(&i, CR_WRITE_MOV, 4, 9, 4);
    CHECK(DECODE("\x4c\x0f\x22\xc7", true, &i)); /* REX.W R: mov %rdi, %cr8 */
    check_insn(&i, CR_WRITE_MOV, 8, 7, 4);
    /* AMD's alternative encoding: LOCK MOV CR0 is MOV CR8. */
    CHECK(DECODE("\xf0\x0f\x22\xc3", false, &i)); /* lock mov %ebx, %cr0 */
    check_insn(&i, CR_WRITE_MOV, 8, 3, 4);
    CHECK(DECODE("\x66\xf0\x0f\x22\xc1", false, &i));
    check_insn(&i, CR_WRITE_MOV, 8, 1, 5);
    /* The mod field is ignored: read as a register form. */
    CHECK(DECODE("\x0f\x22\x22", true, &i));
    check_insn(&i, CR_WRITE_MOV, 4, 2, 3);
    /* Ignored prefixes count in the length. */
    CHECK(DECODE("\x66\xf3\x2e\x0f\x22\xc1", true, &i));
    check_insn(&i, CR_WRITE_MOV, 0, 1, 6);
    /* A REX before another prefix is no REX. */
    CHECK(DECODE("\x41\x66\x0f\x22\xc1", true, &i));
    check_insn(&i, CR_WRITE_MOV, 0, 1, 5);
    /* Outside 64-bit mode 41 is INC ECX, not a prefix. */
    CHECK(!DECODE("\x41\x0f\x22\xc1", false, &i));
}

static void test_decode_lmsw_and_clts(void)
{
    struct cr_write_insn i;

    CHECK(DECODE("\x0f\x01\xf0", true, &i)); /* lmsw %ax */
    check_insn(&i, CR_WRITE_LMSW_REG, 0, 0, 3);
    CHECK(DECODE("\x41\x0f\x01\xf3", true, &i)); /* lmsw %r11w */
    check_insn(&i, CR_WRITE_LMSW_REG, 0, 11, 4);
    CHECK(DECODE("\x0f\x01\x30", false, &i)); /* lmsw (%eax) */
    CHECK_EQ(i.kind, CR_WRITE_LMSW_MEM);
    CHECK(DECODE("\x0f\x06", true, &i)); /* clts */
    check_insn(&i, CR_WRITE_CLTS, 0, 0, 2);
    CHECK(DECODE("\x66\x0f\x06", false, &i));
    check_insn(&i, CR_WRITE_CLTS, 0, 0, 3);
}

static void test_decode_refuses_everything_else(void)
{
    struct cr_write_insn i;
    uint8_t prefixes[16];

    CHECK(!DECODE("\xf0\x0f\x22\xe0", false, &i)); /* LOCK MOV CR4: #UD */
    CHECK(!DECODE("\xf0\x0f\x06", false, &i));     /* LOCK CLTS: #UD */
    CHECK(!DECODE("\xf0\x0f\x01\xf0", false, &i)); /* LOCK LMSW: #UD */
    CHECK(!DECODE("\x0f\x20\xc0", true, &i));      /* MOV from CR0 */
    CHECK(!DECODE("\x0f\x01\xd9", true, &i));      /* VMMCALL (group 7, reg 3) */
    CHECK(!DECODE("\x0f\x01\xf8", true, &i));      /* SWAPGS (group 7, reg 7) */
    CHECK(!DECODE("\x0f\x23\xc0", true, &i));      /* MOV to DR0 */
    CHECK(!DECODE("\x90", true, &i));
    /* Cut short. */
    CHECK(!DECODE("\x0f\x22", true, &i));
    CHECK(!DECODE("\x0f", true, &i));
    CHECK(!DECODE("\x66\x66", true, &i));
    CHECK(!cr_write_decode((const uint8_t *)"\x0f\x06", 0, true, &i));
    /* Fifteen bytes at most: fourteen prefixes leave no room for 0F 22 /r. */
    memset(prefixes, 0x66, sizeof(prefixes));
    memcpy(prefixes + 13, "\x0f\x22\xc0", 3);
    CHECK(!cr_write_decode(prefixes, sizeof(prefixes), true, &i));
    memcpy(prefixes + 12, "\x0f\x22\xc0", 3);
    CHECK(cr_write_decode(prefixes, 15, true, &i));
    check_insn(&i, CR_WRITE_MOV, 0, 0, 15);
}

/* Random bytes: whatever decodes has a length within the bytes given, and
 * ASan catches any read past them (each case gets its own exact buffer). */
static void test_decode_random_bytes(void)
{
    unit_rng_start(unit_seed(0x6c72));
    for (int n = 0; n < 200000; n++) {
        unsigned int len = (unsigned int)unit_rng_below(16);
        uint8_t *bytes = malloc(len ? len : 1);
        struct cr_write_insn i;

        for (unsigned int b = 0; b < len; b++) {
            /* Bias towards the bytes that matter. */
            static const uint8_t interesting[] = { 0x0f, 0x22, 0x01, 0x06, 0x41, 0x66, 0xf0 };
            uint64_t r = unit_rng_next();
            bytes[b] = (r & 1) ? interesting[(r >> 1) % ARRAY_SIZE(interesting)]
                               : (uint8_t)(r >> 8);
        }
        if (cr_write_decode(bytes, len, n & 1, &i)) {
            CHECK(i.length <= len);
            CHECK(i.kind == CR_WRITE_LMSW_MEM || i.length >= 2);
            CHECK(i.gpr < 16 && i.cr < 16);
        }
        free(bytes);
    }
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_cr4_allowed_follows_cpuid),
    UNIT_TEST(test_efer_allowed_follows_cpuid),
    UNIT_TEST(test_cr0_valid_writes_pass),
    UNIT_TEST(test_cr0_rules_fail_with_their_reason),
    UNIT_TEST(test_cr0_value_keeps_et_and_drops_reserved_bits),
    UNIT_TEST(test_cr4_valid_writes_pass),
    UNIT_TEST(test_cr4_rules_fail_with_their_reason),
    UNIT_TEST(test_efer_rules),
    UNIT_TEST(test_efer_in_vmcb),
    UNIT_TEST(test_tlb_flushes),
    UNIT_TEST(test_decode_mov_to_cr),
    UNIT_TEST(test_decode_lmsw_and_clts),
    UNIT_TEST(test_decode_refuses_everything_else),
    UNIT_TEST(test_decode_random_bytes),
};

int main(void)
{
    return unit_run("guest_cr", tests, ARRAY_SIZE(tests)) != 0;
}
