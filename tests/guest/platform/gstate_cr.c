/*
 * gstate_cr: writes to CR0, CR4 and EFER give the #GP the processor gives
 * (AMD APM vol. 3 "MOV CRn", "LMSW", "WRMSR"; vol. 2 §3.1), and the domain
 * goes on; the writes the processor accepts take effect. Mica intercepts
 * these writes and checks them against the guest's CPUID
 * (arch/x86/svm/guest_cr.c, guest_cr_rules.c): QEMU alone would end the
 * domain with VMEXIT_INVALID for a reserved CR4 bit, and truncate CR0.
 *
 * 64-bit flavour: in long mode. 32-bit flavour: protected mode with paging
 * off, where it also turns legacy paging on and off, checks the long-mode
 * activation rules, and holds EFER.LME with paging off across exits (which
 * used to leave Mica itself with paging off under QEMU). With a second vCPU
 * ("vcpus=2"), VCPUOP_initialise must refuse a context with a CR4 or EFER
 * bit CPUID does not give (-EINVAL), as Xen does.
 */
#include "gstate.h"
#include <public/hvm/hvm_vcpu.h>
#include <public/vcpu.h>

TEST_NAME("gstate_cr");

#define CR0_PE (1UL << 0)
#define CR0_MP (1UL << 1)
#define CR0_EM (1UL << 2)
#define CR0_TS (1UL << 3)
#define CR0_ET (1UL << 4)
#define CR0_NE (1UL << 5)
#define CR0_WP (1UL << 16)
#define CR0_AM (1UL << 18)
#define CR0_NW (1UL << 29)
#define CR0_CD (1UL << 30)
#define CR0_PG (1UL << 31)
#define CR0_DEFINED                                                                            \
    (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_NW | CR0_CD | \
     CR0_PG)

#define CR4_PSE (1UL << 4)
#define CR4_PAE (1UL << 5)
#define CR4_PCE (1UL << 8)
#define CR4_PCIDE (1UL << 17)
#define CR4_OSXSAVE (1UL << 18)

#define MSR_EFER 0xC0000080
#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define EFER_NXE (1ULL << 11)

/* The CR4 bits the processor (as CPUID describes it) defines: the feature
 * each needs, from AMD APM vol. 2 §3.1.3. */
static unsigned long cr4_defined(void)
{
    struct cpuid_regs l1 = guest_cpuid(1, 0), l7 = { 0, 0, 0, 0 };
    unsigned long bits = CR4_PCE; /* the legacy counters need no CPUID bit */

    if (guest_cpuid(0, 0).eax >= 7)
        l7 = guest_cpuid(7, 0);
    if (l1.edx & (1u << 1))
        bits |= 3UL << 0; /* VME, PVI */
    if (l1.edx & (1u << 4))
        bits |= 1UL << 2; /* TSD */
    if (l1.edx & (1u << 2))
        bits |= 1UL << 3; /* DE */
    if (l1.edx & (1u << 3))
        bits |= CR4_PSE;
    if (l1.edx & (1u << 6))
        bits |= CR4_PAE;
    if (l1.edx & (1u << 7))
        bits |= 1UL << 6; /* MCE */
    if (l1.edx & (1u << 13))
        bits |= 1UL << 7; /* PGE */
    if (l1.edx & (1u << 24))
        bits |= 1UL << 9; /* OSFXSR */
    if (l1.edx & (1u << 25))
        bits |= 1UL << 10; /* OSXMMEXCPT */
    if (l7.ecx & (1u << 2))
        bits |= 1UL << 11; /* UMIP */
    if (l7.ecx & (1u << 16))
        bits |= 1UL << 12; /* LA57 */
    if (l1.ecx & (1u << 5))
        bits |= 1UL << 13; /* VMXE */
    if (l1.ecx & (1u << 6))
        bits |= 1UL << 14; /* SMXE */
    if (l7.ebx & (1u << 0))
        bits |= 1UL << 16; /* FSGSBASE */
    if (l1.ecx & (1u << 17))
        bits |= CR4_PCIDE;
    if (l1.ecx & (1u << 26))
        bits |= CR4_OSXSAVE;
    if (l7.ebx & (1u << 7))
        bits |= 1UL << 20; /* SMEP */
    if (l7.ebx & (1u << 20))
        bits |= 1UL << 21; /* SMAP */
    if (l7.ecx & (1u << 3))
        bits |= 1UL << 22; /* PKE */
    if (l7.ecx & (1u << 7))
        bits |= 1UL << 23; /* CET */
    return bits;
}

