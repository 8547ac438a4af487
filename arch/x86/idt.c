/*
 * The IDT: 256 interrupt gates (AMD APM vol. 2 §4.8.4, 16 bytes each, type
 * 0xE = 64-bit interrupt gate, which clears IF on entry). Every gate points
 * at its stub in entry.asm. Double fault, NMI and machine check run on their
 * own IST stacks so that they work even when the current stack is gone.
 */
#include "x86/idt.h"
#include "x86/apic.h"
#include "x86/gdt.h"
#include "x86/traps.h"

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

struct idt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

#define GATE_INTERRUPT 0x8E /* P=1, DPL=0, type 0xE */
#define STUB_SIZE 16        /* entry.asm aligns each stub to 16 bytes */

extern char interrupt_stubs[];

static struct idt_gate idt[256] __attribute__((aligned(16)));
static interrupt_handler_t handlers[256];

static void set_gate(unsigned int vector, unsigned int ist)
{
    uintptr_t target = (uintptr_t)interrupt_stubs + vector * STUB_SIZE;

    idt[vector] = (struct idt_gate){
        .offset_low = target & 0xFFFF,
        .selector = GDT_SEL_CODE,
        .ist = (uint8_t)ist,
        .type_attr = GATE_INTERRUPT,
        .offset_mid = (target >> 16) & 0xFFFF,
        .offset_high = (uint32_t)(target >> 32),
    };
}

void idt_init(void)
{
    for (unsigned int v = 0; v < 256; v++)
        set_gate(v, 0);
    set_gate(EXC_DOUBLE_FAULT, IST_DOUBLE_FAULT);
    set_gate(EXC_NMI, IST_NMI);
    set_gate(EXC_MACHINE_CHECK, IST_MACHINE_CHECK);
}

void idt_load(void)
{
    struct idt_pointer ptr = { sizeof(idt) - 1, (uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(ptr));
}

void interrupt_register(unsigned int vector, interrupt_handler_t handler)
{
    handlers[vector] = handler;
}

void interrupt_dispatch(struct cpu_regs *regs)
{
    unsigned int vector = (unsigned int)regs->vector;

    if (vector < 32) {
        exception_handler(regs);
        return;
    }
    if (vector == VECTOR_SPURIOUS)
        return; /* no EOI for spurious interrupts (APM §16.4.7) */
    if (handlers[vector])
        handlers[vector](regs);
    else
        unexpected_interrupt(regs);
    lapic_eoi();
}
