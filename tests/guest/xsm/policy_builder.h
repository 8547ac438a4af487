/*
 * Building binary FLASK policies (include/public/xsm/flask_policy.h) for the
 * XSM test guests, and a small PRNG. Plain C over the public headers, so the
 * host builds it too: the fuzz oracle (tests/unit/flask_fuzz_oracle.c)
 * generates the very policies the guest xsm_fuzz.c loads.
 *
 * The includer provides memcpy, strlen and strcmp, and may define
 * PB_FAIL(message) (default: guest_test_abort, the guest library's).
 */
#ifndef XSM_POLICY_BUILDER_H
#define XSM_POLICY_BUILDER_H

#include <public/xsm/flask_classes.h>
#include <public/xsm/flask_policy.h>

#ifndef PB_FAIL
#define PB_FAIL(message) guest_test_abort(message)
#endif

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
        PB_FAIL("policy builder: too many types");
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
        PB_FAIL("policy builder: too many rules");
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
     XEN__SETENFORCE | XEN__LOAD_POLICY | XEN__COMPUTE_AV | XEN__CHECK_CONTEXT | XEN__PHYSINFO)
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

#endif /* XSM_POLICY_BUILDER_H */
