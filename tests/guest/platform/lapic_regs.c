/*
 * The local APIC's registers in x2APIC mode (docs/platform.md, "Local APIC
 * and interrupts"): IA32_APIC_BASE at reset and its mode changes, what
 * CPUID says, every x2APIC MSR's reset value, the MSRs that #GP, reserved
 * bits, ESR's write-then-read, TPR/PPR, the state a disable/enable leaves.
 * vCPU 0 and vCPU 1 (APIC IDs 0 and 2, Xen's 2 x vcpu_id) each check their
 * own APIC. 64-bit only (it catches #GP).
 */
#include "lapic.h"
#include "test.h"

TEST_NAME("lapic_regs");

#ifndef __x86_64__
void test_main(void)
{
    guest_test_abort("64-bit only (it catches #GP)");
}
#else
#define GP 13

static uint64_t rd(unsigned int offset)
{
    uint64_t v = 0xBAD;

    if (!CHECK_EQ(guest_rdmsr_safe(LAPIC_MSR(offset), &v), 0))
        gprintf("  (x2APIC MSR %#x)\n", LAPIC_MSR(offset));
    return v;
}

static int wr(unsigned int offset, uint64_t value)
{
    return guest_wrmsr_safe(LAPIC_MSR(offset), value);
}

/* CPUID as the guest sees it on vCPU `id`. */
static void check_cpuid(unsigned int id)
{
    struct cpuid_regs r = guest_cpuid(1, 0);

    CHECK(r.ecx & (1u << 21)); /* x2APIC */
    CHECK(r.edx & (1u << 9));  /* APIC, enabled */
    CHECK_EQ(r.ebx >> 24, LAPIC_ID_OF(id));
    r = guest_cpuid(0xB, 0);
    CHECK_EQ(r.edx, LAPIC_ID_OF(id));
    CHECK_EQ(r.ecx, 0x100); /* subleaf 0, SMT */
    CHECK_EQ(r.eax, 1);
    r = guest_cpuid(0xB, 1);
    CHECK_EQ(r.ecx, 0x201); /* subleaf 1, core */
    CHECK_EQ(r.ebx, 2);     /* both vCPUs in the package */
    r = guest_cpuid(0xB, 2);
    CHECK_EQ(r.ecx & 0xFF00, 0); /* no more levels */
}

/* Every register at its reset value, in x2APIC mode. */
static void check_reset_values(unsigned int id)
{
    CHECK_EQ(rd(APIC_REG_ID), LAPIC_ID_OF(id));
    CHECK_EQ(rd(APIC_REG_VERSION), 0x50014);
    CHECK_EQ(rd(APIC_REG_TPR), 0);
    CHECK_EQ(rd(APIC_REG_PPR), 0);
    /* Logical x2APIC ID: cluster ID >> 4, bit ID & 15. */
    CHECK_EQ(rd(APIC_REG_LDR), 1u << LAPIC_ID_OF(id));
    CHECK_EQ(rd(APIC_REG_SVR), 0xFF);
    for (unsigned int i = 0; i < 8; i++) {
        CHECK_EQ(rd(APIC_REG_ISR + i * 16), 0);
        CHECK_EQ(rd(APIC_REG_TMR + i * 16), 0);
        CHECK_EQ(rd(APIC_REG_IRR + i * 16), 0);
    }
    CHECK_EQ(rd(APIC_REG_ESR), 0);
    CHECK_EQ(rd(APIC_REG_ICR), 0);
    for (unsigned int lvt = APIC_REG_LVT_TIMER; lvt <= APIC_REG_LVT_ERROR; lvt += 16)
        CHECK_EQ(rd(lvt), APIC_LVT_MASKED);
    CHECK_EQ(rd(APIC_REG_TIMER_INITIAL), 0);
    CHECK_EQ(rd(APIC_REG_TIMER_CURRENT), 0);
    CHECK_EQ(rd(APIC_REG_TIMER_DIVIDE), 0);
}

