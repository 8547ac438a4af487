/*
 * Unit tests for the FLASK policy compiler (tools/policyc.c).
 *
 * Valid policies are compiled in memory and their bytes decoded by a small,
 * independent decoder that checks everything the binary format promises
 * (include/public/xsm/flask_policy.h): header, type names, rules sorted by
 * (src, tgt, class) with no repeated triple. The tests then look at the
 * decisions. Malformed policies must be rejected with exactly the expected
 * "FILE:LINE: error: ..." lines. Last, random policies are checked against
 * a brute-force evaluation of their source.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "policyc.h"
#include "public/xsm/flask_classes.h"
#include "public/xsm/flask_policy.h"
#include "unit.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The three types every policy must declare. */
#define DEFAULTS "type dom0_t;\ntype domU_t;\ntype xen_t;\n"

static char errbuf[8192];

/* --- a decoder, independent of the compiler ------------------------------------- */

struct decoded {
    uint8_t *bytes; /* a copy of the policy, which names point into */
    unsigned int nr_types, nr_rules;
    const char *names[FLASK_POLICY_MAX_TYPES];
    struct flask_policy_rule rules[FLASK_POLICY_MAX_RULES];
};

static struct decoded dec; /* large: not on the stack */

static uint32_t get32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Decode and validate a binary policy into `dec`; false if it is bad. */
static bool decode(const uint8_t *data, size_t size)
{
    uint32_t nr_types, nr_rules, strings_size;
    const uint8_t *names, *rules;
    const char *strings;

    free(dec.bytes);
    memset(&dec, 0, sizeof(dec));
    dec.bytes = malloc(size ? size : 1);
    if (!dec.bytes)
        return false;
    memcpy(dec.bytes, data, size);
    data = dec.bytes;
    if (size < 24 || get32(data) != FLASK_POLICY_MAGIC || get32(data + 4) != FLASK_POLICY_VERSION)
        return false;
    nr_types = get32(data + 8);
    nr_rules = get32(data + 12);
    strings_size = get32(data + 16);
    if (get32(data + 20) != FLASK_NR_CLASSES)
        return false;
    if (nr_types < 1 || nr_types > FLASK_POLICY_MAX_TYPES || nr_rules > FLASK_POLICY_MAX_RULES ||
        strings_size < 1 || strings_size > FLASK_POLICY_MAX_STRINGS)
        return false;
    if (size != 24 + 4 * (size_t)nr_types + 12 * (size_t)nr_rules + strings_size)
        return false;
    names = data + 24;
    rules = names + 4 * nr_types;
    strings = (const char *)(rules + 12 * nr_rules);
    if (strings[strings_size - 1] != '\0')
        return false;

    for (uint32_t i = 0; i < nr_types; i++) {
        uint32_t offset = get32(names + 4 * i);

        if (offset >= strings_size)
            return false;
        dec.names[i] = strings + offset;
        if (i == 0 ? dec.names[i][0] != '\0' : strlen(dec.names[i]) == 0)
            return false;
        for (uint32_t j = 1; j < i; j++)
            if (!strcmp(dec.names[j], dec.names[i]))
                return false; /* names are unique */
    }
    for (uint32_t i = 0; i < nr_rules; i++) {
        const uint8_t *r = rules + 12 * i;
        struct flask_policy_rule *rule = &dec.rules[i];
        unsigned int nr_perms = 0;

        rule->src = get16(r);
        rule->tgt = get16(r + 2);
        rule->tclass = get16(r + 4);
        rule->reserved = get16(r + 6);
        rule->perms = get32(r + 8);
        if (rule->src == 0 || rule->src >= nr_types || rule->tgt == 0 || rule->tgt >= nr_types ||
            rule->tclass >= FLASK_NR_CLASSES || rule->reserved || rule->perms == 0)
            return false;
        while (flask_perm_names[rule->tclass][nr_perms])
            nr_perms++;
        if (nr_perms < 32 && rule->perms >> nr_perms)
            return false; /* a bit the class does not have */
        /* The compiler promises canonical output: strictly ascending. */
        if (i > 0) {
            const struct flask_policy_rule *p = &dec.rules[i - 1];
            uint64_t a = (uint64_t)p->src << 32 | (uint64_t)p->tgt << 16 | p->tclass;
            uint64_t b = (uint64_t)rule->src << 32 | (uint64_t)rule->tgt << 16 | rule->tclass;

            if (a >= b)
                return false;
        }
    }
    dec.nr_types = nr_types;
    dec.nr_rules = nr_rules;
    return true;
}

static unsigned int type_index(const char *name)
{
    for (unsigned int i = 1; i < dec.nr_types; i++)
        if (!strcmp(dec.names[i], name))
            return i;
    return 0;
}

/* What the decoded policy lets `src` do to `tgt` in `tclass`. */
static uint32_t perms(const char *src, const char *tgt, int tclass)
{
    unsigned int s = type_index(src), t = type_index(tgt);

    for (unsigned int i = 0; i < dec.nr_rules; i++)
        if (dec.rules[i].src == s && dec.rules[i].tgt == t && dec.rules[i].tclass == tclass)
            return dec.rules[i].perms;
    return 0;
}

/* Compile `source` (as "test.te") and decode it; false on any failure. */
static bool compile_ok(const char *source)
{
    struct policyc_output out;
    int errors = policyc_compile("test.te", source, strlen(source), &out, errbuf, sizeof(errbuf));
    bool ok = errors == 0 && out.data && decode(out.data, out.size) &&
              dec.nr_types == out.nr_types && dec.nr_rules == out.nr_rules;

    if (errors)
        fputs(errbuf, stderr);
    policyc_output_free(&out);
    return ok;
}

