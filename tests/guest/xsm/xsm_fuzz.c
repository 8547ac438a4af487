/*
 * Fuzzing FLASK's policy loader through xsm_op FLASK_LOAD (run privileged,
 * under xsm=flask). Arguments after " -- ": seed=N (the PRNG's seed) and
 * iterations=N.
 *
 * Each iteration loads policy n of the seeded sequence of policy_fuzz.h
 * (random, mutated, well-formed random, large). Every result must be 0,
 * -EINVAL or -ENOMEM, and Mica must not crash. A policy that loads is asked
 * policy_fuzz.h's questions (FLASK_ACCESS, through the AVC) while it is in
 * force; then the default policy is loaded again at once (a loaded policy
 * may take our own rights away). Its answers' hash goes to the log
 * ("fuzz: accepted N:QUESTIONS:HASH ...", five policies a line), and so
 * does every -ENOMEM: xsm_tests.py feeds the same sequence to the host's build
 * of the same parser (tests/unit/flask_fuzz_oracle.c) and compares, policy
 * by policy, which loaded and what they answered.
 *
 * If the good policy's load is refused after all (a mutated policy locked
 * us out), it is counted and the fuzz stops there (our console output then
 * goes to port 0xE9, as console_io may be denied too).
 */
#include "xsm_util.h"

#include "policy_fuzz.h"

TEST_NAME("xsm_fuzz");

static struct policy_fuzz fuzz;

/* Loaded policies are reported five to a line, "N:QUESTIONS:HASH" each:
 * a domain may print only so many lines a second (domain_console.h). */
#define PER_LINE 5
static char line[PER_LINE * 24];
static unsigned int on_line;

static void flush_accepted(void)
{
    if (on_line)
        gprintf("fuzz: accepted%s\n", line);
    on_line = 0;
    line[0] = '\0';
}

static void report_accepted(uint32_t n, uint32_t asked, uint32_t hash)
{
    size_t len = strlen(line);

    gsnprintf(line + len, sizeof(line) - len, " %u:%u:%08x", n, asked, hash);
    if (++on_line == PER_LINE)
        flush_accepted();
}

/* Ask the policy now in force (p, just loaded) every question; their hash.
 * A denial of FLASK_ACCESS itself ends the questions (every other would be
 * denied too, each logging a denial). */
static uint32_t ask(const uint8_t *p, uint32_t *asked)
{
    uint32_t nr_types = ((const struct flask_policy_header *)p)->nr_types;
    uint32_t hash = FUZZ_HASH_START, s, t, c, i;

    for (i = 0; fuzz_query(nr_types, i, &s, &t, &c); i++) {
        struct xen_flask_access a;
        long rc = flask_access(s, t, c, ~0u, &a);
        hash = fuzz_fold(hash, rc, a.allowed);
        if (rc == -XEN_EPERM) {
            i++;
            break;
        }
    }
    *asked = i;
    return hash;
}

void test_main(void)
{
    unsigned long seed = 1, iterations = 3000;
    unsigned int accepted = 0, einval = 0, enomem = 0, other = 0, lockouts = 0, done = 0;

    CHECK(domain_is_privileged());
    guest_arg_ulong("seed", &seed);
    guest_arg_ulong("iterations", &iterations);
    CHECK(fuzz_start(&fuzz, seed));
    CHECK_EQ(flask_load(fuzz.good, fuzz.good_size), 0);
    gprintf("fuzzing the policy loader: seed %lu, %lu policies\n", seed, iterations);

    for (; done < iterations; done++) {
        uint32_t size, asked = 0, hash = 0;
        const uint8_t *p = fuzz_policy(&fuzz, done, &size);
        long rc = flask_load(p, size);

        if (rc == -XEN_EINVAL) {
            einval++;
        } else if (rc == -XEN_ENOMEM) {
            enomem++;
            gprintf("fuzz: policy %u: -ENOMEM\n", done);
        } else if (rc == 0) {
            accepted++;
            hash = ask(p, &asked);
            rc = flask_load(fuzz.good, fuzz.good_size);
            if (rc) {
                /* Writing to the console may be denied too: use port 0xE9. */
                hypercall_ready = 0;
                gprintf("locked out after policy %u: the good policy's load -> %ld\n", done, rc);
                lockouts++;
                done++;
                break;
            }
            report_accepted(done, asked, hash);
        } else {
            gprintf("policy %u (%u bytes): unexpected %ld\n", done, size, rc);
            other++;
        }
        if (done % 1000 == 999)
            gprintf("%u policies\n", done + 1);
    }
    flush_accepted();
    gprintf("fuzz: %u policies: %u accepted, %u -EINVAL, %u -ENOMEM, %u other, %u lockouts\n", done,
            accepted, einval, enomem, other, lockouts);
    CHECK_EQ(other, 0);
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
