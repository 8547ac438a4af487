/*
 * Local APIC driver (xAPIC mode, registers at MMIO_VBASE; AMD APM vol. 2
 * §16.3 for the register offsets) and the PIT, used only to measure time:
 * the APIC timer's and the TSC's rates are measured against it at boot.
 */
#include "x86/apic.h"
#include "arch.h"
#include "percpu.h"
#include "printk.h"
#include "x86/asm.h"
#include "x86/idt.h"
#include "x86/msr.h"
#include "x86/paging.h"

#define LAPIC_ID 0x20
#define LAPIC_EOI 0xB0
#define LAPIC_SVR 0xF0
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3E0

#define SVR_APIC_ENABLE (1u << 8)
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_FIXED 0x000
#define ICR_INIT 0x500
#define ICR_STARTUP 0x600
#define ICR_LEVEL_ASSERT (1u << 14)
#define LVT_MASKED (1u << 16)
#define TIMER_DIVIDE_BY_16 0x3

/* PIT: 1.193182 MHz input clock; channel 2's gate and output are in port
 * 0x61 (bit 0 gate, bit 5 output), so it can be polled without interrupts. */
#define PIT_HZ 1193182u
#define PIT_CH2_DATA 0x42
#define PIT_COMMAND 0x43
#define PIT_GATE_PORT 0x61

static uint32_t ticks_per_ms; /* the APIC timer's */
static uint64_t tsc_hz;

static uint32_t lapic_read(uint32_t reg)
{
    return *(volatile uint32_t *)(MMIO_VBASE + reg);
}

static void lapic_write(uint32_t reg, uint32_t value)
{
    *(volatile uint32_t *)(MMIO_VBASE + reg) = value;
}

void lapic_init(void)
{
    wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE);
    lapic_write(LAPIC_SVR, SVR_APIC_ENABLE | VECTOR_SPURIOUS);
    /* Masked until someone starts it; the scheduler owns VECTOR_TIMER's
     * handler (registered once, by the boot CPU, in scheduler_init). */
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
}

uint32_t lapic_id(void)
{
    return lapic_read(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
    lapic_write(LAPIC_EOI, 0);
}

static void lapic_icr(uint32_t apic_id, uint32_t command)
{
    lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
    lapic_write(LAPIC_ICR_LOW, command);
    while (lapic_read(LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING)
        cpu_relax();
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
    lapic_icr(apic_id, ICR_FIXED | vector);
}

void lapic_send_init(uint32_t apic_id)
{
    lapic_icr(apic_id, ICR_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_sipi(uint32_t apic_id, uint8_t page)
{
    lapic_icr(apic_id, ICR_STARTUP | page);
}

/* Wait for `count` PIT ticks on channel 2 (mode 0: counting starts once the
 * count is written, and the output goes high at 0). Returns the TSC ticks
 * from the count's start to the output's edge. */
static uint64_t pit_wait(uint16_t count)
{
    uint8_t gate = inb(PIT_GATE_PORT);
    uint64_t start;

    outb(PIT_GATE_PORT, (uint8_t)((gate & ~0x02) | 0x01)); /* gate on, speaker off */
    outb(PIT_COMMAND, 0xB0); /* channel 2, lo/hi byte, mode 0, binary */
    outb(PIT_CH2_DATA, count & 0xFF);
    outb(PIT_CH2_DATA, count >> 8);
    start = rdtsc();
    while (!(inb(PIT_GATE_PORT) & 0x20))
        cpu_relax();
    start = rdtsc() - start;
    outb(PIT_GATE_PORT, gate);
    return start;
}

void udelay(uint32_t us)
{
    while (us) {
        uint32_t chunk = us > 50000 ? 50000 : us; /* fits the 16-bit counter */
        pit_wait((uint16_t)((uint64_t)chunk * PIT_HZ / 1000000));
        us -= chunk;
    }
}

/*
 * Both rates over one 10 ms PIT interval: the APIC timer counts down from
 * its maximum meanwhile, and the TSC is read at the interval's two ends (an
 * error of a PIT tick, 0.8 us, is 0.01%). Under QEMU the TSC is the host's
 * (TCG) or counts executed instructions (-icount shift=0: exactly 1 GHz of
 * virtual time), and the PIT follows the same virtual clock as the APIC
 * timer.
 */
void lapic_timer_calibrate(void)
{
    const uint32_t ms = 10;
    const uint16_t pit_ticks = (uint16_t)(PIT_HZ / 1000 * ms);
    uint64_t tsc_ticks;

    lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
    lapic_write(LAPIC_TIMER_INITIAL, 0xFFFFFFFF);
    tsc_ticks = pit_wait(pit_ticks);
    ticks_per_ms = (0xFFFFFFFF - lapic_read(LAPIC_TIMER_CURRENT)) / ms;
    lapic_write(LAPIC_TIMER_INITIAL, 0);
    if (!ticks_per_ms)
        ticks_per_ms = 1;
    tsc_hz = tsc_ticks * PIT_HZ / pit_ticks;
    if (!tsc_hz)
        tsc_hz = 1;
    printk("APIC: timer runs at %u kHz (bus clock / 16); TSC at %lu kHz\n", ticks_per_ms,
           tsc_hz / 1000);
}

uint64_t arch_tsc_hz(void)
{
    return tsc_hz;
}

static uint32_t us_to_ticks(uint32_t us)
{
    uint64_t ticks = (uint64_t)us * ticks_per_ms / 1000;
    return ticks ? (ticks > 0xFFFFFFFF ? 0xFFFFFFFF : (uint32_t)ticks) : 1;
}

/* ---- the timer and kicks as the arch interface offers them (arch.h) ---- */

static void (*timer_handler)(void);

static void timer_interrupt(struct cpu_regs *regs)
{
    (void)regs;
    if (timer_handler)
        timer_handler();
}

static void kick_interrupt(struct cpu_regs *regs)
{
    (void)regs; /* its only job: end a HLT or force a guest exit */
}

void lapic_interrupts_init(void)
{
    interrupt_register(VECTOR_TIMER, timer_interrupt);
    interrupt_register(VECTOR_KICK, kick_interrupt);
}

void arch_timer_set_handler(void (*handler)(void))
{
    timer_handler = handler;
}

void arch_kick_cpu(unsigned int cpu)
{
    lapic_send_ipi(percpu_areas[cpu].apic_id, VECTOR_KICK);
}

/* One-shot mode: the count runs down once and raises VECTOR_TIMER at zero
 * (APM vol. 2 §16.4.1). Writing the initial count (re)starts it. */
void arch_timer_oneshot(uint32_t delay_us)
{
    lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
    lapic_write(LAPIC_LVT_TIMER, VECTOR_TIMER);
    lapic_write(LAPIC_TIMER_INITIAL, us_to_ticks(delay_us));
}
