/*
 * The stub-domain seeding scenario (docs/stubdom-seeding.md), three roles
 * after " -- ":
 *
 *   role=builder  (d0, privileged) seeds the paused guest's grant table
 *                 with an entry for the stub (add_to_physmap(grant_table)
 *                 into the guest's physmap, a foreign mapping of that gfn,
 *                 the entry written, both mappings removed), makes the
 *                 guest's channel for the stub, delegates VIRQ_DOM_EXC to
 *                 the stub, unpauses both; once the stub has seen the guest
 *                 die it destroys the stub and checks that VIRQ_DOM_EXC
 *                 came back to it.
 *   role=guest    (d1, built paused) writes a message into its xenbus page,
 *                 notifies the stub, waits for the answer, powers off.
 *   role=stub     (d2, unprivileged, built paused) may not map the guest's
 *                 page directly; maps it through the grant, answers through
 *                 the channel, sees VIRQ_DOM_EXC when the guest is gone,
 *                 tells the builder, and waits to be destroyed.
 *
 * Gfns and refs are conventions between the three, as a toolstack's are.
 */
#include "../gnttab/gnttab.h"
#include "args.h"
#include "evtchn.h"
#include "public/domctl.h"

TEST_NAME("seed");

#define BUILDER 0
#define GUEST 1
#define STUB 2

#define XENBUS_GFN 0xE00UL    /* the guest's xenbus page (RAM) */
#define STUB_INFO_GFN 0xE00UL /* the page the builder leaves the stub (RAM) */
#define SCRATCH_GFN 0x2000UL  /* a hole in the guest: its grant frame, briefly */
#define MAP_GFN 0x2001UL      /* a hole in the builder or the stub: foreign/grant maps */
#define SEED_REF GNTTAB_RESERVED_XENSTORE
#define SEED_MAGIC 0x53454544u /* "SEED" */
#define WAIT_ROUNDS 2000000

struct xenbus_page {
    uint32_t magic;
    uint32_t port; /* the guest's channel to the stub */
    char message[64];
    char answer[64];
};

struct stub_info {
    uint32_t magic;
    uint32_t builder_port; /* the builder's channel to the stub */
};

static long domctl(uint32_t cmd, domid_t domain, uint32_t virq)
{
    static struct xen_domctl op;

    op.h.cmd = cmd;
    op.h.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op.h.domain = domain;
    op.u.set_virq_handler.virq = virq;
    return hypercall5(__HYPERVISOR_domctl, (unsigned long)&op, 0, 0, 0, 0);
}

static int equal(const volatile char *a, const char *b)
{
    while (*b && *a == *b)
        a++, b++;
    return *a == *b;
}

static void copy(volatile char *dst, const char *src)
{
    while ((*dst++ = *src++))
        ;
}

/* Wait until port is pending (then clear it); 0, or -1 after WAIT_ROUNDS. */
static int wait_event(evtchn_port_t port)
{
    for (long i = 0; i < WAIT_ROUNDS; i++) {
        if (evtchn_test_and_clear(port))
            return 0;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    return -1;
}

/* Wait for events on port until text is non-empty: an event may come
 * without news (binding an interdomain channel sets the new port pending,
 * as Xen does, in case the peer sent before the bind). 0, or -1. */
static int wait_text(evtchn_port_t port, const volatile char *text)
{
    for (int events = 0; events < 16; events++) {
        if (text[0])
            return 0;
        if (wait_event(port))
            return -1;
    }
    return text[0] ? 0 : -1;
}

/* Map `foreign`'s gfn at MAP_GFN of this domain; the per-page result. */
static int map_foreign(domid_t foreign, unsigned long gfn)
{
    xen_ulong_t idx = gfn;
    xen_pfn_t gpfn = MAP_GFN;
    int err = 1;

    CHECK_EQ(
        add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn_foreign, foreign, &idx, &gpfn, &err, 1),
        0);
    return err;
}

/* ---- the builder ---------------------------------------------------------------- */

static void seed_grant(void)
{
    volatile struct grant_entry_v1 *entries = gnt_entries(MAP_GFN);

    /* The guest's grant frame 0, into the guest's own physmap ... */
    CHECK_EQ(add_to_physmap(GUEST, XENMAPSPACE_grant_table, 0, SCRATCH_GFN), 0);
    /* ... mapped here as a foreign frame, the entry written, and both
     * mappings gone again (remove_from_physmap is why Xen brought it back). */
    CHECK_EQ(map_foreign(GUEST, SCRATCH_GFN), 0);
    gnt_grant(entries, SEED_REF, STUB, XENBUS_GFN, 0);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, MAP_GFN), 0);
    CHECK_EQ(remove_from_physmap(GUEST, SCRATCH_GFN), 0);
    gprintf("seeded grant ref %u of d%u for d%u\n", SEED_REF, GUEST, STUB);
}

