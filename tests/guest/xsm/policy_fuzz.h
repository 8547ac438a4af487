/*
 * The FLASK policy fuzzer's generator and questions, shared by the guest
 * that loads the policies into Mica (xsm_fuzz.c) and the host oracle that
 * feeds the same policies to the same parser (tests/unit/flask_fuzz_oracle.c):
 * from one seed both make the same sequence, policy by policy.
 *
 * Policy n is random bytes, or the default policy (policy_builder.h)
 * mutated: bit flips, byte overwrites, truncation or extension, a header
 * field, a rule field or a type name offset set to a random or boundary
 * value; now and then a well-formed policy with random types and rules, and
 * every FUZZ_BIG_EVERY-th a large one (up to 1 MiB) with random counts.
 * Mutations spare the rule that gives dom0_t its xen permissions
 * (load_policy among them), so a mutated policy that loads can hardly lock
 * the loading guest out.
 *
 * The questions put to a policy that loaded: FLASK_ACCESS for every pair of
 * its first FUZZ_QUERY_TYPES types and every class, then one source out of
 * range; the answers (result and allowed vector) fold into one FNV-1a hash.
 *
 * Plain C: the includer provides memcpy, strlen, strcmp (policy_builder.h).
 */
#ifndef XSM_POLICY_FUZZ_H
#define XSM_POLICY_FUZZ_H

#include "policy_builder.h"

#define FUZZ_BUF_SIZE 8192
#define FUZZ_BIG_SIZE (1024 * 1024) /* FLASK's largest policy */
#define FUZZ_BIG_EVERY 256          /* one large policy in this many */
#define FUZZ_QUERY_TYPES 6

struct policy_fuzz {
    uint64_t rng;
    uint32_t good_size;
    uint32_t spared; /* offset of the dom0_t -> xen_t rule in good */
    uint8_t good[FUZZ_BUF_SIZE];
    uint8_t buf[FUZZ_BUF_SIZE];
    uint8_t big[FUZZ_BIG_SIZE];
};

static inline uint32_t fuzz_rnd(struct policy_fuzz *f, uint32_t n)
{
    return prng_below(&f->rng, n);
}

static inline uint32_t fuzz_rnd32(struct policy_fuzz *f)
{
    return (uint32_t)(prng_next(&f->rng) >> 32);
}

/* A value for a count or offset field: a boundary or anything. */
static inline uint32_t fuzz_interesting(struct policy_fuzz *f, uint32_t near)
{
    static const uint32_t fixed[] = {
        0,           1,
        2,           3,
        4,           5,
        6,           12,
        24,          63,
        64,          65,
        255,         256,
        1023,        1024,
        1025,        65535,
        65536,       65537,
        256 * 1024,  256 * 1024 + 1,
        1024 * 1024, 0x7fffffff,
        0x80000000u, 0xfffffffeu,
        0xffffffffu,
    };
    switch (fuzz_rnd(f, 4)) {
    case 0:
        return fixed[fuzz_rnd(f, sizeof(fixed) / sizeof(fixed[0]))];
    case 1:
        return near + fuzz_rnd(f, 5) - 2;
    case 2:
        return fuzz_rnd(f, 256);
    default:
        return fuzz_rnd32(f);
    }
}

static inline struct flask_policy_header *fuzz_hdr(uint8_t *p)
{
    return (struct flask_policy_header *)p;
}

/* Rule i of the good layout (mutations keep the offsets of the original). */
static inline struct flask_policy_rule *fuzz_rule_at(struct policy_fuzz *f, uint8_t *p, uint32_t i)
{
    return (struct flask_policy_rule *)(p + sizeof(struct flask_policy_header) +
                                        fuzz_hdr(f->good)->nr_types * sizeof(uint32_t)) +
           i;
}

/* Build the default policy and find the rule mutations spare. 0 if that
 * rule is missing (a broken builder). */
static inline int fuzz_start(struct policy_fuzz *f, uint64_t seed)
{
    struct policy_builder b;

    f->rng = seed * 0x9E3779B97F4A7C15ULL + 1;
    pb_default(&b);
    f->good_size = pb_write(&b, f->good, sizeof(f->good));
    f->spared = 0;
    for (uint32_t i = 0; i < fuzz_hdr(f->good)->nr_rules; i++) {
        const struct flask_policy_rule *r = fuzz_rule_at(f, f->good, i);
        if (r->src == pb_type(&b, "dom0_t") && r->tgt == pb_type(&b, "xen_t") &&
            r->tclass == FLASK_CLASS_XEN)
            f->spared = (uint32_t)((const uint8_t *)r - f->good);
    }
    return f->spared != 0;
}

