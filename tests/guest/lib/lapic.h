/*
 * The local APIC in x2APIC mode, for test guests: its registers are MSRs
 * 0x800 + xAPIC offset / 16 (Intel SDM vol. 3 10.12; offsets are those of
 * Mica's include/lib/apic_regs.h, APIC_REG_*). Both flavours.
 */
#ifndef GUEST_LAPIC_H
#define GUEST_LAPIC_H

#include "guest.h"
#include <lib/apic_regs.h>

#define LAPIC_MSR_APIC_BASE 0x1B
#define LAPIC_BASE_BSP (1u << 8)
#define LAPIC_BASE_EXTD (1u << 10)
#define LAPIC_BASE_EN (1u << 11)
#define LAPIC_BASE_DEFAULT 0xFEE00000u
#define LAPIC_MSR_TSC_DEADLINE 0x6E0

/* The x2APIC MSR of register offset. */
#define LAPIC_MSR(offset) (0x800u + (offset) / 16)

/* ICR fields (SDM 10.6.1). */
#define LAPIC_ICR_FIXED (0u << 8)
#define LAPIC_ICR_LOWEST (1u << 8)
#define LAPIC_ICR_NMI (4u << 8)
#define LAPIC_ICR_INIT (5u << 8)
#define LAPIC_ICR_STARTUP (6u << 8)
#define LAPIC_ICR_LOGICAL (1u << 11)
#define LAPIC_ICR_ASSERT (1u << 14)
#define LAPIC_ICR_SELF (1u << 18)
#define LAPIC_ICR_ALL (2u << 18)
#define LAPIC_ICR_OTHERS (3u << 18)

/* Mica's APIC IDs: 2 x the vCPU id (Xen's HVM convention). */
#define LAPIC_ID_OF(vcpu) (2u * (vcpu))

/* IA32_APIC_BASE |= EN | EXTD (from xAPIC mode, the reset state), then
 * software-enable the APIC with spurious vector 0xFF. */
void lapic_enable_x2apic(void);

static inline uint64_t lapic_read(unsigned int offset)
{
    return guest_rdmsr(LAPIC_MSR(offset));
}

static inline void lapic_write(unsigned int offset, uint64_t value)
{
    guest_wrmsr(LAPIC_MSR(offset), value);
}

static inline void lapic_eoi(void)
{
    lapic_write(APIC_REG_EOI, 0);
}

/* An IPI: icr (delivery mode, vector, shorthand...) to x2APIC destination dest. */
static inline void lapic_send(uint32_t dest, uint32_t icr)
{
    lapic_write(APIC_REG_ICR, ((uint64_t)dest << 32) | icr);
}

#endif /* GUEST_LAPIC_H */
