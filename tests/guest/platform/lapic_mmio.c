/*
 * The local APIC in xAPIC mode, through its 4 KiB MMIO page (emulated by
 * Mica on #NPF): every register's reset value, what reads back, ESR's
 * write-then-read with an illegal-register error, TPR/PPR/APR, logical
 * destination registers, a self-IPI through ICR, and the page following
 * IA32_APIC_BASE when the guest moves it (the old page is then a hole,
 * which reads all ones). 64-bit only.
 */
#include "irq.h"
#include "lapic.h"
#include "test.h"

TEST_NAME("lapic_mmio");

#ifndef __x86_64__
void test_main(void)
{
    guest_test_abort("64-bit only (interrupt handlers need a long-mode IDT)");
}
#else
#define MOVED 0xFED00000UL

static uintptr_t base = LAPIC_BASE_DEFAULT;
static volatile unsigned int taken;

static uint32_t mmio_rd(unsigned int offset)
{
    return *(volatile uint32_t *)(base + offset);
}

static void mmio_wr(unsigned int offset, uint32_t value)
{
    *(volatile uint32_t *)(base + offset) = value;
}

static void handler(unsigned int vector)
{
    taken = vector;
    mmio_wr(APIC_REG_EOI, 0);
}

static void check_reset_values(unsigned int id)
{
    CHECK_EQ(mmio_rd(APIC_REG_ID), LAPIC_ID_OF(id) << 24);
    CHECK_EQ(mmio_rd(APIC_REG_VERSION), 0x50014);
    CHECK_EQ(mmio_rd(APIC_REG_TPR), 0);
    CHECK_EQ(mmio_rd(APIC_REG_APR), 0);
    CHECK_EQ(mmio_rd(APIC_REG_PPR), 0);
    CHECK_EQ(mmio_rd(APIC_REG_EOI), 0);
    CHECK_EQ(mmio_rd(APIC_REG_RRD), 0);
    CHECK_EQ(mmio_rd(APIC_REG_LDR), 0);
    CHECK_EQ(mmio_rd(APIC_REG_DFR), 0xFFFFFFFFu);
    CHECK_EQ(mmio_rd(APIC_REG_SVR), 0xFF);
    for (unsigned int i = 0; i < 8; i++) {
        CHECK_EQ(mmio_rd(APIC_REG_ISR + i * 16), 0);
        CHECK_EQ(mmio_rd(APIC_REG_TMR + i * 16), 0);
        CHECK_EQ(mmio_rd(APIC_REG_IRR + i * 16), 0);
    }
    CHECK_EQ(mmio_rd(APIC_REG_ESR), 0);
    CHECK_EQ(mmio_rd(APIC_REG_ICR), 0);
    CHECK_EQ(mmio_rd(APIC_REG_ICR2), 0);
    for (unsigned int lvt = APIC_REG_LVT_TIMER; lvt <= APIC_REG_LVT_ERROR; lvt += 16)
        CHECK_EQ(mmio_rd(lvt), APIC_LVT_MASKED);
    CHECK_EQ(mmio_rd(APIC_REG_TIMER_INITIAL), 0);
    CHECK_EQ(mmio_rd(APIC_REG_TIMER_CURRENT), 0);
    CHECK_EQ(mmio_rd(APIC_REG_TIMER_DIVIDE), 0);
}

static void check_registers(void)
{
    /* Read-only registers ignore writes; the rest read back what counts. */
    mmio_wr(APIC_REG_ID, 0x55000000);
    CHECK_EQ(mmio_rd(APIC_REG_ID), 0);
    mmio_wr(APIC_REG_LDR, 0x12345678);
    CHECK_EQ(mmio_rd(APIC_REG_LDR), 0x12000000);
    mmio_wr(APIC_REG_DFR, 0x0);
    CHECK_EQ(mmio_rd(APIC_REG_DFR), 0x0FFFFFFF); /* cluster model */
    mmio_wr(APIC_REG_DFR, 0xF0000000);
    mmio_wr(APIC_REG_SVR, 0xFFFFFFFF);
    CHECK_EQ(mmio_rd(APIC_REG_SVR), 0x3FF);
    mmio_wr(APIC_REG_ICR2, 0xFFFFFFFF);
    CHECK_EQ(mmio_rd(APIC_REG_ICR2), 0xFF000000);
    /* A byte read of the version register: its bytes, little-endian. */
    CHECK_EQ(*(volatile uint8_t *)(base + APIC_REG_VERSION + 2), 0x05);

    /* A reserved offset reads 0 and is an illegal-register error. */
    CHECK_EQ(mmio_rd(0x3A0), 0);
    mmio_wr(APIC_REG_ESR, 0);
    CHECK_EQ(mmio_rd(APIC_REG_ESR), APIC_ESR_ILLEGAL_REGISTER);
    mmio_wr(APIC_REG_ESR, 0);
    CHECK_EQ(mmio_rd(APIC_REG_ESR), 0);

    /* Priorities: APR follows the highest request. */
    mmio_wr(APIC_REG_TPR, 0x40);
    CHECK_EQ(mmio_rd(APIC_REG_PPR), 0x40);
    CHECK_EQ(mmio_rd(APIC_REG_APR), 0x40);
}

/* A self-IPI through the ICR (destination in ICR2, the send on ICR). */
static void check_ipi(void)
{
    mmio_wr(APIC_REG_TPR, 0);
    taken = 0;
    mmio_wr(APIC_REG_ICR2, 0); /* APIC ID 0: vCPU 0 */
    mmio_wr(APIC_REG_ICR, 0x4000 | 0x66);
    CHECK_EQ(taken, 0x66);
    CHECK_EQ(mmio_rd(APIC_REG_ICR) & (1u << 12), 0); /* delivered: idle */
    taken = 0;
    mmio_wr(APIC_REG_ICR, LAPIC_ICR_SELF | 0x67);
    CHECK_EQ(taken, 0x67);
}

/* IA32_APIC_BASE moves the page; the old address is a hole. */
static void check_relocation(void)
{
    uint64_t msr = guest_rdmsr(LAPIC_MSR_APIC_BASE);

    guest_wrmsr(LAPIC_MSR_APIC_BASE, (msr & 0xFFF) | MOVED);
    CHECK_EQ(*(volatile uint32_t *)(LAPIC_BASE_DEFAULT + APIC_REG_VERSION), 0xFFFFFFFFu);
    base = MOVED;
    CHECK_EQ(mmio_rd(APIC_REG_VERSION), 0x50014);
    CHECK_EQ(mmio_rd(APIC_REG_SVR), 0x3FF); /* the same APIC */
    guest_wrmsr(LAPIC_MSR_APIC_BASE, msr);
    base = LAPIC_BASE_DEFAULT;
    CHECK_EQ(mmio_rd(APIC_REG_VERSION), 0x50014);
    /* In x2APIC mode the page is gone too. */
    guest_wrmsr(LAPIC_MSR_APIC_BASE, msr | LAPIC_BASE_EXTD);
    CHECK_EQ(mmio_rd(APIC_REG_VERSION), 0xFFFFFFFFu);
    CHECK_EQ(lapic_read(APIC_REG_VERSION), 0x50014);
}

void test_main(void)
{
    guest_trap_init();
    guest_irq_set(0x66, handler);
    guest_irq_set(0x67, handler);
    check_reset_values(0);
    check_registers();
    __asm__ volatile("sti");
    check_ipi();
    __asm__ volatile("cli");
    check_relocation();
}
#endif
