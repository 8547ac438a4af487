/*
 * SCHEDOP_shutdown with the reason the test asks for, after " -- " in the
 * module command line:
 *     name=reboot -- reason=1
 * A valid reason (SHUTDOWN_poweroff 0 .. SHUTDOWN_soft_reset 5) stops the
 * domain for good: the hypercall never returns and this guest prints no
 * verdict; the test judges by Mica's end-of-run summary ("d0 (reboot):
 * rebooted") and QEMU's exit status. An invalid reason must fail with
 * -EINVAL and leave the domain running: then the guest checks that, and
 * the library prints the verdict and powers off as usual.
 */
#include "test.h"
#include "args.h"

TEST_NAME("shutdown_reason");

static const char *reason_name(unsigned long reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff:
        return "poweroff";
    case SHUTDOWN_reboot:
        return "reboot";
    case SHUTDOWN_suspend:
        return "suspend";
    case SHUTDOWN_crash:
        return "crash";
    case SHUTDOWN_watchdog:
        return "watchdog";
    case SHUTDOWN_soft_reset:
        return "soft_reset";
    default:
        return "invalid";
    }
}

void test_main(void)
{
    unsigned long reason;

    if (guest_arg_ulong("reason", &reason) != 0)
        guest_test_abort("no \"reason=N\" after \" -- \" in the command line");

    gprintf("SCHEDOP_shutdown with reason %lu (%s)\n", reason, reason_name(reason));
    struct sched_shutdown s = { .reason = (uint32_t)reason };
    long rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);

    if (reason <= SHUTDOWN_MAX) /* it stopped us, or should have */
        guest_test_abort("SCHEDOP_shutdown with a valid reason returned");
    gprintf("SCHEDOP_shutdown with reason %lu returned %ld\n", reason, rc);
    CHECK_EQ(rc, -XEN_EINVAL);
}
