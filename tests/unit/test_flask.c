/*
 * Unit tests for Mica's FLASK security server: the binary policy loader
 * and access decisions (xsm/flask_policy.c) and the access vector cache
 * (xsm/flask_avc.c), on the fake machine of host_mm.c (the policy lives on
 * Mica's heap).
 *
 * Decisions are checked against brute force: the shipped policies through a
 * small reading of the source language written here, hand-written policies
 * the same way, and random policies against the model they were generated
 * from. The loader must refuse every malformed binary with -EINVAL, survive
 * running out of memory at every allocation with -ENOMEM, and hold up under
 * a seeded fuzzer; whatever it refuses, it must give back every page.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flask.h"
#include "heap.h"
#include "host_mm.h"
#include "policyc.h"
#include "public/errno.h"
#include "unit.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define EINVAL_RC (-XEN_EINVAL)
#define ENOMEM_RC (-XEN_ENOMEM)

/* Frames of the fake machine: room for the largest policy there is. */
#define MACHINE_FRAMES 8192

static char errbuf[8192];

/* --- random numbers (seeded, so every run is the same) ---------------------------- */

static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
    rng_state = seed ? seed : 1;
}

static uint32_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* A number in [0, n); 0 when n is 0. */
static uint32_t below(uint32_t n)
{
    return n ? rng() % n : 0;
}

/* --- little helpers ----------------------------------------------------------------- */

static uint32_t get32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* The permission bits class c has. */
static uint32_t class_mask(unsigned int c)
{
    unsigned int n = 0;

    while (n < FLASK_MAX_PERMS && flask_perm_names[c][n])
        n++;
    return n == 32 ? 0xffffffffu : (1u << n) - 1;
}

/* A copy of `len` bytes in a block of exactly that size, so that ASan
 * catches the loader reading one byte past the end of its input. */
static uint8_t *exact_copy(const void *data, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);

    if (!copy) {
        fputs("test_flask: out of memory\n", stderr);
        exit(1);
    }
    if (len)
        memcpy(copy, data, len);
    return copy;
}

/* A growing text buffer for generated policy sources. */
struct text {
    char *data;
    size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void appendf(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(t->data ? t->data + t->len : NULL, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < t->cap - t->len)
            break;
        t->cap = t->cap ? 2 * t->cap + (size_t)n : 4096;
        t->data = realloc(t->data, t->cap);
        if (!t->data) {
            fputs("test_flask: out of memory\n", stderr);
            exit(1);
        }
    }
    t->len += (size_t)n;
}

/* --- compiling and loading ------------------------------------------------------------ */

/* Compile a source with tools/policyc.c; false (errors on stderr) if it fails. */
static bool compile(const char *name, const char *source, size_t len, struct policyc_output *out)
{
    int errors = policyc_compile(name, source, len, out, errbuf, sizeof(errbuf));

    if (errors)
        fprintf(stderr, "%s does not compile:\n%s", name, errbuf);
    return errors == 0 && out->data != NULL;
}

/*
 * Load `len` bytes at `data` (from an exact-size copy). Returns the loader's
 * result; a policy it builds is freed again. *leaked says whether fewer
 * frames are free afterwards than before.
 */
static int try_parse(const void *data, size_t len, bool *leaked)
{
    uint8_t *copy = exact_copy(data, len);
    uint64_t free_before = host_mm_free_frames();
    struct flask_policy *p = (struct flask_policy *)&p; /* not NULL: must be reset */
    int rc = flask_policy_parse(copy, len, &p);

    if (rc != 0 && p != NULL)
        rc = 1000; /* a failed load must leave *out NULL */
    if (rc == 0 && p == NULL)
        rc = 1001;
    flask_policy_free(rc == 0 ? p : NULL);
    *leaked = host_mm_free_frames() != free_before;
    free(copy);
    return rc;
}

/* The loader must give `expected` for these bytes and keep no memory. */
#define CHECK_PARSE(data, len, expected)                          \
    do {                                                          \
        bool leaked_;                                             \
        CHECK_EQ(try_parse((data), (len), &leaked_), (expected)); \
        CHECK(!leaked_);                                          \
    } while (0)

/* --- brute force from the source text ------------------------------------------------- */

/*
 * A second, deliberately naive reading of the policy language (tools/policyc.c
 * documents it), for well-formed sources: declarations are recorded, the allow
 * rules kept as written, and a decision is the OR of every rule whose source
 * set holds the source type and whose target set (or `self`) the target.
 */
#define REF_MAX_TYPES 128
#define REF_MAX_ATTRS 32
#define REF_MAX_RULES 1024

struct ref_symbol {
    char name[FLASK_POLICY_MAX_NAME];
    bool is_attribute;
    unsigned int index; /* into the types or the attributes */
};

struct ref_rule {
    int src, tgt; /* symbols; tgt -1 for self */
    unsigned int tclass;
    uint32_t perms;
};

static struct ref {
    unsigned int nr_types, nr_attrs, nr_symbols, nr_rules;
    char type_name[REF_MAX_TYPES][FLASK_POLICY_MAX_NAME];
    bool member[REF_MAX_ATTRS][REF_MAX_TYPES];
    struct ref_symbol symbol[REF_MAX_TYPES + REF_MAX_ATTRS];
    struct ref_rule rule[REF_MAX_RULES];
} ref;

static const char *ref_pos, *ref_end;
static char ref_tok[128]; /* the current token; "" at the end */

static void ref_next(void)
{
    size_t n = 0;

    for (;;) {
        while (ref_pos < ref_end && strchr(" \t\r\n\f\v", *ref_pos))
            ref_pos++;
        if (ref_pos < ref_end && *ref_pos == '#') {
            while (ref_pos < ref_end && *ref_pos != '\n')
                ref_pos++;
            continue;
        }
        break;
    }
    if (ref_pos < ref_end && strchr("{}:;,", *ref_pos)) {
        ref_tok[n++] = *ref_pos++;
    } else {
        while (ref_pos < ref_end && n + 1 < sizeof(ref_tok) &&
               (*ref_pos == '_' || (*ref_pos >= '0' && *ref_pos <= '9') ||
                (*ref_pos >= 'a' && *ref_pos <= 'z') || (*ref_pos >= 'A' && *ref_pos <= 'Z')))
            ref_tok[n++] = *ref_pos++;
    }
    ref_tok[n] = '\0';
}

static bool ref_accept(const char *text)
{
    if (strcmp(ref_tok, text))
        return false;
    ref_next();
    return true;
}

static int ref_symbol(const char *name)
{
    for (unsigned int i = 0; i < ref.nr_symbols; i++)
        if (!strcmp(ref.symbol[i].name, name))
            return (int)i;
    return -1;
}

static bool ref_declare(bool is_attribute)
{
    struct ref_symbol *s = &ref.symbol[ref.nr_symbols];

    if (ref_tok[0] == '\0' || strlen(ref_tok) >= FLASK_POLICY_MAX_NAME ||
        ref_symbol(ref_tok) >= 0 ||
        (is_attribute ? ref.nr_attrs == REF_MAX_ATTRS : ref.nr_types == REF_MAX_TYPES))
        return false;
    strcpy(s->name, ref_tok);
    s->is_attribute = is_attribute;
    s->index = is_attribute ? ref.nr_attrs++ : ref.nr_types++;
    if (!is_attribute)
        strcpy(ref.type_name[s->index], ref_tok);
    ref.nr_symbols++;
    ref_next();
    return true;
}

static bool ref_class(const char *name, unsigned int *tclass)
{
    for (unsigned int c = 0; c < FLASK_NR_CLASSES; c++) {
        if (!strcmp(flask_class_names[c], name)) {
            *tclass = c;
            return true;
        }
    }
    return false;
}

static bool ref_perm(unsigned int tclass, const char *name, uint32_t *perms)
{
    for (unsigned int bit = 0; flask_perm_names[tclass][bit]; bit++) {
        if (!strcmp(flask_perm_names[tclass][bit], name)) {
            *perms |= 1u << bit;
            return true;
        }
    }
    return false;
}

static bool ref_allow(void)
{
    struct ref_rule *r = &ref.rule[ref.nr_rules];

    if (ref.nr_rules == REF_MAX_RULES || (r->src = ref_symbol(ref_tok)) < 0)
        return false;
    ref_next();
    if (ref_accept("self"))
        r->tgt = -1;
    else if ((r->tgt = ref_symbol(ref_tok)) >= 0)
        ref_next();
    else
        return false;
    if (!ref_accept(":") || !ref_class(ref_tok, &r->tclass))
        return false;
    ref_next();
    r->perms = 0;
    if (ref_accept("{")) {
        while (!ref_accept("}")) {
            if (!ref_perm(r->tclass, ref_tok, &r->perms))
                return false;
            ref_next();
        }
    } else {
        if (!ref_perm(r->tclass, ref_tok, &r->perms))
            return false;
        ref_next();
    }
    ref.nr_rules++;
    return ref_accept(";");
}

/* Read a well-formed policy source into `ref`; false if it is not one. */
static bool ref_load(const char *source, size_t len)
{
    memset(&ref, 0, sizeof(ref));
    ref_pos = source;
    ref_end = source + len;
    ref_next();
    while (ref_tok[0]) {
        if (ref_accept("attribute")) {
            if (!ref_declare(true) || !ref_accept(";"))
                return false;
        } else if (ref_accept("type")) {
            unsigned int type = ref.nr_types;

            if (!ref_declare(false))
                return false;
            while (ref_accept(",")) {
                int a = ref_symbol(ref_tok);

                if (a < 0 || !ref.symbol[a].is_attribute)
                    return false;
                ref.member[ref.symbol[a].index][type] = true;
                ref_next();
            }
            if (!ref_accept(";"))
                return false;
        } else if (ref_accept("allow")) {
            if (!ref_allow())
                return false;
        } else {
            return false;
        }
    }
    return true;
}

/* Does symbol `sym` stand for type `type` (both of `ref`)? */
static bool ref_in(int sym, unsigned int type)
{
    const struct ref_symbol *s = &ref.symbol[sym];

    return s->is_attribute ? ref.member[s->index][type] : s->index == type;
}

