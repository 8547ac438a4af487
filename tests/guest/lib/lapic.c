/* The local APIC in x2APIC mode (see lapic.h). */
#include "lapic.h"

void lapic_enable_x2apic(void)
{
    uint64_t base = guest_rdmsr(LAPIC_MSR_APIC_BASE);

    guest_wrmsr(LAPIC_MSR_APIC_BASE, base | LAPIC_BASE_EN | LAPIC_BASE_EXTD);
    lapic_write(APIC_REG_SVR, APIC_SVR_ENABLE | 0xFF);
}
