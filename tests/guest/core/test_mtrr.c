/*
 * The guest's MTRRs (include/x86/guest_mtrr.h): MTRRcap as Xen reports it,
 * reset values, values read back, and #GP for a write to MTRRcap, a
 * reserved bit or an undefined memory type (AMD APM vol. 2 §7.7).
 */
#include "test.h"

TEST_NAME("mtrr");

#ifndef __x86_64__
void test_main(void)
{
    guest_test_abort("the MTRR test is 64-bit only (it catches #GP)");
}
#else
#define GP 13

void test_main(void)
{
    uint64_t v = 0;

    guest_trap_init();
    CHECK_EQ(guest_rdmsr_safe(0xFE, &v), 0);
    CHECK_EQ(v, 0x508); /* 8 variable ranges, fixed ranges, WC */
    CHECK_EQ(guest_wrmsr_safe(0xFE, 0x508), GP);
    CHECK_EQ(guest_rdmsr_safe(0x2FF, &v), 0);
    CHECK_EQ(v, 0); /* reset: MTRRs off */

    /* MTRRdefType: E | FE | WB reads back; type 2 (reserved) and bit 12 #GP. */
    CHECK_EQ(guest_wrmsr_safe(0x2FF, 0xC06), 0);
    CHECK_EQ(guest_rdmsr_safe(0x2FF, &v), 0);
    CHECK_EQ(v, 0xC06);
    CHECK_EQ(guest_wrmsr_safe(0x2FF, 0xC02), GP);
    CHECK_EQ(guest_wrmsr_safe(0x2FF, 0x1006), GP);
    CHECK_EQ(guest_rdmsr_safe(0x2FF, &v), 0);
    CHECK_EQ(v, 0xC06); /* a refused write changed nothing */

    /* A fixed range: eight type bytes; one bad byte refuses the write. */
    CHECK_EQ(guest_wrmsr_safe(0x250, 0x0606060606060606ULL), 0);
    CHECK_EQ(guest_rdmsr_safe(0x250, &v), 0);
    CHECK_EQ(v, 0x0606060606060606ULL);
    CHECK_EQ(guest_wrmsr_safe(0x26F, 0x0006000000000000ULL), 0);
    CHECK_EQ(guest_wrmsr_safe(0x268, 0x0300000000000000ULL), GP);

    /* Variable range 7: base WB at 1 GiB, mask 1 GiB valid. */
    CHECK_EQ(guest_wrmsr_safe(0x20E, 0x40000006ULL), 0);
    CHECK_EQ(guest_wrmsr_safe(0x20F, 0xFC0000800ULL), 0);
    CHECK_EQ(guest_rdmsr_safe(0x20F, &v), 0);
    CHECK_EQ(v, 0xFC0000800ULL);
    CHECK_EQ(guest_wrmsr_safe(0x20E, 0x40000106ULL), GP);         /* reserved bit 8 */
    CHECK_EQ(guest_wrmsr_safe(0x20F, 0x8000000000000800ULL), GP); /* beyond MAXPHYADDR */
    /* Range 8 does not exist (VCNT = 8). */
    CHECK_EQ(guest_rdmsr_safe(0x210, &v), GP);
}
#endif
