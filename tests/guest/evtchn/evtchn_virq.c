/*
 * Global VIRQs and their delegation (XEN_DOMCTL_set_virq_handler), with
 * three domains; the role comes after " -- ":
 *
 *   role=boss     (d0, privileged) binds VIRQ_DOM_EXC, checks the domctl's
 *                 errors, makes d1 the handler of VIRQ_DOM_EXC once d1 has
 *                 bound it, then tells d2 (over a channel) to shut down.
 *                 When d1 has died (its channel's port becomes unbound) the
 *                 delegation is gone and VIRQ_DOM_EXC comes back to d0.
 *   role=handler  (d1) binds VIRQ_DOM_EXC and a channel to d0, may not
 *                 delegate anything itself (-EPERM), waits for the VIRQ (d2's
 *                 shutdown) and powers off.
 *   role=victim   (d2) binds a channel to d0 and powers off when it fires.
 *
 * Events are read from the pending bitmap (no upcalls). The run must end
 * with every domain freed and no frame leaked: the delegation's reference
 * on d1 must not keep it alive.
 */
#include "args.h"
#include "evtchn.h"
#include "test.h"
#include <public/domctl.h>

TEST_NAME("evtchn_virq");

#define BOSS 0
#define HANDLER 1
#define VICTIM 2
#define TO_HANDLER 2 /* the boss's ports */
#define TO_VICTIM 3
#define WAIT 3000UL /* blocks: 30 s of 10 ms scheduler ticks */

static long set_virq_handler(domid_t dom, uint32_t virq)
{
    struct {
        struct xen_domctl_header h;
        struct xen_domctl_set_virq_handler v;
        uint8_t pad[124];
    } op;

    memset(&op, 0, sizeof(op));
    op.h.cmd = XEN_DOMCTL_set_virq_handler;
    op.h.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op.h.domain = dom;
    op.v.virq = virq;
    return hypercall5(__HYPERVISOR_domctl, (unsigned long)&op, 0, 0, 0, 0);
}

static int wait_status(evtchn_port_t port, uint32_t status)
{
    struct evtchn_status st;

    for (unsigned long i = 0; i < WAIT; i++) {
        if (evtchn_status(DOMID_SELF, port, &st) == 0 && st.status == status)
            return 1;
        evtchn_block();
    }
    return 0;
}

/* The boss makes its ports when it starts: retry until it has. */
static long bind_to_boss(evtchn_port_t port)
{
    long p = -XEN_EINVAL;

    for (unsigned long i = 0; i < WAIT && p == -XEN_EINVAL; i++) {
        p = evtchn_bind_interdomain(BOSS, port);
        if (p == -XEN_EINVAL)
            evtchn_block();
    }
    return p;
}

static void boss(void)
{
    long virq = evtchn_bind_virq(VIRQ_DOM_EXC, 0);

    CHECK_EQ(virq, 1);
    CHECK_EQ(evtchn_alloc_unbound(DOMID_SELF, HANDLER), TO_HANDLER);
    CHECK_EQ(evtchn_alloc_unbound(DOMID_SELF, VICTIM), TO_VICTIM);

    /* Errors: a per-vCPU VIRQ, no VIRQ at all, no such domain. */
    CHECK_EQ(set_virq_handler(HANDLER, VIRQ_TIMER), -XEN_EINVAL);
    CHECK_EQ(set_virq_handler(HANDLER, 99), -XEN_EINVAL);
    CHECK_EQ(set_virq_handler(0x7FEF, VIRQ_DOM_EXC), -XEN_ESRCH);

    /* Delegate once the handler is ready (bound VIRQ, then our channel). */
    CHECK(wait_status(TO_HANDLER, EVTCHNSTAT_interdomain));
    CHECK_EQ(set_virq_handler(HANDLER, VIRQ_DOM_EXC), 0);
    evtchn_clear((evtchn_port_t)virq);
    CHECK(wait_status(TO_VICTIM, EVTCHNSTAT_interdomain));
    CHECK_EQ(evtchn_send(TO_VICTIM), 0);
    gprintf("boss: d1 handles VIRQ_DOM_EXC; d2 told to shut down\n");

    /* The handler dies; its end of the channel closes. Its teardown clears
     * the delegation, closes its ports, and then announces its death: with
     * the delegation gone, to d0 (the victim's own events went to d1 while
     * it lived; one that came later would come to d0 as well). */
    CHECK(wait_status(TO_HANDLER, EVTCHNSTAT_unbound));
    if (CHECK(evtchn_wait((evtchn_port_t)virq, WAIT)))
        gprintf("boss: VIRQ_DOM_EXC is back with d0 after the handler died\n");
}

static void handler(void)
{
    long virq = evtchn_bind_virq(VIRQ_DOM_EXC, 0);

    CHECK(virq > 0);
    CHECK_EQ(set_virq_handler(HANDLER, VIRQ_DOM_EXC), -XEN_EPERM); /* not privileged */
    CHECK(bind_to_boss(TO_HANDLER) > 0);
    if (CHECK(evtchn_wait((evtchn_port_t)virq, WAIT)))
        gprintf("handler: VIRQ_DOM_EXC received\n");
}

static void victim(void)
{
    long p = bind_to_boss(TO_VICTIM);

    if (!CHECK(p > 0))
        return;
    evtchn_clear((evtchn_port_t)p); /* pending from the bind (as Xen) */
    CHECK(evtchn_wait((evtchn_port_t)p, WAIT));
    gprintf("victim: told to go\n");
}

void test_main(void)
{
    if (!CHECK_EQ(evtchn_map_shared_info(), 0))
        return;
    if (guest_arg_is("role", "boss"))
        boss();
    else if (guest_arg_is("role", "handler"))
        handler();
    else if (guest_arg_is("role", "victim"))
        victim();
    else
        guest_test_abort("no role= given");
}
