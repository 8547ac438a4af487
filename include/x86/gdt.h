/*
 * Per-CPU GDT and TSS. In long mode segmentation is mostly gone, but the CPU
 * still needs a code segment with L=1, a TSS for the IST stacks used by
 * double fault, NMI and machine check (AMD APM vol. 2 §8.9.4), and the TSS
 * descriptor is 16 bytes (§4.8.3).
 */
#ifndef MICA_X86_GDT_H
#define MICA_X86_GDT_H

#include "../types.h"

#define GDT_SEL_CODE 0x08
#define GDT_SEL_DATA 0x10
#define GDT_SEL_TSS 0x18
#define GDT_ENTRIES 5 /* null, code, data, TSS (two slots) */

/* IST slots (1-based in the IDT gate; 0 means "no IST"). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_COUNT 3

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

struct cpu_tables {
    uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
    struct tss tss __attribute__((aligned(16)));
};

/* Build and load this CPU's GDT and TSS; ist_stack_tops[i] is the top of the
 * stack for IST slot i + 1. */
void gdt_load(struct cpu_tables *tables, const uintptr_t ist_stack_tops[IST_COUNT]);

#endif
