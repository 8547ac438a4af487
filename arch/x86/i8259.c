/*
 * The legacy 8259A interrupt controllers. The BIOS leaves them routing the
 * PIT's IRQ 0 to vector 8, which would look like a double fault the moment
 * interrupts are enabled. Mica uses only the local APIC, so it moves the
 * 8259s' vectors out of the exception range (ICW2 = 0x20 / 0x28, standard
 * initialization sequence ICW1..ICW4) and masks every line.
 */
#include "x86/i8259.h"
#include "x86/asm.h"

#define PIC1_COMMAND 0x20
#define PIC1_DATA 0x21
#define PIC2_COMMAND 0xA0
#define PIC2_DATA 0xA1

#define ICW1_INIT_WITH_ICW4 0x11
#define ICW4_8086 0x01

void i8259_disable(void)
{
    outb(PIC1_COMMAND, ICW1_INIT_WITH_ICW4);
    outb(PIC2_COMMAND, ICW1_INIT_WITH_ICW4);
    outb(PIC1_DATA, 0x20); /* ICW2: master vectors 0x20..0x27 */
    outb(PIC2_DATA, 0x28); /* ICW2: slave vectors 0x28..0x2F */
    outb(PIC1_DATA, 0x04); /* ICW3: slave on IRQ 2 */
    outb(PIC2_DATA, 0x02); /* ICW3: slave identity 2 */
    outb(PIC1_DATA, ICW4_8086);
    outb(PIC2_DATA, ICW4_8086);
    outb(PIC1_DATA, 0xFF); /* mask everything */
    outb(PIC2_DATA, 0xFF);
}
