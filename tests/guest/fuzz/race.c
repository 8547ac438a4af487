/*
 * Races on the same gfns: the owner's two vCPUs, on two CPUs, populate,
 * decrease, move (add_to_physmap gmfn), remove and put shared_info on the
 * RACE_GFNS gfns of its physmap, and grant them to the mapper, while the
 * mapper (a privileged domain) foreign-maps those gfns, grant-maps their
 * grants, writes through both kinds of mapping, copies through the grants
 * and unmaps. With `p2m-audit-every=N` every N-th memory_op audits its
 * caller's p2m (`p2m-audit`: each one), so each side is audited while the
 * other changes what it maps; the debug build's lock-order checker panics
 * on an order violation.
 *
 * What the guests check: the mapper writes a marker through every mapping
 * it holds and reads it back (a mapping must stay usable until it is
 * removed, whatever the owner does to the gfn, since the mapping holds its
 * frame); every result is one the ABI allows. What the test checks: no
 * Mica fault, panic or failed audit, no frame leaked, and a bystander
 * (bystander.c) whose memory keeps its patterns: a stale translation left
 * behind after a frame was freed and given to it would show there.
 *
 * Module arguments (after " -- "): role=owner|mapper, ops=N (per vCPU: the
 * mapper's exactly, unless the owner is gone first; each of the owner's
 * two vCPUs at least that many, and more until the mapper is done),
 * seed=N, other=D (the owner's mapper, the mapper's owner). 64-bit only
 * (the guest library starts secondary vCPUs in long mode).
 */
#include "args.h"
#include "prng.h"
#include "test.h"
#include <stdbool.h>

TEST_NAME("race");

#define PAGE 4096UL
#define RACE_GFNS 16
/* The owner (mem=16M at least): */
#define RACE_FIRST 0x800UL  /* the raced gfns */
#define CONTROL_GNT 0x300UL /* grant frame 0 */
#define HEADROOM_AT 0xC00UL /* pages given back first */
#define HEADROOM 1024UL
/* The mapper (mem=8M at least): */
#define FOREIGN_AT 0x400UL /* its foreign mappings of the raced gfns */
#define GRANT_AT 0x500UL   /* its grant mappings */
#define COPY_PAGE 0x600UL  /* its own page for copies */

static unsigned long opt_ops = 1000, opt_seed = 1, opt_other;

/* Counted per vCPU, summed at the end. */
struct tally {
    unsigned long ops, ok;
};

static long reservation(unsigned int cmd, domid_t d, uint64_t gfn, unsigned int order)
{
    xen_pfn_t e = (xen_pfn_t)gfn;
    struct xen_memory_reservation r = { .nr_extents = 1, .extent_order = order, .domid = d };

    set_xen_guest_handle(r.extent_start, &e);
    return HYPERVISOR_memory_op(cmd, &r);
}

static long add_to_physmap(unsigned int space, uint64_t idx, uint64_t gpfn)
{
    struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = space, .idx = idx, .gpfn = gpfn };

    return HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
}

static long remove_from_physmap(uint64_t gpfn)
{
    struct xen_remove_from_physmap r = { .domid = DOMID_SELF, .gpfn = gpfn };

    return HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &r);
}

/* A result the ABI allows: 0 or a Xen errno (extents: 0 or 1). */
static void expect(long rc, long ok_max, struct tally *t, const char *what)
{
    t->ops++;
    if (rc >= 0 && rc <= ok_max)
        t->ok += rc == ok_max;
    else if (!(rc < 0 && rc >= -133))
        guest_test_fail(__FILE__, __LINE__, "%s returned %ld", what, rc);
}

/* ---- the owner ------------------------------------------------------------------ */

static struct tally owner_tally[2];
static volatile int racer_done;
static volatile uint64_t shinfo_at = RACE_FIRST; /* where shared_info went last (roughly) */
static uint8_t racer_stack[16384] __attribute__((aligned(16)));

static void owner_grant(struct prng *p)
{
    volatile struct grant_entry_v1 *e = (void *)(uintptr_t)(CONTROL_GNT * PAGE);
    unsigned int ref = prng_below(p, RACE_GFNS);

    e[ref].frame = (uint32_t)(RACE_FIRST + ref);
    e[ref].domid = (domid_t)opt_other;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    e[ref].flags = GTF_permit_access;
}