/* What the source lets type src do to type tgt in tclass (declaration order from 0). */
static uint32_t ref_allowed(unsigned int src, unsigned int tgt, unsigned int tclass)
{
    uint32_t perms = 0;

    for (unsigned int i = 0; i < ref.nr_rules; i++) {
        const struct ref_rule *r = &ref.rule[i];

        if (r->tclass == tclass && ref_in(r->src, src) &&
            (r->tgt < 0 ? tgt == src : ref_in(r->tgt, tgt)))
            perms |= r->perms;
    }
    return perms;
}

/*
 * A decision oracle: what type src may do to type tgt in tclass, with types
 * numbered from 0 in declaration order (binary index - 1).
 */
typedef uint32_t (*oracle_fn)(const void *ctx, unsigned int src, unsigned int tgt,
                              unsigned int tclass);

static uint32_t ref_oracle(const void *ctx, unsigned int src, unsigned int tgt, unsigned int tclass)
{
    (void)ctx;
    return ref_allowed(src, tgt, tclass);
}

/*
 * Check every decision of a loaded policy against an oracle: each declared
 * type must have its declaration-order index, and for every (src, tgt,
 * class), out-of-range ones included, compute_av must say what the oracle
 * says. Returns the number of wrong answers (the first is printed).
 */
static unsigned int compare_decisions(const struct flask_policy *p, unsigned int nr_types,
                                      const char (*names)[FLASK_POLICY_MAX_NAME], oracle_fn oracle,
                                      const void *ctx)
{
    unsigned int wrong = 0;

    if (p->nr_types != nr_types + 1) {
        fprintf(stderr, "policy has %u types, the source %u\n", p->nr_types, nr_types + 1);
        return 1;
    }
    for (unsigned int t = 0; t < nr_types; t++) {
        if (flask_policy_type(p, names[t]) != t + 1) {
            fprintf(stderr, "type %s is %u, expected %u\n", names[t],
                    flask_policy_type(p, names[t]), t + 1);
            wrong++;
        }
    }
    for (unsigned int s = 0; s <= nr_types + 1; s++) {
        for (unsigned int t = 0; t <= nr_types + 1; t++) {
            for (unsigned int c = 0; c <= FLASK_NR_CLASSES; c++) {
                bool real = s >= 1 && s <= nr_types && t >= 1 && t <= nr_types &&
                            c < FLASK_NR_CLASSES;
                uint32_t expected = real ? oracle(ctx, s - 1, t - 1, c) : 0;
                uint32_t got = flask_policy_compute_av(p, s, t, c);

                if (got != expected && wrong++ == 0)
                    fprintf(stderr, "compute_av(%u, %u, %u) = %#x, expected %#x\n", s, t, c, got,
                            expected);
                /* Indices that equal real ones in their low 16 bits are
                 * still out of range. */
                if (expected &&
                    (flask_policy_compute_av(p, s + 0x10000, t, c) ||
                     flask_policy_compute_av(p, s, t + 0x10000, c) ||
                     flask_policy_compute_av(p, s, t, c + 0x10000)) &&
                    wrong++ == 0)
                    fprintf(stderr, "compute_av(%u, %u, %u) answers for an index + 0x10000\n", s, t,
                            c);
            }
        }
    }
    return wrong;
}

/* Compile, load and brute-force check a policy source against `ref`. */
static bool source_decisions_ok(const char *name, const char *source, size_t len)
{
    struct policyc_output out;
    struct flask_policy *p = NULL;
    bool ok;

    if (!ref_load(source, len)) {
        fprintf(stderr, "%s: the test's reference cannot read it\n", name);
        return false;
    }
    if (!compile(name, source, len, &out))
        return false;
    ok = flask_policy_parse(out.data, out.size, &p) == 0 && p &&
         compare_decisions(p, ref.nr_types, ref.type_name, ref_oracle, NULL) == 0;
    flask_policy_free(p);
    policyc_output_free(&out);
    return ok;
}

/* --- the shipped policies ---------------------------------------------------------------- */

static const char *const shipped_policies[] = {
    "xsm/policy/default.te",
    "xsm/policy/examples/strict.te",
    "xsm/policy/examples/stubdom.te",
};

/* Compile a policy file of the repository; false if it cannot be read or compiled. */
static bool compile_file(const char *path, struct policyc_output *out)
{
    size_t len;
    char *source = policyc_read_file(path, &len);
    bool ok;

    if (!source) {
        fprintf(stderr, "cannot read %s (run from the top of the repository)\n", path);
        memset(out, 0, sizeof(*out));
        return false;
    }
    ok = compile(path, source, len, out);
    free(source);
    return ok;
}

/* Every shipped policy loads, and decides as its source says. */
static void test_shipped_policies_brute_force(void)
{
    host_mm_init(MACHINE_FRAMES);
    uint64_t free_before = host_mm_free_frames();

    for (size_t i = 0; i < ARRAY_SIZE(shipped_policies); i++) {
        size_t len;
        char *source = policyc_read_file(shipped_policies[i], &len);

        CHECK(source != NULL);
        if (source)
            CHECK(source_decisions_ok(shipped_policies[i], source, len));
        free(source);
    }
    CHECK_EQ(host_mm_free_frames(), free_before);
    host_mm_fini();
}

/* The decisions default.te's comments promise, spelled out. */
static void test_default_policy_decisions(void)
{
    struct policyc_output out;
    struct flask_policy *p = NULL;

    host_mm_init(MACHINE_FRAMES);
    CHECK(compile_file("xsm/policy/default.te", &out));
    CHECK_EQ(flask_policy_parse(out.data, out.size, &p), 0);
    if (p) {
        uint32_t xen = flask_policy_type(p, "xen_t"), dom0 = flask_policy_type(p, "dom0_t");
        uint32_t domU = flask_policy_type(p, "domU_t"), stub = flask_policy_type(p, "stub_t");
        const uint32_t all_domain = class_mask(FLASK_CLASS_DOMAIN);

        CHECK(xen && dom0 && domU && stub);
        /* dom0: everything on every domain, and on Mica. */
        CHECK_EQ(flask_policy_compute_av(p, dom0, domU, FLASK_CLASS_DOMAIN), all_domain);
        CHECK_EQ(flask_policy_compute_av(p, dom0, dom0, FLASK_CLASS_DOMAIN), all_domain);
        CHECK_EQ(flask_policy_compute_av(p, dom0, stub, FLASK_CLASS_MMU),
                 class_mask(FLASK_CLASS_MMU));
        CHECK_EQ(flask_policy_compute_av(p, dom0, domU, FLASK_CLASS_GRANT),
                 class_mask(FLASK_CLASS_GRANT));
        CHECK_EQ(flask_policy_compute_av(p, dom0, domU, FLASK_CLASS_EVENT),
                 class_mask(FLASK_CLASS_EVENT));
        CHECK_EQ(flask_policy_compute_av(p, dom0, xen, FLASK_CLASS_XEN),
                 class_mask(FLASK_CLASS_XEN));
        /* A guest: itself, and the console. */
        CHECK_EQ(flask_policy_compute_av(p, domU, domU, FLASK_CLASS_DOMAIN),
                 DOMAIN__GETPARAM | DOMAIN__SETPARAM | DOMAIN__VCPU);
        CHECK_EQ(flask_policy_compute_av(p, domU, domU, FLASK_CLASS_MMU),
                 MMU__PHYSMAP | MMU__ADJUST | MMU__STAT | MMU__MEMORYMAP);
        CHECK_EQ(flask_policy_compute_av(p, domU, xen, FLASK_CLASS_XEN), XEN__WRITECONSOLE);
        CHECK_EQ(flask_policy_compute_av(p, domU, dom0, FLASK_CLASS_DOMAIN), 0);
        CHECK_EQ(flask_policy_compute_av(p, domU, dom0, FLASK_CLASS_MMU), 0);
        CHECK_EQ(flask_policy_compute_av(p, domU, stub, FLASK_CLASS_MMU), 0);
        /* Grants: its own table, and dom0's backends; not other guests. */
        CHECK_EQ(flask_policy_compute_av(p, domU, domU, FLASK_CLASS_GRANT),
                 GRANT__SETUP | GRANT__QUERY | GRANT__COPY);
        CHECK_EQ(flask_policy_compute_av(p, domU, dom0, FLASK_CLASS_GRANT),
                 GRANT__MAP_READ | GRANT__MAP_WRITE | GRANT__UNMAP | GRANT__COPY);
        CHECK_EQ(flask_policy_compute_av(p, domU, stub, FLASK_CLASS_GRANT), 0);
        /* The stub domain on the guests it serves. */
        CHECK_EQ(flask_policy_compute_av(p, stub, domU, FLASK_CLASS_MMU),
                 MMU__PHYSMAP | MMU__MAP_READ | MMU__MAP_WRITE | MMU__STAT);
        CHECK_EQ(flask_policy_compute_av(p, stub, dom0, FLASK_CLASS_MMU), 0);
        /* ... and shut them down, as a device model may. */
        CHECK_EQ(flask_policy_compute_av(p, stub, domU, FLASK_CLASS_DOMAIN), DOMAIN__SHUTDOWN);
        /* Mica itself is only ever a target. */
        for (unsigned int c = 0; c < FLASK_NR_CLASSES; c++) {
            for (uint32_t t = 0; t < p->nr_types; t++)
                CHECK_EQ(flask_policy_compute_av(p, xen, t, c), 0);
        }
        CHECK_EQ(flask_policy_compute_av(p, dom0, xen, FLASK_CLASS_DOMAIN), 0);
    }
    flask_policy_free(p);
    policyc_output_free(&out);
    host_mm_fini();
}

/* --- hand-written policies ------------------------------------------------------------------ */

#define DEFAULTS "type dom0_t;\ntype domU_t;\ntype xen_t;\n"