/* MSRs in the x2APIC range that are absent, or write-only: #GP on RDMSR. */
static void check_read_faults(void)
{
    static const unsigned int absent[] = { 0x800, 0x801, 0x804, 0x805, 0x806, 0x807, 0x809,
                                           0x80B, 0x80C, 0x80E, 0x82F, 0x831, 0x83A, 0x83B,
                                           0x83C, 0x83D, 0x83F, 0x840, 0x8FF };
    uint64_t v;

    for (unsigned int i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
        if (!CHECK_EQ(guest_rdmsr_safe(absent[i], &v), GP))
            gprintf("  (MSR %#x)\n", absent[i]);
    }
}

static void check_write_faults(void)
{
    static const unsigned int read_only[] = { APIC_REG_ID,  APIC_REG_VERSION,      APIC_REG_PPR,
                                              APIC_REG_LDR, APIC_REG_ISR,          APIC_REG_TMR,
                                              APIC_REG_IRR, APIC_REG_TIMER_CURRENT };

    for (unsigned int i = 0; i < sizeof(read_only) / sizeof(read_only[0]); i++)
        CHECK_EQ(wr(read_only[i], 0), GP);
    CHECK_EQ(wr(APIC_REG_EOI, 1), GP);              /* only 0 */
    CHECK_EQ(wr(APIC_REG_ESR, 1), GP);              /* only 0 */
    CHECK_EQ(wr(APIC_REG_TPR, 0x100), GP);          /* reserved bits */
    CHECK_EQ(wr(APIC_REG_SVR, 0x1000), GP);         /* no EOI-broadcast suppression */
    CHECK_EQ(wr(APIC_REG_LVT_TIMER, 3u << 17), GP); /* timer mode 3 */
    CHECK_EQ(wr(APIC_REG_TIMER_DIVIDE, 4), GP);
    CHECK_EQ(wr(APIC_REG_SELF_IPI, 0x100), GP);
    CHECK_EQ(wr(APIC_REG_TPR, 1ULL << 32), GP); /* 32-bit registers */
    CHECK_EQ(rd(APIC_REG_TPR), 0);
    CHECK_EQ(rd(APIC_REG_SVR), 0xFF);
}

static void check_esr_and_priorities(void)
{
    CHECK_EQ(wr(APIC_REG_SVR, APIC_SVR_ENABLE | 0xFF), 0);
    CHECK_EQ(rd(APIC_REG_SVR), 0x1FF);
    /* A fixed IPI with vector 3: send-illegal-vector, seen after an ESR write. */
    CHECK_EQ(wr(APIC_REG_ICR, LAPIC_ICR_SELF | 3), 0);
    CHECK_EQ(rd(APIC_REG_ESR), 0);
    CHECK_EQ(wr(APIC_REG_ESR, 0), 0);
    CHECK_EQ(rd(APIC_REG_ESR), APIC_ESR_SEND_ILLEGAL);
    CHECK_EQ(wr(APIC_REG_ESR, 0), 0);
    CHECK_EQ(rd(APIC_REG_ESR), 0);
    CHECK_EQ(rd(APIC_REG_IRR), 0);

    CHECK_EQ(wr(APIC_REG_TPR, 0x35), 0);
    CHECK_EQ(rd(APIC_REG_PPR), 0x35);
    /* CR8 is TPR[7:4]; writing it clears the sub-class. */
    uint64_t cr8;
    __asm__ volatile("mov %%cr8, %0" : "=r"(cr8));
    CHECK_EQ(cr8, 3);
    __asm__ volatile("mov %0, %%cr8" : : "r"(5UL));
    CHECK_EQ(rd(APIC_REG_TPR), 0x50);
    __asm__ volatile("mov %0, %%cr8" : : "r"(0UL));
    CHECK_EQ(rd(APIC_REG_PPR), 0);

    /* The writable bits read back. */
    CHECK_EQ(wr(APIC_REG_LVT_LINT0, 0x1A7FF), 0);
    CHECK_EQ(rd(APIC_REG_LVT_LINT0), 0x1A7FF);
    CHECK_EQ(wr(APIC_REG_TIMER_DIVIDE, 0xB), 0);
    CHECK_EQ(rd(APIC_REG_TIMER_DIVIDE), 0xB);
    /* Software disable masks the LVT entries again. */
    CHECK_EQ(wr(APIC_REG_SVR, 0xFF), 0);
    CHECK_EQ(rd(APIC_REG_LVT_LINT0), 0x1A7FF);
    CHECK_EQ(wr(APIC_REG_LVT_LINT0, 0x30), 0);
    CHECK_EQ(rd(APIC_REG_LVT_LINT0), APIC_LVT_MASKED | 0x30);
}

