/*
 * Helpers shared by the XSM test guests (tests/guest/xsm/xsm_*.c): typed
 * wrappers over xsm_op's FLASK commands, the builder of binary FLASK
 * policies (policy_builder.h), and the few ways domains of one run wait for
 * each other. Everything is static so each guest stays one
 * translation unit.
 *
 * Waiting without shared memory. Mica builds the modules in order and starts
 * each domain at once, so a domain may run before a later one exists, and
 * one that has powered off is gone (-ESRCH). Two signals suffice:
 *   - existence: memory_op(current_reservation, domid) is -ESRCH for a
 *     domain that is not (or no longer) there, anything else while it is
 *     (even -EPERM: the lookup comes before the XSM check). A domain built
 *     BEFORE the waiter is gone once it answers -ESRCH.
 *   - a poke: another domain takes one of our RAM pages away
 *     (decrease_reservation, or add_to_physmap of shared_info over it,
 *     which frees the RAM that was there; remove_from_physmap would not:
 *     as in Xen the frame stays the domain's), so our own
 *     current_reservation drops. Every domain starts with all its RAM
 *     populated (current == maximum), so "max - n" counts the pokes and
 *     removals so far, whoever went first. POKE_GFN.. are never touched.
 */
#ifndef GUEST_XSM_UTIL_H
#define GUEST_XSM_UTIL_H

#include "../memop/memop.h"
#include "args.h"
#include "policy_builder.h"
#include <public/xsm/flask_op.h>

/* How often to look before giving up. SCHEDOP_block is no clock (a vCPU on
 * CPU0 is woken at CPU0's next scheduling decision, often at once), so this
 * is just large: a test that really hangs ends at its QEMU timeout. */
#define WAIT_ROUNDS 1000000
#define POKE_GFN 0x8f0UL    /* 0x8f0..0x8ff: pages others may remove */
#define SCRATCH_GFN 0x880UL /* where shared_info is mapped and removed */

/* ---- waiting ------------------------------------------------------------------ */

/* Let the others run (Mica: SCHEDOP_block, woken at the next tick or sooner). */
static inline void xsm_block(void)
{
    HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* Wait until domid exists (built after us); abort after WAIT_ROUNDS. */
static inline void wait_exists(domid_t domid)
{
    for (unsigned int t = 0; t < WAIT_ROUNDS; t++) {
        if (domain_exists(domid))
            return;
        xsm_block();
    }
    guest_test_abort("the domain we wait for never appeared");
}

/* Wait until domid is gone (built before us, so -ESRCH means gone). */
static inline void wait_gone(domid_t domid)
{
    for (unsigned int t = 0; t < WAIT_ROUNDS; t++) {
        if (!domain_exists(domid))
            return;
        xsm_block();
    }
    guest_test_abort("the domain we wait for never went away");
}

/* Wait until current_reservation of domid is `pages`; abort otherwise. */
static inline void wait_pages(domid_t domid, long pages)
{
    for (unsigned int t = 0; t < WAIT_ROUNDS; t++) {
        if (memop_query(XENMEM_current_reservation, domid) == pages)
            return;
        xsm_block();
    }
    gprintf("d%u has %ld pages, not %ld\n", domid, memop_query(XENMEM_current_reservation, domid),
            pages);
    guest_test_abort("the page count we wait for never came");
}

/* Our own maximum reservation (= the pages we started with). */
static inline long max_pages(domid_t domid)
{
    return memop_query(XENMEM_maximum_reservation, domid);
}

/* Poke domid: give back its RAM page POKE_GFN + n (1 extent, or -errno). */
static inline long poke(domid_t domid, unsigned int n)
{
    xen_pfn_t gfn = POKE_GFN + n;
    return memop_reservation(XENMEM_decrease_reservation, &gfn, 1, 0, domid);
}

/* ---- xsm_op: FLASK -------------------------------------------------------------- */

static inline long flask_op(struct xen_flask_op *op)
{
    op->interface_version = XEN_FLASK_INTERFACE_VERSION;
    return HYPERVISOR_xsm_op(op);
}

static inline long flask_load(const void *buf, uint32_t size)
{
    struct xen_flask_op op = { .cmd = FLASK_LOAD };
    set_xen_guest_handle(op.u.load.buffer, (char *)(uintptr_t)buf);
    op.u.load.size = size;
    return flask_op(&op);
}

static inline long flask_getenforce(void)
{
    struct xen_flask_op op = { .cmd = FLASK_GETENFORCE };
    return flask_op(&op);
}

static inline long flask_setenforce(uint32_t enforcing)
{
    struct xen_flask_op op = { .cmd = FLASK_SETENFORCE };
    op.u.enforce.enforcing = enforcing;
    return flask_op(&op);
}

/* The SID of a context string, or -errno. */
static inline long flask_context_to_sid(const char *context)
{
    struct xen_flask_op op = { .cmd = FLASK_CONTEXT_TO_SID };
    set_xen_guest_handle(op.u.sid_context.context, (char *)(uintptr_t)context);
    op.u.sid_context.size = (uint32_t)strlen(context);
    long rc = flask_op(&op);
    return rc ? rc : (long)op.u.sid_context.sid;
}

/* The context of sid into buf (size bytes); *len gets the reported size. */
static inline long flask_sid_to_context(uint32_t sid, char *buf, uint32_t size, uint32_t *len)
{
    struct xen_flask_op op = { .cmd = FLASK_SID_TO_CONTEXT };
    op.u.sid_context.sid = sid;
    op.u.sid_context.size = size;
    set_xen_guest_handle(op.u.sid_context.context, buf);
    long rc = flask_op(&op);
    if (len)
        *len = op.u.sid_context.size;
    return rc;
}

/* FLASK_ACCESS: may ssid do req on tsid in tclass? *out gets the answer. */
static inline long flask_access(uint32_t ssid, uint32_t tsid, uint32_t tclass, uint32_t req,
                                struct xen_flask_access *out)
{
    struct xen_flask_op op = { .cmd = FLASK_ACCESS };
    op.u.access = (struct xen_flask_access){ .ssid = ssid,
                                             .tsid = tsid,
                                             .tclass = tclass,
                                             .req = req,
                                             .allowed = 0xdeadbeef,
                                             .audit_allow = 0xdeadbeef,
                                             .audit_deny = 0xdeadbeef,
                                             .seqno = 0xdeadbeef };
    long rc = flask_op(&op);
    *out = op.u.access;
    return rc;
}

/* The SID of a type name; aborts the test if the policy has no such type. */
static inline uint32_t sid_of(const char *type)
{
    long sid = flask_context_to_sid(type);
    if (sid <= 0)
        guest_test_abort("a type of the policy has no SID");
    return (uint32_t)sid;
}

#endif /* GUEST_XSM_UTIL_H */
