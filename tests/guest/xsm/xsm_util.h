/*
 * Helpers shared by the XSM test guests (tests/guest/xsm/xsm_*.c): typed
 * wrappers over xsm_op's FLASK commands, a builder for binary FLASK policies
 * (include/public/xsm/flask_policy.h), and the few ways domains of one run
 * wait for each other. Everything is static so each guest stays one
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
#include <public/xsm/flask_op.h>
#include <public/xsm/flask_policy.h>
#include <public/xsm/flask_classes.h>

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

/* Does domid exist (current_reservation is not -ESRCH)? */
static inline int domain_exists(domid_t domid)
{
    return memop_query(XENMEM_current_reservation, domid) != -XEN_ESRCH;
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

/* ---- building binary policies -------------------------------------------------- */

#define PB_MAX_TYPES 16
#define PB_MAX_RULES 64
#define PB_MAX_STRINGS 512

/* A policy being built: types by name, rules merged per (src, tgt, class). */
struct policy_builder {
    unsigned int nr_types; /* including the reserved type 0 */
    const char *types[PB_MAX_TYPES];
    unsigned int nr_rules;
    struct flask_policy_rule rules[PB_MAX_RULES];
};

static inline void pb_init(struct policy_builder *b)
{
    b->nr_types = 1;
    b->types[0] = "";
    b->nr_rules = 0;
}

static inline uint16_t pb_type(struct policy_builder *b, const char *name)
{
    for (unsigned int t = 1; t < b->nr_types; t++)
        if (!strcmp(b->types[t], name))
            return (uint16_t)t;
    if (b->nr_types == PB_MAX_TYPES)
        guest_test_abort("policy builder: too many types");
    b->types[b->nr_types] = name;
    return (uint16_t)b->nr_types++;
}

/* allow src tgt:tclass perms (adds to an existing rule for the triple). */
static inline void pb_allow(struct policy_builder *b, const char *src, const char *tgt,
                            unsigned int tclass, uint32_t perms)
{
    uint16_t s = pb_type(b, src), t = pb_type(b, tgt);

    for (unsigned int i = 0; i < b->nr_rules; i++) {
        struct flask_policy_rule *r = &b->rules[i];
        if (r->src == s && r->tgt == t && r->tclass == tclass) {
            r->perms |= perms;
            return;
        }
    }
    if (b->nr_rules == PB_MAX_RULES)
        guest_test_abort("policy builder: too many rules");
    b->rules[b->nr_rules++] = (struct flask_policy_rule){ s, t, (uint16_t)tclass, 0, perms };
}

/* Take perms away from a rule (the rule goes when nothing is left). */
static inline void pb_deny(struct policy_builder *b, const char *src, const char *tgt,
                           unsigned int tclass, uint32_t perms)
{
    uint16_t s = pb_type(b, src), t = pb_type(b, tgt);

    for (unsigned int i = 0; i < b->nr_rules; i++) {
        struct flask_policy_rule *r = &b->rules[i];
        if (r->src == s && r->tgt == t && r->tclass == tclass) {
            r->perms &= ~perms;
            if (!r->perms)
                b->rules[i] = b->rules[--b->nr_rules];
            return;
        }
    }
}

static inline int pb_rule_less(const struct flask_policy_rule *a, const struct flask_policy_rule *b)
{
    if (a->src != b->src)
        return a->src < b->src;
    if (a->tgt != b->tgt)
        return a->tgt < b->tgt;
    return a->tclass < b->tclass;
}

/* Write the binary policy into out (capacity cap): its size, or 0 if it
 * does not fit. Rules are sorted; strings hold "" (type 0) and the names. */
static inline uint32_t pb_write(struct policy_builder *b, uint8_t *out, size_t cap)
{
    struct flask_policy_rule sorted[PB_MAX_RULES];
    uint32_t offsets[PB_MAX_TYPES];
    char strings[PB_MAX_STRINGS];
    uint32_t strings_size = 1;

    strings[0] = '\0';
    offsets[0] = 0;
    for (unsigned int t = 1; t < b->nr_types; t++) {
        size_t len = strlen(b->types[t]) + 1;
        if (strings_size + len > sizeof(strings))
            return 0;
        offsets[t] = strings_size;
        memcpy(strings + strings_size, b->types[t], len);
        strings_size += (uint32_t)len;
    }
    /* Insertion sort: a few dozen rules. */
    for (unsigned int i = 0; i < b->nr_rules; i++) {
        unsigned int j = i;
        while (j && pb_rule_less(&b->rules[i], &sorted[j - 1])) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = b->rules[i];
    }

    struct flask_policy_header h = {
        .magic = FLASK_POLICY_MAGIC,
        .version = FLASK_POLICY_VERSION,
        .nr_types = b->nr_types,
        .nr_rules = b->nr_rules,
        .strings_size = strings_size,
        .nr_classes = FLASK_NR_CLASSES,
    };
    size_t size = sizeof(h) + b->nr_types * sizeof(uint32_t) +
                  b->nr_rules * sizeof(struct flask_policy_rule) + strings_size;
    if (size > cap)
        return 0;
    uint8_t *p = out;
    memcpy(p, &h, sizeof(h));
    p += sizeof(h);
    memcpy(p, offsets, b->nr_types * sizeof(uint32_t));
    p += b->nr_types * sizeof(uint32_t);
    memcpy(p, sorted, b->nr_rules * sizeof(struct flask_policy_rule));
    p += b->nr_rules * sizeof(struct flask_policy_rule);
    memcpy(p, strings, strings_size);
    return (uint32_t)size;
}

#define MMU__ALL \
    (MMU__PHYSMAP | MMU__ADJUST | MMU__STAT | MMU__MEMORYMAP | MMU__MAP_READ | MMU__MAP_WRITE)
#define MMU__SELF (MMU__PHYSMAP | MMU__ADJUST | MMU__STAT | MMU__MEMORYMAP)
#define DOMAIN__ALL                                                                           \
    (DOMAIN__CREATE | DOMAIN__DESTROY | DOMAIN__PAUSE | DOMAIN__GETPARAM | DOMAIN__SETPARAM | \
     DOMAIN__VCPU)
#define XEN__ALL                                                                        \
    (XEN__WRITECONSOLE | XEN__READCONSOLE | XEN__MACHINE_MEMORY_MAP | XEN__GETENFORCE | \
     XEN__SETENFORCE | XEN__LOAD_POLICY | XEN__COMPUTE_AV | XEN__CHECK_CONTEXT)
#define GRANT__ALL 0x3fu
#define GRANT__SELF (GRANT__SETUP | GRANT__QUERY | GRANT__COPY)
#define GRANT__TO_DOM0 (GRANT__MAP_READ | GRANT__MAP_WRITE | GRANT__UNMAP | GRANT__COPY)
#define EVENT__ALL 0x1fu

/* The default policy (xsm/policy/default.te), attributes expanded. */
static inline void pb_default(struct policy_builder *b)
{
    static const char *const domains[] = { "dom0_t", "domU_t", "stub_t" };

    pb_init(b);
    pb_type(b, "xen_t");
    for (unsigned int i = 0; i < 3; i++) {
        pb_allow(b, domains[i], domains[i], FLASK_CLASS_MMU, MMU__SELF);
        pb_allow(b, domains[i], domains[i], FLASK_CLASS_DOMAIN,
                 DOMAIN__GETPARAM | DOMAIN__SETPARAM | DOMAIN__VCPU);
        pb_allow(b, domains[i], "xen_t", FLASK_CLASS_XEN, XEN__WRITECONSOLE);
    }
    for (unsigned int i = 0; i < 3; i++) {
        pb_allow(b, "dom0_t", domains[i], FLASK_CLASS_DOMAIN, DOMAIN__ALL);
        pb_allow(b, "dom0_t", domains[i], FLASK_CLASS_MMU, MMU__ALL);
        pb_allow(b, "dom0_t", domains[i], FLASK_CLASS_GRANT, GRANT__ALL);
        pb_allow(b, "dom0_t", domains[i], FLASK_CLASS_EVENT, EVENT__ALL);
    }
    pb_allow(b, "dom0_t", "xen_t", FLASK_CLASS_XEN, XEN__ALL);
    pb_allow(b, "stub_t", "domU_t", FLASK_CLASS_MMU,
             MMU__PHYSMAP | MMU__MAP_READ | MMU__MAP_WRITE | MMU__STAT);
    /* grants: each domain's own table (dom0's is in GRANT__ALL above), and
     * guests towards dom0's backends */
    pb_allow(b, "domU_t", "domU_t", FLASK_CLASS_GRANT, GRANT__SELF);
    pb_allow(b, "stub_t", "stub_t", FLASK_CLASS_GRANT, GRANT__SELF);
    pb_allow(b, "domU_t", "dom0_t", FLASK_CLASS_GRANT, GRANT__TO_DOM0);
}

/* ---- a small PRNG (xorshift64*) ------------------------------------------------- */

static inline uint64_t prng_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* A number in [0, n). */
static inline uint32_t prng_below(uint64_t *state, uint32_t n)
{
    return n ? (uint32_t)((prng_next(state) >> 32) % n) : 0;
}

#endif /* GUEST_XSM_UTIL_H */
