/*
 * Each CPU's GDT and TSS (see x86/gdt.h).
 *
 * Descriptor encodings from AMD APM vol. 2 §4.8: a 64-bit code segment has
 * L=1, D=0, P=1, DPL=0, type execute/read; the data segment is ignored in
 * long mode except for its presence; the 64-bit TSS descriptor (type 9,
 * "available 64-bit TSS") takes two GDT slots and holds a 64-bit base.
 */
#include "x86/gdt.h"
#include "lib/string.h"

#define GDT_CODE64 0x00AF9A000000FFFFUL
#define GDT_DATA 0x00CF92000000FFFFUL

struct gdt_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

static void set_tss_descriptor(uint64_t *slot, const struct tss *tss)
{
    uint64_t base = (uintptr_t)tss;
    uint64_t limit = sizeof(*tss) - 1;

    slot[0] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89UL << 40) | /* P=1, type 9 */
              (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
    slot[1] = base >> 32;
}

void gdt_load(struct cpu_tables *tables, const uintptr_t ist_stack_tops[IST_COUNT])
{
    struct gdt_pointer ptr = { sizeof(tables->gdt) - 1, (uintptr_t)tables->gdt };

    memset(&tables->tss, 0, sizeof(tables->tss));
    for (int i = 0; i < IST_COUNT; i++)
        tables->tss.ist[i] = ist_stack_tops[i];
    /* No I/O permission bitmap: the base points past the TSS limit. */
    tables->tss.iomap_base = sizeof(tables->tss);

    tables->gdt[0] = 0;
    tables->gdt[GDT_SEL_CODE / 8] = GDT_CODE64;
    tables->gdt[GDT_SEL_DATA / 8] = GDT_DATA;
    set_tss_descriptor(&tables->gdt[GDT_SEL_TSS / 8], &tables->tss);

    /* Reload CS with a far return, the data segments, then the task register. */
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movl %2, %%eax\n\t"
                     "movl %%eax, %%ds\n\t"
                     "movl %%eax, %%es\n\t"
                     "movl %%eax, %%ss\n\t"
                     "ltr %w3\n\t"
                     :
                     : "m"(ptr), "i"(GDT_SEL_CODE), "i"(GDT_SEL_DATA), "r"(GDT_SEL_TSS)
                     : "rax", "memory");
}