/* Write a page of a paused domain (its RAM) through a foreign mapping. */
static void write_page(domid_t dom, unsigned long gfn, const void *data, size_t len)
{
    CHECK_EQ(map_foreign(dom, gfn), 0);
    memcpy(gfn_ptr(MAP_GFN), data, len);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, MAP_GFN), 0);
}

static void builder(void)
{
    struct xenbus_page bus = { .magic = SEED_MAGIC };
    struct stub_info info = { .magic = SEED_MAGIC };
    long guest_port, stub_port, virq_port;

    CHECK_EQ(evtchn_map_shared_info(), 0);
    virq_port = evtchn_bind_virq(VIRQ_DOM_EXC, 0);
    CHECK(virq_port > 0);
    seed_grant();

    /* The guest's channel for the stub, and ours. */
    guest_port = evtchn_alloc_unbound(GUEST, STUB);
    CHECK(guest_port > 0);
    stub_port = evtchn_alloc_unbound(DOMID_SELF, STUB);
    CHECK(stub_port > 0);
    bus.port = (uint32_t)guest_port;
    info.builder_port = (uint32_t)stub_port;
    write_page(GUEST, XENBUS_GFN, &bus, sizeof(bus));
    write_page(STUB, STUB_INFO_GFN, &info, sizeof(info));

    CHECK_EQ(domctl(XEN_DOMCTL_set_virq_handler, STUB, VIRQ_DOM_EXC), 0);
    gprintf("VIRQ_DOM_EXC delegated to d%u\n", STUB);
    CHECK_EQ(domctl(XEN_DOMCTL_unpausedomain, STUB, 0), 0);
    CHECK_EQ(domctl(XEN_DOMCTL_unpausedomain, GUEST, 0), 0);

    /* The stub tells us once it has seen the guest die. */
    CHECK_EQ(wait_event((evtchn_port_t)stub_port), 0);
    CHECK(!evtchn_pending((evtchn_port_t)virq_port)); /* the stub's VIRQ, not ours */
    gprintf("destroying the stub\n");
    CHECK_EQ(domctl(XEN_DOMCTL_destroydomain, STUB, 0), 0);
    /* The delegation died with the stub: its own death reaches us. */
    CHECK_EQ(wait_event((evtchn_port_t)virq_port), 0);
    gprintf("VIRQ_DOM_EXC is ours again\n");
}

/* ---- the guest -------------------------------------------------------------------- */

static void guest(void)
{
    volatile struct xenbus_page *bus = gfn_ptr(XENBUS_GFN);

    CHECK_EQ(evtchn_map_shared_info(), 0);
    CHECK_EQ(bus->magic, SEED_MAGIC);
    copy(bus->message, "hello from the guest");
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    CHECK_EQ(evtchn_send(bus->port), 0);
    CHECK_EQ(wait_text(bus->port, bus->answer), 0);
    CHECK(equal(bus->answer, "hello from the stub"));
    gprintf("the stub answered: %s\n", (const char *)bus->answer);
}

/* ---- the stub ---------------------------------------------------------------------- */

static void stub(void)
{
    volatile struct stub_info *info = gfn_ptr(STUB_INFO_GFN);
    volatile struct xenbus_page *bus = gfn_ptr(MAP_GFN);
    grant_handle_t handle;
    long virq_port, guest_port, builder_port;

    CHECK_EQ(info->magic, SEED_MAGIC);
    CHECK_EQ(evtchn_map_shared_info(), 0);
    virq_port = evtchn_bind_virq(VIRQ_DOM_EXC, 0);
    CHECK(virq_port > 0);
    builder_port = evtchn_bind_interdomain(BUILDER, info->builder_port);
    CHECK(builder_port > 0);

    /* Not the guest's memory itself: only what it granted. */
    CHECK_EQ(map_foreign(GUEST, XENBUS_GFN), -XEN_EPERM);
    CHECK_EQ(gnt_map(GUEST, SEED_REF, MAP_GFN, GNTMAP_host_map, &handle), GNTST_okay);
    CHECK_EQ(bus->magic, SEED_MAGIC);
    guest_port = evtchn_bind_interdomain(GUEST, bus->port);
    CHECK(guest_port > 0);

    CHECK_EQ(wait_text((evtchn_port_t)guest_port, bus->message), 0);
    gprintf("the guest says: %s\n", (const char *)bus->message);
    CHECK(equal(bus->message, "hello from the guest"));
    copy(bus->answer, "hello from the stub");
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    CHECK_EQ(evtchn_send((evtchn_port_t)guest_port), 0);

    CHECK_EQ(wait_event((evtchn_port_t)virq_port), 0);
    gprintf("saw VIRQ_DOM_EXC: the guest is gone\n");
    CHECK_EQ(gnt_unmap(handle, MAP_GFN), GNTST_okay);
    gprintf("stub checks done: %u failed\n", guest_test_failures());
    CHECK_EQ(evtchn_send((evtchn_port_t)builder_port), 0);
    for (;;) /* the builder destroys us */
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

void test_main(void)
{
    GUEST_PLAY_ROLE({ "builder", builder }, { "guest", guest }, { "stub", stub });
}
