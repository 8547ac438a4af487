/*
 * Two domains talking over event channels (64-bit; the 32-bit flavour only
 * reports that it skips). The role comes after " -- " on the command line:
 *
 *   role=server  (d0, privileged) binds VIRQ_DOM_EXC (port 1), makes ports
 *                2 (data) and 3 (acknowledgements) for d1, counts every
 *                event on port 2 in its upcall handler and answers each on
 *                port 3; when d1 shuts down it sees VIRQ_DOM_EXC, and its
 *                ports become unbound (EVTCHNSTAT_unbound, waiting for d1).
 *   role=client  (d1) binds both, sends rounds=N events, each only after
 *                the acknowledgement of the one before (events coalesce, so
 *                this is how every one is counted), then tries the hostile
 *                cases: another domain's ports by number, a port in use,
 *                the privileged domain's operations.
 */
#include "evtchn.h"
#include "args.h"
#include "test.h"

TEST_NAME("evtchn_pair");

#ifdef __x86_64__
#define VECTOR 0xF3
#define SERVER 0
#define DATA 2
#define ACK 3
/* Waits for the other domain: blocks, each until an event or the next
 * 10 ms tick (a count of yields would shrink with the scheduler's speed). */
#define WAIT 3000UL

static volatile unsigned long data_events, ack_events, dom_exc;
static evtchn_port_t my_ack = ACK, my_data = DATA, virq_port;

static void server_handler(evtchn_port_t port, unsigned int vcpu)
{
    (void)vcpu;
    if (port == DATA) {
        data_events++;
        evtchn_send(ACK);
    } else if (port == virq_port) {
        dom_exc++;
    }
}

static void client_handler(evtchn_port_t port, unsigned int vcpu)
{
    (void)vcpu;
    if (port == my_ack)
        ack_events++;
}

/* Wait until *v reaches n (the upcall handler counts): spin a little (the
 * answer usually comes within microseconds), then sleep. SCHEDOP_block with
 * interrupts off, as Linux's safe halt: Mica does not block a vCPU whose
 * upcall is pending, so an event between the test and the block is not
 * missed; the upcall is taken at the STI. Sleeping, not spinning, lets the
 * host run the other CPU's thread (a spinning wait makes each round cost a
 * host time slice when the host is busy). Gives up after STALL wake-ups
 * (the tick wakes a sleeper every 10 ms) without progress. Under QEMU's
 * -icount (one host thread runs both CPUs in turn) spinning only burns the
 * turn: spin=0 there. */
#define STALL 3000
static unsigned long spin_rounds = 20000; /* "spin=N" */

static int wait_for(volatile unsigned long *v, unsigned long n)
{
    unsigned long seen = *v, idle = 0;

    while (*v < n) {
        for (unsigned long spin = 0; spin < spin_rounds && *v < n; spin++)
            __asm__ volatile("pause");
        if (*v >= n)
            break;
        __asm__ volatile("cli" ::: "memory");
        if (*v < n)
            HYPERVISOR_sched_op(SCHEDOP_block, NULL);
        __asm__ volatile("sti; nop" ::: "memory");
        if (*v != seen)
            seen = *v, idle = 0;
        else if (++idle > STALL)
            return 0;
    }
    return 1;
}

static unsigned long rounds(void)
{
    unsigned long n = 1000;
    guest_arg_ulong("rounds", &n);
    return n;
}

