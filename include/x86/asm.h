/* Thin wrappers around x86 instructions Mica uses from C. */
#ifndef MICA_X86_ASM_H
#define MICA_X86_ASM_H

#include "../types.h"
#include "control_regs.h"

static inline void outb(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline void outl(uint16_t port, uint32_t value)
{
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
}

struct cpuid_result {
    uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_result cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_result r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(subleaf));
    return r;
}

#define DEFINE_CR_ACCESSORS(n)                                     \
    static inline uint64_t read_cr##n(void)                        \
    {                                                              \
        uint64_t v;                                                \
        __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));          \
        return v;                                                  \
    }                                                              \
    static inline void write_cr##n(uint64_t v)                     \
    {                                                              \
        __asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
    }
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" : : : "memory");
}

static inline void halt(void)
{
    __asm__ volatile("hlt" : : : "memory");
}

static inline void irq_enable(void)
{
    __asm__ volatile("sti" : : : "memory");
}

/* Enable interrupts and halt until one arrives, with no window between:
 * STI's interrupt shadow covers the HLT that follows it. */
static inline void irq_enable_and_halt(void)
{
    __asm__ volatile("sti; hlt" : : : "memory");
}

static inline void irq_disable(void)
{
    __asm__ volatile("cli" : : : "memory");
}

static inline unsigned long irq_save(void)
{
    unsigned long flags;
    __asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
    return flags;
}

static inline bool irq_enabled(void)
{
    unsigned long flags;
    __asm__ volatile("pushfq; popq %0" : "=r"(flags));
    return flags & RFLAGS_IF;
}

static inline void irq_restore(unsigned long flags)
{
    __asm__ volatile("pushq %0; popfq" : : "r"(flags) : "memory", "cc");
}

#endif
