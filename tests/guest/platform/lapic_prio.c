/*
 * Interrupt priority through the local APIC (x2APIC mode, self-IPIs): the
 * highest pending vector first; TPR (the register, and CR8, which the guest
 * writes without an exit) holding back a vector whose class is not above
 * it, until lowered (also while an interrupt waits for IF, which QEMU 7.2
 * alone would not survive); RFLAGS.IF holding everything; ISR and PPR while
 * handlers nest; EOI ending the highest in-service vector. 64-bit only.
 */
#include "irq.h"
#include "lapic.h"
#include "test.h"

TEST_NAME("lapic_prio");

#ifndef __x86_64__
void test_main(void)
{
    guest_test_abort("64-bit only (interrupt handlers need a long-mode IDT)");
}
#else
#define LOG_MAX 32

static volatile unsigned int log[LOG_MAX], logged;
static volatile uint64_t nested_ppr, nested_isr2, nested_isr3;

static void record(unsigned int what)
{
    if (logged < LOG_MAX)
        log[logged] = what;
    logged++;
}

static void self_ipi(uint8_t vector)
{
    lapic_write(APIC_REG_SELF_IPI, vector);
}

static void sti(void)
{
    __asm__ volatile("sti; nop" ::: "memory");
}

static void cli(void)
{
    __asm__ volatile("cli" ::: "memory");
}

static void set_cr8(uint64_t v)
{
    __asm__ volatile("mov %0, %%cr8" : : "r"(v) : "memory");
}

static void handler(unsigned int vector)
{
    record(vector);
    lapic_eoi();
}

/* 0x41 nests: while it is in service, 0x61 (a higher class) interrupts it
 * and 0x45 (the same class) waits for its EOI. */
static void nesting_handler(unsigned int vector)
{
    record(vector);
    self_ipi(0x45);
    self_ipi(0x61);
    sti(); /* 0x61 arrives here */
    cli();
    record(0x1000 | vector); /* the end of 0x41 */
    lapic_eoi();             /* 0x45 arrives after the IRET */
}

static void nested_handler(unsigned int vector)
{
    record(vector);
    nested_ppr = lapic_read(APIC_REG_PPR);
    nested_isr2 = lapic_read(APIC_REG_ISR + 0x20); /* vectors 0x40..0x5F */
    nested_isr3 = lapic_read(APIC_REG_ISR + 0x30); /* vectors 0x60..0x7F */
    lapic_eoi();
}

static int log_is(const unsigned int *want, unsigned int n)
{
    int ok = logged == n;

    for (unsigned int i = 0; ok && i < n; i++)
        ok = log[i] == want[i];
    if (!ok) {
        gprintf("log (%u):", logged);
        for (unsigned int i = 0; i < logged && i < LOG_MAX; i++)
            gprintf(" %#x", log[i]);
        gprintf("\n");
    }
    logged = 0;
    return ok;
}

#define LOG_IS(...)                                             \
    ({                                                          \
        static const unsigned int want_[] = { __VA_ARGS__ };    \
        CHECK(log_is(want_, sizeof(want_) / sizeof(want_[0]))); \
    })
#define LOG_EMPTY() CHECK_EQ(logged, 0)

/* With IF=0 requests wait in IRR; then the highest class goes first. */
static void highest_first(void)
{
    cli();
    self_ipi(0x45);
    self_ipi(0x61);
    self_ipi(0x52);
    LOG_EMPTY();
    CHECK_EQ(lapic_read(APIC_REG_IRR + 0x20), (1u << 5) | (1u << 18)); /* 0x45, 0x52 */
    CHECK_EQ(lapic_read(APIC_REG_IRR + 0x30), 1u << 1);                /* 0x61 */
    sti();
    LOG_IS(0x61, 0x52, 0x45);
    CHECK_EQ(lapic_read(APIC_REG_IRR + 0x20), 0);
    CHECK_EQ(lapic_read(APIC_REG_ISR + 0x20), 0);
}

/* TPR through the register: a class not above TPR's waits. */
static void tpr_register(void)
{
    lapic_write(APIC_REG_TPR, 0x50);
    self_ipi(0x45);
    self_ipi(0x52);
    LOG_EMPTY();
    CHECK_EQ(lapic_read(APIC_REG_PPR), 0x50);
    self_ipi(0x61);
    LOG_IS(0x61);
    lapic_write(APIC_REG_TPR, 0x40);
    LOG_IS(0x52);
    lapic_write(APIC_REG_TPR, 0x3F);
    LOG_IS(0x45);
    lapic_write(APIC_REG_TPR, 0);
}

/* TPR through CR8: the guest writes it without an exit, so Mica waits
 * with a TPR window, which must open when CR8 drops below the class and
 * not before. */
static void tpr_cr8(void)
{
    set_cr8(5);
    self_ipi(0x45);
    LOG_EMPTY();
    CHECK_EQ(lapic_read(APIC_REG_TPR), 0x50);
    set_cr8(4); /* class 4 is not above 4: still held */
    LOG_EMPTY();
    set_cr8(3); /* now it is: delivered at once */
    LOG_IS(0x45);
    set_cr8(0);
}

/* CR8 written while an interrupt waits for IF: QEMU 7.2 would abort on
 * this write if Mica let it through (arch/x86/svm/intr.c, arm_window). */
static void cr8_while_waiting(void)
{
    cli();
    self_ipi(0x61);
    set_cr8(2);
    set_cr8(7); /* 0x61's class is not above 7 now */
    LOG_EMPTY();
    sti();
    LOG_EMPTY();
    set_cr8(0);
    LOG_IS(0x61);
}

static void nesting(void)
{
    guest_irq_set(0x41, nesting_handler);
    guest_irq_set(0x61, nested_handler);
    self_ipi(0x41);
    LOG_IS(0x41, 0x61, 0x1041, 0x45);
    /* While 0x61 ran inside 0x41: both in service, PPR at 0x61's class. */
    CHECK_EQ(nested_ppr, 0x60);
    CHECK_EQ(nested_isr2, 1u << 1); /* 0x41 */
    CHECK_EQ(nested_isr3, 1u << 1); /* 0x61 */
    CHECK_EQ(lapic_read(APIC_REG_ISR + 0x20), 0);
    CHECK_EQ(lapic_read(APIC_REG_ISR + 0x30), 0);
    /* An EOI with nothing in service changes nothing. */
    lapic_eoi();
    CHECK_EQ(lapic_read(APIC_REG_PPR), 0);
    guest_irq_set(0x61, handler);
}

void test_main(void)
{
    static const uint8_t vectors[] = { 0x41, 0x45, 0x52, 0x61 };

    guest_trap_init();
    for (unsigned int i = 0; i < sizeof(vectors); i++)
        guest_irq_set(vectors[i], handler);
    lapic_enable_x2apic();
    sti();
    highest_first();
    tpr_register();
    tpr_cr8();
    cr8_while_waiting();
    nesting();
    cli();
}
#endif