static int in_long_mode(void)
{
#ifdef __x86_64__
    return 1;
#else
    return 0;
#endif
}

/* Each CR4 bit alone: #GP exactly for the bits CPUID does not give (and,
 * in long mode, PCIDE needs a zero PCID, which this guest's CR3 has). */
static void test_cr4_bits(void)
{
    unsigned long cr4 = gstate_read_cr4(), defined = cr4_defined();
    unsigned int refused = 0;

    gprintf("CR4 %lx, defined bits %lx\n", cr4, defined);
    for (unsigned int bit = 0; bit < 8 * sizeof(long); bit++) {
        unsigned long b = 1UL << bit, want = cr4 ^ b;
        int expect_gp = !(defined & b);

        if (cr4 & b)
            continue; /* PAE in long mode: below */
        if (b == CR4_PCIDE && !in_long_mode())
            expect_gp = 1; /* PCIDE only in long mode */
        if (b == (1UL << 12) && in_long_mode())
            expect_gp = 1; /* LA57 does not change in long mode */
        int vec = gstate_write_cr4(want);
        CHECK_EQ(vec, expect_gp ? X86_EXC_GP : GSTATE_NONE);
        if (vec == X86_EXC_GP)
            CHECK_EQ(gstate_error, 0);
        CHECK_EQ(gstate_read_cr4(), expect_gp ? cr4 : want);
        refused += expect_gp;
        CHECK_EQ(gstate_write_cr4(cr4), GSTATE_NONE);
    }
    gprintf("%u CR4 bits refused with #GP\n", refused);
    /* What Mica hides must be refused even if the processor has it. */
    CHECK(!(defined & CR4_OSXSAVE));
    if (in_long_mode())
        CHECK_EQ(gstate_write_cr4(cr4 & ~CR4_PAE), X86_EXC_GP);
    CHECK_EQ(gstate_read_cr4(), cr4);
}

static void test_cr0_bits(void)
{
    unsigned long cr0 = gstate_read_cr0();
    const unsigned long valid[] = { CR0_MP, CR0_EM, CR0_TS, CR0_NE,
                                    CR0_WP, CR0_AM, CR0_CD, CR0_CD | CR0_NW };

    gprintf("CR0 %lx\n", cr0);
    /* Writes the processor accepts. */
    for (unsigned int i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        CHECK_EQ(gstate_write_cr0(cr0 ^ valid[i]), GSTATE_NONE);
        CHECK_EQ(gstate_read_cr0(), cr0 ^ valid[i]);
        CHECK_EQ(gstate_write_cr0(cr0), GSTATE_NONE);
    }
    /* Reserved bits of 31:0 are ignored; ET reads as 1. */
    for (unsigned int bit = 0; bit < 32; bit++) {
        unsigned long b = 1UL << bit;
        if ((CR0_DEFINED & b) && b != CR0_ET)
            continue;
        CHECK_EQ(gstate_write_cr0(cr0 ^ b), GSTATE_NONE);
        CHECK_EQ(gstate_read_cr0(), cr0);
    }
    /* #GP: NW without CD; PG without PE. */
    CHECK_EQ(gstate_write_cr0(cr0 | CR0_NW), X86_EXC_GP);
    CHECK_EQ(gstate_write_cr0((cr0 | CR0_PG) & ~CR0_PE), X86_EXC_GP);
#ifdef __x86_64__
    /* Bits 63:32, and paging off in 64-bit mode. */
    for (unsigned int bit = 32; bit < 64; bit++)
        CHECK_EQ(gstate_write_cr0(cr0 | (1UL << bit)), X86_EXC_GP);
    CHECK_EQ(gstate_write_cr0(cr0 & ~CR0_PG), X86_EXC_GP);
#endif
    CHECK_EQ(gstate_read_cr0(), cr0);

    /* CLTS clears TS; LMSW loads MP, EM, TS and cannot clear PE. */
    CHECK_EQ(gstate_write_cr0(cr0 | CR0_TS), GSTATE_NONE);
    __asm__ volatile("clts");
    CHECK_EQ(gstate_read_cr0(), cr0 & ~CR0_TS);
    __asm__ volatile("lmsw %w0" : : "r"(CR0_TS | CR0_MP));
    CHECK_EQ(gstate_read_cr0() & 0xF, CR0_PE | CR0_TS | CR0_MP);
    __asm__ volatile("lmsw %w0" : : "r"(0UL));
    CHECK_EQ(gstate_read_cr0() & 0xF, CR0_PE);
    CHECK_EQ(gstate_write_cr0(cr0), GSTATE_NONE);
    CHECK_EQ(gstate_read_cr0(), cr0);
}

