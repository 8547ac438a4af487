/*
 * Fuzzing FLASK's policy loader through xsm_op FLASK_LOAD (run privileged,
 * under xsm=flask). Arguments after " -- ": seed=N (the PRNG's seed) and
 * iterations=N.
 *
 * Each iteration loads one policy: random bytes, or the default policy
 * (built here, xsm_util.h) mutated: bit flips, byte overwrites, truncation
 * or extension, a header field, a rule field or a type name offset set to
 * a random or boundary value; now and then a well-formed policy with random
 * types and rules, or a large one (up to 1 MiB) with random counts. Every
 * result must be 0, -EINVAL or -ENOMEM, and Mica must not crash. A policy
 * that happens to load may take our own rights away, so after every
 * successful load the default policy is loaded again at once. Mutations
 * spare the rule that gives dom0_t its xen permissions (load_policy among
 * them), so a mutated policy that loads can hardly lock us out; if one
 * does all the same (the good policy's load is refused), it is counted and
 * the fuzz stops there (our console output then goes to port 0xE9, as
 * console_io may be denied too).
 */
#include "xsm_util.h"

TEST_NAME("xsm_fuzz");

#define BUF_SIZE 8192
#define BIG_SIZE (1024 * 1024) /* FLASK's largest policy */
#define BIG_EVERY 256          /* one large policy in this many */

static uint8_t good[BUF_SIZE];
static uint8_t buf[BUF_SIZE];
static uint8_t big[BIG_SIZE];
static uint32_t good_size;
static uint32_t spared; /* offset of the dom0_t -> xen_t rule in good */
static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
    return prng_below(&rng, n);
}

static uint32_t rnd32(void)
{
    return (uint32_t)(prng_next(&rng) >> 32);
}

/* A value for a count or offset field: a boundary or anything. */
static uint32_t interesting(uint32_t near)
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
    switch (rnd(4)) {
    case 0:
        return fixed[rnd(sizeof(fixed) / sizeof(fixed[0]))];
    case 1:
        return near + rnd(5) - 2;
    case 2:
        return rnd(256);
    default:
        return rnd32();
    }
}

static struct flask_policy_header *hdr(uint8_t *p)
{
    return (struct flask_policy_header *)p;
}

/* Rule i of the good layout (mutations keep the offsets of the original). */
static struct flask_policy_rule *rule_at(uint8_t *p, uint32_t i)
{
    return (struct flask_policy_rule *)(p + sizeof(struct flask_policy_header) +
                                        hdr(good)->nr_types * sizeof(uint32_t)) +
           i;
}

/* A well-formed policy with random types and rules: it may load. dom0_t
 * keeps every xen permission (when the policy has dom0_t at all, it must),
 * so loading the good one again works. */
static uint32_t random_policy(uint8_t *out)
{
    static const char *const names[] = {
        "xen_t", "dom0_t", "domU_t", "stub_t", "a_t", "b_t", "c_t", "d_t",
    };
    struct policy_builder b;
    unsigned int nr = 1 + rnd(8);

    pb_init(&b);
    for (unsigned int i = 0; i < nr; i++)
        pb_type(&b, names[rnd(8)]);
    for (unsigned int i = rnd(40); i; i--) {
        unsigned int tclass = rnd(FLASK_NR_CLASSES);
        uint32_t perms = rnd32() & (tclass == FLASK_CLASS_XEN ? 0x7f : 0x1f);
        if (perms)
            pb_allow(&b, b.types[1 + rnd(b.nr_types - 1)], b.types[1 + rnd(b.nr_types - 1)], tclass,
                     perms);
    }
    pb_allow(&b, "dom0_t", "xen_t", FLASK_CLASS_XEN, XEN__ALL);
    return pb_write(&b, out, BUF_SIZE);
}

