/*
 * SCHEDOP_remote_shutdown and who may use it (XSM's schedop_shutdown hook:
 * a privileged domain, or the target's device model / stub domain, as
 * Xen's XSM_DM_PRIV; under FLASK domain:shutdown). Three domains:
 *
 *   role=victim  (d0, unprivileged) waits to be shut down by its stub; it
 *                never ends on its own (no verdict line: it is powered off).
 *   role=stub    (d1, unprivileged, target=victim): on the third domain
 *                -EPERM; bad reason -EINVAL; no such domain -ESRCH; on
 *                its target SHUTDOWN_poweroff -> 0.
 *   role=boss    (d2, privileged) waits until both are gone.
 */
#include "../xsm/xsm_util.h"

TEST_NAME("remote_shutdown");

#define VICTIM 0
#define STUB 1
#define BOSS 2

static long remote_shutdown(domid_t dom, unsigned int reason)
{
    struct sched_remote_shutdown rs = { .domain_id = dom, .reason = reason };

    return HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs);
}

static void victim(void)
{
    gprintf("victim: waiting to be shut down\n");
    for (unsigned int t = 0; t < 6000; t++) /* 60 s of 10 ms ticks */
        xsm_block();
    CHECK(!"the stub never shut us down");
}

static void stub(void)
{
    wait_exists(BOSS);
    CHECK_EQ(remote_shutdown(BOSS, SHUTDOWN_poweroff), -XEN_EPERM);
    CHECK_EQ(remote_shutdown(VICTIM, 99), -XEN_EINVAL);
    CHECK_EQ(remote_shutdown(0x7000, SHUTDOWN_poweroff), -XEN_ESRCH);
    CHECK_EQ(remote_shutdown(VICTIM, SHUTDOWN_poweroff), 0);
    wait_gone(VICTIM);
    gprintf("stub: the third domain -EPERM; our target shut down\n");
}

static void boss(void)
{
    wait_gone(VICTIM);
    wait_gone(STUB);
    gprintf("boss: victim and stub gone\n");
}

void test_main(void)
{
    GUEST_PLAY_ROLE({ "victim", victim }, { "stub", stub }, { "boss", boss });
}