/* Compile `source`, which must fail with exactly the messages `expected`. */
static bool compile_fails(const char *source, int nr_errors, const char *expected)
{
    struct policyc_output out;
    int errors = policyc_compile("test.te", source, strlen(source), &out, errbuf, sizeof(errbuf));
    bool ok = errors == nr_errors && out.data == NULL && out.size == 0 && !strcmp(errbuf, expected);

    if (!ok)
        fprintf(stderr, "got %d errors:\n%s---\nexpected %d:\n%s---\n", errors, errbuf, nr_errors,
                expected);
    policyc_output_free(&out);
    return ok;
}

/* CHECK with the source out of the message (it can be long). */
#define CHECK_COMPILES(source)          \
    do {                                \
        const char *source_ = (source); \
        CHECK(compile_ok(source_));     \
    } while (0)

#define CHECK_REJECTS(source, nr_errors, expected)               \
    do {                                                         \
        const char *source_ = (source), *expected_ = (expected); \
        CHECK(compile_fails(source_, nr_errors, expected_));     \
    } while (0)

/* Compile a file of the repository and decode it. */
static bool compile_file_ok(const char *path)
{
    struct policyc_output out;
    size_t len;
    char *source = policyc_read_file(path, &len);
    int errors;
    bool ok;

    if (!source)
        return false;
    errors = policyc_compile(path, source, len, &out, errbuf, sizeof(errbuf));
    ok = errors == 0 && decode(out.data, out.size);
    if (errors)
        fputs(errbuf, stderr);
    policyc_output_free(&out);
    free(source);
    return ok;
}

/* --- valid policies -------------------------------------------------------------- */

/* The smallest policy: three types, no rules. Checked byte by byte. */
static void test_minimal(void)
{
    static const uint8_t expected[] = {
        'M', 'F', 'L', 'K', 1,   0,   0,   0, /* magic, version */
        4,   0,   0,   0,   0,   0,   0,   0, /* nr_types, nr_rules */
        21,  0,   0,   0,   5,   0,   0,   0, /* strings_size, nr_classes */
        0,   0,   0,   0,   1,   0,   0,   0, /* type_name[0], [1] */
        8,   0,   0,   0,   15,  0,   0,   0, /* type_name[2], [3] */
        0,   'd', 'o', 'm', '0', '_', 't', 0,   'd', 'o', 'm',
        'U', '_', 't', 0,   'x', 'e', 'n', '_', 't', 0,
    };
    struct policyc_output out;
    const char *source = DEFAULTS;

    CHECK_EQ(policyc_compile("test.te", source, strlen(source), &out, errbuf, sizeof(errbuf)), 0);
    CHECK_EQ(errbuf[0], '\0');
    CHECK_EQ(out.size, sizeof(expected));
    CHECK_EQ(out.nr_types, 4);
    CHECK_EQ(out.nr_rules, 0);
    CHECK(out.data && out.size == sizeof(expected) && !memcmp(out.data, expected, out.size));
    policyc_output_free(&out);
    CHECK(out.data == NULL);
}

/* One rule, byte by byte: little-endian fields, reserved zero. */
static void test_rule_bytes(void)
{
    static const uint8_t rule[] = { 2, 0, 3, 0, 1, 0, 0, 0, 0x14, 0, 0, 0 };
    const char *source = DEFAULTS "allow domU_t xen_t:mmu { map_read stat };\n";
    struct policyc_output out;

    CHECK_EQ(policyc_compile("test.te", source, strlen(source), &out, errbuf, sizeof(errbuf)), 0);
    CHECK_EQ(out.nr_rules, 1);
    CHECK(out.size == 24 + 16 + 12 + 21 && !memcmp(out.data + 24 + 16, rule, sizeof(rule)));
    policyc_output_free(&out);
}

/* Types are numbered from 1 in declaration order; names are in order. */
static void test_type_names(void)
{
    CHECK_COMPILES("type xen_t; type a_1; type dom0_t;\ntype _b; type domU_t;");
    CHECK_EQ(dec.nr_types, 6);
    CHECK(!strcmp(dec.names[0], ""));
    CHECK(!strcmp(dec.names[1], "xen_t"));
    CHECK(!strcmp(dec.names[2], "a_1"));
    CHECK(!strcmp(dec.names[3], "dom0_t"));
    CHECK(!strcmp(dec.names[4], "_b"));
    CHECK(!strcmp(dec.names[5], "domU_t"));
    CHECK_EQ(dec.nr_rules, 0);
}

/* Rules come out sorted by (src, tgt, class), with repeated triples merged. */
static void test_sorted_and_merged(void)
{
    CHECK_COMPILES(DEFAULTS "allow xen_t dom0_t:domain pause;\n"
                            "allow dom0_t domU_t:mmu stat;\n"
                            "allow dom0_t domU_t:domain { create };\n"
                            "allow dom0_t domU_t:mmu { physmap stat };\n"
                            "allow dom0_t dom0_t:xen readconsole;\n"
                            "allow dom0_t domU_t:domain destroy;\n"
                            "allow dom0_t domU_t:mmu map_write;\n");
    CHECK_EQ(dec.nr_rules, 4);
    /* dom0_t = 1, domU_t = 2, xen_t = 3 */
    CHECK(dec.rules[0].src == 1 && dec.rules[0].tgt == 1 && dec.rules[0].tclass == FLASK_CLASS_XEN);
    CHECK_EQ(dec.rules[0].perms, XEN__READCONSOLE);
    CHECK(dec.rules[1].src == 1 && dec.rules[1].tgt == 2 &&
          dec.rules[1].tclass == FLASK_CLASS_DOMAIN);
    CHECK_EQ(dec.rules[1].perms, DOMAIN__CREATE | DOMAIN__DESTROY);
    CHECK(dec.rules[2].src == 1 && dec.rules[2].tgt == 2 && dec.rules[2].tclass == FLASK_CLASS_MMU);
    CHECK_EQ(dec.rules[2].perms, MMU__PHYSMAP | MMU__STAT | MMU__MAP_WRITE);
    CHECK(dec.rules[3].src == 3 && dec.rules[3].tgt == 1 &&
          dec.rules[3].tclass == FLASK_CLASS_DOMAIN);
    CHECK_EQ(dec.rules[3].perms, DOMAIN__PAUSE);
}

