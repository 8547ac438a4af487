/*
 * gstate_dr: MOV to and from the debug registers behaves as on the
 * processor (AMD APM vol. 2 §13.1.1, vol. 3 "MOV DRn"), both for the first
 * access of a run, which Mica intercepts to load the vCPU's DR0-DR3
 * (arch/x86/svm/guest_switch.c), and for the later ones, which run natively.
 * A yield starts a new run, so "fresh" checks follow one.
 *
 *  - reset values: DR0-DR3 0, DR6 0xFFFF0FF0, DR7 0x400
 *  - DR0-DR3 hold any value; DR6 and DR7 keep their fixed bits
 *  - with CR4.DE clear DR4 and DR5 are DR6 and DR7; with CR4.DE set they are #UD
 *  - bits 63:32 of DR6 and DR7 are #GP (64-bit); DR8-DR15 are #UD
 *    (DR7.GD is not tested: QEMU 7.2 does not implement it, docs/qemu.md)
 *  - a data breakpoint in DR0/DR7 fires: the guest's values are the
 *    processor's
 */
#include "gstate.h"

TEST_NAME("gstate_dr");

#define DR6_RESET 0xFFFF0FF0UL
#define DR7_RESET 0x400UL
#define DR6_B0 (1UL << 0)
#define DR7_L0 (1UL << 0)
#define DR7_RW0_WRITE (1UL << 16) /* R/W0 = 01b: data writes; LEN0 = 00b: one byte */
#define CR4_DE (1UL << 3)

static volatile uint8_t watched;

static void fresh_run(void)
{
    CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
}

static unsigned long dr(int (*read)(unsigned long *))
{
    unsigned long v = 0;
    CHECK_EQ(read(&v), GSTATE_NONE);
    return v;
}

static void test_reset_values(void)
{
    /* The domain's first MOV DR: intercepted, then executed natively. */
    CHECK_EQ(dr(gstate_read_dr7), DR7_RESET);
    CHECK_EQ(dr(gstate_read_dr0), 0);
    CHECK_EQ(dr(gstate_read_dr1), 0);
    CHECK_EQ(dr(gstate_read_dr2), 0);
    CHECK_EQ(dr(gstate_read_dr3), 0);
    CHECK_EQ(dr(gstate_read_dr6), DR6_RESET);
}

static void test_values_kept(void)
{
    /* Full-width addresses (canonical in 64-bit mode). */
    const unsigned long a[4] = { (unsigned long)-4096L, 0x12345678UL, 0x7FFFF000UL, 1 };

    CHECK_EQ(gstate_write_dr0(a[0]), GSTATE_NONE);
    CHECK_EQ(gstate_write_dr1(a[1]), GSTATE_NONE);
    CHECK_EQ(gstate_write_dr2(a[2]), GSTATE_NONE);
    CHECK_EQ(gstate_write_dr3(a[3]), GSTATE_NONE);
    fresh_run();
    CHECK_EQ(dr(gstate_read_dr3), a[3]);
    CHECK_EQ(dr(gstate_read_dr2), a[2]);
    CHECK_EQ(dr(gstate_read_dr1), a[1]);
    CHECK_EQ(dr(gstate_read_dr0), a[0]);

    /* DR6 bits 31:16 and 11:4 read as 1; DR7 bit 10 reads as 1. */
    CHECK_EQ(gstate_write_dr6(0), GSTATE_NONE);
    CHECK_EQ(dr(gstate_read_dr6), DR6_RESET);
    CHECK_EQ(gstate_write_dr7(0), GSTATE_NONE);
    CHECK_EQ(dr(gstate_read_dr7), DR7_RESET);
    CHECK_EQ(gstate_write_dr6(DR6_RESET | DR6_B0), GSTATE_NONE);
    fresh_run();
    CHECK_EQ(dr(gstate_read_dr6), DR6_RESET | DR6_B0);
    CHECK_EQ(gstate_write_dr6(DR6_RESET), GSTATE_NONE);
}

