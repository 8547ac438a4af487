/*
 * XSM decisions between domains, the same guest under every module
 * (xsm_tests.py beside it boots it with xsm=dummy, flask and silo). The role
 * and what to expect come after " -- " in the module command line; domains find
 * each other by domid and wait with the signals of xsm_util.h.
 *
 * An unprivileged domain and a privileged one (test "deny"):
 *   role=actor boss=ID expect=deny|allow
 *                   (unprivileged) waits for the boss's poke, then tries
 *                   add_to_physmap, remove_from_physmap, current_reservation
 *                   on the boss and machine_memory_map: -EPERM ("deny"), or
 *                   0 under FLASK's permissive mode ("allow"); the same on
 *                   itself always succeed.
 *   role=boss actor=ID
 *                   (privileged) inspects the actor, pokes it, and waits
 *                   until it is gone.
 *
 * A stub domain, its target and a third domain (test "stub"):
 *   role=stubguest  (the target, unprivileged) waits until two of its RAM
 *                   pages are gone (the stub's doing, or the boss's).
 *   role=stub target=ID third=ID expect=allow|deny
 *                   (booted with target=, unprivileged) on the third domain:
 *                   add_to_physmap, remove_from_physmap, a foreign mapping of
 *                   its frame: -EPERM.
 *                   On its target: current_reservation, a foreign mapping of
 *                   one of its frames, add_to_physmap of shared_info over
 *                   RAM, remove_from_physmap of it, and add_to_physmap again
 *                   elsewhere (two RAM pages gone: the target's signal):
 *                   allowed ("allow") or -EPERM ("deny").
 *   role=stubboss stub=ID guest=ID poke=0|1
 *                   (privileged, the third domain) waits until the stub is
 *                   gone, pokes the target twice if poke=1 (the stub could
 *                   not), and waits until the target is gone.
 */
#include "xsm_util.h"

TEST_NAME("xsm_roles");

#define FOREIGN_GFN 0x900UL /* in the stub: where the target's frame appears */
#define FOREIGN_IDX 0x800UL /* in the target: the frame the stub maps */

static domid_t arg_domid(const char *key)
{
    unsigned long v;
    if (guest_arg_ulong(key, &v))
        guest_test_abort("a domid argument is missing");
    return (domid_t)v;
}

/* "expect=allow" or "expect=deny": the result an operation should have. */
static long expected_result(void)
{
    if (guest_arg_is("expect", "allow"))
        return 0;
    if (guest_arg_is("expect", "deny"))
        return -XEN_EPERM;
    guest_test_abort("expect=allow|deny is missing");
}

/* Map frame idx of `foreign` at gpfn of ours: the call's result, else errs[0]. */
static long map_foreign(domid_t foreign, unsigned long idx, unsigned long gpfn)
{
    xen_ulong_t i = idx;
    xen_pfn_t g = gpfn;
    int err = 99;
    long rc = add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn_foreign, foreign, &i, &g, &err, 1);

    return rc ? rc : err;
}

static long machine_memory_map(void)
{
    struct xen_e820_entry e[4];
    struct xen_memory_map m = { .nr_entries = 4 };
    set_xen_guest_handle(m.buffer, e);
    return HYPERVISOR_memory_op(XENMEM_machine_memory_map, &m);
}

static long own_memory_map(void)
{
    struct xen_e820_entry e[4];
    struct xen_memory_map m = { .nr_entries = 4 };
    set_xen_guest_handle(m.buffer, e);
    return HYPERVISOR_memory_op(XENMEM_memory_map, &m);
}

/* ---- an unprivileged domain and a privileged one -------------------------------- */

