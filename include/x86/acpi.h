/* The little of ACPI Mica reads: the MADT's list of local APICs (CPUs). */
#ifndef MICA_X86_ACPI_H
#define MICA_X86_ACPI_H

#include "../types.h"

/* Fill percpu_areas[].apic_id and nr_cpus from the MADT; the boot CPU
 * (bsp_apic_id) becomes CPU 0. Without a MADT Mica runs on the boot CPU only. */
void acpi_find_cpus(uint32_t bsp_apic_id);

#endif