/* Every permission of every class has the bit flask_classes.h gives it. */
static void test_permission_bits(void)
{
    CHECK_COMPILES(DEFAULTS
                   "allow dom0_t domU_t:domain { create destroy pause getparam setparam vcpu };\n"
                   "allow dom0_t domU_t:mmu { physmap adjust stat memorymap map_read map_write };\n"
                   "allow dom0_t xen_t:xen { writeconsole readconsole machine_memory_map\n"
                   "    getenforce setenforce load_policy compute_av };\n"
                   "allow dom0_t domU_t:grant { map_read map_write unmap setup copy query };\n"
                   "allow dom0_t domU_t:event { bind send status create close };\n"
                   "allow domU_t domU_t:mmu map_write;\n"
                   "allow domU_t domU_t:xen compute_av;\n"
                   "allow domU_t domU_t:grant query;\n"
                   "allow domU_t domU_t:event close;\n"
                   "allow domU_t domU_t:domain vcpu;\n");
    CHECK_EQ(perms("dom0_t", "domU_t", FLASK_CLASS_DOMAIN), 0x3f);
    CHECK_EQ(perms("dom0_t", "domU_t", FLASK_CLASS_MMU), 0x3f);
    CHECK_EQ(perms("dom0_t", "xen_t", FLASK_CLASS_XEN), 0x7f);
    CHECK_EQ(perms("dom0_t", "domU_t", FLASK_CLASS_GRANT), 0x3f);
    CHECK_EQ(perms("dom0_t", "domU_t", FLASK_CLASS_EVENT), 0x1f);
    CHECK_EQ(perms("domU_t", "domU_t", FLASK_CLASS_MMU), MMU__MAP_WRITE);
    CHECK_EQ(perms("domU_t", "domU_t", FLASK_CLASS_XEN), XEN__COMPUTE_AV);
    CHECK_EQ(perms("domU_t", "domU_t", FLASK_CLASS_GRANT), GRANT__QUERY);
    CHECK_EQ(perms("domU_t", "domU_t", FLASK_CLASS_EVENT), EVENT__CLOSE);
    CHECK_EQ(perms("domU_t", "domU_t", FLASK_CLASS_DOMAIN), DOMAIN__VCPU);
    CHECK_EQ(dec.nr_rules, 10);
}

/* An attribute on either side stands for each of its types. */
static void test_attribute_expansion(void)
{
    CHECK_COMPILES("attribute guests;\nattribute managers;\n"
                   "type dom0_t, managers;\ntype domU_t, guests;\ntype xen_t;\n"
                   "type g2, guests;\ntype m2, managers, guests;\n"
                   "allow managers guests:domain pause;\n");
    /* managers = {dom0_t, m2}, guests = {domU_t, g2, m2}: 6 rules */
    CHECK_EQ(dec.nr_rules, 6);
    CHECK_EQ(perms("dom0_t", "domU_t", FLASK_CLASS_DOMAIN), DOMAIN__PAUSE);
    CHECK_EQ(perms("dom0_t", "g2", FLASK_CLASS_DOMAIN), DOMAIN__PAUSE);
    CHECK_EQ(perms("dom0_t", "m2", FLASK_CLASS_DOMAIN), DOMAIN__PAUSE);
    CHECK_EQ(perms("m2", "domU_t", FLASK_CLASS_DOMAIN), DOMAIN__PAUSE);
    CHECK_EQ(perms("m2", "g2", FLASK_CLASS_DOMAIN), DOMAIN__PAUSE);
    CHECK_EQ(perms("m2", "m2", FLASK_CLASS_DOMAIN), DOMAIN__PAUSE);
    CHECK_EQ(perms("domU_t", "dom0_t", FLASK_CLASS_DOMAIN), 0);
    CHECK_EQ(perms("dom0_t", "dom0_t", FLASK_CLASS_DOMAIN), 0);
}

/* `self` is each source type on itself, not every pair. */
static void test_self(void)
{
    CHECK_COMPILES("attribute d;\ntype dom0_t, d;\ntype domU_t, d;\ntype xen_t;\n"
                   "allow d self:mmu { physmap stat };\n"
                   "allow xen_t self:xen getenforce;\n");
    CHECK_EQ(dec.nr_rules, 3);
    CHECK_EQ(perms("dom0_t", "dom0_t", FLASK_CLASS_MMU), MMU__PHYSMAP | MMU__STAT);
    CHECK_EQ(perms("domU_t", "domU_t", FLASK_CLASS_MMU), MMU__PHYSMAP | MMU__STAT);
    CHECK_EQ(perms("xen_t", "xen_t", FLASK_CLASS_XEN), XEN__GETENFORCE);
    CHECK_EQ(perms("dom0_t", "domU_t", FLASK_CLASS_MMU), 0);
}

/* An attribute covers the types that get it below a rule that uses it. */
static void test_attribute_is_final_set(void)
{
    CHECK_COMPILES("attribute d;\ntype dom0_t, d;\n"
                   "allow d self:domain vcpu;\n"
                   "type domU_t, d;\ntype xen_t;\n");
    CHECK_EQ(dec.nr_rules, 2);
    CHECK_EQ(perms("domU_t", "domU_t", FLASK_CLASS_DOMAIN), DOMAIN__VCPU);
}

/* Layout freedom: comments, blank lines, several statements on a line, a
 * rule over several lines, repeated permissions and attributes, an
 * attribute with no types, CRLF line ends. */