/* ops operations at least, then on while the mapper is at work, so that
 * every operation of the mapper races the owner's (it checks every 64th). */
static bool keep_racing(unsigned long done)
{
    return done < opt_ops || done % 64 || domain_exists((domid_t)opt_other);
}

static void owner_race(unsigned int vcpu)
{
    struct prng p;
    struct tally *t = &owner_tally[vcpu];

    prng_seed(&p, opt_seed, 10 + vcpu);
    for (unsigned long i = 0; keep_racing(i); i++) {
        uint32_t r = prng_below(&p, 1000);
        uint64_t g = RACE_FIRST + prng_below(&p, RACE_GFNS);
        unsigned int order = prng_one_in(&p, 16) ? 1 : 0;

        if (order)
            g &= ~1UL;
        if (r < 300) {
            expect(reservation(XENMEM_populate_physmap, DOMID_SELF, g, order), 1, t, "populate");
        } else if (r < 550) {
            expect(reservation(XENMEM_decrease_reservation, DOMID_SELF, g, order), 1, t,
                   "decrease");
        } else if (r < 750) {
            uint64_t to = RACE_FIRST + prng_below(&p, RACE_GFNS);
            expect(add_to_physmap(XENMAPSPACE_gmfn, g, to), 0, t, "add_to_physmap gmfn");
        } else if (r < 850) {
            long rc = add_to_physmap(XENMAPSPACE_shared_info, 0, g);
            expect(rc, 0, t, "add_to_physmap shinfo");
            if (rc == 0)
                shinfo_at = g;
        } else if (r < 870) {
            /* Mostly shared_info's gfn: RAM removed stays allocated (as in
             * Xen, until the domain dies), and would eat the headroom. */
            expect(remove_from_physmap(prng_one_in(&p, 10) ? g : shinfo_at), 0, t,
                   "remove_from_physmap");
        } else {
            owner_grant(&p);
            t->ops++;
        }
    }
}

static void owner_second(unsigned int id)
{
    owner_race(id);
    __atomic_store_n(&racer_done, 1, __ATOMIC_RELEASE);
}

static void owner(void)
{
    struct tally total;

    /* Headroom: pages given back, so populate has frames to take. */
    for (uint64_t g = HEADROOM_AT; g < HEADROOM_AT + HEADROOM; g += 512)
        CHECK_EQ(reservation(XENMEM_decrease_reservation, DOMID_SELF, g, 9), 1);
    CHECK_EQ(add_to_physmap(XENMAPSPACE_grant_table, 0, CONTROL_GNT), 0);
    if (!CHECK_EQ(guest_start_vcpu(1, owner_second, racer_stack + sizeof(racer_stack)), 0))
        return;
    owner_race(0);
    while (!__atomic_load_n(&racer_done, __ATOMIC_ACQUIRE))
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    total.ops = owner_tally[0].ops + owner_tally[1].ops;
    total.ok = owner_tally[0].ok + owner_tally[1].ok;
    gprintf("race: owner: %lu operations on %d gfns from 2 vCPUs, %lu succeeded\n", total.ops,
            RACE_GFNS, total.ok);
}

/* ---- the mapper ------------------------------------------------------------------- */

static bool foreign_mapped[RACE_GFNS];

/* Write a marker through a mapping and read it back: the page must be there. */
static void touch(uint64_t gfn, uint32_t marker)
{
    volatile uint32_t *w = (void *)(uintptr_t)(gfn * PAGE + (marker % 1024) * 4);

    *w = marker;
    if (*w != marker)
        guest_test_fail(__FILE__, __LINE__, "gfn %#llx lost the marker just written",
                        (unsigned long long)gfn);
}

static long map_foreign(unsigned int i)
{
    xen_ulong_t idx = RACE_FIRST + i;
    xen_pfn_t gpfn = FOREIGN_AT + i;
    int err = 1;
    struct xen_add_to_physmap_batch b = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_gmfn_foreign,
        .size = 1,
    };
    long rc;

    b.u.foreign_domid = (domid_t)opt_other;
    set_xen_guest_handle(b.idxs, &idx);
    set_xen_guest_handle(b.gpfns, &gpfn);
    set_xen_guest_handle(b.errs, &err);
    rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b);
    return rc ? rc : err;
}