static const char *const hand_written[] = {
    /* Attributes that overlap; `self` on an attribute and on a type; the
     * same triple from several rules; a rule on an attribute that gains a
     * type after it; an attribute nobody has. */
    "attribute guest;\n"
    "attribute managed;\n"
    "attribute nobody;\n"
    "type xen_t;\n"
    "type dom0_t, managed;\n"
    "type domU_t, guest, managed;\n"
    "allow guest self:mmu { physmap stat };\n"
    "allow managed self:mmu adjust;\n"
    "allow dom0_t managed:domain { pause create };\n"
    "allow dom0_t domU_t:domain { pause destroy };\n"
    "allow dom0_t self:xen readconsole;\n"
    "allow guest xen_t:xen writeconsole;\n"
    "allow nobody guest:domain create;\n"
    "allow guest nobody:domain create;\n"
    "type hvm_t, guest;\n"
    "type dm_t, managed;\n"
    "allow dm_t guest:mmu { map_read map_write };\n"
    "allow dm_t hvm_t:mmu map_read;\n"
    "allow guest dm_t:event { send bind };\n"
    "allow managed guest:grant { map_read map_write unmap setup copy query };\n",

    /* No rules at all: everything denied. */
    DEFAULTS,

    /* Everything to everyone, through one attribute, with comments and
     * odd layout in between. */
    "attribute all;   # every type\n"
    "type dom0_t, all; type domU_t, all;\n"
    "type xen_t,\n  all;\n"
    "allow all all:domain { create destroy pause getparam setparam vcpu };\n"
    "allow all all : mmu {physmap adjust stat memorymap map_read map_write};\n"
    "allow all all:xen { writeconsole readconsole machine_memory_map getenforce\n"
    "                    setenforce load_policy compute_av };\n"
    "allow all all:grant { map_read map_write unmap setup copy query };\n"
    "allow all all:event { bind send status create close };\n",

    /* Only `self` rules, on a type with many attributes. */
    "attribute a; attribute b; attribute c;\n" DEFAULTS "type many, a, b, c;\n"
    "allow a self:domain vcpu;\n"
    "allow b self:domain pause;\n"
    "allow c self:event { close close close };\n"
    "allow many self:domain create;\n"
    "allow a b:domain getparam;\n",
};

static void test_hand_written_policies(void)
{
    host_mm_init(MACHINE_FRAMES);
    uint64_t free_before = host_mm_free_frames();

    for (size_t i = 0; i < ARRAY_SIZE(hand_written); i++) {
        char name[32];

        snprintf(name, sizeof(name), "hand_written[%zu]", i);
        CHECK(source_decisions_ok(name, hand_written[i], strlen(hand_written[i])));
    }
    CHECK_EQ(host_mm_free_frames(), free_before);
    host_mm_fini();
}

/* --- random policies against their model -------------------------------------------------- */

#define MODEL_MAX_TYPES 48
#define MODEL_MAX_ATTRS 8
#define MODEL_MAX_RULES 64

enum target_kind { TARGET_TYPE, TARGET_ATTR, TARGET_SELF };

struct model_rule {
    bool src_is_attr;
    unsigned int src; /* a type or an attribute */
    enum target_kind tgt_kind;
    unsigned int tgt;
    unsigned int tclass;
    uint32_t perms;
    int slot; /* written after type `slot` (-1: before all types) */
};

/* A random policy as data: what it means, independent of any compiler. */
struct model {
    unsigned int nr_types, nr_attrs, nr_rules;
    char type_name[MODEL_MAX_TYPES][FLASK_POLICY_MAX_NAME];
    uint32_t attrs_of[MODEL_MAX_TYPES]; /* bit a: the type has attribute a */
    struct model_rule rule[MODEL_MAX_RULES];
};

static bool model_in(const struct model *m, bool is_attr, unsigned int sym, unsigned int type)
{
    return is_attr ? (m->attrs_of[type] >> sym & 1) : sym == type;
}

static uint32_t model_oracle(const void *ctx, unsigned int src, unsigned int tgt,
                             unsigned int tclass)
{
    const struct model *m = ctx;
    uint32_t perms = 0;

    for (unsigned int i = 0; i < m->nr_rules; i++) {
        const struct model_rule *r = &m->rule[i];
        bool tgt_ok = r->tgt_kind == TARGET_SELF
                          ? tgt == src
                          : model_in(m, r->tgt_kind == TARGET_ATTR, r->tgt, tgt);

        if (r->tclass == tclass && tgt_ok && model_in(m, r->src_is_attr, r->src, src))
            perms |= r->perms;
    }
    return perms;
}

static void random_model(struct model *m, unsigned int max_types)
{
    static const char *const required[] = { "dom0_t", "domU_t", "xen_t" };

    memset(m, 0, sizeof(*m));
    m->nr_types = 3 + below(max_types - 2);
    m->nr_attrs = below(MODEL_MAX_ATTRS + 1);
    m->nr_rules = below(MODEL_MAX_RULES + 1);

    for (unsigned int t = 0; t < m->nr_types; t++) {
        /* Mostly short names; now and then one of the longest allowed. */
        unsigned int len = rng() % 8 == 0 ? FLASK_POLICY_MAX_NAME - 1 : 4 + below(12);
        int n = snprintf(m->type_name[t], FLASK_POLICY_MAX_NAME, "t%u_", t);

        while ((unsigned int)n < len)
            m->type_name[t][n++] = "abcdefghijklmnopqrstuvwxyz0123456789_"[below(37)];
        m->type_name[t][n] = '\0';
        if (m->nr_attrs)
            m->attrs_of[t] = rng() & ((1u << m->nr_attrs) - 1) & rng();
    }
    /* The three types every policy must have, at random places. */
    for (unsigned int i = 0; i < ARRAY_SIZE(required); i++) {
        unsigned int t;

        do
            t = below(m->nr_types);
        while (m->type_name[t][0] != 't');
        strcpy(m->type_name[t], required[i]);
    }

    for (unsigned int i = 0; i < m->nr_rules; i++) {
        struct model_rule *r = &m->rule[i];
        int ready = -1; /* the last type the rule names */

        r->src_is_attr = m->nr_attrs && rng() % 2;
        r->src = r->src_is_attr ? below(m->nr_attrs) : below(m->nr_types);
        if (!r->src_is_attr)
            ready = (int)r->src;
        r->tgt_kind = (enum target_kind)below(3);
        if (r->tgt_kind == TARGET_ATTR && !m->nr_attrs)
            r->tgt_kind = TARGET_TYPE;
        if (r->tgt_kind == TARGET_TYPE) {
            r->tgt = below(m->nr_types);
            if ((int)r->tgt > ready)
                ready = (int)r->tgt;
        } else if (r->tgt_kind == TARGET_ATTR) {
            r->tgt = below(m->nr_attrs);
        }
        r->tclass = below(FLASK_NR_CLASSES);
        do
            r->perms = rng() & class_mask(r->tclass);
        while (!r->perms);
        /* Anywhere after its names are declared: attributes may still gain
         * types after the rule. */
        r->slot = ready + (int)below(m->nr_types - (unsigned int)(ready + 1) + 1);
        if (r->slot >= (int)m->nr_types)
            r->slot = (int)m->nr_types - 1;
    }
}

static void write_rule(const struct model *m, const struct model_rule *r, struct text *t)
{
    unsigned int bits = 0;

    if (r->src_is_attr)
        appendf(t, "allow a%u ", r->src);
    else
        appendf(t, "allow %s ", m->type_name[r->src]);

    if (r->tgt_kind == TARGET_SELF)
        appendf(t, "self");
    else if (r->tgt_kind == TARGET_ATTR)
        appendf(t, "a%u", r->tgt);
    else
        appendf(t, "%s", m->type_name[r->tgt]);
    appendf(t, rng() % 4 ? ":%s" : " : %s", flask_class_names[r->tclass]);

    for (uint32_t p = r->perms; p; p &= p - 1)
        bits++;
    if (bits == 1 && rng() % 2) {
        appendf(t, " %s;\n", flask_perm_names[r->tclass][__builtin_ctz(r->perms)]);
        return;
    }
    appendf(t, " {");
    for (unsigned int bit = 0; bit < 32; bit++) {
        if (r->perms >> bit & 1) {
            appendf(t, rng() % 8 ? " %s" : "\n   %s", flask_perm_names[r->tclass][bit]);
            if (rng() % 16 == 0) /* a permission named twice */
                appendf(t, " %s", flask_perm_names[r->tclass][bit]);
        }
    }
    appendf(t, " };%s\n", rng() % 8 ? "" : "   # a comment");
}

/* The model as policy source: attributes, then types and rules interleaved. */
static void write_model(const struct model *m, struct text *t)
{
    t->len = 0;
    appendf(t, "# a random policy\n");
    for (unsigned int a = 0; a < m->nr_attrs; a++)
        appendf(t, "attribute a%u;\n", a);
    for (int slot = -1; slot < (int)m->nr_types; slot++) {
        if (slot >= 0) {
            appendf(t, "type %s", m->type_name[slot]);
            for (unsigned int a = 0; a < m->nr_attrs; a++)
                if (m->attrs_of[slot] >> a & 1)
                    appendf(t, ", a%u", a);
            appendf(t, ";\n");
        }
        for (unsigned int i = 0; i < m->nr_rules; i++)
            if (m->rule[i].slot == slot)
                write_rule(m, &m->rule[i], t);
    }
}

static struct text random_source;

/* Write and compile a model; false (errors on stderr) if the compiler refuses it. */
static bool compile_model(const struct model *m, struct policyc_output *out)
{
    write_model(m, &random_source);
    if (!compile("random.te", random_source.data, random_source.len, out)) {
        fprintf(stderr, "---\n%.*s---\n", (int)random_source.len, random_source.data);
        return false;
    }
    return true;
}

/* Seeded random policies decide exactly as the model they were written from. */
static void test_random_policies(void)
{
    static struct model m;

    host_mm_init(MACHINE_FRAMES);
    uint64_t free_before = host_mm_free_frames();

    rng_seed(0xf1a5c0001);
    for (unsigned int i = 0; i < 200; i++) {
        struct policyc_output out;
        struct flask_policy *p = NULL;

        random_model(&m, MODEL_MAX_TYPES);
        if (!compile_model(&m, &out)) {
            CHECK(!"a random policy compiles");
            break;
        }
        CHECK_EQ(flask_policy_parse(out.data, out.size, &p), 0);
        if (p) {
            CHECK_EQ(compare_decisions(p, m.nr_types, m.type_name, model_oracle, &m), 0);
            /* The text reference reads the same source the same way. */
            if (i < 20) {
                CHECK(ref_load(random_source.data, random_source.len));
                CHECK_EQ(compare_decisions(p, ref.nr_types, ref.type_name, ref_oracle, NULL), 0);
            }
        }
        flask_policy_free(p);
        policyc_output_free(&out);
    }
    CHECK_EQ(host_mm_free_frames(), free_before);
    host_mm_fini();
}