static void test_layout(void)
{
    CHECK_COMPILES("# a policy\r\n"
                   "attribute a; attribute empty;   # trailing comment\r\n"
                   "\n\n type dom0_t , a , a ;type domU_t;type xen_t;\n"
                   "allow\n  dom0_t\n  domU_t\n  :\n  mmu\n  {\n stat # the stat\n stat\n }\n;\n"
                   "allow empty a:domain pause;\n"
                   "allow a empty:domain pause;\n"
                   "allow\tdomU_t\tdom0_t:domain{getparam}; # tabs\n");
    CHECK_EQ(dec.nr_rules, 2);
    CHECK_EQ(perms("dom0_t", "domU_t", FLASK_CLASS_MMU), MMU__STAT);
    CHECK_EQ(perms("domU_t", "dom0_t", FLASK_CLASS_DOMAIN), DOMAIN__GETPARAM);
}

/* A source need not end with a newline or even hold anything after the
 * last ';'; it need not be NUL-terminated either. */
static void test_not_nul_terminated(void)
{
    const char source[] = DEFAULTS "allow dom0_t domU_t:domain pause;GARBAGE";
    struct policyc_output out;

    /* Compile without the trailing "GARBAGE" and its NUL. */
    CHECK_EQ(policyc_compile("test.te", source, strlen(source) - 7, &out, errbuf, sizeof(errbuf)),
             0);
    CHECK(out.data && decode(out.data, out.size));
    CHECK_EQ(dec.nr_rules, 1);
    policyc_output_free(&out);
}

/* The longest name (63 characters) is fine. */
static void test_longest_name(void)
{
    char source[256];
    char name[64];

    memset(name, 'n', 63);
    name[63] = '\0';
    snprintf(source, sizeof(source), DEFAULTS "type %s;\n", name);
    CHECK_COMPILES(source);
    CHECK(!strcmp(dec.names[4], name));
}

/* The default policy compiles and says what docs/xsm.md promises. */
static void test_default_policy(void)
{
    const int d = FLASK_CLASS_DOMAIN, m = FLASK_CLASS_MMU, x = FLASK_CLASS_XEN;

    CHECK(compile_file_ok("xsm/policy/default.te"));
    CHECK(type_index("dom0_t") && type_index("domU_t") && type_index("xen_t") &&
          type_index("stub_t"));

    /* dom0_t: everything on every domain and on xen_t */
    CHECK_EQ(perms("dom0_t", "domU_t", d), 0x1fff);
    CHECK_EQ(perms("dom0_t", "dom0_t", d), 0x1fff);
    CHECK_EQ(perms("dom0_t", "stub_t", d), 0x1fff);
    CHECK_EQ(perms("dom0_t", "domU_t", m), 0x3f);
    CHECK_EQ(perms("dom0_t", "dom0_t", m), 0x3f);
    CHECK_EQ(perms("dom0_t", "xen_t", x), 0x1ff);
    CHECK(perms("dom0_t", "xen_t", x) & XEN__LOAD_POLICY);

    /* domU_t: itself, and the console */
    CHECK_EQ(perms("domU_t", "domU_t", m), MMU__PHYSMAP | MMU__ADJUST | MMU__STAT | MMU__MEMORYMAP);
    CHECK_EQ(perms("domU_t", "domU_t", d), DOMAIN__GETPARAM | DOMAIN__SETPARAM | DOMAIN__VCPU);
    CHECK_EQ(perms("domU_t", "xen_t", x), XEN__WRITECONSOLE);
    CHECK_EQ(perms("domU_t", "dom0_t", d), 0);
    CHECK_EQ(perms("domU_t", "dom0_t", m), 0);
    CHECK_EQ(perms("domU_t", "stub_t", m), 0);

    /* event channels: every domain with itself and with dom0, dom0 with all */
    const int e = FLASK_CLASS_EVENT;
    const uint32_t all_events = EVENT__BIND | EVENT__SEND | EVENT__STATUS | EVENT__CREATE |
                                EVENT__CLOSE;
    CHECK_EQ(perms("domU_t", "domU_t", e), all_events);
    CHECK_EQ(perms("stub_t", "stub_t", e), all_events);
    CHECK_EQ(perms("domU_t", "dom0_t", e), EVENT__BIND | EVENT__SEND);
    CHECK_EQ(perms("dom0_t", "domU_t", e), all_events);
    CHECK_EQ(perms("domU_t", "stub_t", e), 0);

    /* stub_t: itself, and the memory of domU_t */
    CHECK_EQ(perms("stub_t", "stub_t", m), MMU__PHYSMAP | MMU__ADJUST | MMU__STAT | MMU__MEMORYMAP);
    CHECK_EQ(perms("stub_t", "domU_t", m),
             MMU__PHYSMAP | MMU__MAP_READ | MMU__MAP_WRITE | MMU__STAT);
    CHECK_EQ(perms("stub_t", "domU_t", d), DOMAIN__SHUTDOWN);
    CHECK_EQ(perms("stub_t", "dom0_t", m), 0);

    /* xen_t is only a target */
    for (unsigned int i = 0; i < dec.nr_rules; i++)
        CHECK(dec.rules[i].src != type_index("xen_t"));
}

static void test_example_policies(void)
{
    const int d = FLASK_CLASS_DOMAIN, m = FLASK_CLASS_MMU, x = FLASK_CLASS_XEN;

    CHECK(compile_file_ok("xsm/policy/examples/strict.te"));
    CHECK_EQ(perms("domU_t", "xen_t", x), 0);
    CHECK_EQ(perms("dom0_t", "xen_t", x), 0x1ff);
    CHECK_EQ(perms("domU_t", "domU_t", m), MMU__PHYSMAP | MMU__ADJUST | MMU__STAT | MMU__MEMORYMAP);

    CHECK(compile_file_ok("xsm/policy/examples/stubdom.te"));
    CHECK_EQ(perms("dm_t", "hvm_t", m), MMU__PHYSMAP | MMU__MAP_READ | MMU__MAP_WRITE | MMU__STAT);
    CHECK_EQ(perms("dm_t", "hvm_t", d), DOMAIN__PAUSE | DOMAIN__UNPAUSE | DOMAIN__GETDOMAININFO |
                                            DOMAIN__GETPARAM | DOMAIN__SETPARAM | DOMAIN__SHUTDOWN);
    CHECK_EQ(perms("dm_t", "domU_t", m), 0);
    CHECK_EQ(perms("hvm_t", "dm_t", m), 0);
    CHECK_EQ(perms("domU_t", "xen_t", x), XEN__WRITECONSOLE);
    CHECK_EQ(perms("dom0_t", "xen_t", x), 0x1ff);
}