static void test_efer_bits(void)
{
    uint64_t efer = 0, now = 0;
    uint64_t defined = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
    unsigned int refused = 0;

    CHECK_EQ(gstate_rdmsr(MSR_EFER, &efer), GSTATE_NONE);
    gprintf("EFER %llx\n", (unsigned long long)efer);
    if (!(guest_cpuid(0x80000001, 0).edx & (1u << 20)))
        defined &= ~EFER_NXE;
    /* EFER.LMSLE does not exist: CPUID says so. */
    CHECK(guest_cpuid(0x80000008, 0).ebx & (1u << 20));
    for (unsigned int bit = 0; bit < 64; bit++) {
        uint64_t b = 1ULL << bit;
        if (defined & b)
            continue;
        CHECK_EQ(gstate_wrmsr(MSR_EFER, efer | b), X86_EXC_GP);
        refused++;
    }
    gprintf("%u EFER bits refused with #GP\n", refused);
    CHECK_EQ(gstate_wrmsr(MSR_EFER, efer ^ EFER_SCE), GSTATE_NONE);
    CHECK_EQ(gstate_rdmsr(MSR_EFER, &now), GSTATE_NONE);
    CHECK_EQ(now, efer ^ EFER_SCE);
    /* LMA is the processor's: writing it either way changes nothing. */
    CHECK_EQ(gstate_wrmsr(MSR_EFER, efer ^ EFER_LMA), GSTATE_NONE);
    CHECK_EQ(gstate_rdmsr(MSR_EFER, &now), GSTATE_NONE);
    CHECK_EQ(now, efer);
#ifdef __x86_64__
    /* LME does not change while paging is on. */
    CHECK_EQ(gstate_wrmsr(MSR_EFER, efer & ~EFER_LME), X86_EXC_GP);
#endif
    CHECK_EQ(gstate_rdmsr(MSR_EFER, &now), GSTATE_NONE);
    CHECK_EQ(now, efer);
}

#ifndef __x86_64__
/* One page directory of 4 MiB pages mapping the first 4 GiB to themselves
 * (legacy paging with CR4.PSE, APM vol. 2 §5.2). */
static uint32_t page_dir[1024] __attribute__((aligned(4096)));

/* Paging off: EFER.LME may be set; turning paging on with it needs PAE. The
 * state LME=1, PG=0, PAE=0 must survive exits (a yield is several). */
static void test_long_mode_rules(void)
{
    uint64_t efer = 0, now = 0;

    CHECK_EQ(gstate_rdmsr(MSR_EFER, &efer), GSTATE_NONE);
    CHECK_EQ(gstate_wrmsr(MSR_EFER, efer | EFER_LME), GSTATE_NONE);
    for (int i = 0; i < 10; i++)
        CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
    CHECK_EQ(gstate_rdmsr(MSR_EFER, &now), GSTATE_NONE);
    CHECK_EQ(now, efer | EFER_LME);
    /* Paging with LME but without PAE: #GP. */
    CHECK_EQ(gstate_write_cr0(gstate_read_cr0() | CR0_PG), X86_EXC_GP);
    CHECK_EQ(gstate_read_cr0() & CR0_PG, 0);
    CHECK_EQ(gstate_wrmsr(MSR_EFER, efer), GSTATE_NONE);
    gprintf("EFER.LME with paging off: kept across exits; paging without PAE refused\n");
}