/* --- flask_policy_type ------------------------------------------------------------------------ */

static void test_policy_type(void)
{
    struct policyc_output out;
    struct flask_policy *p = NULL;

    host_mm_init(MACHINE_FRAMES);
    CHECK(compile_file("xsm/policy/examples/stubdom.te", &out));
    CHECK_EQ(flask_policy_parse(out.data, out.size, &p), 0);
    if (p) {
        /* Declaration order, from 1. */
        CHECK_EQ(flask_policy_type(p, "xen_t"), 1);
        CHECK_EQ(flask_policy_type(p, "dom0_t"), 2);
        CHECK_EQ(flask_policy_type(p, "domU_t"), 3);
        CHECK_EQ(flask_policy_type(p, "hvm_t"), 4);
        CHECK_EQ(flask_policy_type(p, "dm_t"), 5);
        CHECK_EQ(flask_policy_type(p, "stub_t"), 6);
        /* No such type. */
        CHECK_EQ(flask_policy_type(p, ""), 0); /* the reserved type 0 */
        CHECK_EQ(flask_policy_type(p, "stub"), 0);
        CHECK_EQ(flask_policy_type(p, "domain_type"), 0); /* an attribute */
        CHECK_EQ(flask_policy_type(p, "self"), 0);
        CHECK_EQ(flask_policy_type(p, "dom0"), 0);    /* a prefix */
        CHECK_EQ(flask_policy_type(p, "dom0_t_"), 0); /* longer */
        CHECK_EQ(flask_policy_type(p, "DOM0_T"), 0);  /* case matters */
        CHECK_EQ(flask_policy_type(p, " dom0_t"), 0);
    }
    flask_policy_free(p);
    policyc_output_free(&out);
    host_mm_fini();
}

/* --- hand-made binaries ----------------------------------------------------------------------- */

/*
 * A binary policy as parts, written out by image_bytes() exactly as they
 * are: the header counts are the part sizes, so a test that breaks one
 * thing breaks only that.
 */
static struct image {
    uint32_t magic, version, nr_classes;
    uint32_t nr_types, nr_rules, strings_size;
    uint32_t name_off[FLASK_POLICY_MAX_TYPES + 1];
    struct flask_policy_rule rule[FLASK_POLICY_MAX_RULES + 1];
    char strings[FLASK_POLICY_MAX_STRINGS + 1];
} img;

static void image_reset(void)
{
    img.magic = FLASK_POLICY_MAGIC;
    img.version = FLASK_POLICY_VERSION;
    img.nr_classes = FLASK_NR_CLASSES;
    img.nr_types = img.nr_rules = img.strings_size = 0;
}

/* Append a name to the strings and give it to the next type. */
static void image_add_name(const char *name)
{
    size_t len = strlen(name) + 1;

    img.name_off[img.nr_types++] = img.strings_size;
    memcpy(img.strings + img.strings_size, name, len);
    img.strings_size += (uint32_t)len;
}

static void image_add_rule(uint16_t src, uint16_t tgt, uint16_t tclass, uint32_t perms)
{
    img.rule[img.nr_rules++] = (struct flask_policy_rule){ src, tgt, tclass, 0, perms };
}

/* The image as bytes, in a malloc'ed block of exactly *len bytes. */
static uint8_t *image_bytes(size_t *len)
{
    size_t size = 24 + 4 * (size_t)img.nr_types + 12 * (size_t)img.nr_rules + img.strings_size;
    uint8_t *b = malloc(size), *p = b;

    if (!b) {
        fputs("test_flask: out of memory\n", stderr);
        exit(1);
    }
    put32(p, img.magic);
    put32(p + 4, img.version);
    put32(p + 8, img.nr_types);
    put32(p + 12, img.nr_rules);
    put32(p + 16, img.strings_size);
    put32(p + 20, img.nr_classes);
    p += 24;
    for (uint32_t t = 0; t < img.nr_types; t++, p += 4)
        put32(p, img.name_off[t]);
    for (uint32_t i = 0; i < img.nr_rules; i++, p += 12) {
        put16(p, img.rule[i].src);
        put16(p + 2, img.rule[i].tgt);
        put16(p + 4, img.rule[i].tclass);
        put16(p + 6, img.rule[i].reserved);
        put32(p + 8, img.rule[i].perms);
    }
    memcpy(p, img.strings, img.strings_size);
    *len = size;
    return b;
}

/* The loader must answer `expected` for the image, keeping nothing. */
#define CHECK_IMAGE(expected)                  \
    do {                                       \
        size_t len_;                           \
        uint8_t *bytes_ = image_bytes(&len_);  \
        CHECK_PARSE(bytes_, len_, (expected)); \
        free(bytes_);                          \
    } while (0)

/* The image, with the 32-bit word at `offset` replaced, must give `expected`. */
#define CHECK_IMAGE_PATCHED(offset, value, expected) \
    do {                                             \
        size_t len_;                                 \
        uint8_t *bytes_ = image_bytes(&len_);        \
        put32(bytes_ + (offset), (value));           \
        CHECK_PARSE(bytes_, len_, (expected));       \
        free(bytes_);                                \
    } while (0)

/* A small valid policy: four types and rules of every class. */
static void image_small(void)
{
    image_reset();
    image_add_name("");
    image_add_name("dom0_t");
    image_add_name("domU_t");
    image_add_name("xen_t");
    image_add_name("stub_t");
    image_add_rule(1, 1, FLASK_CLASS_DOMAIN, 0x3f);
    image_add_rule(1, 2, FLASK_CLASS_DOMAIN, 0x3f);
    image_add_rule(1, 2, FLASK_CLASS_MMU, 0x3f);
    image_add_rule(1, 2, FLASK_CLASS_EVENT, 0x1f);
    image_add_rule(1, 3, FLASK_CLASS_XEN, 0x7f);
    image_add_rule(2, 2, FLASK_CLASS_MMU, 0x0f);
    image_add_rule(2, 3, FLASK_CLASS_XEN, XEN__WRITECONSOLE);
    image_add_rule(4, 2, FLASK_CLASS_GRANT, GRANT__MAP_READ | GRANT__QUERY);
}

/*
 * A big valid policy: nr_types types named "n1", "n2", ... and the first
 * nr_rules triples in (src, tgt, class) order, each with one permission;
 * the strings padded with NULs to strings_size if that is larger.
 */
static void image_big(uint32_t nr_types, uint32_t nr_rules, uint32_t strings_size)
{
    char name[16];

    image_reset();
    image_add_name("");
    for (uint32_t t = 1; t < nr_types; t++) {
        snprintf(name, sizeof(name), "n%u", t);
        image_add_name(name);
    }
    for (uint32_t s = 1, i = 0; s < nr_types && i < nr_rules; s++)
        for (uint32_t t = 1; t < nr_types && i < nr_rules; t++)
            for (uint16_t c = 0; c < FLASK_NR_CLASSES && i < nr_rules; c++, i++)
                image_add_rule((uint16_t)s, (uint16_t)t, c,
                               1u << ((s + t + c) % (uint32_t)__builtin_popcount(class_mask(c))));
    if (strings_size > img.strings_size) {
        memset(img.strings + img.strings_size, 0, strings_size - img.strings_size);
        img.strings_size = strings_size;
    }
}

/* compute_av of a loaded image answers every rule, and 0 around them. */
static unsigned int image_decisions_wrong(const struct flask_policy *p)
{
    unsigned int wrong = 0;

    for (uint32_t i = 0; i < img.nr_rules; i++) {
        const struct flask_policy_rule *r = &img.rule[i];

        wrong += flask_policy_compute_av(p, r->src, r->tgt, r->tclass) != r->perms;
    }
    /* Triples with no rule, by a linear search of the image. */
    for (unsigned int k = 0; k < 2000; k++) {
        uint32_t s = below(img.nr_types + 2), t = below(img.nr_types + 2);
        uint32_t c = below(FLASK_NR_CLASSES + 2), expected = 0;

        for (uint32_t i = 0; i < img.nr_rules; i++)
            if (img.rule[i].src == s && img.rule[i].tgt == t && img.rule[i].tclass == c)
                expected = img.rule[i].perms;
        wrong += flask_policy_compute_av(p, s, t, c) != expected;
    }
    return wrong;
}

/* Load the image; it must be accepted and decide as its rules say. */
static bool image_loads_and_decides(void)
{
    size_t len;
    uint8_t *bytes = image_bytes(&len);
    struct flask_policy *p = NULL;
    bool ok = flask_policy_parse(bytes, len, &p) == 0 && p && p->nr_types == img.nr_types &&
              p->nr_rules == img.nr_rules && image_decisions_wrong(p) == 0;

    flask_policy_free(p);
    free(bytes);
    return ok;
}

static void test_valid_images(void)
{
    host_mm_init(MACHINE_FRAMES);
    uint64_t free_before = host_mm_free_frames();

    rng_seed(7);
    image_small();
    CHECK(image_loads_and_decides());
    /* No rules at all. */
    image_small();
    img.nr_rules = 0;
    CHECK(image_loads_and_decides());
    /* The smallest policy: type 0 and one type. */
    image_reset();
    image_add_name("");
    image_add_name("a");
    CHECK(image_loads_and_decides());
    /* Every limit reached exactly. */
    image_big(FLASK_POLICY_MAX_TYPES, 100, 0);
    CHECK(image_loads_and_decides());
    image_big(FLASK_POLICY_MAX_TYPES, FLASK_POLICY_MAX_RULES, 0);
    CHECK(image_loads_and_decides());
    image_big(10, 10, FLASK_POLICY_MAX_STRINGS);
    CHECK(image_loads_and_decides());
    /* A name of 63 characters, the longest. */
    image_small();
    image_add_name("a23456789012345678901234567890123456789012345678901234567890123");
    CHECK(image_loads_and_decides());
    /* Names may share bytes: "m0_t" is the tail of "dom0_t". */
    image_small();
    img.name_off[4] = img.name_off[1] + 2;
    CHECK(image_loads_and_decides());
    /* Every permission of every class. */
    image_small();
    img.nr_rules = 0;
    for (uint16_t c = 0; c < FLASK_NR_CLASSES; c++)
        image_add_rule(2, 3, c, class_mask(c));
    CHECK(image_loads_and_decides());
    /* The largest indices: the last type, the last class. */
    image_small();
    img.nr_rules = 0;
    image_add_rule(4, 4, FLASK_NR_CLASSES - 1, 1);
    CHECK(image_loads_and_decides());

    CHECK_EQ(host_mm_free_frames(), free_before);
    host_mm_fini();
}