/* --- errors ------------------------------------------------------------------------ */

static void test_unknown_names(void)
{
    CHECK_REJECTS(DEFAULTS "allow dom0_t nobody:domain pause;\n"
                           "allow nobody dom0_t:domain pause;\n"
                           "allow dom0_t domU_t:disk read;\n"
                           "allow dom0_t domU_t:mmu { physmap fly stat writeconsole };\n",
                  5,
                  "test.te:4: error: unknown type or attribute 'nobody'\n"
                  "test.te:5: error: unknown type or attribute 'nobody'\n"
                  "test.te:6: error: unknown class 'disk'\n"
                  "test.te:7: error: unknown permission 'fly' in class 'mmu'\n"
                  "test.te:7: error: unknown permission 'writeconsole' in class 'mmu'\n");
    CHECK_REJECTS("type dom0_t, nothing;\ntype domU_t, dom0_t;\ntype xen_t;\n", 2,
                  "test.te:1: error: unknown attribute 'nothing'\n"
                  "test.te:2: error: 'dom0_t' is a type, not an attribute\n");
}

static void test_missing_semicolon(void)
{
    /* Reported on the line where the ';' belongs; the statement still
     * counts, so nothing else is reported. */
    CHECK_REJECTS("type dom0_t\ntype domU_t;\nattribute a\ntype xen_t, a;\n"
                  "allow dom0_t domU_t:mmu stat\nallow dom0_t domU_t:mmu { map_read }\n"
                  "allow dom0_t domU_t:mmu physmap",
                  5,
                  "test.te:1: error: missing ';' after 'dom0_t'\n"
                  "test.te:3: error: missing ';' after 'a'\n"
                  "test.te:5: error: missing ';' after 'stat'\n"
                  "test.te:6: error: missing ';' after '}'\n"
                  "test.te:7: error: unexpected end of file in allow rule\n");
}

static void test_syntax_errors(void)
{
    /* missing ':' */
    CHECK_REJECTS(DEFAULTS "allow dom0_t domU_t mmu stat;\n", 1,
                  "test.te:4: error: expected ':' after 'domU_t', found 'mmu'\n");
    CHECK_REJECTS(DEFAULTS "allow dom0_t domU_t;\n", 1,
                  "test.te:4: error: missing ':' after 'domU_t'\n");
    /* missing pieces */
    CHECK_REJECTS(DEFAULTS "allow dom0_t;\n", 1,
                  "test.te:4: error: missing a target type or attribute after 'dom0_t'\n");
    CHECK_REJECTS(DEFAULTS "allow dom0_t domU_t:mmu;\n", 1,
                  "test.te:4: error: missing a permission or '{' after 'mmu'\n");
    CHECK_REJECTS(DEFAULTS "allow dom0_t domU_t:;\n", 1,
                  "test.te:4: error: missing a class name after ':'\n");
    CHECK_REJECTS(DEFAULTS "type;\nattribute;\n", 2,
                  "test.te:4: error: missing a type name after 'type'\n"
                  "test.te:5: error: missing an attribute name after 'attribute'\n");
    /* unexpected tokens */
    CHECK_REJECTS(DEFAULTS "permit dom0_t domU_t:mmu stat;\n;\n", 2,
                  "test.te:4: error: expected 'type', 'attribute' or 'allow', found 'permit'\n"
                  "test.te:5: error: expected 'type', 'attribute' or 'allow', found ';'\n");
    CHECK_REJECTS(DEFAULTS "type a b;\ntype c,;\nallow dom0_t domU_t:mmu { stat, map_read };\n", 3,
                  "test.te:4: error: expected ';' after 'a', found 'b'\n"
                  "test.te:5: error: missing an attribute name after ','\n"
                  "test.te:6: error: expected '}' after 'stat', found ','\n");
    /* keywords are not names */
    CHECK_REJECTS(
        DEFAULTS "type self;\ntype allow;\nallow self domU_t:mmu stat;\n", 3,
        "test.te:4: error: expected a type name after 'type', found 'self'\n"
        "test.te:5: error: expected a type name after 'type', found 'allow'\n"
        "test.te:6: error: expected a source type or attribute after 'allow', found 'self'\n");
    /* an empty permission list */
    CHECK_REJECTS(DEFAULTS "allow dom0_t domU_t:mmu {\n};\n", 1,
                  "test.te:4: error: empty permission list\n");
}

static void test_unbalanced_braces(void)
{
    /* A missing '}' before ';', before the next statement, at the end. */
    CHECK_REJECTS(DEFAULTS "allow dom0_t domU_t:mmu { stat ;\n"
                           "allow dom0_t domU_t:mmu { stat\n"
                           "allow dom0_t domU_t:domain pause;\n"
                           "allow dom0_t domU_t:mmu { stat\n",
                  3,
                  "test.te:4: error: missing '}' after 'stat'\n"
                  "test.te:5: error: missing '}' after 'stat'\n"
                  "test.te:7: error: unexpected end of file in allow rule\n");
    /* A '}' that closes nothing, inside a statement and between them. */
    CHECK_REJECTS(DEFAULTS "allow dom0_t domU_t:mmu stat };\n"
                           "}\n"
                           "allow dom0_t domU_t:mmu { stat } };\n"
                           "allow dom0_t domU_t:mmu { { stat } };\n",
                  4,
                  "test.te:4: error: unmatched '}'\n"
                  "test.te:5: error: unmatched '}'\n"
                  "test.te:6: error: unmatched '}'\n"
                  "test.te:7: error: expected '}' after '{', found '{'\n");
}