static void test_dr4_dr5(void)
{
    unsigned long cr4 = gstate_read_cr4();

    /* CR4.DE clear: DR4 is DR6, DR5 is DR7. */
    CHECK_EQ(gstate_write_dr5(DR7_RESET | (1UL << 8)), GSTATE_NONE); /* LE */
    CHECK_EQ(dr(gstate_read_dr7), DR7_RESET | (1UL << 8));
    CHECK_EQ(gstate_write_dr4(DR6_RESET | 2), GSTATE_NONE);
    CHECK_EQ(dr(gstate_read_dr6), DR6_RESET | 2);
    fresh_run();
    CHECK_EQ(dr(gstate_read_dr4), DR6_RESET | 2);
    CHECK_EQ(dr(gstate_read_dr5), DR7_RESET | (1UL << 8));
    CHECK_EQ(gstate_write_dr7(DR7_RESET), GSTATE_NONE);
    CHECK_EQ(gstate_write_dr6(DR6_RESET), GSTATE_NONE);

    /* CR4.DE set: DR4 and DR5 are #UD, first access of a run or not. */
    CHECK_EQ(gstate_write_cr4(cr4 | CR4_DE), GSTATE_NONE);
    fresh_run();
    unsigned long v;
    CHECK_EQ(gstate_read_dr4(&v), X86_EXC_UD);
    CHECK_EQ(gstate_read_dr5(&v), X86_EXC_UD);
    fresh_run();
    CHECK_EQ(gstate_write_dr5(DR7_RESET), X86_EXC_UD);
    CHECK_EQ(gstate_write_dr4(DR6_RESET), X86_EXC_UD);
    CHECK_EQ(dr(gstate_read_dr7), DR7_RESET); /* DR7 and DR6 still work */
    CHECK_EQ(dr(gstate_read_dr6), DR6_RESET);
    CHECK_EQ(gstate_write_cr4(cr4), GSTATE_NONE);
}

static void test_reserved_bits(void)
{
#ifdef __x86_64__
    /* Bits 63:32 of DR6 and DR7 are #GP; the registers keep their values. */
    CHECK_EQ(gstate_write_dr7(DR7_RESET | (1UL << 8)), GSTATE_NONE);
    fresh_run();
    CHECK_EQ(gstate_write_dr7(1UL << 32), X86_EXC_GP);
    CHECK_EQ(gstate_error, 0);
    CHECK_EQ(gstate_write_dr7(DR7_RESET | (1UL << 63)), X86_EXC_GP);
    fresh_run();
    CHECK_EQ(gstate_write_dr6(DR6_RESET | (1UL << 40)), X86_EXC_GP);
    CHECK_EQ(dr(gstate_read_dr7), DR7_RESET | (1UL << 8));
    CHECK_EQ(dr(gstate_read_dr6), DR6_RESET);
    CHECK_EQ(gstate_write_dr7(DR7_RESET), GSTATE_NONE);
    /* DR8 (REX.R with ModRM.reg 0) does not exist: #UD, no exit. */
    fresh_run();
    CHECK_EQ(GSTATE_TRY_BYTES("0x44, 0x0f, 0x21, 0xc0"), X86_EXC_UD); /* mov %dr8, %rax */
    CHECK_EQ(GSTATE_TRY_BYTES("0x44, 0x0f, 0x23, 0xc0"), X86_EXC_UD); /* mov %rax, %dr8 */
#else
    gprintf("bits 63:32 and DR8: 64-bit only\n");
#endif
}

static int write_watched(void)
{
    gstate_begin();
    __asm__ volatile(GSTATE_ARM "movb $1, %0\n1:" : "=m"(watched) : : GSTATE_CLOBBERS);
    return gstate_vector;
}

static void test_breakpoint_fires(void)
{
    /* A one-byte data-write breakpoint on `watched`: the write completes,
     * then #DB with DR6.B0. */
    CHECK_EQ(gstate_write_dr0((unsigned long)(uintptr_t)&watched), GSTATE_NONE);
    CHECK_EQ(gstate_write_dr7(DR7_RESET | DR7_L0 | DR7_RW0_WRITE), GSTATE_NONE);
    CHECK_EQ(write_watched(), X86_EXC_DB);
    CHECK_EQ(watched, 1);
    CHECK(dr(gstate_read_dr6) & DR6_B0);
    CHECK_EQ(gstate_write_dr6(DR6_RESET), GSTATE_NONE);
    CHECK_EQ(gstate_write_dr7(DR7_RESET), GSTATE_NONE);
    /* Disabled: no #DB. */
    CHECK_EQ(write_watched(), GSTATE_NONE);
}

void test_main(void)
{
    gstate_catch_init();
    test_reset_values();
    test_values_kept();
    test_dr4_dr5();
    test_reserved_bits();
    test_breakpoint_fires();
}