static void test_bad_header(void)
{
    static const uint32_t bad_magic[] = { 0, FLASK_POLICY_MAGIC + 1, 0x4D464C4Bu, 0xffffffffu };
    static const uint32_t bad_version[] = { 0, FLASK_POLICY_VERSION + 1, 0xffffffffu };
    static const uint32_t bad_classes[] = { 0, FLASK_NR_CLASSES - 1, FLASK_NR_CLASSES + 1,
                                            0xffffffffu };

    host_mm_init(MACHINE_FRAMES);

    for (size_t i = 0; i < ARRAY_SIZE(bad_magic); i++) {
        image_small();
        img.magic = bad_magic[i];
        CHECK_IMAGE(EINVAL_RC);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad_version); i++) {
        image_small();
        img.version = bad_version[i];
        CHECK_IMAGE(EINVAL_RC);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad_classes); i++) {
        image_small();
        img.nr_classes = bad_classes[i];
        CHECK_IMAGE(EINVAL_RC);
    }

    /* nr_types: 0, 1 (only the reserved type), one too many; sizes consistent. */
    image_reset();
    img.strings_size = 1;
    img.strings[0] = '\0';
    CHECK_IMAGE(EINVAL_RC);
    image_reset();
    image_add_name("");
    CHECK_IMAGE(EINVAL_RC);
    image_big(FLASK_POLICY_MAX_TYPES + 1, 10, 0);
    CHECK_IMAGE(EINVAL_RC);
    /* nr_rules one too many. */
    image_big(200, FLASK_POLICY_MAX_RULES + 1, 0);
    CHECK_IMAGE(EINVAL_RC);
    /* strings_size 0 (no names can be in it) and one too big. */
    image_small();
    img.nr_rules = 0;
    for (uint32_t t = 0; t < img.nr_types; t++)
        img.name_off[t] = 0;
    img.strings_size = 0;
    CHECK_IMAGE(EINVAL_RC);
    image_big(10, 10, FLASK_POLICY_MAX_STRINGS + 1);
    CHECK_IMAGE(EINVAL_RC);

    /* Header counts that lie about a valid body, up to the largest values. */
    static const uint32_t lies[] = { 0,       1,           4,           6,           7,          8,
                                     0x10000, 0x7fffffffu, 0x80000000u, 0xfffffff0u, 0xffffffffu };
    for (size_t i = 0; i < ARRAY_SIZE(lies); i++) {
        image_small();
        if (lies[i] != img.nr_types)
            CHECK_IMAGE_PATCHED(8, lies[i], EINVAL_RC);
        if (lies[i] != img.nr_rules)
            CHECK_IMAGE_PATCHED(12, lies[i], EINVAL_RC);
        if (lies[i] != img.strings_size)
            CHECK_IMAGE_PATCHED(16, lies[i], EINVAL_RC);
    }
    host_mm_fini();
}

static void test_bad_sizes(void)
{
    size_t len;
    uint8_t *bytes, *longer;

    host_mm_init(MACHINE_FRAMES);
    image_small();
    bytes = image_bytes(&len);
    CHECK_PARSE(bytes, len, 0);
    /* Every truncation, down to nothing: one byte short is the first. */
    for (size_t n = 0; n < len; n++)
        CHECK_PARSE(bytes, n, EINVAL_RC);
    /* Extra bytes at the end, zero or not. */
    longer = calloc(1, len + 64);
    CHECK(longer != NULL);
    if (longer) {
        memcpy(longer, bytes, len);
        for (size_t extra = 1; extra <= 64; extra++)
            CHECK_PARSE(longer, len + extra, EINVAL_RC);
        memset(longer + len, 0xff, 64);
        CHECK_PARSE(longer, len + 1, EINVAL_RC);
    }
    free(longer);
    free(bytes);
    /* A header alone, and less. */
    image_small();
    bytes = image_bytes(&len);
    CHECK_PARSE(bytes, 24, EINVAL_RC);
    CHECK_PARSE(bytes, 23, EINVAL_RC);
    CHECK_PARSE(bytes, 0, EINVAL_RC);
    free(bytes);
    host_mm_fini();
}