static void test_end_of_file_in_rule(void)
{
    static const char *const cut[] = {
        "allow",
        "allow dom0_t",
        "allow dom0_t domU_t",
        "allow dom0_t domU_t:",
        "allow dom0_t domU_t:mmu",
        "allow dom0_t domU_t:mmu {",
        "allow dom0_t domU_t:mmu { stat",
        "allow dom0_t domU_t:mmu { stat }",
        "allow dom0_t domU_t:mmu stat",
    };
    char source[256];

    for (size_t i = 0; i < ARRAY_SIZE(cut); i++) {
        snprintf(source, sizeof(source), DEFAULTS "%s", cut[i]);
        CHECK_REJECTS(source, 1, "test.te:4: error: unexpected end of file in allow rule\n");
    }
    CHECK_REJECTS(DEFAULTS "type", 1,
                  "test.te:4: error: unexpected end of file in type declaration\n");
    CHECK_REJECTS(DEFAULTS "type a,", 1,
                  "test.te:4: error: unexpected end of file in type declaration\n");
    CHECK_REJECTS(DEFAULTS "attribute\n\n", 1,
                  "test.te:4: error: unexpected end of file in attribute declaration\n");
}

static void test_duplicates(void)
{
    CHECK_REJECTS(
        "attribute a;\n" DEFAULTS "type dom0_t;\n"
        "attribute a;\n"
        "type a;\n"
        "attribute xen_t;\n",
        4,
        "test.te:5: error: duplicate declaration of type 'dom0_t' (first declared at line 2)\n"
        "test.te:6: error: duplicate declaration of attribute 'a' (first declared at line 1)\n"
        "test.te:7: error: 'a' is already declared as an attribute at line 1\n"
        "test.te:8: error: 'xen_t' is already declared as a type at line 4\n");
}

static void test_used_before_declaration(void)
{
    CHECK_REJECTS("type dom0_t, d;\nallow t2 dom0_t:mmu stat;\nallow dom0_t d:mmu stat;\n"
                  "attribute d;\ntype t2;\n"
                  "type domU_t;\ntype xen_t;\n",
                  3,
                  "test.te:1: error: attribute 'd' is used before its declaration at line 4\n"
                  "test.te:2: error: type 't2' is used before its declaration at line 5\n"
                  "test.te:3: error: attribute 'd' is used before its declaration at line 4\n");
}

static void test_missing_default_types(void)
{
    CHECK_REJECTS("type domU_t;\n\n", 2,
                  "test.te:1: error: the policy does not declare type 'dom0_t'\n"
                  "test.te:1: error: the policy does not declare type 'xen_t'\n");
    CHECK_REJECTS("", 3,
                  "test.te:1: error: the policy does not declare type 'dom0_t'\n"
                  "test.te:1: error: the policy does not declare type 'domU_t'\n"
                  "test.te:1: error: the policy does not declare type 'xen_t'\n");
    CHECK_REJECTS("attribute dom0_t;\ntype domU_t;\ntype xen_t;\n", 1,
                  "test.te:1: error: 'dom0_t' must be a type, not an attribute\n");
}

static void test_bad_names_and_characters(void)
{
    char source[256];
    char name[65];

    memset(name, 'x', 64);
    name[64] = '\0';
    snprintf(source, sizeof(source), DEFAULTS "type %s;\n", name);
    CHECK_REJECTS(
        source, 1,
        "test.te:4: error: name 'xxxxxxxxxxxxxxxxxxxx...' is longer than 63 characters\n");
    CHECK_REJECTS(DEFAULTS "type 9lives;\ntype a-b;\n", 3,
                  "test.te:4: error: invalid name '9lives': a name starts with a letter or '_'\n"
                  "test.te:5: error: unexpected character '-'\n"
                  "test.te:5: error: expected ';' after 'a', found 'b'\n");
    CHECK_REJECTS(DEFAULTS "type \x01q;\n", 1, "test.te:4: error: unexpected character '\\x01'\n");
}

/* The limits of the binary format. */
static void test_too_many_types(void)
{
    size_t cap = 32 * 1024;
    char *source = malloc(cap);
    size_t used = 0;

    used += (size_t)snprintf(source + used, cap - used, DEFAULTS);
    for (int i = 4; i <= FLASK_POLICY_MAX_TYPES + 1; i++) /* two too many */
        used += (size_t)snprintf(source + used, cap - used, "type t%d;\n", i);
    CHECK(used < cap);
    CHECK_REJECTS(source, 1, "test.te:1024: error: too many types (at most 1023)\n");
    free(source);

    /* 1023 types are fine. */
    source = malloc(cap);
    used = (size_t)snprintf(source, cap, DEFAULTS);
    for (int i = 4; i < FLASK_POLICY_MAX_TYPES; i++)
        used += (size_t)snprintf(source + used, cap - used, "type t%d;\n", i);
    CHECK_COMPILES(source);
    CHECK_EQ(dec.nr_types, FLASK_POLICY_MAX_TYPES);
    free(source);
}

