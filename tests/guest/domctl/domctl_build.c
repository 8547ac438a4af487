/*
 * The domctl commands a domain builder uses: getdomaininfo, unpausing a
 * domain built `paused`, destroydomain. The role comes after " -- ":
 *
 *   role=builder  (d0, privileged) inspects itself and the paused guest d1,
 *                 unpauses d1, waits until it runs, destroys it, checks the
 *                 errors, and powers off.
 *   role=guest    (d1, unprivileged, built `paused`) must not run before the
 *                 builder unpauses it; it may inspect no domain (-EPERM under
 *                 the dummy module), may not destroy or unpause d0 (-EPERM),
 *                 then waits to be destroyed.
 */
#include "args.h"
#include "public/domctl.h"
#include "test.h"

TEST_NAME("domctl_build");

#define BUILDER 0
#define GUEST 1
#define RETRIES 200000

static long domctl(struct xen_domctl *op, uint32_t cmd, domid_t domain)
{
    op->h.cmd = cmd;
    op->h.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->h.domain = domain;
    return hypercall5(__HYPERVISOR_domctl, (unsigned long)op, 0, 0, 0, 0);
}

/* getdomaininfo of exactly domid; 0 and the flags, or the error. */
static long info_of(domid_t domid, struct xen_domctl_getdomaininfo *info)
{
    static struct xen_domctl op;
    long rc = domctl(&op, XEN_DOMCTL_getdomaininfo, domid);

    if (rc)
        return rc;
    *info = op.u.getdomaininfo;
    return op.h.domain == domid ? 0 : -XEN_ESRCH;
}

static void builder(void)
{
    static struct xen_domctl op;
    struct xen_domctl_getdomaininfo info = { 0 };
    long rc = -XEN_ESRCH;

    /* Itself: running, an HVM guest with NPT, one vCPU, 48 address bits,
     * an emulated local APIC and nothing else emulated (as a PVH domain). */
    CHECK_EQ(info_of(BUILDER, &info), 0);
    CHECK_EQ(info.domain, BUILDER);
    CHECK(info.flags & XEN_DOMINF_running);
    CHECK(info.flags & XEN_DOMINF_hvm_guest);
    CHECK(info.flags & XEN_DOMINF_hap);
    CHECK(!(info.flags & (XEN_DOMINF_paused | XEN_DOMINF_shutdown | XEN_DOMINF_dying)));
    CHECK(info.tot_pages > 0 && info.tot_pages <= info.max_pages);
    CHECK_EQ(info.max_vcpu_id, 0);
    CHECK_EQ(info.nr_online_vcpus, 1);
    CHECK_EQ(info.gpaddr_bits, 48);
    CHECK_EQ(info.arch_emulation_flags, XEN_X86_EMU_LAPIC);

    /* The guest is built after us, and paused. */
    for (int i = 0; i < RETRIES && rc; i++) {
        rc = info_of(GUEST, &info);
        if (rc)
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    CHECK_EQ(rc, 0);
    CHECK(info.flags & XEN_DOMINF_paused);
    CHECK(!(info.flags & XEN_DOMINF_running));
    gprintf("d1 is paused\n");

    /* Errors. */
    CHECK_EQ(domctl(&op, XEN_DOMCTL_destroydomain, BUILDER), -XEN_EINVAL);
    CHECK_EQ(domctl(&op, XEN_DOMCTL_unpausedomain, 0x7000), -XEN_ESRCH);
    CHECK_EQ(domctl(&op, XEN_DOMCTL_getdomaininfo, 0x7000), -XEN_ESRCH);
    CHECK_EQ(domctl(&op, 99, GUEST), -XEN_ENOSYS);
    op.h.interface_version = 0x14;
    CHECK_EQ(hypercall5(__HYPERVISOR_domctl, (unsigned long)&op, 0, 0, 0, 0), -XEN_EACCES);
    CHECK_EQ(hypercall5(__HYPERVISOR_domctl, 0x10, 0, 0, 0, 0), -XEN_EFAULT);

    /* Unpause it and wait until it has run. */
    gprintf("unpausing d1\n");
    CHECK_EQ(domctl(&op, XEN_DOMCTL_unpausedomain, GUEST), 0);
    CHECK_EQ(domctl(&op, XEN_DOMCTL_unpausedomain, GUEST), -XEN_EINVAL);
    rc = -XEN_EAGAIN;
    for (int i = 0; i < RETRIES && rc; i++) {
        CHECK_EQ(info_of(GUEST, &info), 0);
        rc = info.flags & XEN_DOMINF_paused ? -XEN_EINVAL : 0;
        if (!rc && info.nr_online_vcpus != 1)
            rc = -XEN_EAGAIN;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    CHECK_EQ(rc, 0);
    /* Let it run its own checks before it is destroyed. */
    for (int i = 0; i < 2000; i++)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);

    gprintf("destroying d1\n");
    CHECK_EQ(domctl(&op, XEN_DOMCTL_destroydomain, GUEST), 0);
    /* Gone, or on its way: then it reports dying, never running again. */
    rc = 0;
    for (int i = 0; i < RETRIES && rc == 0; i++) {
        rc = info_of(GUEST, &info);
        if (!rc)
            CHECK(info.flags & XEN_DOMINF_dying);
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    CHECK_EQ(rc, -XEN_ESRCH);
    CHECK_EQ(domctl(&op, XEN_DOMCTL_destroydomain, GUEST), -XEN_ESRCH);
}

static void guest(void)
{
    static struct xen_domctl op;

    gprintf("d1 runs\n");
    CHECK_EQ(domctl(&op, XEN_DOMCTL_getdomaininfo, 0), -XEN_EPERM);
    CHECK_EQ(domctl(&op, XEN_DOMCTL_destroydomain, BUILDER), -XEN_EPERM);
    CHECK_EQ(domctl(&op, XEN_DOMCTL_pausedomain, BUILDER), -XEN_EPERM);
    CHECK_EQ(domctl(&op, XEN_DOMCTL_unpausedomain, BUILDER), -XEN_EPERM);
    gprintf("d1 checks done: %u failed\n", guest_test_failures());
    /* Wait for the builder to destroy us: this verdict is never printed. */
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

void test_main(void)
{
    GUEST_PLAY_ROLE({ "builder", builder }, { "guest", guest });
}