/* A well-formed policy with random types and rules: it may load. dom0_t
 * keeps every xen permission (when the policy has dom0_t at all, it must),
 * so loading the good one again works. */
static inline uint32_t fuzz_random_policy(struct policy_fuzz *f, uint8_t *out)
{
    static const char *const names[] = {
        "xen_t", "dom0_t", "domU_t", "stub_t", "a_t", "b_t", "c_t", "d_t",
    };
    struct policy_builder b;
    unsigned int nr = 1 + fuzz_rnd(f, 8);

    pb_init(&b);
    for (unsigned int i = 0; i < nr; i++)
        pb_type(&b, names[fuzz_rnd(f, 8)]);
    for (unsigned int i = fuzz_rnd(f, 40); i; i--) {
        unsigned int tclass = fuzz_rnd(f, FLASK_NR_CLASSES);
        uint32_t perms = fuzz_rnd32(f) & (tclass == FLASK_CLASS_XEN ? 0x7f : 0x1f);
        if (perms)
            pb_allow(&b, b.types[1 + fuzz_rnd(f, b.nr_types - 1)],
                     b.types[1 + fuzz_rnd(f, b.nr_types - 1)], tclass, perms);
    }
    pb_allow(&b, "dom0_t", "xen_t", FLASK_CLASS_XEN, XEN__ALL);
    return pb_write(&b, out, FUZZ_BUF_SIZE);
}