static long map_grant(unsigned int i, grant_handle_t *handle)
{
    struct gnttab_map_grant_ref op = {
        .host_addr = (GRANT_AT + i) * PAGE,
        .flags = GNTMAP_host_map,
        .ref = i,
        .dom = (domid_t)opt_other,
        .status = 99,
    };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);

    *handle = op.handle;
    return rc ? rc : op.status;
}

static long unmap_grant(unsigned int i, grant_handle_t handle)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = (GRANT_AT + i) * PAGE, .handle = handle };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);

    return rc ? rc : op.status;
}

static long copy_grant(unsigned int i, int to_owner)
{
    struct gnttab_copy op = { .len = 64, .status = 99 };
    struct gnttab_copy_ptr *theirs = to_owner ? &op.dest : &op.source;
    struct gnttab_copy_ptr *ours = to_owner ? &op.source : &op.dest;
    long rc;

    op.flags = to_owner ? GNTCOPY_dest_gref : GNTCOPY_source_gref;
    theirs->u.ref = i;
    theirs->domid = (domid_t)opt_other;
    theirs->offset = (uint16_t)(i * 64);
    ours->u.gmfn = COPY_PAGE;
    ours->domid = DOMID_SELF;
    ours->offset = 0;
    rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, &op, 1);
    return rc ? rc : op.status;
}

/* Is the owner still there? (A foreign map of a domain that is gone: -ESRCH.) */
static void mapper(void)
{
    struct prng p;
    struct tally t = { 0, 0 };
    unsigned long i;
    unsigned int gone = 0;

    prng_seed(&p, opt_seed, 20);
    /* The grant mappings need holes. */
    for (unsigned int k = 0; k < RACE_GFNS; k += 8)
        CHECK_EQ(reservation(XENMEM_decrease_reservation, DOMID_SELF, GRANT_AT + k, 3), 1);
    for (i = 0; i < opt_ops && gone < 100; i++) {
        uint32_t r = prng_below(&p, 100);
        unsigned int k = prng_below(&p, RACE_GFNS);
        uint32_t marker = (uint32_t)prng_next(&p);
        long rc;

        if (r < 40) {
            rc = map_foreign(k);
            expect(rc, 0, &t, "foreign map");
            gone = rc == -XEN_ESRCH ? gone + 1 : 0;
            if (rc == 0) {
                foreign_mapped[k] = true;
                touch(FOREIGN_AT + k, marker);
            }
        } else if (r < 55) {
            rc = remove_from_physmap(FOREIGN_AT + k);
            expect(rc, 0, &t, "remove foreign");
            if (rc == 0)
                foreign_mapped[k] = false;
        } else if (r < 85) {
            grant_handle_t h;
            rc = map_grant(k, &h);
            t.ops++;
            if (rc == GNTST_okay) {
                touch(GRANT_AT + k, marker);
                t.ok++;
                if (!CHECK_EQ(unmap_grant(k, h), GNTST_okay))
                    break;
            } else if (rc > 0 || rc < GNTST_eagain) {
                guest_test_fail(__FILE__, __LINE__, "map_grant_ref: status %ld", rc);
            }
        } else {
            rc = copy_grant(k, prng_below(&p, 2));
            t.ops++;
            t.ok += rc == GNTST_okay;
            if (rc > 0 || rc < GNTST_eagain)
                guest_test_fail(__FILE__, __LINE__, "copy: status %ld", rc);
        }
        if (foreign_mapped[k] && prng_one_in(&p, 4))
            touch(FOREIGN_AT + k, marker ^ 1); /* still there, whatever the owner did */
    }
    gprintf("race: mapper: %lu operations, %lu succeeded%s\n", t.ops, t.ok,
            gone >= 100 ? " (then the owner was gone)" : "");
}

void test_main(void)
{
    guest_arg_ulong("ops", &opt_ops);
    guest_arg_ulong("seed", &opt_seed);
    if (!CHECK_EQ(guest_arg_ulong("other", &opt_other), 0))
        return;
    gprintf("race: seed 0x%lx, %lu operations per vCPU\n", opt_seed, opt_ops);
    GUEST_PLAY_ROLE({ "owner", owner }, { "mapper", mapper });
}