static void test_bad_names(void)
{
    host_mm_init(MACHINE_FRAMES);

    /* Offsets out of the strings: just past the end, far past it. */
    static const uint32_t far[] = { 0, 1, 2 };
    for (size_t i = 0; i < ARRAY_SIZE(far); i++) {
        image_small();
        img.name_off[2] = img.strings_size + far[i];
        CHECK_IMAGE(EINVAL_RC);
        image_small();
        img.name_off[0] = img.strings_size + far[i]; /* type 0's too */
        CHECK_IMAGE(EINVAL_RC);
    }
    image_small();
    img.name_off[4] = 0xffffffffu;
    CHECK_IMAGE(EINVAL_RC);
    image_small();
    img.name_off[1] = 0x80000000u;
    CHECK_IMAGE(EINVAL_RC);

    /* The last name runs off the end of the strings. */
    image_small();
    img.strings_size--;
    CHECK_IMAGE(EINVAL_RC);
    image_small();
    img.strings[img.strings_size - 1] = 'x';
    CHECK_IMAGE(EINVAL_RC);

    /* Too long: 64 characters (63 is fine: test_valid_images). */
    image_small();
    image_add_name("a234567890123456789012345678901234567890123456789012345678901234");
    CHECK_IMAGE(EINVAL_RC);
    image_small();
    img.name_off[0] = img.strings_size; /* even for type 0 */
    image_add_name("a234567890123456789012345678901234567890123456789012345678901234");
    img.nr_types--;
    CHECK_IMAGE(EINVAL_RC);
    /* Far too long, and unterminated within the limit. */
    image_small();
    char long_name[300];
    memset(long_name, 'q', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    image_add_name(long_name);
    CHECK_IMAGE(EINVAL_RC);

    /* An empty name for a real type: the NUL at offset 0, or the last one. */
    for (uint32_t t = 1; t < 5; t++) {
        image_small();
        img.name_off[t] = 0;
        CHECK_IMAGE(EINVAL_RC);
    }
    image_small();
    img.name_off[3] = img.strings_size - 1;
    CHECK_IMAGE(EINVAL_RC);

    /* The same name twice: the same offset, or the same text elsewhere. */
    image_small();
    img.name_off[3] = img.name_off[1];
    CHECK_IMAGE(EINVAL_RC);
    image_small();
    img.name_off[4] = img.name_off[3];
    CHECK_IMAGE(EINVAL_RC);
    image_small();
    image_add_name("dom0_t");
    CHECK_IMAGE(EINVAL_RC);
    image_small();
    image_add_name("stub_t");
    CHECK_IMAGE(EINVAL_RC);
    host_mm_fini();
}

static void test_bad_rules(void)
{
    host_mm_init(MACHINE_FRAMES);

    /* Type indices: 0, nr_types, the largest there are. */
    static const uint16_t bad_type[] = { 0, 5, 6, 0x7fff, 0x8000, 0xffff };
    for (size_t i = 0; i < ARRAY_SIZE(bad_type); i++) {
        image_small();
        img.rule[7].src = bad_type[i]; /* the last rule, so the order still holds */
        CHECK_IMAGE(EINVAL_RC);
        image_small();
        img.rule[7].tgt = bad_type[i];
        CHECK_IMAGE(EINVAL_RC);
    }
    image_small();
    img.rule[0].src = 0; /* the first rule: sorted either way */
    CHECK_IMAGE(EINVAL_RC);
    image_small();
    img.rule[0].tgt = 0;
    CHECK_IMAGE(EINVAL_RC);

    /* Classes that do not exist. */
    static const uint16_t bad_class[] = { FLASK_NR_CLASSES, FLASK_NR_CLASSES + 1, 0xffff };
    for (size_t i = 0; i < ARRAY_SIZE(bad_class); i++) {
        image_small();
        img.rule[7].tclass = bad_class[i];
        img.rule[7].perms = 1;
        CHECK_IMAGE(EINVAL_RC);
    }

    /* reserved must be 0. */
    static const uint16_t bad_reserved[] = { 1, 0x100, 0x8000, 0xffff };
    for (size_t i = 0; i < ARRAY_SIZE(bad_reserved); i++) {
        image_small();
        img.rule[3].reserved = bad_reserved[i];
        CHECK_IMAGE(EINVAL_RC);
    }

    /* No permission at all. */
    image_small();
    img.rule[5].perms = 0;
    CHECK_IMAGE(EINVAL_RC);

    /* A bit past the class's last permission, alone or with valid ones. */
    for (uint16_t c = 0; c < FLASK_NR_CLASSES; c++) {
        uint32_t mask = class_mask(c);

        for (unsigned int bit = (unsigned int)__builtin_popcount(mask); bit < 32; bit++) {
            image_small();
            img.nr_rules = 0;
            image_add_rule(2, 3, c, 1u << bit);
            CHECK_IMAGE(EINVAL_RC);
            img.rule[0].perms = mask | 1u << bit;
            CHECK_IMAGE(EINVAL_RC);
        }
        image_small();
        img.nr_rules = 0;
        image_add_rule(2, 3, c, 0xffffffffu);
        CHECK_IMAGE(EINVAL_RC);
    }

    /* Out of order, at each level of the key. */
    struct {
        uint16_t a[3], b[3];
    } unsorted[] = {
        { { 2, 1, 0 }, { 1, 1, 0 } }, /* src */
        { { 2, 2, 0 }, { 2, 1, 4 } }, /* tgt */
        { { 3, 3, 2 }, { 3, 3, 1 } }, /* class */
        { { 4, 1, 0 }, { 1, 4, 4 } },
    };
    for (size_t i = 0; i < ARRAY_SIZE(unsorted); i++) {
        image_small();
        img.nr_rules = 0;
        image_add_rule(unsorted[i].a[0], unsorted[i].a[1], unsorted[i].a[2], 1);
        image_add_rule(unsorted[i].b[0], unsorted[i].b[1], unsorted[i].b[2], 1);
        CHECK_IMAGE(EINVAL_RC);
        /* The other way round is fine. */
        img.rule[0] = img.rule[1];
        img.rule[1] = (struct flask_policy_rule){ unsorted[i].a[0], unsorted[i].a[1],
                                                  unsorted[i].a[2], 0, 1 };
        CHECK_IMAGE(0);
    }
    /* Two neighbours swapped, first or last, in the small policy. */
    for (uint32_t i = 0; i + 1 < 8; i++) {
        image_small();
        struct flask_policy_rule r = img.rule[i];
        img.rule[i] = img.rule[i + 1];
        img.rule[i + 1] = r;
        CHECK_IMAGE(EINVAL_RC);
    }
    /* Reversed entirely. */
    image_small();
    for (uint32_t i = 0; i < 4; i++) {
        struct flask_policy_rule r = img.rule[i];
        img.rule[i] = img.rule[7 - i];
        img.rule[7 - i] = r;
    }
    CHECK_IMAGE(EINVAL_RC);

    /* The same triple twice: same permissions, or different ones. */
    for (uint32_t i = 0; i < 8; i++) {
        image_small();
        memmove(&img.rule[i + 1], &img.rule[i], (8 - i) * sizeof(img.rule[0]));
        img.nr_rules++;
        CHECK_IMAGE(EINVAL_RC);
        img.rule[i + 1].perms = 1;
        CHECK_IMAGE(EINVAL_RC);
    }
    /* ... also in a big policy, at its very end. */
    image_big(200, 1000, 0);
    img.rule[img.nr_rules] = img.rule[img.nr_rules - 1];
    img.nr_rules++;
    CHECK_IMAGE(EINVAL_RC);

    host_mm_fini();
}

/* --- out of memory ------------------------------------------------------------------------------- */

/*
 * Load the bytes once to count its frame allocations; then make each one
 * fail in turn. Every attempt must give -ENOMEM and keep nothing.
 */
static unsigned long check_every_allocation_fails(const uint8_t *bytes, size_t len)
{
    struct flask_policy *p = NULL;
    uint64_t free_before = host_mm_free_frames();
    unsigned long calls_before = host_mm_alloc_calls(), steps;

    CHECK_EQ(flask_policy_parse(bytes, len, &p), 0);
    steps = host_mm_alloc_calls() - calls_before;
    flask_policy_free(p);
    CHECK_EQ(host_mm_free_frames(), free_before);

    for (unsigned long n = 1; n <= steps; n++) {
        p = (struct flask_policy *)&p;
        host_mm_fail_after(n);
        CHECK_EQ(flask_policy_parse(bytes, len, &p), ENOMEM_RC);
        host_mm_fail_after(0);
        CHECK(p == NULL);
        CHECK_EQ(host_mm_free_frames(), free_before);
    }
    /* And with memory back, it loads. */
    CHECK_EQ(flask_policy_parse(bytes, len, &p), 0);
    flask_policy_free(p);
    CHECK_EQ(host_mm_free_frames(), free_before);
    return steps;
}

static void test_out_of_memory(void)
{
    struct policyc_output out;
    size_t len;
    uint8_t *bytes;

    host_mm_init(MACHINE_FRAMES);
    /* The default policy: small objects. */
    CHECK(compile_file("xsm/policy/default.te", &out));
    if (out.data)
        CHECK(check_every_allocation_fails(out.data, out.size) >= 1);
    policyc_output_free(&out);
    /* No rules. */
    image_small();
    img.nr_rules = 0;
    bytes = image_bytes(&len);
    CHECK(check_every_allocation_fails(bytes, len) >= 1);
    free(bytes);
    /* Every part larger than a page: each allocation is its own. */
    image_big(600, 400, 3 * 4096);
    bytes = image_bytes(&len);
    CHECK(check_every_allocation_fails(bytes, len) >= 4);
    free(bytes);
    /* The largest policy there is. */
    image_big(FLASK_POLICY_MAX_TYPES, FLASK_POLICY_MAX_RULES, FLASK_POLICY_MAX_STRINGS);
    bytes = image_bytes(&len);
    CHECK(check_every_allocation_fails(bytes, len) >= 4);
    free(bytes);
    host_mm_fini();
}

/* --- the access vector cache ------------------------------------------------------------------ */

static struct avc avc;

/* Load a compiled policy file (the test fails if it cannot). */
static struct flask_policy *load_file(const char *path)
{
    struct policyc_output out;
    struct flask_policy *p = NULL;

    if (compile_file(path, &out))
        CHECK_EQ(flask_policy_parse(out.data, out.size, &p), 0);
    policyc_output_free(&out);
    CHECK(p != NULL);
    return p;
}

/* Load a random policy of up to max_types types (the test fails if it cannot). */
static struct flask_policy *load_random(unsigned int max_types)
{
    static struct model m;
    struct policyc_output out;
    struct flask_policy *p = NULL;

    random_model(&m, max_types);
    if (compile_model(&m, &out))
        CHECK_EQ(flask_policy_parse(out.data, out.size, &p), 0);
    policyc_output_free(&out);
    CHECK(p != NULL);
    return p;
}

/* A flushed cache misses on everything it held; then it hits. */
static void test_avc_flush(void)
{
    host_mm_init(MACHINE_FRAMES);
    struct flask_policy *p = load_file("xsm/policy/default.te");

    if (p) {
        uint32_t n = p->nr_types + 1;
        uint64_t hits, misses, count = 0;

        avc_flush(&avc);
        for (uint32_t s = 0; s < n; s++)
            for (uint32_t t = 0; t < n; t++)
                for (uint32_t c = 0; c <= FLASK_NR_CLASSES; c++)
                    CHECK_EQ(avc_lookup(&avc, p, s, t, c), flask_policy_compute_av(p, s, t, c));

        avc_flush(&avc);
        for (unsigned int i = 0; i < AVC_SLOTS; i++)
            CHECK(!avc.slot[i].valid);
        hits = avc.hits;
        misses = avc.misses;
        for (uint32_t s = 0; s < n; s++) {
            for (uint32_t t = 0; t < n; t++) {
                for (uint32_t c = 0; c <= FLASK_NR_CLASSES; c++) {
                    CHECK_EQ(avc_lookup(&avc, p, s, t, c), flask_policy_compute_av(p, s, t, c));
                    count++;
                }
            }
        }
        CHECK_EQ(avc.hits, hits);
        CHECK_EQ(avc.misses, misses + count);

        /* The same question twice in a row: the second is a hit. */
        uint32_t dom0 = flask_policy_type(p, "dom0_t"), domU = flask_policy_type(p, "domU_t");
        CHECK_EQ(avc_lookup(&avc, p, dom0, domU, FLASK_CLASS_MMU), class_mask(FLASK_CLASS_MMU));
        hits = avc.hits;
        CHECK_EQ(avc_lookup(&avc, p, dom0, domU, FLASK_CLASS_MMU), class_mask(FLASK_CLASS_MMU));
        CHECK_EQ(avc.hits, hits + 1);
    }
    flask_policy_free(p);
    host_mm_fini();
}

/*
 * Questions that share a slot must not get each other's answers. The
 * colliding pairs are found from the outside (a, b, a: the second a
 * misses), and include indices beyond the policy that alias real ones.
 */
static void test_avc_collisions(void)
{
    host_mm_init(MACHINE_FRAMES);
    rng_seed(0xc0111de);
    struct flask_policy *p = load_random(MODEL_MAX_TYPES);
    unsigned int collisions = 0;

    for (unsigned int i = 0; p && i < 20000; i++) {
        uint32_t a[3] = { below(p->nr_types), below(p->nr_types), below(FLASK_NR_CLASSES) };
        uint32_t b[3] = { below(p->nr_types + 1), below(p->nr_types + 1),
                          below(FLASK_NR_CLASSES + 1) };

        /* Now and then an alias: a far-out index in one field. */
        if (i % 4 == 0)
            b[0] = a[0] + (1u << (9 + below(23))), b[1] = a[1], b[2] = a[2];
        else if (i % 4 == 1)
            b[0] = a[0], b[1] = a[1] + (1u << (9 + below(23))), b[2] = a[2];
        else if (i % 4 == 2)
            b[0] = a[0], b[1] = a[1], b[2] = a[2] + (1u << (9 + below(23)));
        if (!memcmp(a, b, sizeof(a)))
            continue;

        uint32_t av_a = flask_policy_compute_av(p, a[0], a[1], a[2]);
        uint32_t av_b = flask_policy_compute_av(p, b[0], b[1], b[2]);
        uint64_t misses;

        if (b[0] >= p->nr_types || b[1] >= p->nr_types || b[2] >= FLASK_NR_CLASSES)
            CHECK_EQ(av_b, 0);

        avc_flush(&avc);
        CHECK_EQ(avc_lookup(&avc, p, a[0], a[1], a[2]), av_a);
        CHECK_EQ(avc_lookup(&avc, p, b[0], b[1], b[2]), av_b);
        misses = avc.misses;
        CHECK_EQ(avc_lookup(&avc, p, a[0], a[1], a[2]), av_a);
        if (avc.misses != misses) { /* b took a's slot */
            collisions++;
            CHECK_EQ(avc_lookup(&avc, p, b[0], b[1], b[2]), av_b);
            CHECK_EQ(avc_lookup(&avc, p, a[0], a[1], a[2]), av_a);
        }
    }
    CHECK(collisions > 100);
    flask_policy_free(p);
    host_mm_fini();
}

/* Many random questions: the cache always answers as the policy does. */
static void test_avc_random_queries(void)
{
    enum { QUERIES = 200000, HOT = 300 };
    static uint32_t hot[HOT][3];

    host_mm_init(MACHINE_FRAMES);
    rng_seed(0xa7c);
    struct flask_policy *p = load_random(MODEL_MAX_TYPES);

    if (p) {
        uint32_t n = p->nr_types + 2;
        uint64_t hits = avc.hits, misses = avc.misses;

        /* Half the questions come from a small hot set, as in a running
         * system; the rest from everywhere, beyond the policy too. */
        for (unsigned int i = 0; i < HOT; i++) {
            hot[i][0] = below(n);
            hot[i][1] = below(n);
            hot[i][2] = below(FLASK_NR_CLASSES);
        }
        avc_flush(&avc);
        for (unsigned int i = 0; i < QUERIES; i++) {
            uint32_t s, t, c;

            if (rng() % 2) {
                const uint32_t *h = hot[below(HOT)];
                s = h[0], t = h[1], c = h[2];
            } else {
                s = below(n), t = below(n), c = below(FLASK_NR_CLASSES + 1);
            }
            uint32_t got = avc_lookup(&avc, p, s, t, c);
            if (got != flask_policy_compute_av(p, s, t, c)) {
                CHECK_EQ(got, flask_policy_compute_av(p, s, t, c));
                break;
            }
        }
        CHECK_EQ((avc.hits - hits) + (avc.misses - misses), QUERIES);
        CHECK(avc.hits - hits > QUERIES / 4);
        CHECK(avc.misses - misses > QUERIES / 10);
    }
    flask_policy_free(p);
    host_mm_fini();
}

/* Fill the cache with every question about p; after a flush and a load of q,
 * every answer must be q's. */
static bool reload_answers_ok(const struct flask_policy *p, const struct flask_policy *q)
{
    uint32_t n = (p->nr_types > q->nr_types ? p->nr_types : q->nr_types) + 1;
    bool ok = true;

    avc_flush(&avc);
    for (uint32_t s = 0; s < n; s++)
        for (uint32_t t = 0; t < n; t++)
            for (uint32_t c = 0; c < FLASK_NR_CLASSES; c++)
                ok &= avc_lookup(&avc, p, s, t, c) == flask_policy_compute_av(p, s, t, c);
    avc_flush(&avc); /* what a policy load does */
    for (uint32_t s = 0; s < n; s++)
        for (uint32_t t = 0; t < n; t++)
            for (uint32_t c = 0; c < FLASK_NR_CLASSES; c++)
                ok &= avc_lookup(&avc, q, s, t, c) == flask_policy_compute_av(q, s, t, c);
    return ok;
}

static void test_avc_policy_reload(void)
{
    host_mm_init(MACHINE_FRAMES);
    struct flask_policy *def = load_file("xsm/policy/default.te");
    struct flask_policy *strict = load_file("xsm/policy/examples/strict.te");

    if (def && strict) {
        uint32_t domU = flask_policy_type(def, "domU_t"), xen = flask_policy_type(def, "xen_t");
        uint32_t stub = flask_policy_type(def, "stub_t");

        CHECK(reload_answers_ok(def, strict));
        CHECK(reload_answers_ok(strict, def));
        /* The answers that change, spelled out: the strict policy takes the
         * console from guests and has no stub domains. */
        CHECK_EQ(domU, flask_policy_type(strict, "domU_t"));
        CHECK_EQ(xen, flask_policy_type(strict, "xen_t"));
        avc_flush(&avc);
        CHECK_EQ(avc_lookup(&avc, def, domU, xen, FLASK_CLASS_XEN), XEN__WRITECONSOLE);
        CHECK(avc_lookup(&avc, def, stub, domU, FLASK_CLASS_MMU) != 0);
        avc_flush(&avc);
        CHECK_EQ(avc_lookup(&avc, strict, domU, xen, FLASK_CLASS_XEN), 0);
        CHECK_EQ(avc_lookup(&avc, strict, stub, domU, FLASK_CLASS_MMU), 0);
    }
    /* Random pairs of policies. */
    rng_seed(0x2e10ad);
    for (unsigned int i = 0; i < 20; i++) {
        struct flask_policy *a = load_random(24), *b = load_random(24);

        if (a && b)
            CHECK(reload_answers_ok(a, b));
        flask_policy_free(a);
        flask_policy_free(b);
    }
    flask_policy_free(def);
    flask_policy_free(strict);
    host_mm_fini();
}

/* --- fuzzing the loader ------------------------------------------------------------------------- */

/*
 * Is this a valid policy by the letter of include/public/xsm/flask_policy.h?
 * Written apart from the loader, to tell whether it accepted or refused
 * rightly: per flask_policy.h, type 0's name is empty, every other name is
 * [A-Za-z_][A-Za-z0-9_]* and unique.
 */
static bool spec_valid(const uint8_t *b, size_t len)
{
    if (len < 24)
        return false;
    uint32_t nr_types = get32(b + 8), nr_rules = get32(b + 12), strings_size = get32(b + 16);

    if (get32(b) != FLASK_POLICY_MAGIC || get32(b + 4) != FLASK_POLICY_VERSION ||
        get32(b + 20) != FLASK_NR_CLASSES || nr_types < 2 || nr_types > FLASK_POLICY_MAX_TYPES ||
        nr_rules > FLASK_POLICY_MAX_RULES || strings_size == 0 ||
        strings_size > FLASK_POLICY_MAX_STRINGS)
        return false;
    if (len != 24 + 4 * (uint64_t)nr_types + 12 * (uint64_t)nr_rules + strings_size)
        return false;

    const uint8_t *names = b + 24, *rules = names + 4 * nr_types;
    const char *strings = (const char *)(rules + 12 * nr_rules);
    for (uint32_t t = 0; t < nr_types; t++) {
        uint32_t off = get32(names + 4 * t), n = 0;

        if (off >= strings_size)
            return false;
        while (off + n < strings_size && strings[off + n])
            n++;
        if (off + n == strings_size || n >= FLASK_POLICY_MAX_NAME || (n == 0) != (t == 0))
            return false;
        for (uint32_t i = 0; i < n; i++) {
            char c = strings[off + i];
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (i > 0 && c >= '0' && c <= '9')))
                return false;
        }
        for (uint32_t u = 1; u < t; u++)
            if (!strcmp(strings + get32(names + 4 * u), strings + off))
                return false;
    }
    uint64_t last_key = 0;
    for (uint32_t i = 0; i < nr_rules; i++) {
        const uint8_t *r = rules + 12 * i;
        uint16_t src = get16(r), tgt = get16(r + 2), tclass = get16(r + 4);
        uint32_t perms = get32(r + 8);
        uint64_t key = (uint64_t)src << 32 | (uint64_t)tgt << 16 | tclass;

        if (src == 0 || src >= nr_types || tgt == 0 || tgt >= nr_types ||
            tclass >= FLASK_NR_CLASSES || get16(r + 6) != 0 || perms == 0 ||
            (perms & ~class_mask(tclass)) || (i > 0 && key <= last_key))
            return false;
        last_key = key;
    }
    return true;
}

