/*
 * gstate_insn: the state and instructions a guest does not get are absent
 * consistently, CPUID, MSRs and instructions alike (docs/platform.md,
 * "Guest state"):
 *  - performance counters: no PMU extension in CPUID; the four legacy
 *    counters' MSRs (and the extension's) read 0 and ignore writes, as under
 *    Xen 4.17 without vPMU; RDPMC reads 0 from counters 0-3, #GP beyond
 *  - DEBUGCTL keeps LBR and BTF, refuses other bits with #GP; the LBR MSRs
 *    read 0
 *  - XSAVE hidden (even where the processor has it: gstate_tests.py runs this
 *    with +xsave,+avx): no XSAVE, OSXSAVE or AVX in CPUID, leaf 0xD empty,
 *    XSETBV and XGETBV #UD, CR4.OSXSAVE #GP
 *  - TSC_AUX exists exactly when CPUID reports RDTSCP: then RDTSCP returns
 *    what the guest wrote and bits 63:32 are #GP; else the MSR is #GP and
 *    RDTSCP #UD
 *  - VMX, SMX and SVM instructions #UD, and CPUID reports none of them;
 *    MONITOR/MWAIT #UD and not reported
 */
#include "gstate.h"

TEST_NAME("gstate_insn");

#define MSR_DEBUGCTL 0x1D9
#define MSR_TSC_AUX 0xC0000103
#define CR4_OSXSAVE (1UL << 18)

static void test_performance_counters(void)
{
    static const uint32_t amd_counters[] = {
        0xC0010000, 0xC0010001, 0xC0010002, 0xC0010003, /* PerfEvtSel0-3 */
        0xC0010004, 0xC0010005, 0xC0010006, 0xC0010007, /* PerfCtr0-3 */
        0xC0010200, 0xC0010201, 0xC001020A, 0xC001020B, /* the extension's CTL/CTR */
    };
    /* Intel's architectural PMU MSRs: absent on this AMD processor. */
    static const uint32_t intel_counters[] = { 0xC1, 0x186, 0x38D, 0x38F };
    uint64_t v;

    CHECK(!(guest_cpuid(0x80000001, 0).ecx & ((1u << 23) | (1u << 24) | (1u << 28))));
    CHECK_EQ(guest_cpuid(0xA, 0).eax, 0);
    for (unsigned int i = 0; i < sizeof(amd_counters) / sizeof(amd_counters[0]); i++) {
        v = 1;
        CHECK_EQ(gstate_rdmsr(amd_counters[i], &v), GSTATE_NONE);
        CHECK_EQ(v, 0);
        CHECK_EQ(gstate_wrmsr(amd_counters[i], 0x530076), GSTATE_NONE); /* enable, count */
        CHECK_EQ(gstate_rdmsr(amd_counters[i], &v), GSTATE_NONE);
        CHECK_EQ(v, 0);
    }
    for (unsigned int i = 0; i < sizeof(intel_counters) / sizeof(intel_counters[0]); i++) {
        CHECK_EQ(gstate_rdmsr(intel_counters[i], &v), X86_EXC_GP);
        CHECK_EQ(gstate_wrmsr(intel_counters[i], 0), X86_EXC_GP);
    }
    /* RDPMC: counters 0-3 exist and read 0, as their MSRs; others are #GP. */
    for (uint32_t c = 0; c < 4; c++) {
        v = 1;
        CHECK_EQ(gstate_rdpmc(c, &v), GSTATE_NONE);
        CHECK_EQ(v, 0);
    }
    CHECK_EQ(gstate_rdpmc(4, &v), X86_EXC_GP);
    CHECK_EQ(gstate_rdpmc(0x40000000, &v), X86_EXC_GP);
    CHECK_EQ(gstate_rdpmc(0xFFFFFFFF, &v), X86_EXC_GP);
}

