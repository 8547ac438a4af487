/*
 * domctl pausedomain / unpausedomain between two domains. The role comes
 * after " -- " on the module command line:
 *
 *   role=controller  (d0, privileged) waits for d1, pauses it, checks the
 *                    errors (itself, a bad interface version, an unknown
 *                    command, unpausing what is not paused), spins a while
 *                    with d1 paused, then unpauses it. The test checks in
 *                    Mica's log that d1 printed no heartbeat in between.
 *   role=victim      (d1, unprivileged) prints heartbeats until it has printed
 *                    HEARTBEATS of them; it may not pause d0 (-EPERM).
 *   role=mutual other=ID  (two privileged domains) each pauses and unpauses
 *                    the other MUTUAL_ROUNDS times, at the same time: Mica
 *                    must neither deadlock nor lose a pause.
 */
#include "args.h"
#include "public/domctl.h"
#include "test.h"

TEST_NAME("domctl_pause");

#define VICTIM 1
#define CONTROLLER 0
#define HEARTBEATS 60
#define RETRIES 100000
#define MUTUAL_ROUNDS 200

static long domctl(uint32_t cmd, domid_t domain, uint32_t version)
{
    struct xen_domctl_header op = { .cmd = cmd, .interface_version = version, .domain = domain };
    return hypercall5(__HYPERVISOR_domctl, (unsigned long)&op, 0, 0, 0, 0);
}

static void spin(unsigned long n)
{
    for (volatile unsigned long i = 0; i < n; i++)
        ;
}

static void controller(void)
{
    long rc = -XEN_ESRCH;

    /* d1 is built after us: retry until it exists (-ESRCH) and runs
     * (-EINVAL while it is still being built). Pausing it at once, not
     * after a while, leaves no race with its 60 heartbeats on a busy host. */
    for (int i = 0; i < RETRIES && (rc == -XEN_ESRCH || rc == -XEN_EINVAL); i++) {
        rc = domctl(XEN_DOMCTL_pausedomain, VICTIM, XEN_DOMCTL_INTERFACE_VERSION);
        if (rc)
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    CHECK_EQ(rc, 0);
    gprintf("paused d1\n");
    CHECK_EQ(domctl(XEN_DOMCTL_pausedomain, CONTROLLER, XEN_DOMCTL_INTERFACE_VERSION), -XEN_EINVAL);
    CHECK_EQ(domctl(XEN_DOMCTL_pausedomain, VICTIM, 0x14), -XEN_EACCES);
    CHECK_EQ(domctl(99, VICTIM, XEN_DOMCTL_INTERFACE_VERSION), -XEN_ENOSYS);
    CHECK_EQ(domctl(XEN_DOMCTL_pausedomain, 0x7000, XEN_DOMCTL_INTERFACE_VERSION), -XEN_ESRCH);
    /* Pauses nest: a second pause needs a second unpause. */
    CHECK_EQ(domctl(XEN_DOMCTL_pausedomain, VICTIM, XEN_DOMCTL_INTERFACE_VERSION), 0);
    CHECK_EQ(domctl(XEN_DOMCTL_unpausedomain, VICTIM, XEN_DOMCTL_INTERFACE_VERSION), 0);
    spin(20000000); /* d1 would print many heartbeats here */
    gprintf("unpausing d1\n");
    CHECK_EQ(domctl(XEN_DOMCTL_unpausedomain, VICTIM, XEN_DOMCTL_INTERFACE_VERSION), 0);
    CHECK_EQ(domctl(XEN_DOMCTL_unpausedomain, VICTIM, XEN_DOMCTL_INTERFACE_VERSION), -XEN_EINVAL);
    /* Outlive d1, which checks at its end that it may not pause us. */
    rc = 0;
    for (int i = 0; i < RETRIES && rc != -XEN_ESRCH; i++) {
        rc = domctl(XEN_DOMCTL_unpausedomain, VICTIM, XEN_DOMCTL_INTERFACE_VERSION);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    CHECK_EQ(rc, -XEN_ESRCH);
}

static void victim(void)
{
    for (int beat = 1; beat <= HEARTBEATS; beat++) {
        gprintf("heartbeat %d\n", beat);
        spin(400000);
    }
    CHECK_EQ(domctl(XEN_DOMCTL_pausedomain, CONTROLLER, XEN_DOMCTL_INTERFACE_VERSION), -XEN_EPERM);
}

static void mutual(void)
{
    unsigned long other = 0;
    long bad = 0, done = 0;

    CHECK_EQ(guest_arg_ulong("other", &other), 0);
    for (int round = 0; round < MUTUAL_ROUNDS; round++) {
        long rc = domctl(XEN_DOMCTL_pausedomain, (domid_t)other, XEN_DOMCTL_INTERFACE_VERSION);
        if (rc == -XEN_ESRCH || rc == -XEN_EINVAL) {
            /* the other is not built, started or is already gone */
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
            continue;
        }
        if (rc)
            gprintf("round %d: pause gave %ld\n", round, rc);
        bad += rc != 0;
        rc = domctl(XEN_DOMCTL_unpausedomain, (domid_t)other, XEN_DOMCTL_INTERFACE_VERSION);
        /* -EINVAL or -ESRCH: the other finished its rounds and shut down
         * while paused (a vCPU already inside SCHEDOP_shutdown completes it),
         * or is already gone. */
        int gone = rc == -XEN_EINVAL || rc == -XEN_ESRCH;
        if (rc && !gone)
            gprintf("round %d: unpause gave %ld\n", round, rc);
        bad += rc && !gone;
        done += rc == 0;
    }
    gprintf("%d rounds, %ld pause/unpause pairs of d%lu done\n", MUTUAL_ROUNDS, done, other);
    CHECK_EQ(bad, 0);
}

void test_main(void)
{
    GUEST_PLAY_ROLE({ "controller", controller }, { "victim", victim }, { "mutual", mutual });
}
