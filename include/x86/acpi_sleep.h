/* The guest's ACPI sleep control and status registers, at the I/O ports
 * its FADT names (arch/x86/svm/acpi_sleep.c). */
#ifndef MICA_X86_ACPI_SLEEP_H
#define MICA_X86_ACPI_SLEEP_H

#include "types.h"

struct vcpu;

/* Is port one of the two registers? */
bool acpi_sleep_port(uint16_t port);

/* IN / OUT of one byte (wider accesses take their low byte). */
uint8_t acpi_sleep_read(uint16_t port);
void acpi_sleep_write(struct vcpu *v, uint16_t port, uint8_t value);

#endif