static void server(void)
{
    struct evtchn_status st;
    unsigned long n = rounds();
    long p;

    virq_port = (evtchn_port_t)evtchn_bind_virq(VIRQ_DOM_EXC, 0);
    CHECK_EQ(virq_port, 1);
    CHECK_EQ(evtchn_alloc_unbound(DOMID_SELF, 1), DATA);
    CHECK_EQ(evtchn_alloc_unbound(DOMID_SELF, 1), ACK);
    /* A port for a domain that is not the client: the client cannot take it. */
    p = evtchn_alloc_unbound(DOMID_SELF, 0x55);
    CHECK_EQ(p, 4);
    __asm__ volatile("sti");

    /* Wait for the client to bind, then for its rounds. */
    for (unsigned long i = 0; i < WAIT; i++) {
        if (evtchn_status(DOMID_SELF, ACK, &st) == 0 && st.status == EVTCHNSTAT_interdomain)
            break;
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    }
    CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(st.u.interdomain.dom, 1);
    CHECK(wait_for(&data_events, n));
    gprintf("server: %lu events counted on port %u, %lu acknowledged\n", data_events, DATA,
            data_events);
    CHECK_EQ(data_events, n);

    /* The client shuts down: VIRQ_DOM_EXC, and our ports wait for it again. */
    CHECK(wait_for(&dom_exc, 1));
    for (unsigned long i = 0; i < WAIT; i++) {
        if (evtchn_status(DOMID_SELF, DATA, &st) == 0 && st.status == EVTCHNSTAT_unbound)
            break;
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
    }
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    CHECK_EQ(st.u.unbound.dom, 1);
    CHECK_EQ(evtchn_status(DOMID_SELF, 4, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);
    gprintf("server: VIRQ_DOM_EXC seen, ports %u and %u unbound again\n", DATA, ACK);
    __asm__ volatile("cli");
}

static void hostile(void)
{
    struct evtchn_status st;
    struct evtchn_reset r = { .dom = SERVER };

    /* The server's port numbers 4..9 mean nothing here (never allocated in
     * this domain): closing or sending is -EINVAL, unmasking touches only
     * our own bitmap. */
    CHECK_EQ(evtchn_close(4), -XEN_EINVAL);
    CHECK_EQ(evtchn_close(4), -XEN_EINVAL);
    CHECK_EQ(evtchn_send(4), -XEN_EINVAL);
    CHECK_EQ(evtchn_unmask(9), 0);
    CHECK_EQ(evtchn_send(5000), -XEN_EINVAL);
    /* A port in use, a port meant for someone else. */
    CHECK_EQ(evtchn_bind_interdomain(SERVER, DATA), -XEN_EINVAL);
    CHECK_EQ(evtchn_bind_interdomain(SERVER, 4), -XEN_EINVAL);
    CHECK_EQ(evtchn_bind_interdomain(SERVER, 5000), -XEN_EINVAL);
    /* Unprivileged: not on another domain's ports (dummy XSM: TARGET). */
    CHECK_EQ(evtchn_alloc_unbound(SERVER, DOMID_SELF), -XEN_EPERM);
    CHECK_EQ(evtchn_status(SERVER, DATA, &st), -XEN_EPERM);
    CHECK_EQ(HYPERVISOR_event_channel_op(EVTCHNOP_reset, &r), -XEN_EPERM);
    /* Our own view of the channel. */
    CHECK_EQ(evtchn_status(DOMID_SELF, my_data, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(st.u.interdomain.dom, SERVER);
    CHECK_EQ(st.u.interdomain.port, DATA);
}

static void client(void)
{
    unsigned long n = rounds();
    long p = -XEN_EINVAL;

    unsigned long waits = 0;

    /* The server makes its ports when it starts: retry until it has. */
    for (; waits < WAIT && p == -XEN_EINVAL; waits++) {
        p = evtchn_bind_interdomain(SERVER, DATA);
        if (p == -XEN_EINVAL)
            evtchn_block(); /* a pending upcall would end a plain SCHEDOP_block at once */
    }
    if (!CHECK(p > 0)) {
        gprintf("client: bind_interdomain of the server's port: %ld after %lu wait(s)\n", p, waits);
        return;
    }
    my_data = (evtchn_port_t)p;
    p = evtchn_bind_interdomain(SERVER, ACK);
    if (!CHECK(p > 0))
        return;
    my_ack = (evtchn_port_t)p;
    evtchn_clear(my_data); /* both start pending (as Xen) */
    evtchn_clear(my_ack);
    __asm__ volatile("sti");

    for (unsigned long i = 0; i < n; i++) {
        CHECK_EQ(evtchn_send(my_data), 0);
        if (!CHECK(wait_for(&ack_events, i + 1))) {
            gprintf("client: no acknowledgement for event %lu\n", i + 1);
            break;
        }
    }
    gprintf("client: %lu events sent, %lu acknowledged\n", n, ack_events);
    CHECK_EQ(ack_events, n);
    __asm__ volatile("cli");
    hostile();
}

void test_main(void)
{
    int is_server = guest_arg_is("role", "server");

    guest_arg_ulong("spin", &spin_rounds);
    if (!CHECK_EQ(evtchn_map_shared_info(), 0))
        return;
    if (!CHECK_EQ(evtchn_upcall_init(VECTOR, is_server ? server_handler : client_handler), 0))
        return;
    if (is_server)
        server();
    else if (guest_arg_is("role", "client"))
        client();
    else
        guest_test_abort("no role= given");
}
#else
void test_main(void)
{
    gprintf("64-bit only (the library's upcall handler needs a long-mode IDT)\n");
}
#endif