/* Legacy paging on and off through Mica's CR0 emulation; the hypercalls in
 * between make Mica walk the guest's tables. */
static void test_legacy_paging(void)
{
    unsigned long cr0 = gstate_read_cr0(), cr4 = gstate_read_cr4();

    for (uint32_t i = 0; i < 1024; i++)
        page_dir[i] = (i << 22) | 0x83; /* present, writable, 4 MiB */
    __asm__ volatile("mov %0, %%cr3" : : "r"((unsigned long)(uintptr_t)page_dir) : "memory");
    CHECK_EQ(gstate_write_cr4(cr4 | CR4_PSE), GSTATE_NONE);
    CHECK_EQ(gstate_write_cr0(cr0 | CR0_PG), GSTATE_NONE);
    CHECK(gstate_read_cr0() & CR0_PG);
    gprintf("legacy paging on: CR0 %lx CR4 %lx\n", gstate_read_cr0(), gstate_read_cr4());
    CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_yield, NULL), 0);
    CHECK_EQ(gstate_write_cr0(cr0), GSTATE_NONE);
    CHECK_EQ(gstate_write_cr4(cr4), GSTATE_NONE);
    gprintf("legacy paging off again\n");
}
#endif

/* A valid context for vCPU 1: flat 32-bit protected mode, paging off. */
static void context_32(struct vcpu_hvm_context *ctx, uint32_t cr4, uint64_t efer)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->mode = VCPU_HVM_MODE_32B;
    ctx->cpu_regs.x86_32.cs_ar = 0xC9B;
    ctx->cpu_regs.x86_32.cs_limit = 0xFFFFFFFF;
    ctx->cpu_regs.x86_32.ss_ar = 0xC93;
    ctx->cpu_regs.x86_32.ss_limit = 0xFFFFFFFF;
    ctx->cpu_regs.x86_32.tr_ar = 0x8B;
    ctx->cpu_regs.x86_32.tr_limit = 0x67;
    ctx->cpu_regs.x86_32.eflags = 2;
    ctx->cpu_regs.x86_32.cr0 = CR0_PE | CR0_ET;
    ctx->cpu_regs.x86_32.cr4 = cr4;
    ctx->cpu_regs.x86_32.efer = efer;
}

/* Contexts for vCPU 1 with one CR4 or EFER bit the guest may not have
 * (PCIDE too: it needs long mode): each refused, vCPU 1 left as it was. */
static void test_vcpu_context(void)
{
    unsigned long defined = cr4_defined() & ~CR4_PCIDE;
    uint64_t efer_defined = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
    struct vcpu_hvm_context ctx;
    unsigned int tried = 0;

    if (HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL) < 0) {
        gprintf("one vCPU: no VCPUOP_initialise checks\n");
        return;
    }
    for (unsigned int bit = 0; bit < 32; bit++) {
        if (defined & (1UL << bit))
            continue;
        context_32(&ctx, 1u << bit, 0);
        CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EINVAL);
        tried++;
    }
    for (unsigned int bit = 0; bit < 64; bit++) {
        if (efer_defined & (1ULL << bit))
            continue;
        context_32(&ctx, 0, 1ULL << bit);
        CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EINVAL);
        tried++;
    }
    CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    /* The same context without the bit is fine (vCPU 1 stays down). */
    context_32(&ctx, 0, 0);
    CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_initialise, 1, &ctx), 0);
    CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    gprintf("VCPUOP_initialise refused %u contexts with a bit CPUID does not give\n", tried);
}

void test_main(void)
{
    gstate_catch_init();
    test_cr4_bits();
    test_cr0_bits();
    test_efer_bits();
    test_vcpu_context();
#ifndef __x86_64__
    test_long_mode_rules();
    test_legacy_paging();
#endif
    gprintf("every refused write was a #GP, and the domain went on\n");
}