/* A policy the loader accepted must be exactly what the bytes say. */
static bool loaded_matches_bytes(const struct flask_policy *p, const uint8_t *b)
{
    uint32_t nr_types = get32(b + 8), nr_rules = get32(b + 12);
    const uint8_t *names = b + 24, *rules = names + 4 * nr_types;
    const char *strings = (const char *)(rules + 12 * nr_rules);

    if (p->nr_types != nr_types || p->nr_rules != nr_rules)
        return false;
    for (uint32_t t = 0; t < nr_types; t++) {
        if (strcmp(p->type_names[t], strings + get32(names + 4 * t)))
            return false;
        if (t > 0 && flask_policy_type(p, p->type_names[t]) != t)
            return false;
    }
    /* Random questions, answered by a linear search of the bytes. */
    for (unsigned int k = 0; k < 64; k++) {
        uint32_t s = below(nr_types + 1), t = below(nr_types + 1);
        uint32_t c = below(FLASK_NR_CLASSES + 1), expected = 0;

        if (k % 8 == 0)
            s = rng(); /* anything at all */
        if (k % 8 == 1)
            t = rng();
        if (k % 8 == 2)
            c = rng();
        if (k % 8 == 3 && nr_rules) { /* a triple that has a rule */
            const uint8_t *r = rules + 12 * below(nr_rules);
            s = get16(r), t = get16(r + 2), c = get16(r + 4);
        }
        for (uint32_t i = 0; i < nr_rules; i++) {
            const uint8_t *r = rules + 12 * i;
            if (get16(r) == s && get16(r + 2) == t && get16(r + 4) == c)
                expected = get32(r + 8);
        }
        if (flask_policy_compute_av(p, s, t, c) != expected)
            return false;
        /* The same, 2^16 or 2^31 further on: out of range, so nothing. */
        uint32_t far = k % 2 ? 0x10000 : 0x80000000u;
        if (flask_policy_compute_av(p, s + far, t, c) ||
            flask_policy_compute_av(p, s, t + far, c) || flask_policy_compute_av(p, s, t, c + far))
            return false;
    }
    return true;
}

struct fuzz_stats {
    unsigned long accepted, rejected, out_of_memory;
};

/*
 * Load one fuzzed buffer (from an exact-size copy). Now and then an
 * allocation is made to fail too. Whatever happens, nothing may be kept,
 * and the verdict must agree with spec_valid().
 */
static void fuzz_one(const uint8_t *data, size_t len, struct fuzz_stats *stats)
{
    uint8_t *copy = exact_copy(data, len);
    uint64_t free_before = host_mm_free_frames();
    bool inject = rng() % 16 == 0;
    struct flask_policy *p = (struct flask_policy *)&p;
    int rc;

    if (inject)
        host_mm_fail_after(1 + below(4));
    rc = flask_policy_parse(copy, len, &p);
    host_mm_fail_after(0);

    if (rc == 0) {
        stats->accepted++;
        CHECK(p != NULL);
        CHECK(spec_valid(copy, len));
        if (p && !loaded_matches_bytes(p, copy)) {
            CHECK(!"the loaded policy is what the bytes say");
            fprintf(stderr, "fuzz: a loaded policy differs from its %zu bytes\n", len);
        }
        flask_policy_free(p);
    } else if (rc == ENOMEM_RC) {
        stats->out_of_memory++;
        CHECK(inject);
        CHECK(p == NULL);
    } else {
        stats->rejected++;
        CHECK_EQ(rc, EINVAL_RC);
        CHECK(p == NULL);
        if (spec_valid(copy, len)) {
            CHECK(!"a valid policy is accepted");
            fprintf(stderr, "fuzz: a valid policy of %zu bytes refused\n", len);
        }
    }
    CHECK_EQ(host_mm_free_frames(), free_before);
    free(copy);
}

#define FUZZ_MAX 4096

