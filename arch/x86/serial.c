/*
 * COM1: a 16550-compatible UART at I/O port 0x3F8, 115200 baud, 8N1.
 * Register offsets are the 16550's: 0 data / divisor low, 1 interrupt enable
 * / divisor high, 2 FIFO control, 3 line control, 4 modem control, 5 line
 * status. Mica polls; it never takes serial interrupts.
 */
#include "x86/serial.h"
#include "x86/asm.h"

#define COM1_BASE 0x3F8
#define UART_DATA 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5

#define LCR_DLAB 0x80 /* divisor latch access */
#define LCR_8N1 0x03
#define LSR_THR_EMPTY 0x20 /* transmit holding register empty */

void serial_init(void)
{
    outb(COM1_BASE + UART_IER, 0x00); /* no interrupts */
    outb(COM1_BASE + UART_LCR, LCR_DLAB);
    outb(COM1_BASE + UART_DATA, 1); /* divisor 1: 115200 baud */
    outb(COM1_BASE + UART_IER, 0);
    outb(COM1_BASE + UART_LCR, LCR_8N1);
    outb(COM1_BASE + UART_FCR, 0xC7); /* enable and clear FIFOs */
    outb(COM1_BASE + UART_MCR, 0x03); /* DTR | RTS */
}

void serial_putc(char c)
{
    while (!(inb(COM1_BASE + UART_LSR) & LSR_THR_EMPTY))
        ;
    outb(COM1_BASE + UART_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            serial_putc('\r');
        serial_putc(s[i]);
    }
}

#define LSR_DATA_READY 0x01

int serial_getc_nonblocking(void)
{
    if (!(inb(COM1_BASE + UART_LSR) & LSR_DATA_READY))
        return -1;
    return inb(COM1_BASE + UART_DATA);
}
