/*
 * gstate_switch: three domains on one CPU each keep their own debug
 * registers (DR0-DR3, DR6, DR7) and TSC_AUX across many yields
 * (docs/platform.md, "Guest state"; arch/x86/svm/guest_switch.c).
 *
 * Each domain plays a part, "role=NAME" with "id=N" (1..3):
 *   eager  its DR7 enables all four breakpoints (at addresses it never
 *          touches), so Mica must load its DR0-DR3 when it starts running
 *   lazy   its DR7 enables none: the first MOV DR of each run exits and
 *          loads them
 *   late   touches no debug register until the others have run ROUNDS / 2
 *          rounds, then must find the reset values (DR0-DR3 0, DR6
 *          0xFFFF0FF0, DR7 0x400, TSC_AUX 0), never another domain's
 * Every round: yield, check that every register still holds what this
 * domain wrote last, write new values (different in each round and in each
 * domain). TSC_AUX takes part when CPUID reports RDTSCP (QEMU's qemu64
 * does not: gstate_tests.py also runs the test with +rdtscp); without it
 * the MSR must be #GP and RDTSCP #UD.
 */
#include "gstate.h"
#include "args.h"

TEST_NAME("gstate_switch");

#define ROUNDS 1500
#define MSR_TSC_AUX 0xC0000103
#define CPUID_E1_EDX_RDTSCP (1u << 27)

#define DR6_RESET 0xFFFF0FF0UL
#define DR7_RESET 0x400UL
/* DR7: L0..L3, each an instruction breakpoint (R/W and LEN 00b). */
#define DR7_ALL_ENABLED (DR7_RESET | 0x55UL)

static unsigned long id;
static int has_tsc_aux;

struct regs {
    unsigned long dr[4], dr6, dr7;
    uint32_t tsc_aux;
};

static unsigned long read_dr(unsigned int n)
{
    unsigned long v = 0;
    int vec = GSTATE_NONE;

    switch (n) {
    case 0:
        vec = gstate_read_dr0(&v);
        break;
    case 1:
        vec = gstate_read_dr1(&v);
        break;
    case 2:
        vec = gstate_read_dr2(&v);
        break;
    case 3:
        vec = gstate_read_dr3(&v);
        break;
    case 6:
        vec = gstate_read_dr6(&v);
        break;
    default:
        vec = gstate_read_dr7(&v);
        break;
    }
    CHECK_EQ(vec, GSTATE_NONE);
    return v;
}

static void write_dr(unsigned int n, unsigned long v)
{
    int vec = GSTATE_NONE;

    switch (n) {
    case 0:
        vec = gstate_write_dr0(v);
        break;
    case 1:
        vec = gstate_write_dr1(v);
        break;
    case 2:
        vec = gstate_write_dr2(v);
        break;
    case 3:
        vec = gstate_write_dr3(v);
        break;
    case 6:
        vec = gstate_write_dr6(v);
        break;
    default:
        vec = gstate_write_dr7(v);
        break;
    }
    CHECK_EQ(vec, GSTATE_NONE);
}

/* This domain's values for round r: distinct per domain, register and round.
 * Breakpoint addresses are canonical, above this guest's memory. */
static struct regs values(unsigned long r, int eager)
{
    struct regs want;
    for (unsigned int n = 0; n < 4; n++)
        want.dr[n] = 0x40000000UL + (id << 24) + (n << 20) + (r << 4);
    want.dr6 = DR6_RESET | (r & 0xF) | ((id & 1) << 14); /* B0-B3, BS */
    /* No breakpoint enabled: LE, GE and LEN0 only (R/W stays 00b, see above). */
    want.dr7 = eager ? DR7_ALL_ENABLED : DR7_RESET | ((r & 3) << 8) | ((r & 0xC) << 16);
    want.tsc_aux = (uint32_t)(id << 16 | r);
    return want;
}

static void load(const struct regs *want)
{
    for (unsigned int n = 0; n < 4; n++)
        write_dr(n, want->dr[n]);
    write_dr(6, want->dr6);
    write_dr(7, want->dr7);
    if (has_tsc_aux)
        CHECK_EQ(gstate_wrmsr(MSR_TSC_AUX, want->tsc_aux), GSTATE_NONE);
}

/* Every register holds what this domain expects; count the ones that do not. */
static unsigned check(const struct regs *want, unsigned long r)
{
    unsigned bad = 0;
    for (unsigned int n = 0; n < 4; n++)
        bad += read_dr(n) != want->dr[n];
    bad += read_dr(6) != want->dr6;
    bad += read_dr(7) != want->dr7;
    if (has_tsc_aux) {
        uint64_t msr = 0;
        uint32_t aux = 0;
        CHECK_EQ(gstate_rdmsr(MSR_TSC_AUX, &msr), GSTATE_NONE);
        CHECK_EQ(gstate_rdtscp(&aux), GSTATE_NONE);
        bad += msr != want->tsc_aux;
        bad += aux != want->tsc_aux;
    }
    if (bad)
        gprintf("round %lu: %u register(s) lost: dr0 %lx (want %lx), dr7 %lx (want %lx)\n", r, bad,
                read_dr(0), want->dr[0], read_dr(7), want->dr7);
    return bad;
}

static void yield(void)
{
    CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
}

static void rounds(unsigned long first, unsigned long last, int eager)
{
    struct regs want = values(first, eager);
    unsigned bad = 0;

    load(&want);
    for (unsigned long r = first + 1; r <= last; r++) {
        yield();
        bad += check(&want, r);
        want = values(r, eager);
        load(&want);
    }
    CHECK_EQ(bad, 0);
    gprintf("%lu rounds, every register kept\n", last - first);
}

static void eager(void)
{
    rounds(0, ROUNDS, 1);
}

static void lazy(void)
{
    rounds(0, ROUNDS, 0);
}

static void late(void)
{
    struct regs reset = { { 0, 0, 0, 0 }, DR6_RESET, DR7_RESET, 0 };

    for (unsigned long r = 0; r < ROUNDS / 2; r++)
        yield();
    CHECK_EQ(check(&reset, ROUNDS / 2), 0);
    gprintf("after %u rounds of the others: reset values\n", ROUNDS / 2);
    rounds(ROUNDS / 2, ROUNDS, 0);
}

void test_main(void)
{
    gstate_catch_init();
    if (guest_arg_ulong("id", &id) != 0 || id < 1 || id > 3)
        guest_test_abort("needs id=1..3");
    has_tsc_aux = (guest_cpuid(0x80000001, 0).edx & CPUID_E1_EDX_RDTSCP) != 0;
    if (!has_tsc_aux) {
        uint64_t v;
        uint32_t aux;
        /* No RDTSCP: TSC_AUX does not exist (as under Xen 4.17). */
        CHECK_EQ(gstate_rdmsr(MSR_TSC_AUX, &v), X86_EXC_GP);
        CHECK_EQ(gstate_wrmsr(MSR_TSC_AUX, 1), X86_EXC_GP);
        CHECK_EQ(gstate_rdtscp(&aux), X86_EXC_UD);
    }
    gprintf("TSC_AUX %s\n", has_tsc_aux ? "switched too" : "absent (no RDTSCP)");
    GUEST_PLAY_ROLE({ "eager", eager }, { "lazy", lazy }, { "late", late });
}
