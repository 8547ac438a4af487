/*
 * Host unit tests of the VMRUN consistency checks (arch/x86/svm/vmcb_check.c).
 *
 * vmcb_check_guest_state() is a pure function of the VMCB and the CPU's
 * number of ASIDs. A minimal valid state (32-bit protected mode, paging off)
 * passes; breaking any one rule makes it fail with that rule's reason, and
 * only that one (the reason strings are compared exactly). A valid 64-bit
 * long-mode state passes too.
 */
#include <stdint.h>
#include <string.h>

#include "x86/control_regs.h"
#include "x86/vcpu.h"
#include "x86/vmcb.h"
#include "unit.h"
#include "x86/pat.h"

#define EFER_LMSLE (1UL << 13)
#define EFER_FFXSR (1UL << 14)
#define EFER_TCE (1UL << 15)

#define MAX_ASIDS 16
#define BASELINE_PAT 0x0007040600070406UL
#define SEG_ATTR_CODE64 (SEG_ATTR_L | 0x89B) /* execute/read, accessed, P, L=1, G=1 */

/* Event injection: vector | type << 8 | V. */
#define EVENT(type, vector) ((uint64_t)(vector) | ((uint64_t)(type) << 8) | EVENT_INJECT_VALID)

/* The minimal valid state: protected mode without paging. */
static void baseline(struct vmcb *v)
{
    memset(v, 0, sizeof(*v));
    v->save.efer = EFER_SVME;
    v->save.cr0 = CR0_PE | CR0_ET;
    v->save.rflags = RFLAGS_ALWAYS_ONE;
    v->save.g_pat = BASELINE_PAT;
    v->save.cs.attrib = SEG_ATTR_CODE32;
    v->save.ss.attrib = SEG_ATTR_DATA32;
    v->save.ds.attrib = SEG_ATTR_DATA32;
    v->save.tr.attrib = SEG_ATTR_TSS32_BUSY;
    v->control.intercept_misc2 = INTERCEPT_VMRUN;
    v->control.guest_asid = 1;
}

/* A valid 64-bit long-mode state. */
static void long_mode(struct vmcb *v)
{
    baseline(v);
    v->save.efer = EFER_SVME | EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
    v->save.cr0 = CR0_PE | CR0_ET | CR0_PG;
    v->save.cr4 = CR4_PAE;
    v->save.cr3 = 0x000FFFFFFFFFF000UL; /* the widest address CR3 may hold */
    v->save.cs.attrib = SEG_ATTR_CODE64;
}

/* The check fails with exactly this reason (NULL: passes). */
static void expect(const struct vmcb *v, const char *reason)
{
    const char *got = vmcb_check_guest_state(v, MAX_ASIDS);

    if (!reason) {
        CHECK(got == NULL);
        if (got)
            printf("  unexpected failure: %s\n", got);
    } else {
        CHECK(got != NULL && strcmp(got, reason) == 0);
        if (!got || strcmp(got, reason) != 0)
            printf("  expected \"%s\", got \"%s\"\n", reason, got ? got : "(pass)");
    }
}

static struct vmcb v; /* 4 KiB: static, not on the stack */

static void test_valid_baseline_passes(void)
{
    baseline(&v);
    expect(&v, NULL);
}

static void test_valid_long_mode_state_passes(void)
{
    long_mode(&v);
    expect(&v, NULL);
    /* A 32-bit compatibility-mode code segment is valid too. */
    v.save.cs.attrib = SEG_ATTR_CODE32;
    expect(&v, NULL);
}

static void test_valid_pae_paging_without_long_mode_passes(void)
{
    baseline(&v);
    v.save.cr0 |= CR0_PG;
    v.save.cr4 = CR4_PAE;
    expect(&v, NULL);
    /* LME without paging (before CR0.PG is set) is legal. */
    v.save.cr0 &= ~CR0_PG;
    v.save.efer |= EFER_LME;
    expect(&v, NULL);
}

static void test_efer_svme_clear_fails(void)
{
    baseline(&v);
    v.save.efer &= ~EFER_SVME;
    expect(&v, "EFER.SVME is clear");
}

static void test_reserved_efer_bits_fail(void)
{
    const uint64_t defined = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME | EFER_LMSLE |
                             EFER_FFXSR | EFER_TCE;

    for (unsigned int bit = 0; bit < 64; bit++) {
        if (defined & (1UL << bit))
            continue;
        baseline(&v);
        v.save.efer |= 1UL << bit;
        expect(&v, "reserved EFER bits set");
    }
}

static void test_defined_efer_bits_pass(void)
{
    const uint64_t harmless[] = { EFER_SCE, EFER_NXE, EFER_LMSLE, EFER_FFXSR, EFER_TCE, EFER_LME };

    for (size_t i = 0; i < ARRAY_SIZE(harmless); i++) {
        baseline(&v);
        v.save.efer |= harmless[i];
        expect(&v, NULL);
    }
}