static void test_too_many_rules(void)
{
    size_t cap = 16 * 1024;
    char *source = malloc(cap);
    size_t used = 0;

    /* 256 types in one attribute: 65536 triples per class. */
    used += (size_t)snprintf(source + used, cap - used, "attribute all;\n");
    for (int i = 0; i < 253; i++)
        used += (size_t)snprintf(source + used, cap - used, "type t%d, all;\n", i);
    used += (size_t)snprintf(source + used, cap - used,
                             "type dom0_t, all;\ntype domU_t, all;\ntype xen_t, all;\n"
                             "allow all all:domain pause;\n");
    CHECK(used < cap);
    CHECK_COMPILES(source);
    CHECK_EQ(dec.nr_rules, FLASK_POLICY_MAX_RULES);

    /* Merging keeps it at the limit; one more triple is too many. */
    used += (size_t)snprintf(source + used, cap - used,
                             "allow all all:domain vcpu;\n"
                             "allow dom0_t xen_t:xen readconsole;\n");
    CHECK(used < cap);
    CHECK_REJECTS(source, 1,
                  "test.te:260: error: too many rules after expansion (at most 65536)\n");
    free(source);
}

/* Several errors in one file are all reported, in line order, and the
 * count is returned. */
static void test_many_errors(void)
{
    CHECK_REJECTS(
        "type dom0_t;\ntype domU_t;\n"
        "allow dom0_t ghost:mmu stat;\n"
        "type xen_t\n"
        "allow dom0_t domU_t:mmu fly;\n"
        "type domU_t;\n"
        "allow dom0_t domU_t:mmu { stat\n",
        5,
        "test.te:3: error: unknown type or attribute 'ghost'\n"
        "test.te:4: error: missing ';' after 'xen_t'\n"
        "test.te:5: error: unknown permission 'fly' in class 'mmu'\n"
        "test.te:6: error: duplicate declaration of type 'domU_t' (first declared at line 2)\n"
        "test.te:7: error: unexpected end of file in allow rule\n");
}

/* A small errbuf gets whole lines only; the count is still right. */
static void test_small_errbuf(void)
{
    const char *source = "x;\ny;\nz;\n";
    struct policyc_output out;
    char small[80];

    CHECK_EQ(policyc_compile("f.te", source, strlen(source), &out, small, sizeof(small)), 6);
    CHECK(!strcmp(small, "f.te:1: error: expected 'type', 'attribute' or 'allow', found 'x'\n"));
    CHECK_EQ(policyc_compile("f.te", source, strlen(source), &out, NULL, 0), 6);
    CHECK_EQ(policyc_compile("f.te", source, strlen(source), &out, small, 1), 6);
    CHECK_EQ(small[0], '\0');
    CHECK(out.data == NULL);
}

/* --- random policies against brute force -------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545F4914F6CDD1Dull) >> 32);
}

#define R_MAX_TYPES 24
#define R_MAX_ATTRS 6
#define R_MAX_RULES 40

/* The source model: names are indices. A "set" is a type (0..) or an
 * attribute (R_MAX_TYPES + a), or -1 for self as a target. */
struct model {
    int nr_types, nr_attrs, nr_rules;
    char type_names[R_MAX_TYPES][16];
    bool has_attr[R_MAX_TYPES][R_MAX_ATTRS];
    struct {
        int src, tgt, tclass;
        uint32_t perms;
        bool early;
    } rules[R_MAX_RULES];
};

static int nr_perms_of(int tclass)
{
    int n = 0;

    while (flask_perm_names[tclass][n])
        n++;
    return n;
}

static bool in_set(const struct model *m, int set, int type)
{
    if (set < R_MAX_TYPES)
        return set == type;
    return m->has_attr[type][set - R_MAX_TYPES];
}

/* The last type a rule names (attributes are all declared first). */
static int rule_ready(const struct model *m, int r)
{
    int ready = -1;

    if (m->rules[r].src < R_MAX_TYPES)
        ready = m->rules[r].src;
    if (m->rules[r].tgt >= 0 && m->rules[r].tgt < R_MAX_TYPES && m->rules[r].tgt > ready)
        ready = m->rules[r].tgt;
    return ready;
}

static const char *set_name(const struct model *m, int set, char *buf, size_t len)
{
    if (set < 0)
        snprintf(buf, len, "self");
    else if (set < R_MAX_TYPES)
        snprintf(buf, len, "%s", m->type_names[set]);
    else
        snprintf(buf, len, "attr%d", set - R_MAX_TYPES);
    return buf;
}

static void random_model(struct model *m)
{
    int defaults[3];

    memset(m, 0, sizeof(*m));
    m->nr_types = 3 + (int)(rng() % (R_MAX_TYPES - 2));
    m->nr_attrs = (int)(rng() % (R_MAX_ATTRS + 1));
    m->nr_rules = (int)(rng() % (R_MAX_RULES + 1));
    for (int t = 0; t < m->nr_types; t++)
        snprintf(m->type_names[t], sizeof(m->type_names[t]), "t%d", t);
    /* The three default types, at random places. */
    for (int i = 0; i < 3; i++) {
        bool taken;

        do {
            defaults[i] = (int)(rng() % (uint32_t)m->nr_types);
            taken = false;
            for (int j = 0; j < i; j++)
                taken |= defaults[j] == defaults[i];
        } while (taken);
    }
    snprintf(m->type_names[defaults[0]], 16, "dom0_t");
    snprintf(m->type_names[defaults[1]], 16, "domU_t");
    snprintf(m->type_names[defaults[2]], 16, "xen_t");

    for (int t = 0; t < m->nr_types; t++)
        for (int a = 0; a < m->nr_attrs; a++)
            m->has_attr[t][a] = rng() % 3 == 0;

    for (int r = 0; r < m->nr_rules; r++) {
        int nr_sets = m->nr_types + m->nr_attrs;
        int pick = (int)(rng() % (uint32_t)nr_sets);

        m->rules[r].src = pick < m->nr_types ? pick : R_MAX_TYPES + pick - m->nr_types;
        pick = (int)(rng() % (uint32_t)(nr_sets + 1));
        m->rules[r].tgt = pick == nr_sets      ? -1
                          : pick < m->nr_types ? pick
                                               : R_MAX_TYPES + pick - m->nr_types;
        m->rules[r].tclass = (int)(rng() % FLASK_NR_CLASSES);
        do
            m->rules[r].perms = rng() & ((1u << nr_perms_of(m->rules[r].tclass)) - 1);
        while (!m->rules[r].perms);
        m->rules[r].early = rng() % 2;
    }
}