static void test_debugctl(void)
{
    static const uint32_t lbr_msrs[] = { 0x1DB, 0x1DC, 0x1DD, 0x1DE };
    uint64_t v = 1;

    CHECK_EQ(gstate_rdmsr(MSR_DEBUGCTL, &v), GSTATE_NONE);
    CHECK_EQ(v, 0);
    for (uint64_t bits = 1; bits <= 3; bits++) { /* LBR, BTF */
        CHECK_EQ(gstate_wrmsr(MSR_DEBUGCTL, bits), GSTATE_NONE);
        CHECK_EQ(gstate_rdmsr(MSR_DEBUGCTL, &v), GSTATE_NONE);
        CHECK_EQ(v, bits);
    }
    for (unsigned int bit = 2; bit < 64; bit++)
        CHECK_EQ(gstate_wrmsr(MSR_DEBUGCTL, 1ULL << bit), X86_EXC_GP);
    CHECK_EQ(gstate_rdmsr(MSR_DEBUGCTL, &v), GSTATE_NONE);
    CHECK_EQ(v, 3);
    CHECK_EQ(gstate_wrmsr(MSR_DEBUGCTL, 0), GSTATE_NONE);
    for (unsigned int i = 0; i < 4; i++) {
        v = 1;
        CHECK_EQ(gstate_rdmsr(lbr_msrs[i], &v), GSTATE_NONE);
        CHECK_EQ(v, 0);
    }
}

static void test_xsave_hidden(void)
{
    struct cpuid_regs l1 = guest_cpuid(1, 0), d = guest_cpuid(0xD, 0);
    unsigned long cr4 = gstate_read_cr4();
    uint64_t v;

    CHECK(!(l1.ecx & (1u << 26)));               /* XSAVE */
    CHECK(!(l1.ecx & (1u << 27)));               /* OSXSAVE */
    CHECK(!(l1.ecx & (1u << 28)));               /* AVX */
    CHECK(!(guest_cpuid(7, 0).ebx & (1u << 5))); /* AVX2 */
    CHECK_EQ(d.eax | d.ebx | d.ecx | d.edx, 0);
    CHECK_EQ(gstate_xgetbv(0, &v), X86_EXC_UD);
    CHECK_EQ(gstate_xsetbv(0, 1), X86_EXC_UD);
    CHECK_EQ(gstate_xsetbv(0, 3), X86_EXC_UD);
    CHECK_EQ(gstate_write_cr4(cr4 | CR4_OSXSAVE), X86_EXC_GP);
    CHECK_EQ(gstate_read_cr4(), cr4);
}

static void test_tsc_aux(void)
{
    uint64_t v = 1;
    uint32_t aux = 1;

    if (!(guest_cpuid(0x80000001, 0).edx & (1u << 27))) {
        gprintf("no RDTSCP: TSC_AUX absent\n");
        CHECK_EQ(gstate_rdmsr(MSR_TSC_AUX, &v), X86_EXC_GP);
        CHECK_EQ(gstate_wrmsr(MSR_TSC_AUX, 5), X86_EXC_GP);
        CHECK_EQ(gstate_rdtscp(&aux), X86_EXC_UD);
        return;
    }
    gprintf("RDTSCP: TSC_AUX is the guest's\n");
    CHECK_EQ(gstate_rdmsr(MSR_TSC_AUX, &v), GSTATE_NONE);
    CHECK_EQ(v, 0); /* the reset value */
    CHECK_EQ(gstate_rdtscp(&aux), GSTATE_NONE);
    CHECK_EQ(aux, 0);
    CHECK_EQ(gstate_wrmsr(MSR_TSC_AUX, 0xFEDCBA98), GSTATE_NONE);
    CHECK_EQ(gstate_rdtscp(&aux), GSTATE_NONE);
    CHECK_EQ(aux, 0xFEDCBA98);
    CHECK_EQ(gstate_wrmsr(MSR_TSC_AUX, 1ULL << 32), X86_EXC_GP);
    CHECK_EQ(gstate_rdmsr(MSR_TSC_AUX, &v), GSTATE_NONE);
    CHECK_EQ(v, 0xFEDCBA98);
}