/* (a) Random bytes of random sizes; a quarter start with a plausible header. */
static void test_fuzz_random_buffers(void)
{
    static uint8_t buf[FUZZ_MAX + 64];
    struct fuzz_stats stats = { 0, 0, 0 };

    host_mm_init(MACHINE_FRAMES);
    uint64_t free_before = host_mm_free_frames();

    rng_seed(0xf022a);
    for (unsigned int i = 0; i < 20000; i++) {
        size_t len = below(FUZZ_MAX + 1);

        for (size_t k = 0; k < len; k++)
            buf[k] = (uint8_t)rng();
        if (i % 4 == 0 && len >= 24) {
            uint32_t nr_types = below(8), nr_rules = below(8), strings_size = below(48);
            size_t want = 24 + 4 * nr_types + 12 * nr_rules + strings_size;

            put32(buf, FLASK_POLICY_MAGIC);
            put32(buf + 4, FLASK_POLICY_VERSION);
            put32(buf + 8, nr_types);
            put32(buf + 12, nr_rules);
            put32(buf + 16, strings_size);
            put32(buf + 20, FLASK_NR_CLASSES);
            if (rng() % 2 && want <= FUZZ_MAX)
                len = want;
            /* Small name offsets and type indices, so that some get far. */
            for (uint32_t t = 0; t < nr_types && 24 + 4 * t + 4 <= len; t++)
                put32(buf + 24 + 4 * t, below(strings_size + 1));
            for (size_t k = 24 + 4 * nr_types; k < len && rng() % 2; k++)
                buf[k] = (uint8_t)below(8);
        }
        fuzz_one(buf, len, &stats);
    }
    CHECK(stats.rejected > 15000);
    CHECK_EQ(host_mm_free_frames(), free_before);
    host_mm_fini();
}

/* Overwrite the field at `off` (2 or 4 bytes) with an interesting value. */
static void overwrite_field(uint8_t *b, size_t len, size_t off, unsigned int width,
                            uint32_t nr_types, uint32_t strings_size)
{
    const uint32_t values[] = {
        0,
        1,
        2,
        3,
        nr_types - 1,
        nr_types,
        nr_types + 1,
        strings_size - 1,
        strings_size,
        strings_size + 1,
        FLASK_POLICY_MAX_NAME - 1,
        FLASK_POLICY_MAX_NAME,
        FLASK_NR_CLASSES - 1,
        FLASK_NR_CLASSES,
        0x3f,
        0x40,
        0x7f,
        0x80,
        0x7fff,
        0x8000,
        0xffff,
        0x10000,
        FLASK_POLICY_MAX_TYPES,
        FLASK_POLICY_MAX_TYPES + 1,
        FLASK_POLICY_MAX_RULES,
        FLASK_POLICY_MAX_RULES + 1,
        FLASK_POLICY_MAX_STRINGS,
        FLASK_POLICY_MAX_STRINGS + 1,
        0x7fffffff,
        0x80000000u,
        0xfffffffeu,
        0xffffffffu,
        rng(),
    };
    uint32_t v = values[below(ARRAY_SIZE(values))];

    if (off + width > len)
        return;
    if (width == 2)
        put16(b + off, (uint16_t)v);
    else
        put32(b + off, v);
}

/* Apply one random mutation to b[0, *len), which has room for cap bytes. */
static void mutate(uint8_t *b, size_t *len, size_t cap)
{
    uint32_t nr_types = *len >= 24 ? get32(b + 8) : 0, nr_rules = *len >= 24 ? get32(b + 12) : 0;
    uint32_t strings_size = *len >= 24 ? get32(b + 16) : 0;
    size_t rules_off = 24 + 4 * (size_t)nr_types;

    switch (below(12)) {
    case 0:
    case 1: /* flip a bit */
        if (*len)
            b[below((uint32_t)*len)] ^= (uint8_t)(1u << below(8));
        break;
    case 2: { /* set a byte */
        static const uint8_t bytes[] = { 0, 1, 0x7f, 0x80, 0xff, 'a' };
        if (*len)
            b[below((uint32_t)*len)] = rng() % 2 ? bytes[below(ARRAY_SIZE(bytes))] : (uint8_t)rng();
        break;
    }
    case 3: /* cut the end off */
        *len = rng() % 2 ? below((uint32_t)*len + 1) : *len - (*len > 0);
        break;
    case 4: { /* add to the end */
        size_t extra = 1 + below(16);
        if (*len + extra > cap)
            break;
        for (size_t k = 0; k < extra; k++)
            b[*len + k] = rng() % 2 ? 0 : (uint8_t)rng();
        *len += extra;
        break;
    }
    case 5: /* a header field */
        overwrite_field(b, *len, 4 * below(6), 4, nr_types, strings_size);
        break;
    case 6: /* a name offset */
        if (nr_types)
            overwrite_field(b, *len, 24 + 4 * (size_t)below(nr_types), 4, nr_types, strings_size);
        break;
    case 7:
    case 8: { /* a field of a rule */
        static const unsigned int field[] = { 0, 2, 4, 6, 8 };
        unsigned int f = field[below(ARRAY_SIZE(field))];
        if (nr_rules)
            overwrite_field(b, *len, rules_off + 12 * (size_t)below(nr_rules) + f, f == 8 ? 4 : 2,
                            nr_types, strings_size);
        break;
    }
    case 9: { /* swap two rules, or copy one on another */
        size_t i = below(nr_rules), j = below(nr_rules);
        uint8_t r[12];
        if (!nr_rules || rules_off + 12 * (size_t)nr_rules > *len)
            break;
        if (rng() % 2 && i + 1 < nr_rules)
            j = i + 1;
        memcpy(r, b + rules_off + 12 * i, 12);
        if (rng() % 2)
            memcpy(b + rules_off + 12 * i, b + rules_off + 12 * j, 12);
        memcpy(b + rules_off + 12 * j, r, 12);
        break;
    }
    case 10: { /* give one type another's name */
        size_t i = below(nr_types), j = below(nr_types);
        if (nr_types && 24 + 4 * (size_t)nr_types <= *len)
            memcpy(b + 24 + 4 * i, b + 24 + 4 * j, 4);
        break;
    }
    case 11: { /* one rule more or less, all consistent */
        if (*len < 24 || rules_off + 12 * (size_t)nr_rules > *len)
            break;
        size_t end = rules_off + 12 * (size_t)nr_rules;
        if (rng() % 2 && nr_rules) {
            memmove(b + end - 12, b + end, *len - end);
            *len -= 12;
            put32(b + 12, nr_rules - 1);
        } else if (*len + 12 <= cap) {
            memmove(b + end + 12, b + end, *len - end);
            if (nr_rules)
                memcpy(b + end, b + end - 12, 12);
            else
                memset(b + end, 0, 12);
            b[end + below(12)] += (uint8_t)(1 + below(3));
            *len += 12;
            put32(b + 12, nr_rules + 1);
        }
        break;
    }
    }
}

/* (b) Valid compiled policies, mutated. */
static void test_fuzz_mutated_policies(void)
{
    enum { CORPUS = 12, MUTATIONS = 40000, ROOM = 256 };
    static struct {
        uint8_t *data;
        size_t len;
    } corpus[CORPUS];
    size_t nr = 0, max_len = 0;
    struct fuzz_stats stats = { 0, 0, 0 };
    uint8_t *buf;

    host_mm_init(MACHINE_FRAMES);
    uint64_t free_before = host_mm_free_frames();

    /* The corpus: the shipped policies, hand-made images, random policies. */
    rng_seed(0xb17f11b);
    for (size_t i = 0; i < ARRAY_SIZE(shipped_policies); i++) {
        struct policyc_output out;

        if (compile_file(shipped_policies[i], &out)) {
            corpus[nr].data = exact_copy(out.data, out.size);
            corpus[nr++].len = out.size;
        }
        policyc_output_free(&out);
    }
    image_small();
    corpus[nr].data = image_bytes(&corpus[nr].len);
    nr++;
    image_small();
    image_add_name("a23456789012345678901234567890123456789012345678901234567890123");
    corpus[nr].data = image_bytes(&corpus[nr].len);
    nr++;
    while (nr < CORPUS) {
        static struct model m;
        struct policyc_output out;

        random_model(&m, 12);
        if (compile_model(&m, &out)) {
            corpus[nr].data = exact_copy(out.data, out.size);
            corpus[nr++].len = out.size;
        } else {
            CHECK(!"a random policy compiles");
            break;
        }
        policyc_output_free(&out);
    }
    for (size_t i = 0; i < nr; i++) {
        CHECK(spec_valid(corpus[i].data, corpus[i].len));
        if (corpus[i].len > max_len)
            max_len = corpus[i].len;
    }

    buf = malloc(max_len + ROOM);
    for (unsigned int i = 0; buf && nr && i < MUTATIONS; i++) {
        size_t pick = below((uint32_t)nr), len = corpus[pick].len;
        unsigned int rounds = 1 + below(4);

        memcpy(buf, corpus[pick].data, len);
        for (unsigned int k = 0; k < rounds; k++)
            mutate(buf, &len, max_len + ROOM);
        fuzz_one(buf, len, &stats);
    }
    /* The fuzzer must reach both verdicts, and fail some allocations. */
    CHECK(stats.accepted > MUTATIONS / 50);
    CHECK(stats.rejected > MUTATIONS / 2);
    CHECK(stats.out_of_memory > 0);

    free(buf);
    for (size_t i = 0; i < nr; i++)
        free(corpus[i].data);
    CHECK_EQ(host_mm_free_frames(), free_before);
    host_mm_fini();
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_shipped_policies_brute_force),
    UNIT_TEST(test_default_policy_decisions),
    UNIT_TEST(test_hand_written_policies),
    UNIT_TEST(test_random_policies),
    UNIT_TEST(test_policy_type),
    UNIT_TEST(test_valid_images),
    UNIT_TEST(test_bad_header),
    UNIT_TEST(test_bad_sizes),
    UNIT_TEST(test_bad_names),
    UNIT_TEST(test_bad_rules),
    UNIT_TEST(test_out_of_memory),
    UNIT_TEST(test_avc_flush),
    UNIT_TEST(test_avc_collisions),
    UNIT_TEST(test_avc_random_queries),
    UNIT_TEST(test_avc_policy_reload),
    UNIT_TEST(test_fuzz_random_buffers),
    UNIT_TEST(test_fuzz_mutated_policies),
};

int main(void)
{
    _Static_assert(XEN_EINVAL == 22 && XEN_ENOMEM == 12, "Xen's errno values");
    return unit_run("flask", tests, ARRAY_SIZE(tests));
}
