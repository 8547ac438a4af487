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

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data;
    long size;

    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = size >= 0 ? malloc((size_t)size + 1) : NULL;
    if (data && fread(data, 1, (size_t)size, f) != (size_t)size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    if (data)
        data[size] = '\0';
    *len = (size_t)size;
    return data;
}

/* A growing text buffer for generated policy sources. */
struct text {
    char *data;
    size_t len, cap;
};

__attribute__((format(printf, 2, 3)))
static void appendf(struct text *t, const char *fmt, ...)
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
    struct flask_policy *p = (struct flask_policy *)&p;   /* not NULL: must be reset */
    int rc = flask_policy_parse(copy, len, &p);

    if (rc != 0 && p != NULL)
        rc = 1000;          /* a failed load must leave *out NULL */
    if (rc == 0 && p == NULL)
        rc = 1001;
    flask_policy_free(rc == 0 ? p : NULL);
    *leaked = host_mm_free_frames() != free_before;
    free(copy);
    return rc;
}

/* The loader must give `expected` for these bytes and keep no memory. */
#define CHECK_PARSE(data, len, expected)                                   \
    do {                                                                   \
        bool leaked_;                                                      \
        CHECK_EQ(try_parse((data), (len), &leaked_), (expected));          \
        CHECK(!leaked_);                                                   \
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
    unsigned int index;          /* into the types or the attributes */
};

struct ref_rule {
    int src, tgt;                /* symbols; tgt -1 for self */
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
static char ref_tok[128];     /* the current token; "" at the end */

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

static uint32_t ref_oracle(const void *ctx, unsigned int src, unsigned int tgt,
                           unsigned int tclass)
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
                                      const char (*names)[FLASK_POLICY_MAX_NAME],
                                      oracle_fn oracle, const void *ctx)
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
                    fprintf(stderr, "compute_av(%u, %u, %u) = %#x, expected %#x\n", s, t, c,
                            got, expected);
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
    char *source = read_file(path, &len);
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
        char *source = read_file(shipped_policies[i], &len);

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
        /* The stub domain on the guests it serves. */
        CHECK_EQ(flask_policy_compute_av(p, stub, domU, FLASK_CLASS_MMU),
                 MMU__PHYSMAP | MMU__MAP_READ | MMU__MAP_WRITE | MMU__STAT);
        CHECK_EQ(flask_policy_compute_av(p, stub, dom0, FLASK_CLASS_MMU), 0);
        CHECK_EQ(flask_policy_compute_av(p, stub, domU, FLASK_CLASS_DOMAIN), 0);
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
    "attribute a; attribute b; attribute c;\n"
    DEFAULTS
    "type many, a, b, c;\n"
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
    unsigned int src;            /* a type or an attribute */
    enum target_kind tgt_kind;
    unsigned int tgt;
    unsigned int tclass;
    uint32_t perms;
    int slot;                    /* written after type `slot` (-1: before all types) */
};

/* A random policy as data: what it means, independent of any compiler. */
struct model {
    unsigned int nr_types, nr_attrs, nr_rules;
    char type_name[MODEL_MAX_TYPES][FLASK_POLICY_MAX_NAME];
    uint32_t attrs_of[MODEL_MAX_TYPES];      /* bit a: the type has attribute a */
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
        bool tgt_ok = r->tgt_kind == TARGET_SELF ? tgt == src
                                                 : model_in(m, r->tgt_kind == TARGET_ATTR,
                                                            r->tgt, tgt);

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
        int ready = -1;      /* the last type the rule names */

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
            if (rng() % 16 == 0)     /* a permission named twice */
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