static void test_cr0_nw_without_cd_fails(void)
{
    baseline(&v);
    v.save.cr0 |= CR0_NW;
    expect(&v, "CR0.NW set without CR0.CD");
    /* CD alone and CD with NW are both legal. */
    v.save.cr0 |= CR0_CD;
    expect(&v, NULL);
    v.save.cr0 &= ~CR0_NW;
    expect(&v, NULL);
}

static void test_cr0_high_bits_fail(void)
{
    for (unsigned int bit = 32; bit < 64; bit++) {
        baseline(&v);
        v.save.cr0 |= 1UL << bit;
        expect(&v, "CR0 bits 63:32 set");
    }
}

static void test_cr3_bits_63_52_fail(void)
{
    for (unsigned int bit = 52; bit < 64; bit++) {
        baseline(&v);
        v.save.cr3 = 0x1000 | (1UL << bit);
        expect(&v, "CR3 bits 63:52 set");
    }
    baseline(&v);
    v.save.cr3 = 1UL << 51;
    expect(&v, NULL);
}

static void test_cr4_high_bits_fail(void)
{
    for (unsigned int bit = 32; bit < 64; bit++) {
        baseline(&v);
        v.save.cr4 |= 1UL << bit;
        expect(&v, "CR4 bits 63:32 set");
    }
}

static void test_dr6_or_dr7_high_bits_fail(void)
{
    baseline(&v);
    v.save.dr6 = 0xFFFF0FF0UL; /* its architectural reset value is fine */
    v.save.dr7 = 0x400;
    expect(&v, NULL);
    v.save.dr6 |= 1UL << 32;
    expect(&v, "DR6 or DR7 bits 63:32 set");
    baseline(&v);
    v.save.dr7 = 0x400 | (1UL << 63);
    expect(&v, "DR6 or DR7 bits 63:32 set");
}

static void test_long_mode_paging_without_pae_fails(void)
{
    long_mode(&v);
    v.save.cr4 &= ~CR4_PAE;
    expect(&v, "long mode paging without CR4.PAE");
}

static void test_long_mode_paging_without_pe_fails(void)
{
    long_mode(&v);
    v.save.cr0 &= ~CR0_PE;
    expect(&v, "long mode paging without CR0.PE");
}

static void test_cs_with_l_and_d_in_long_mode_fails(void)
{
    long_mode(&v);
    v.save.cs.attrib |= SEG_ATTR_DB;
    expect(&v, "CS has both L and D set in long mode");
}

static void test_cs_with_l_and_d_outside_long_mode_passes(void)
{
    /* CS.L means nothing outside long mode. */
    baseline(&v);
    v.save.cs.attrib = SEG_ATTR_CODE32 | SEG_ATTR_L;
    expect(&v, NULL);
}

static void test_efer_lma_mismatch_fails(void)
{
    /* LMA without LME and paging. */
    baseline(&v);
    v.save.efer |= EFER_LMA;
    expect(&v, "EFER.LMA does not match EFER.LME && CR0.PG");
    /* LME and paging without LMA. */
    long_mode(&v);
    v.save.efer &= ~EFER_LMA;
    expect(&v, "EFER.LMA does not match EFER.LME && CR0.PG");
    /* LMA with LME but paging off. */
    long_mode(&v);
    v.save.cr0 &= ~CR0_PG;
    expect(&v, "EFER.LMA does not match EFER.LME && CR0.PG");
}

static void test_rflags_bit_1_clear_fails(void)
{
    baseline(&v);
    v.save.rflags = 0;
    expect(&v, "reserved RFLAGS bits wrong");
}

static void test_reserved_rflags_bits_fail(void)
{
    static const unsigned int reserved[] = { 3, 5, 15, 22, 23, 31, 32, 47, 63 };

    for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
        baseline(&v);
        v.save.rflags |= 1UL << reserved[i];
        expect(&v, "reserved RFLAGS bits wrong");
    }
    /* Every defined flag (CF PF AF ZF SF TF IF DF OF IOPL NT RF VM AC VIF VIP ID). */
    baseline(&v);
    v.save.rflags = 0x3F7FD7UL;
    expect(&v, NULL);
}

/* The rule, one entry at a time (APM vol. 2 §7.8.1): UC 0, WC 1, WT 4,
 * WP 5, WB 6, UC- 7; anything else is reserved. */
static bool pat_type_ok(unsigned int type)
{
    return type == 0 || type == 1 || (type >= 4 && type <= 7);
}

static uint64_t pat_with(uint64_t pat, unsigned int entry, unsigned int type)
{
    return (pat & ~(0xFFUL << (8 * entry))) | ((uint64_t)type << (8 * entry));
}