/* One mutated or random policy in f->buf; its size. */
static inline uint32_t fuzz_mutate(struct policy_fuzz *f)
{
    uint8_t *buf = f->buf, *good = f->good;
    uint32_t size = f->good_size, good_size = f->good_size;
    struct flask_policy_header *h = fuzz_hdr(buf);

    memcpy(buf, good, good_size);
    switch (fuzz_rnd(f, 10)) {
    case 0: /* random bytes, sometimes with the magic */
        size = fuzz_rnd(f, 512);
        for (uint32_t i = 0; i < size; i++)
            buf[i] = (uint8_t)fuzz_rnd32(f);
        if (size >= 4 && fuzz_rnd(f, 2))
            h->magic = FLASK_POLICY_MAGIC;
        break;
    case 1: /* bit flips */
        for (uint32_t n = 1 + fuzz_rnd(f, 8); n; n--) {
            uint32_t bit = fuzz_rnd(f, good_size * 8);
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        break;
    case 2: /* byte overwrites */
        for (uint32_t n = 1 + fuzz_rnd(f, 4); n; n--)
            buf[fuzz_rnd(f, good_size)] = (uint8_t)fuzz_rnd32(f);
        break;
    case 3: /* truncated or extended */
        size = fuzz_rnd(f, good_size + 64);
        for (uint32_t i = good_size; i < size; i++)
            buf[i] = fuzz_rnd(f, 2) ? 0 : (uint8_t)fuzz_rnd32(f);
        break;
    case 4: { /* a header field */
        uint32_t *field = (uint32_t *)h + fuzz_rnd(f, 6);
        *field = fuzz_interesting(f, *field);
        break;
    }
    case 5: { /* a rule field */
        struct flask_policy_rule *r = fuzz_rule_at(f, buf, fuzz_rnd(f, fuzz_hdr(good)->nr_rules));
        switch (fuzz_rnd(f, 5)) {
        case 0:
            r->src = (uint16_t)fuzz_interesting(f, r->src);
            break;
        case 1:
            r->tgt = (uint16_t)fuzz_interesting(f, r->tgt);
            break;
        case 2:
            r->tclass = (uint16_t)fuzz_interesting(f, r->tclass);
            break;
        case 3:
            r->reserved = (uint16_t)fuzz_interesting(f, 0);
            break;
        default:
            r->perms = fuzz_interesting(f, r->perms);
            break;
        }
        break;
    }
    case 6: { /* a type name offset */
        uint32_t *off = (uint32_t *)(buf + sizeof(*h)) + fuzz_rnd(f, fuzz_hdr(good)->nr_types);
        *off = fuzz_rnd(f, 2) ? fuzz_rnd(f, fuzz_hdr(good)->strings_size + 4)
                              : fuzz_interesting(f, *off);
        break;
    }
    case 7: /* two rules swapped, or one copied */
        *fuzz_rule_at(f, buf, fuzz_rnd(f, fuzz_hdr(good)->nr_rules)) = *fuzz_rule_at(
            f, good, fuzz_rnd(f, fuzz_hdr(good)->nr_rules));
        break;
    case 8: /* a well-formed random policy */
        return fuzz_random_policy(f, buf);
    default: /* a few flips in the rules only */
        for (uint32_t n = 1 + fuzz_rnd(f, 3); n; n--) {
            uint32_t bit = fuzz_rnd(f, fuzz_hdr(good)->nr_rules * 12 * 8);
            ((uint8_t *)fuzz_rule_at(f, buf, 0))[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        break;
    }
    if (size >= f->spared + sizeof(struct flask_policy_rule))
        memcpy(buf + f->spared, good + f->spared, sizeof(struct flask_policy_rule));
    return size;
}

/* A large policy in f->big: random counts up to the limits, the strings
 * taking the rest (at most 1 MiB in all), the contents zero or random. */
static inline uint32_t fuzz_large(struct policy_fuzz *f)
{
    struct flask_policy_header *h = fuzz_hdr(f->big);
    uint32_t types = 2 + fuzz_rnd(f, FLASK_POLICY_MAX_TYPES - 1);
    uint32_t rules = fuzz_rnd(f, FLASK_POLICY_MAX_RULES + 1);
    /* At most 24 + 4 KiB + 768 KiB: always below 1 MiB. */
    uint32_t head = sizeof(*h) + types * 4 + rules * 12;
    uint32_t size = head + 1 + fuzz_rnd(f, FLASK_POLICY_MAX_STRINGS + 16);

    if (size > FUZZ_BIG_SIZE)
        size = FUZZ_BIG_SIZE;
    if (fuzz_rnd(f, 2)) {
        for (uint32_t i = 0; i < size; i++)
            f->big[i] = 0;
    } else {
        for (uint32_t i = 0; i + 4 <= size; i += 4) {
            uint32_t v = fuzz_rnd32(f);
            memcpy(f->big + i, &v, 4);
        }
    }
    *h = (struct flask_policy_header){
        .magic = FLASK_POLICY_MAGIC,
        .version = FLASK_POLICY_VERSION,
        .nr_types = types,
        .nr_rules = rules,
        .strings_size = size - head,
        .nr_classes = FLASK_NR_CLASSES,
    };
    return size;
}

/* Policy number n (n = 0, 1, ... in order: each call moves the generator
 * on): its bytes, and its size in *size. */
static inline const uint8_t *fuzz_policy(struct policy_fuzz *f, uint32_t n, uint32_t *size)
{
    if (n % FUZZ_BIG_EVERY == FUZZ_BIG_EVERY - 1) {
        *size = fuzz_large(f);
        return f->big;
    }
    *size = fuzz_mutate(f);
    return f->buf;
}

/* Question i to an accepted policy of nr_types types: false after the last.
 * The last asks about a source type out of range (-EINVAL). */
static inline int fuzz_query(uint32_t nr_types, uint32_t i, uint32_t *ssid, uint32_t *tsid,
                             uint32_t *tclass)
{
    uint32_t n = nr_types - 1 < FUZZ_QUERY_TYPES ? nr_types - 1 : FUZZ_QUERY_TYPES;
    uint32_t in_range = n * n * FLASK_NR_CLASSES;

    if (i > in_range)
        return 0;
    if (i == in_range) {
        *ssid = nr_types;
        *tsid = 1;
        *tclass = 0;
        return 1;
    }
    *ssid = 1 + i / (n * FLASK_NR_CLASSES);
    *tsid = 1 + (i / FLASK_NR_CLASSES) % n;
    *tclass = i % FLASK_NR_CLASSES;
    return 1;
}

#define FUZZ_HASH_START 2166136261u /* FNV-1a's offset basis */

/* Fold one answer (the call's result, and the allowed vector if it is 0)
 * into the hash. */
static inline uint32_t fuzz_fold(uint32_t hash, long rc, uint32_t allowed)
{
    uint32_t words[2] = { (uint32_t)rc, rc ? 0 : allowed };
    const uint8_t *bytes = (const uint8_t *)words;

    for (unsigned int i = 0; i < sizeof(words); i++)
        hash = (hash ^ bytes[i]) * 16777619u; /* FNV-1a's prime */
    return hash;
}

#endif /* XSM_POLICY_FUZZ_H */