/* One mutated or random policy in buf; its size. */
static uint32_t mutate(void)
{
    uint32_t size = good_size;
    struct flask_policy_header *h = hdr(buf);

    memcpy(buf, good, good_size);
    switch (rnd(10)) {
    case 0: /* random bytes, sometimes with the magic */
        size = rnd(512);
        for (uint32_t i = 0; i < size; i++)
            buf[i] = (uint8_t)rnd32();
        if (size >= 4 && rnd(2))
            h->magic = FLASK_POLICY_MAGIC;
        break;
    case 1: /* bit flips */
        for (uint32_t n = 1 + rnd(8); n; n--) {
            uint32_t bit = rnd(good_size * 8);
            buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        break;
    case 2: /* byte overwrites */
        for (uint32_t n = 1 + rnd(4); n; n--)
            buf[rnd(good_size)] = (uint8_t)rnd32();
        break;
    case 3: /* truncated or extended */
        size = rnd(good_size + 64);
        for (uint32_t i = good_size; i < size; i++)
            buf[i] = rnd(2) ? 0 : (uint8_t)rnd32();
        break;
    case 4: { /* a header field */
        uint32_t *field = (uint32_t *)h + rnd(6);
        *field = interesting(*field);
        break;
    }
    case 5: { /* a rule field */
        struct flask_policy_rule *r = rule_at(buf, rnd(hdr(good)->nr_rules));
        switch (rnd(5)) {
        case 0:
            r->src = (uint16_t)interesting(r->src);
            break;
        case 1:
            r->tgt = (uint16_t)interesting(r->tgt);
            break;
        case 2:
            r->tclass = (uint16_t)interesting(r->tclass);
            break;
        case 3:
            r->reserved = (uint16_t)interesting(0);
            break;
        default:
            r->perms = interesting(r->perms);
            break;
        }
        break;
    }
    case 6: { /* a type name offset */
        uint32_t *off = (uint32_t *)(buf + sizeof(*h)) + rnd(hdr(good)->nr_types);
        *off = rnd(2) ? rnd(hdr(good)->strings_size + 4) : interesting(*off);
        break;
    }
    case 7: /* two rules swapped, or one copied */
        *rule_at(buf, rnd(hdr(good)->nr_rules)) = *rule_at(good, rnd(hdr(good)->nr_rules));
        break;
    case 8: /* a well-formed random policy */
        return random_policy(buf);
    default: /* a few flips in the rules only */
        for (uint32_t n = 1 + rnd(3); n; n--) {
            uint32_t bit = rnd(hdr(good)->nr_rules * 12 * 8);
            ((uint8_t *)rule_at(buf, 0))[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        break;
    }
    if (size >= spared + sizeof(struct flask_policy_rule))
        memcpy(buf + spared, good + spared, sizeof(struct flask_policy_rule));
    return size;
}

/* A large policy in big: random counts up to the limits, the strings
 * taking the rest (at most 1 MiB in all), the contents zero or random. */
static uint32_t large(void)
{
    struct flask_policy_header *h = hdr(big);
    uint32_t types = 2 + rnd(FLASK_POLICY_MAX_TYPES - 1);
    uint32_t rules = rnd(FLASK_POLICY_MAX_RULES + 1);
    /* At most 24 + 4 KiB + 768 KiB: always below 1 MiB. */
    uint32_t head = sizeof(*h) + types * 4 + rules * 12;
    uint32_t size = head + 1 + rnd(FLASK_POLICY_MAX_STRINGS + 16);

    if (size > BIG_SIZE)
        size = BIG_SIZE;
    if (rnd(2))
        memset(big, 0, size);
    else
        for (uint32_t i = 0; i + 4 <= size; i += 4)
            *(uint32_t *)(big + i) = rnd32();
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

void test_main(void)
{
    unsigned long seed = 1, iterations = 3000;
    unsigned int accepted = 0, einval = 0, enomem = 0, other = 0, lockouts = 0, done = 0;
    struct policy_builder b;

    CHECK(domain_is_privileged());
    guest_arg_ulong("seed", &seed);
    guest_arg_ulong("iterations", &iterations);
    rng = seed * 0x9E3779B97F4A7C15ULL + 1;
    pb_default(&b);
    good_size = pb_write(&b, good, sizeof(good));
    for (uint32_t i = 0; i < hdr(good)->nr_rules; i++) {
        const struct flask_policy_rule *r = rule_at(good, i);
        if (r->src == pb_type(&b, "dom0_t") && r->tgt == pb_type(&b, "xen_t") &&
            r->tclass == FLASK_CLASS_XEN)
            spared = (uint32_t)((const uint8_t *)r - good);
    }
    CHECK(spared != 0);
    CHECK_EQ(flask_load(good, good_size), 0);
    gprintf("fuzzing the policy loader: seed %lu, %lu policies\n", seed, iterations);

    for (; done < iterations; done++) {
        const uint8_t *p = buf;
        uint32_t size;

        if (done % BIG_EVERY == BIG_EVERY - 1) {
            size = large();
            p = big;
        } else {
            size = mutate();
        }
        long rc = flask_load(p, size);
        if (rc == -XEN_EINVAL) {
            einval++;
        } else if (rc == -XEN_ENOMEM) {
            enomem++;
        } else if (rc == 0) {
            accepted++;
            rc = flask_load(good, good_size);
            if (rc) {
                /* Writing to the console may be denied too: use port 0xE9. */
                hypercall_ready = 0;
                gprintf("locked out after policy %u: the good policy's load -> %ld\n", done, rc);
                lockouts++;
                done++;
                break;
            }
        } else {
            gprintf("policy %u (%u bytes): unexpected %ld\n", done, size, rc);
            other++;
        }
        if (done % 1000 == 999)
            gprintf("%u policies\n", done + 1);
    }
    gprintf("fuzz: %u policies: %u accepted, %u -EINVAL, %u -ENOMEM, %u other, %u lockouts\n", done,
            accepted, einval, enomem, other, lockouts);
    CHECK_EQ(other, 0);
    CHECK_EQ(accepted + einval + enomem + other, done);
    if (!lockouts) {
        /* The good policy is in force: its answers. */
        struct xen_flask_access a;
        CHECK_EQ(flask_access(sid_of("dom0_t"), sid_of("domU_t"), FLASK_CLASS_MMU, MMU__ALL, &a),
                 0);
        CHECK_EQ(a.allowed, MMU__ALL);
        CHECK_EQ(flask_access(sid_of("domU_t"), sid_of("dom0_t"), FLASK_CLASS_MMU, MMU__ALL, &a),
                 0);
        CHECK_EQ(a.allowed, 0);
        CHECK_EQ(flask_getenforce(), 1);
    }
}
