/* Bringing up the other CPUs and setting up each CPU's own state. */
#ifndef MICA_SMP_H
#define MICA_SMP_H

#include "types.h"

/* The boot CPU's own set-up: per-CPU area, GDT/TSS with IST stacks, IDT,
 * local APIC. */
void cpu_init_boot(void);

/* Start every CPU the MADT lists; returns how many are online. */
unsigned int smp_boot_aps(void);

unsigned int cpus_online(void);

#endif