static void test_virtualization_instructions(void)
{
    static const struct {
        const char *name;
        int vector;
    } expected[] = {
        { "VMCALL", X86_EXC_UD },  { "VMLAUNCH", X86_EXC_UD }, { "VMRESUME", X86_EXC_UD },
        { "VMXOFF", X86_EXC_UD },  { "VMFUNC", X86_EXC_UD },   { "VMXON", X86_EXC_UD },
        { "VMPTRLD", X86_EXC_UD }, { "VMCLEAR", X86_EXC_UD },  { "VMPTRST", X86_EXC_UD },
        { "VMREAD", X86_EXC_UD },  { "VMWRITE", X86_EXC_UD },  { "INVEPT", X86_EXC_UD },
        { "INVVPID", X86_EXC_UD }, { "GETSEC", X86_EXC_UD },   { "VMRUN", X86_EXC_UD },
        { "VMLOAD", X86_EXC_UD },  { "VMSAVE", X86_EXC_UD },   { "STGI", X86_EXC_UD },
        { "CLGI", X86_EXC_UD },    { "SKINIT", X86_EXC_UD },   { "INVLPGA", X86_EXC_UD },
        { "MONITOR", X86_EXC_UD }, { "MWAIT", X86_EXC_UD },
    };
    int got[sizeof(expected) / sizeof(expected[0])];
    unsigned int n = 0;

    /* VMX (APM has none of it; Intel SDM vol. 3 ch. 31), SMX, then SVM.
     * Memory operands point at EAX: they are #UD before any access. VMRUN,
     * VMLOAD and VMSAVE get a page-aligned RAX: the processor checks it
     * before the intercept (the hardware EFER.SVME of a guest is always
     * set), so a misaligned one would be #GP. */
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0x01, 0xc1");
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0x01, 0xc2");
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0x01, 0xc3");
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0x01, 0xc4");
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0x01, 0xd4");
    got[n++] = GSTATE_TRY_BYTES("0xf3, 0x0f, 0xc7, 0x30");
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0xc7, 0x30");
    got[n++] = GSTATE_TRY_BYTES("0x66, 0x0f, 0xc7, 0x30");
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0xc7, 0x38");
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0x78, 0xc0");
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0x79, 0xc0");
    got[n++] = GSTATE_TRY_BYTES("0x66, 0x0f, 0x38, 0x80, 0x00");
    got[n++] = GSTATE_TRY_BYTES("0x66, 0x0f, 0x38, 0x81, 0x00");
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0x37");
    got[n++] = GSTATE_TRY_BYTES_RAX("0x0f, 0x01, 0xd8", 0x1000);
    got[n++] = GSTATE_TRY_BYTES_RAX("0x0f, 0x01, 0xda", 0x1000);
    got[n++] = GSTATE_TRY_BYTES_RAX("0x0f, 0x01, 0xdb", 0x1000);
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0x01, 0xdc");
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0x01, 0xdd");
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0x01, 0xde");
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0x01, 0xdf");
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0x01, 0xc8");
    got[n++] = GSTATE_TRY_BYTES("0x0f, 0x01, 0xc9");
    for (unsigned int i = 0; i < n; i++) {
        if (got[i] != expected[i].vector)
            guest_test_fail(__FILE__, __LINE__, "%s: vector %d, expected %d", expected[i].name,
                            got[i], expected[i].vector);
    }
    /* ... and CPUID offers none of them: VMX, SMX, MONITOR; SVM, SKINIT. */
    CHECK(!(guest_cpuid(1, 0).ecx & ((1u << 5) | (1u << 6) | (1u << 3))));
    CHECK(!(guest_cpuid(0x80000001, 0).ecx & ((1u << 2) | (1u << 12))));
}

void test_main(void)
{
    gstate_catch_init();
    test_performance_counters();
    test_debugctl();
    test_xsave_hidden();
    test_tsc_aux();
    test_virtualization_instructions();
}
