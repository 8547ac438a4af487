/*
 * event_channel_op on the caller's own domain: every subop's success and
 * Xen's errors, on a loopback channel (alloc_unbound self + bind_interdomain
 * self). Self-only, so it runs under Xen 4.17 too (tools/test-xen.sh); where
 * Mica differs (the port limit) the value is only checked under Mica.
 * "-- xsm=silo": the run is under SILO (an unprivileged domain's port for a
 * domain that does not exist is refused).
 */
#include "args.h"
#include "evtchn.h"
#include "test.h"

TEST_NAME("evtchn_ops");

#define BAD_PORT 5000 /* beyond every limit (Mica 1024, Xen 2-level 4096) */
#define NO_RAM_GFN 0x800000UL

static long op(int cmd, void *arg)
{
    return HYPERVISOR_event_channel_op(cmd, arg);
}

static domid_t self_id(void)
{
    return (domid_t)guest_cpuid(xen_cpuid_base + 4, 0).ecx;
}

static void loopback(void)
{
    struct evtchn_status st;
    domid_t me = self_id();
    long a, b;

    a = evtchn_alloc_unbound(DOMID_SELF, DOMID_SELF);
    CHECK(a > 0);
    CHECK_EQ(evtchn_status(DOMID_SELF, (evtchn_port_t)a, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, me);

    b = evtchn_bind_interdomain(DOMID_SELF, (evtchn_port_t)a);
    CHECK(b > 0 && b != a);
    gprintf("loopback: ports %ld <-> %ld, new port pending after bind: %d\n", a, b,
            evtchn_pending((evtchn_port_t)b));
    if (running_on_mica())
        CHECK(evtchn_pending((evtchn_port_t)b)); /* as Xen: a lost notification */
    CHECK_EQ(evtchn_status(DOMID_SELF, (evtchn_port_t)a, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(st.u.interdomain.dom, me);
    CHECK_EQ(st.u.interdomain.port, b);
    CHECK_EQ(st.vcpu, 0);

    /* A send sets the peer's bit, not the sender's (no upcall is set up:
     * nothing but the bitmaps change). */
    evtchn_clear((evtchn_port_t)a);
    evtchn_clear((evtchn_port_t)b);
    CHECK_EQ(evtchn_send((evtchn_port_t)a), 0);
    CHECK(evtchn_pending((evtchn_port_t)b));
    CHECK(!evtchn_pending((evtchn_port_t)a));
    CHECK_EQ(evtchn_send((evtchn_port_t)b), 0);
    CHECK(evtchn_pending((evtchn_port_t)a));

    /* A masked port still becomes pending; unmask then raises the selector. */
    evtchn_clear((evtchn_port_t)a);
    evtchn_set_mask((evtchn_port_t)a, 1);
    evtchn_vcpu_info[0]->evtchn_pending_sel = 0;
    CHECK_EQ(evtchn_send((evtchn_port_t)b), 0);
    CHECK(evtchn_pending((evtchn_port_t)a));
    CHECK_EQ(evtchn_vcpu_info[0]->evtchn_pending_sel, 0);
    CHECK_EQ(evtchn_unmask((evtchn_port_t)a), 0);
    CHECK(evtchn_vcpu_info[0]->evtchn_pending_sel != 0);
    CHECK_EQ(evtchn_vcpu_info[0]->evtchn_upcall_pending, 1);
    evtchn_vcpu_info[0]->evtchn_upcall_pending = 0;

    /* A port in use cannot be bound again. */
    CHECK_EQ(evtchn_bind_interdomain(DOMID_SELF, (evtchn_port_t)a), -XEN_EINVAL);
    CHECK_EQ(evtchn_bind_interdomain(DOMID_SELF, (evtchn_port_t)b), -XEN_EINVAL);
    CHECK_EQ(evtchn_bind_interdomain(DOMID_SELF, BAD_PORT), -XEN_EINVAL);
    CHECK_EQ(evtchn_bind_interdomain(0x7FEF, (evtchn_port_t)a), -XEN_ESRCH);

    /* bind_vcpu: the notified vCPU of an interdomain port. */
    CHECK_EQ(evtchn_bind_vcpu((evtchn_port_t)a, 0), 0);
    CHECK_EQ(evtchn_bind_vcpu((evtchn_port_t)a, 99), -XEN_ENOENT);
    CHECK_EQ(evtchn_bind_vcpu(BAD_PORT, 0), -XEN_EINVAL);

    /* Closing one end leaves the other unbound, waiting for us again. */
    CHECK_EQ(evtchn_close((evtchn_port_t)b), 0);
    CHECK_EQ(evtchn_status(DOMID_SELF, (evtchn_port_t)a, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, me);
    CHECK_EQ(evtchn_close((evtchn_port_t)b), -XEN_EINVAL); /* double close */
    CHECK_EQ(evtchn_status(DOMID_SELF, (evtchn_port_t)b, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_closed);
    CHECK_EQ(evtchn_send((evtchn_port_t)b), -XEN_EINVAL); /* a closed port */
    CHECK_EQ(evtchn_send((evtchn_port_t)a), 0);           /* unbound: dropped */
    /* ... and it can be bound again. */
    b = evtchn_bind_interdomain(DOMID_SELF, (evtchn_port_t)a);
    CHECK(b > 0);
    CHECK_EQ(evtchn_close((evtchn_port_t)a), 0);
    CHECK_EQ(evtchn_close((evtchn_port_t)b), 0);

    /* A port waiting for another domain cannot be bound by us. (SILO lets
     * an unprivileged domain make ports only for a privileged domain, and
     * this one does not exist: -EPERM.) */
    a = evtchn_alloc_unbound(DOMID_SELF, (domid_t)(me + 100));
    if (guest_arg_is("xsm", "silo")) {
        CHECK_EQ(a, -XEN_EPERM);
        return;
    }
    CHECK(a > 0);
    CHECK_EQ(evtchn_bind_interdomain(DOMID_SELF, (evtchn_port_t)a), -XEN_EINVAL);
    CHECK_EQ(evtchn_close((evtchn_port_t)a), 0);
}

static void virq_and_ipi(void)
{
    struct evtchn_status st;
    long v, g, i;

    v = evtchn_bind_virq(VIRQ_DEBUG, 0);
    CHECK(v > 0);
    CHECK_EQ(evtchn_bind_virq(VIRQ_DEBUG, 0), -XEN_EEXIST);
    CHECK_EQ(evtchn_status(DOMID_SELF, (evtchn_port_t)v, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_virq);
    CHECK_EQ(st.u.virq, VIRQ_DEBUG);
    CHECK_EQ(evtchn_send((evtchn_port_t)v), -XEN_EINVAL);         /* nothing to send on */
    CHECK_EQ(evtchn_bind_vcpu((evtchn_port_t)v, 0), -XEN_EINVAL); /* a per-vCPU VIRQ */
    CHECK_EQ(evtchn_bind_virq(NR_VIRQS, 0), -XEN_EINVAL);
    CHECK_EQ(evtchn_bind_virq(99, 0), -XEN_EINVAL);
    CHECK_EQ(evtchn_bind_virq(VIRQ_DOM_EXC, 1), -XEN_EINVAL); /* global: vCPU 0 only */
    CHECK_EQ(evtchn_bind_virq(VIRQ_TIMER, 99), -XEN_ENOENT);
    g = evtchn_bind_virq(VIRQ_DOM_EXC, 0);
    gprintf("bind_virq(VIRQ_DOM_EXC) -> %ld\n", g);
    if (g > 0) {
        CHECK_EQ(evtchn_bind_vcpu((evtchn_port_t)g, 0), 0); /* a global VIRQ may move */
        CHECK_EQ(evtchn_close((evtchn_port_t)g), 0);
    }
    CHECK_EQ(evtchn_close((evtchn_port_t)v), 0);
    CHECK_EQ(evtchn_bind_virq(VIRQ_DEBUG, 0), v); /* free again: the same port */
    CHECK_EQ(evtchn_close((evtchn_port_t)v), 0);

    CHECK_EQ(evtchn_bind_ipi(99), -XEN_ENOENT);
    i = evtchn_bind_ipi(0);
    CHECK(i > 0);
    CHECK_EQ(evtchn_status(DOMID_SELF, (evtchn_port_t)i, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_ipi);
    evtchn_clear((evtchn_port_t)i);
    CHECK_EQ(evtchn_send((evtchn_port_t)i), 0);
    CHECK(evtchn_pending((evtchn_port_t)i));
    evtchn_clear((evtchn_port_t)i);
    CHECK_EQ(evtchn_bind_vcpu((evtchn_port_t)i, 0), -XEN_EINVAL); /* an IPI stays */
    CHECK_EQ(evtchn_close((evtchn_port_t)i), 0);
    evtchn_vcpu_info[0]->evtchn_upcall_pending = 0;
}

static void errors(void)
{
    struct evtchn_status st;
    struct evtchn_init_control ic;
    long rc;

    /* Port 0 is reserved; ports beyond the limit are invalid. */
    CHECK_EQ(evtchn_close(0), -XEN_EINVAL);
    CHECK_EQ(evtchn_send(0), -XEN_EINVAL);
    CHECK_EQ(evtchn_status(DOMID_SELF, 0, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_closed);
    CHECK_EQ(evtchn_close(BAD_PORT), -XEN_EINVAL);
    CHECK_EQ(evtchn_send(BAD_PORT), -XEN_EINVAL);
    CHECK_EQ(evtchn_unmask(BAD_PORT), -XEN_EINVAL);
    CHECK_EQ(evtchn_status(DOMID_SELF, BAD_PORT, &st), -XEN_EINVAL);
    CHECK_EQ(evtchn_close(0xFFFFFFFFu), -XEN_EINVAL);

    /* No such domain. */
    CHECK_EQ(evtchn_alloc_unbound(0x7FEF, DOMID_SELF), -XEN_ESRCH);
    CHECK_EQ(evtchn_status(0x7FEF, 1, &st), -XEN_ESRCH);

    /* Bad pointers and unknown commands. */
    CHECK_EQ(op(EVTCHNOP_alloc_unbound, (void *)0x20000000), -XEN_EFAULT);
    CHECK_EQ(op(EVTCHNOP_send, (void *)0x20000000), -XEN_EFAULT);
    CHECK_EQ(op(99, &st), -XEN_ENOSYS);

    /* The FIFO ABI: a control block on a gfn that is not RAM. */
    memset(&ic, 0, sizeof(ic));
    ic.control_gfn = NO_RAM_GFN;
    rc = op(EVTCHNOP_init_control, &ic);
    gprintf("init_control on a non-RAM gfn -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_EINVAL);

    /* reset closes everything. */
    long a = evtchn_alloc_unbound(DOMID_SELF, DOMID_SELF);
    CHECK(a > 0);
    struct evtchn_reset r = { .dom = DOMID_SELF };
    CHECK_EQ(op(EVTCHNOP_reset, &r), 0);
    CHECK_EQ(evtchn_status(DOMID_SELF, (evtchn_port_t)a, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_closed);
}

/* Many ports: up to the limit (Mica: 1023 ports; Xen: more), then reset. */
static void many(void)
{
    long last = 0, rc;
    unsigned int n = 0;

    while (n < 2000 && (rc = evtchn_alloc_unbound(DOMID_SELF, DOMID_SELF)) > 0) {
        last = rc;
        n++;
    }
    gprintf("%u ports allocated (last %ld), then %ld\n", n, last, n < 2000 ? rc : 0L);
    if (running_on_mica()) {
        CHECK_EQ(last, 1023);
        CHECK_EQ(rc, -XEN_ENOSPC);
    }
    struct evtchn_reset r = { .dom = DOMID_SELF };
    CHECK_EQ(op(EVTCHNOP_reset, &r), 0);
}

void test_main(void)
{
    if (!CHECK_EQ(evtchn_map_shared_info(), 0))
        return;
    loopback();
    virq_and_ipi();
    errors();
    many();
}
