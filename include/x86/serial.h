/* COM1, Mica's console (16550 UART at I/O port 0x3F8). */
#ifndef MICA_X86_SERIAL_H
#define MICA_X86_SERIAL_H

#include "../types.h"

void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, size_t len);
/* A received byte, or -1 if none is waiting. */
int serial_getc_nonblocking(void);

#endif