static size_t emit_rule(const struct model *m, int r, char *out, size_t len)
{
    char src[16], tgt[16];
    size_t used;
    int tclass = m->rules[r].tclass;
    uint32_t p = m->rules[r].perms;

    used = (size_t)snprintf(
        out, len, "allow %s %s:%s", set_name(m, m->rules[r].src, src, sizeof(src)),
        set_name(m, m->rules[r].tgt, tgt, sizeof(tgt)), flask_class_names[tclass]);
    if ((p & (p - 1)) == 0 && rng() % 2) { /* one permission, no braces */
        used += (size_t)snprintf(out + used, len - used, " %s;\n",
                                 flask_perm_names[tclass][__builtin_ctz(p)]);
        return used;
    }
    used += (size_t)snprintf(out + used, len - used, " {");
    for (int bit = 0; bit < 32; bit++)
        if (p & (1u << bit))
            used += (size_t)snprintf(out + used, len - used, rng() % 4 ? " %s" : "\n  %s # c\n",
                                     flask_perm_names[tclass][bit]);
    used += (size_t)snprintf(out + used, len - used, " };\n");
    return used;
}

/* Attributes first; then the types, each "early" rule right after the last
 * type it names; then the other rules. */
static size_t emit_model(const struct model *m, char *out, size_t len)
{
    size_t used = 0;

    for (int a = 0; a < m->nr_attrs; a++)
        used += (size_t)snprintf(out + used, len - used, "attribute attr%d;\n", a);
    for (int t = 0; t < m->nr_types; t++) {
        used += (size_t)snprintf(out + used, len - used, "type %s", m->type_names[t]);
        for (int a = 0; a < m->nr_attrs; a++)
            if (m->has_attr[t][a])
                used += (size_t)snprintf(out + used, len - used, ", attr%d", a);
        used += (size_t)snprintf(out + used, len - used, ";\n");
        for (int r = 0; r < m->nr_rules; r++)
            if (m->rules[r].early && rule_ready(m, r) == t)
                used += emit_rule(m, r, out + used, len - used);
    }
    for (int r = 0; r < m->nr_rules; r++)
        if (!m->rules[r].early || rule_ready(m, r) < 0)
            used += emit_rule(m, r, out + used, len - used);
    return used;
}

/* What the source says src may do to tgt in tclass: every rule, by hand. */
static uint32_t brute_force(const struct model *m, int src, int tgt, int tclass)
{
    uint32_t p = 0;

    for (int r = 0; r < m->nr_rules; r++) {
        if (m->rules[r].tclass != tclass || !in_set(m, m->rules[r].src, src))
            continue;
        if (m->rules[r].tgt < 0 ? src == tgt : in_set(m, m->rules[r].tgt, tgt))
            p |= m->rules[r].perms;
    }
    return p;
}

static void test_random_policies(void)
{
    static char source[64 * 1024];
    static struct model m;

    rng_state = 0x6d696361f1a5cull; /* fixed seed: reproducible */
    for (int round = 0; round < 300; round++) {
        unsigned int expected_rules = 0;
        size_t len;

        random_model(&m);
        len = emit_model(&m, source, sizeof(source));
        CHECK(len < sizeof(source));
        if (!compile_ok(source)) {
            CHECK(!"a random policy did not compile");
            fprintf(stderr, "round %d:\n%s", round, source);
            return;
        }
        CHECK_EQ(dec.nr_types, (unsigned int)m.nr_types + 1);
        for (int t = 0; t < m.nr_types; t++)
            CHECK(!strcmp(dec.names[t + 1], m.type_names[t]));
        /* Every decision, and no rule the source does not give. */
        for (int s = 0; s < m.nr_types; s++) {
            for (int t = 0; t < m.nr_types; t++) {
                for (int c = 0; c < FLASK_NR_CLASSES; c++) {
                    uint32_t want = brute_force(&m, s, t, c);

                    CHECK_EQ(perms(m.type_names[s], m.type_names[t], c), want);
                    expected_rules += want != 0;
                }
            }
        }
        CHECK_EQ(dec.nr_rules, expected_rules);
    }
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_minimal),
    UNIT_TEST(test_rule_bytes),
    UNIT_TEST(test_type_names),
    UNIT_TEST(test_sorted_and_merged),
    UNIT_TEST(test_permission_bits),
    UNIT_TEST(test_attribute_expansion),
    UNIT_TEST(test_self),
    UNIT_TEST(test_attribute_is_final_set),
    UNIT_TEST(test_layout),
    UNIT_TEST(test_not_nul_terminated),
    UNIT_TEST(test_longest_name),
    UNIT_TEST(test_default_policy),
    UNIT_TEST(test_example_policies),
    UNIT_TEST(test_unknown_names),
    UNIT_TEST(test_missing_semicolon),
    UNIT_TEST(test_syntax_errors),
    UNIT_TEST(test_unbalanced_braces),
    UNIT_TEST(test_end_of_file_in_rule),
    UNIT_TEST(test_duplicates),
    UNIT_TEST(test_used_before_declaration),
    UNIT_TEST(test_missing_default_types),
    UNIT_TEST(test_bad_names_and_characters),
    UNIT_TEST(test_too_many_types),
    UNIT_TEST(test_too_many_rules),
    UNIT_TEST(test_many_errors),
    UNIT_TEST(test_small_errbuf),
    UNIT_TEST(test_random_policies),
};

int main(void)
{
    return unit_run("policyc", tests, ARRAY_SIZE(tests));
}