static void test_invalid_g_pat_type_fails(void)
{
    /* Every byte value in every entry, and every pair of values in two
     * entries (pat_valid tests all eight bytes at once). */
    for (unsigned int entry = 0; entry < 8; entry++) {
        for (unsigned int type = 0; type < 256; type++) {
            baseline(&v);
            v.save.g_pat = pat_with(BASELINE_PAT, entry, type);
            expect(&v, pat_type_ok(type) ? NULL : "G_PAT holds an invalid memory type");
        }
    }
    for (unsigned int a = 0; a < 256; a++) {
        for (unsigned int b = 0; b < 256; b++) {
            uint64_t pat = pat_with(pat_with(BASELINE_PAT, 1, a), 6, b);
            CHECK_EQ(pat_valid(pat), pat_type_ok(a) && pat_type_ok(b));
        }
    }
}

static void test_vmrun_not_intercepted_fails(void)
{
    baseline(&v);
    v.control.intercept_misc2 = INTERCEPT_VMMCALL | INTERCEPT_VMLOAD | INTERCEPT_VMSAVE;
    expect(&v, "VMRUN is not intercepted");
}

static void test_asid_out_of_range_fails(void)
{
    baseline(&v);
    v.control.guest_asid = 0;
    expect(&v, "ASID out of range");
    v.control.guest_asid = MAX_ASIDS;
    expect(&v, "ASID out of range");
    v.control.guest_asid = 0xFFFFFFFFu;
    expect(&v, "ASID out of range");
    v.control.guest_asid = MAX_ASIDS - 1;
    expect(&v, NULL);
}

static void test_unsupported_tlb_control_fails(void)
{
    static const uint8_t bad[] = { 2, 3, 7, 0xFF };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        baseline(&v);
        v.control.tlb_control = bad[i];
        expect(&v, "unsupported TLB_CONTROL");
    }
    baseline(&v);
    v.control.tlb_control = TLB_CONTROL_FLUSH_ALL;
    expect(&v, NULL);
}

static void test_event_injection_of_reserved_type_fails(void)
{
    static const unsigned int reserved[] = { 1, 5, 6, 7 };

    for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
        baseline(&v);
        v.control.event_inject = EVENT(reserved[i], 32);
        expect(&v, "event injection of a reserved type");
        /* Not valid: ignored. */
        v.control.event_inject &= ~EVENT_INJECT_VALID;
        expect(&v, NULL);
    }
}

static void test_event_injection_of_valid_types_passes(void)
{
    baseline(&v);
    v.control.event_inject = EVENT(0, 0x30); /* external interrupt */
    expect(&v, NULL);
    v.control.event_inject = EVENT(2, 2); /* NMI */
    expect(&v, NULL);
    v.control.event_inject = EVENT(3, 14) | EVENT_INJECT_ERROR_VALID | (0x2UL << 32);
    expect(&v, NULL);                        /* #PF with an error code */
    v.control.event_inject = EVENT(4, 0x80); /* software interrupt */
    expect(&v, NULL);
}

static void test_event_injection_of_invalid_exception_vector_fails(void)
{
    static const unsigned int bad[] = { 2, 32, 0x80, 0xFF };
    static const unsigned int good[] = { 0, 1, 3, 6, 8, 13, 14, 18, 31 };

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        baseline(&v);
        v.control.event_inject = EVENT(3, bad[i]);
        expect(&v, "event injection of an invalid exception vector");
    }
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        baseline(&v);
        v.control.event_inject = EVENT(3, good[i]);
        expect(&v, NULL);
    }
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_valid_baseline_passes),
    UNIT_TEST(test_valid_long_mode_state_passes),
    UNIT_TEST(test_valid_pae_paging_without_long_mode_passes),
    UNIT_TEST(test_efer_svme_clear_fails),
    UNIT_TEST(test_reserved_efer_bits_fail),
    UNIT_TEST(test_defined_efer_bits_pass),
    UNIT_TEST(test_cr0_nw_without_cd_fails),
    UNIT_TEST(test_cr0_high_bits_fail),
    UNIT_TEST(test_cr3_bits_63_52_fail),
    UNIT_TEST(test_cr4_high_bits_fail),
    UNIT_TEST(test_dr6_or_dr7_high_bits_fail),
    UNIT_TEST(test_long_mode_paging_without_pae_fails),
    UNIT_TEST(test_long_mode_paging_without_pe_fails),
    UNIT_TEST(test_cs_with_l_and_d_in_long_mode_fails),
    UNIT_TEST(test_cs_with_l_and_d_outside_long_mode_passes),
    UNIT_TEST(test_efer_lma_mismatch_fails),
    UNIT_TEST(test_rflags_bit_1_clear_fails),
    UNIT_TEST(test_reserved_rflags_bits_fail),
    UNIT_TEST(test_invalid_g_pat_type_fails),
    UNIT_TEST(test_vmrun_not_intercepted_fails),
    UNIT_TEST(test_asid_out_of_range_fails),
    UNIT_TEST(test_unsupported_tlb_control_fails),
    UNIT_TEST(test_event_injection_of_reserved_type_fails),
    UNIT_TEST(test_event_injection_of_valid_types_passes),
    UNIT_TEST(test_event_injection_of_invalid_exception_vector_fails),
};

int main(void)
{
    return unit_run("vmcb_check", tests, ARRAY_SIZE(tests)) != 0;
}
