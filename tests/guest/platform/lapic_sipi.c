/*
 * Starting vCPUs as firmware does, with INIT-SIPI-SIPI through a real-mode
 * trampoline below 1 MiB; taking one offline with INIT and restarting it
 * at another address; waking a vCPU halted with interrupts off by NMI IPIs.
 *
 * vCPU 0 (64-bit, x2APIC mode) copies one 16-bit trampoline to the pages at
 * 0x8000 and 0x9000 (start-up vectors 0x08 and 0x09). It starts in real
 * mode at CS = vector << 8, IP = 0 (Intel SDM 8.4.4.1), counts its start in
 * the word for its page (0x7000 + 2 x vector, so a count tells which
 * address ran), points the real-mode NMI vector (IVT entry 2) at its own
 * handler, and loops in CLI; HLT, counting each wake-up; its NMI handler
 * counts NMIs. 64-bit only (the trampoline is built into the 64-bit image).
 */
#include "lapic.h"
#include "test.h"

TEST_NAME("lapic_sipi");

#ifndef __x86_64__
void test_main(void)
{
    guest_test_abort("64-bit only");
}
#else
#define DATA 0x7000UL
#define STARTED(vector) ((volatile uint16_t *)(DATA + 2 * (vector)))
#define WOKE ((volatile uint16_t *)(DATA + 0x200))
#define NMIS ((volatile uint16_t *)(DATA + 0x202))
#define PAGE_A 0x08 /* trampolines at 0x8000 ... */
#define PAGE_B 0x09 /* ... and 0x9000 */
#define WAIT 1000000UL

__asm__(".pushsection .rodata\n"
        ".code16\n"
        "sipi_trampoline:\n"
        "    cli\n"
        "    xorw %ax, %ax\n"
        "    movw %ax, %ds\n"
        "    movw %cs, %ax\n"
        "    shrw $7, %ax\n" /* CS = vector << 8: 2 x vector */
        "    movw %ax, %bx\n"
        "    lock incw 0x7000(%bx)\n"
        "    movw $(sipi_nmi - sipi_trampoline), 0x0008\n" /* IVT[2]: offset */
        "    movw %cs, 0x000A\n"                           /* ... and segment */
        "1:  hlt\n"
        "    lock incw 0x7200\n"
        "    jmp 1b\n"
        "sipi_nmi:\n"
        "    lock incw 0x7202\n"
        "    iret\n"
        "sipi_trampoline_end:\n"
        ".code64\n"
        ".popsection\n");

extern const uint8_t sipi_trampoline[], sipi_trampoline_end[];

static void relax(void)
{
    HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

static int wait_for(volatile uint16_t *counter, unsigned int n)
{
    for (unsigned long i = 0; i < WAIT; i++) {
        if (*counter >= n)
            return 1;
        relax();
    }
    return 0;
}

static void settle(void)
{
    for (unsigned int i = 0; i < 200; i++)
        relax();
}

static long is_up(unsigned int vcpu)
{
    return HYPERVISOR_vcpu_op(VCPUOP_is_up, vcpu, NULL);
}

static void init(uint32_t dest, uint32_t shorthand)
{
    lapic_send(dest, shorthand | LAPIC_ICR_INIT | LAPIC_ICR_ASSERT);
}

static void startup(uint32_t dest, uint32_t shorthand, uint8_t page)
{
    lapic_send(dest, shorthand | LAPIC_ICR_STARTUP | page);
}

void test_main(void)
{
    size_t len = (size_t)(sipi_trampoline_end - sipi_trampoline);

    memset((void *)DATA, 0, 0x1000);
    memcpy((void *)(PAGE_A * 0x1000UL), sipi_trampoline, len);
    memcpy((void *)(PAGE_B * 0x1000UL), sipi_trampoline, len);
    lapic_enable_x2apic();
    CHECK_EQ(is_up(1), 0);
    CHECK_EQ(is_up(2), 0);

    /* INIT-SIPI-SIPI to every other vCPU, as firmware does. The second
     * SIPI finds them running and is ignored. */
    init(0, LAPIC_ICR_OTHERS);
    startup(0, LAPIC_ICR_OTHERS, PAGE_A);
    CHECK(wait_for(STARTED(PAGE_A), 2));
    startup(0, LAPIC_ICR_OTHERS, PAGE_A);
    settle();
    CHECK_EQ(*STARTED(PAGE_A), 2);
    CHECK_EQ(is_up(1), 1);
    CHECK_EQ(is_up(2), 1);
    CHECK_EQ(*WOKE, 0); /* CLI; HLT: nothing woke them */
    /* Both halted with IF=0 a while longer: still nothing. */
    settle();
    CHECK_EQ(*WOKE, 0);

    /* vCPU 1 offline (INIT: it waits for a start-up IPI), then started at
     * the other page: that one runs, not the first. */
    init(LAPIC_ID_OF(1), 0);
    CHECK_EQ(is_up(1), 0);
    CHECK_EQ(is_up(2), 1);
    /* As in Xen, the INIT left it uninitialised: VCPUOP_up refuses it
     * (only a start-up IPI, or VCPUOP_initialise, gives it registers). */
    CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL);
    CHECK_EQ(is_up(1), 0);
    startup(LAPIC_ID_OF(1), 0, PAGE_B);
    CHECK(wait_for(STARTED(PAGE_B), 1));
    settle();
    CHECK_EQ(*STARTED(PAGE_A), 2);
    CHECK_EQ(*STARTED(PAGE_B), 1);

    /* NMIs wake vCPU 1 from CLI; HLT, one wake-up each; the second needs
     * the first handler's IRET to have unblocked NMIs. vCPU 2 sleeps on. */
    lapic_send(LAPIC_ID_OF(1), LAPIC_ICR_NMI);
    CHECK(wait_for(WOKE, 1));
    CHECK_EQ(*NMIS, 1);
    lapic_send(LAPIC_ID_OF(1), LAPIC_ICR_NMI);
    CHECK(wait_for(WOKE, 2));
    CHECK_EQ(*NMIS, 2);
    settle();
    CHECK_EQ(*WOKE, 2);

    /* Again: INIT, SIPI to the first page. */
    init(LAPIC_ID_OF(1), 0);
    startup(LAPIC_ID_OF(1), 0, PAGE_A);
    CHECK(wait_for(STARTED(PAGE_A), 3));
    settle();
    CHECK_EQ(*STARTED(PAGE_B), 1);
    CHECK_EQ(is_up(1), 1);
    gprintf("started at 0x8000 %u times, at 0x9000 %u time(s); %u NMI wake-ups\n", *STARTED(PAGE_A),
            *STARTED(PAGE_B), *WOKE);
}
#endif