/* IA32_APIC_BASE's modes (SDM 10.12.5): xAPIC -> x2APIC -> disabled ->
 * xAPIC, and the moves that #GP. */
static void check_apic_base(unsigned int id)
{
    uint64_t reset = LAPIC_BASE_DEFAULT | LAPIC_BASE_EN | (id == 0 ? LAPIC_BASE_BSP : 0);
    uint64_t base = guest_rdmsr(LAPIC_MSR_APIC_BASE), v;

    CHECK_EQ(base, reset);
    /* The x2APIC MSRs do not exist in xAPIC mode. */
    CHECK_EQ(guest_rdmsr_safe(LAPIC_MSR(APIC_REG_ID), &v), GP);
    CHECK_EQ(guest_wrmsr_safe(LAPIC_MSR_APIC_BASE, base | 1), GP);         /* reserved */
    CHECK_EQ(guest_wrmsr_safe(LAPIC_MSR_APIC_BASE, base | (1u << 9)), GP); /* reserved */
    CHECK_EQ(guest_wrmsr_safe(LAPIC_MSR_APIC_BASE, base | (1ULL << 52)), GP);
    /* EXTD without EN is no state. */
    CHECK_EQ(guest_wrmsr_safe(LAPIC_MSR_APIC_BASE, (base & ~LAPIC_BASE_EN) | LAPIC_BASE_EXTD), GP);
    /* Relocated, then back; BSP does not change. */
    CHECK_EQ(guest_wrmsr_safe(LAPIC_MSR_APIC_BASE, (base & 0xFFF) | 0xFED00000u), 0);
    CHECK_EQ(guest_rdmsr(LAPIC_MSR_APIC_BASE), (base & 0xFFF) | 0xFED00000u);
    CHECK_EQ(guest_wrmsr_safe(LAPIC_MSR_APIC_BASE, base ^ LAPIC_BASE_BSP), 0);
    CHECK_EQ(guest_rdmsr(LAPIC_MSR_APIC_BASE), base);

    /* x2APIC: reset values (entering x2APIC mode keeps them), then the
     * register checks. */
    CHECK_EQ(guest_wrmsr_safe(LAPIC_MSR_APIC_BASE, base | LAPIC_BASE_EXTD), 0);
    check_reset_values(id);
    check_read_faults();
    check_write_faults();
    check_esr_and_priorities();
    /* x2APIC -> xAPIC directly: #GP. */
    CHECK_EQ(guest_wrmsr_safe(LAPIC_MSR_APIC_BASE, base), GP);
    /* Disabled: no MSRs, CPUID.APIC clear, and no way to x2APIC directly. */
    CHECK_EQ(guest_wrmsr_safe(LAPIC_MSR_APIC_BASE, base & ~LAPIC_BASE_EN), 0);
    CHECK_EQ(guest_rdmsr_safe(LAPIC_MSR(APIC_REG_ID), &v), GP);
    CHECK(!(guest_cpuid(1, 0).edx & (1u << 9)));
    CHECK_EQ(guest_wrmsr_safe(LAPIC_MSR_APIC_BASE, base | LAPIC_BASE_EXTD), GP);
    /* Back through xAPIC to x2APIC: the registers are reset. */
    CHECK_EQ(guest_wrmsr_safe(LAPIC_MSR_APIC_BASE, base), 0);
    CHECK_EQ(guest_wrmsr_safe(LAPIC_MSR_APIC_BASE, base | LAPIC_BASE_EXTD), 0);
    check_reset_values(id);
}

static uint8_t stack1[16384] __attribute__((aligned(16)));
static volatile int vcpu1_done;

static void vcpu1_main(unsigned int id)
{
    check_cpuid(id);
    check_apic_base(id);
    vcpu1_done = 1;
}

void test_main(void)
{
    guest_trap_init();
    check_cpuid(0);
    check_apic_base(0);
    if (!CHECK_EQ(guest_start_vcpu(1, vcpu1_main, stack1 + sizeof(stack1)), 0))
        return;
    for (unsigned long i = 0; i < 100000000UL && !vcpu1_done; i++)
        __asm__ volatile("pause");
    CHECK(vcpu1_done);
}
#endif
