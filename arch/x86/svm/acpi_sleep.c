/* The guest's ACPI sleep registers (the FADT's sleep control and status
 * registers, arch/x86/guest_acpi.c): the way a hardware-reduced platform
 * is powered off. */
#include "x86/acpi_sleep.h"
#include "domain.h"
#include "public/sched.h"
#include "x86/acpi_tables.h"

bool acpi_sleep_port(uint16_t port)
{
    return port == GUEST_ACPI_SLEEP_CONTROL_PORT || port == GUEST_ACPI_SLEEP_STATUS_PORT;
}

/* Both registers read 0: SLP_EN reads as 0 (§4.8.3.7), and WAK_STS is
 * clear, since the domain never wakes from a sleep state. */
uint8_t acpi_sleep_read(uint16_t port)
{
    (void)port;
    return 0;
}

/* SLP_EN with S5's SLP_TYP powers the domain off (SCHEDOP_shutdown's
 * SHUTDOWN_poweroff). Other sleep types are states the DSDT does not
 * offer: the write does nothing, as on a platform without them. Writes to
 * the status register (the OS clears WAK_STS first) change nothing. */
void acpi_sleep_write(struct vcpu *v, uint16_t port, uint8_t value)
{
    unsigned int slp_typ = (value & ACPI_SLEEP_CONTROL_SLP_TYP_MASK) >>
                           ACPI_SLEEP_CONTROL_SLP_TYP_SHIFT;

    if (port == GUEST_ACPI_SLEEP_CONTROL_PORT && (value & ACPI_SLEEP_CONTROL_SLP_EN) &&
        slp_typ == GUEST_ACPI_SLP_TYP_S5)
        domain_shutdown(v->domain, SHUTDOWN_poweroff);
}
