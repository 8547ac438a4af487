/*
 * Common definitions for Mica's freestanding test guests: basic types, the
 * string functions of string.c, and small x86 helpers (CPUID, MSRs, port I/O).
 */
#ifndef GUEST_GUEST_H
#define GUEST_GUEST_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

/* CPUID with EAX = leaf, ECX = subleaf. */
static inline struct cpuid_regs guest_cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_regs r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(subleaf));
    return r;
}

static inline uint64_t guest_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void guest_wrmsr(uint32_t msr, uint64_t val)
{
    __asm__ volatile("wrmsr"
                     :
                     : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
                     : "memory");
}

static inline void guest_outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t guest_inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

/* Stop this vCPU for good: with IF=0, HLT never returns (xen-abi.md). */
static inline __attribute__((noreturn)) void guest_halt(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

#endif /* GUEST_GUEST_H */