static void actor(void)
{
    domid_t boss = arg_domid("boss");
    long expect = expected_result();
    long max = max_pages(DOMID_SELF);
    long rc;

    CHECK(!domain_is_privileged());
    /* The boss's poke: it exists, and it has seen us. */
    wait_pages(DOMID_SELF, max - 1);

    /* On the privileged domain. */
    rc = add_to_physmap(boss, XENMAPSPACE_shared_info, 0, SCRATCH_GFN);
    gprintf("add_to_physmap on d%u -> %ld\n", boss, rc);
    CHECK_EQ(rc, expect);
    rc = remove_from_physmap(boss, SCRATCH_GFN);
    gprintf("remove_from_physmap on d%u -> %ld\n", boss, rc);
    CHECK_EQ(rc, expect);
    rc = memop_query(XENMEM_current_reservation, boss);
    gprintf("current_reservation of d%u -> %s\n", boss, rc > 0 ? "its size" : "an error");
    if (expect)
        CHECK_EQ(rc, expect);
    else
        CHECK(rc > 0);
    /* On Mica itself. */
    CHECK_EQ(machine_memory_map(), expect);

    /* On itself: always allowed. shared_info over RAM frees a page. */
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, SCRATCH_GFN), 0);
    CHECK_EQ(remove_from_physmap(own_domid(), SCRATCH_GFN), 0);
    CHECK_EQ(memop_query(XENMEM_current_reservation, own_domid()), max - 2);
    CHECK_EQ(current_pages(), max - 2);
    CHECK_EQ(own_memory_map(), 0);
}

static void boss(void)
{
    domid_t actor_id = arg_domid("actor");

    CHECK(domain_is_privileged());
    /* The actor was built before us: it is there until we poke it. */
    CHECK_EQ(memop_query(XENMEM_current_reservation, actor_id), max_pages(actor_id));
    CHECK_EQ(poke(actor_id, 0), 1);
    CHECK_EQ(machine_memory_map(), 0);
    CHECK_EQ(own_memory_map(), 0);
    wait_gone(actor_id);
    gprintf("the actor is gone\n");
}

/* ---- a stub domain -------------------------------------------------------------- */

static void stubguest(void)
{
    CHECK(!domain_is_privileged());
    wait_pages(DOMID_SELF, max_pages(DOMID_SELF) - 2);
    gprintf("two pages gone; leaving\n");
}

static void stub(void)
{
    domid_t target = arg_domid("target"), third = arg_domid("third");
    long expect = expected_result();
    long rc;

    CHECK(!domain_is_privileged());
    wait_exists(third);

    /* The third domain: nothing, under every module. */
    CHECK_EQ(add_to_physmap(third, XENMAPSPACE_shared_info, 0, SCRATCH_GFN), -XEN_EPERM);
    CHECK_EQ(remove_from_physmap(third, SCRATCH_GFN), -XEN_EPERM);
    gprintf("the third domain d%u: -EPERM\n", third);
    /* Mapping its frames: -EPERM. */
    CHECK_EQ(map_foreign(third, FOREIGN_IDX, FOREIGN_GFN), -XEN_EPERM);

    /* The target (it waits for our last call). */
    rc = memop_query(XENMEM_current_reservation, target);
    if (expect)
        CHECK_EQ(rc, expect);
    else
        CHECK(rc > 0);
    rc = map_foreign(target, FOREIGN_IDX, FOREIGN_GFN);
    CHECK_EQ(rc, expect);
    if (!rc)
        CHECK_EQ(remove_from_physmap(DOMID_SELF, FOREIGN_GFN), 0);
    rc = add_to_physmap(target, XENMAPSPACE_shared_info, 0, SCRATCH_GFN);
    gprintf("add_to_physmap on the target d%u -> %ld\n", target, rc);
    CHECK_EQ(rc, expect);
    rc = remove_from_physmap(target, SCRATCH_GFN);
    gprintf("remove_from_physmap on the target d%u -> %ld\n", target, rc);
    CHECK_EQ(rc, expect);
    /* shared_info over RAM again: the target's second page is gone. */
    rc = add_to_physmap(target, XENMAPSPACE_shared_info, 0, SCRATCH_GFN + 1);
    CHECK_EQ(rc, expect);
}

static void stubboss(void)
{
    domid_t stub_id = arg_domid("stub"), guest = arg_domid("guest");

    CHECK(domain_is_privileged());
    wait_gone(stub_id);
    if (guest_arg_is("poke", "1")) {
        CHECK_EQ(poke(guest, 0), 1);
        CHECK_EQ(poke(guest, 1), 1);
    }
    wait_gone(guest);
    gprintf("the stub and its target are gone\n");
}

void test_main(void)
{
    GUEST_PLAY_ROLE({ "actor", actor }, { "boss", boss }, { "stubguest", stubguest },
                    { "stub", stub }, { "stubboss", stubboss });
}
