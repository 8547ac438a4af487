/*
 * A domain's console output (console_io writes and port 0xE9), printed on
 * Mica's console one line at a time, prefixed with the domain's name:
 * "(hello) text". Each domain may print at most CONSOLE_LINES_PER_SECOND
 * lines a second; beyond that its lines are dropped (and counted), so a
 * flooding guest cannot drown everyone else's output or Mica's.
 */
#ifndef MICA_DOMAIN_CONSOLE_H
#define MICA_DOMAIN_CONSOLE_H

#include "domain.h"

#define CONSOLE_LINES_PER_SECOND 200

void domain_console_putc(struct domain *d, char c);
void domain_console_write(struct domain *d, const char *buf, size_t len);

#endif
