/*
 * Unit tests for lib/alloc_fail.c: the fail-alloc= option (every form it
 * accepts, every way it can be wrong, a wrong value leaving the plan as it
 * was) and the decision (every:N fails exactly the multiples of N; a seed
 * gives the same sequence every time, another seed another one; a rate is
 * met over many calls; no decision depends on the calls before it).
 */
#include "lib/alloc_fail.h"
#include "unit.h"

static struct alloc_fail_plan parsed(const char *value)
{
    struct alloc_fail_plan p = { .mode = ALLOC_FAIL_OFF };

    CHECK(alloc_fail_parse(value, &p));
    return p;
}

static void test_parse_every(void)
{
    struct alloc_fail_plan p = parsed("every:7");

    CHECK_EQ(p.mode, ALLOC_FAIL_EVERY);
    CHECK_EQ(p.every, 7);
    CHECK_EQ(p.from, ALLOC_FAIL_FROM_BUILD);
    p = parsed("every:0x10,from:run");
    CHECK_EQ(p.every, 16);
    CHECK_EQ(p.from, ALLOC_FAIL_FROM_RUN);
    p = parsed("from:build,every:1");
    CHECK_EQ(p.every, 1);
    CHECK_EQ(p.from, ALLOC_FAIL_FROM_BUILD);
    p = parsed("every:18446744073709551615");
    CHECK(p.every == UINT64_MAX);
}

static void test_parse_random(void)
{
    struct alloc_fail_plan p = parsed("seed:42,rate:5");

    CHECK_EQ(p.mode, ALLOC_FAIL_RANDOM);
    CHECK_EQ(p.seed, 42);
    CHECK_EQ(p.rate, 5);
    p = parsed("rate:100,from:run,seed:0xdeadBEEF");
    CHECK_EQ(p.seed, 0xdeadbeef);
    CHECK_EQ(p.rate, 100);
    CHECK_EQ(p.from, ALLOC_FAIL_FROM_RUN);
    p = parsed("seed:0,rate:1");
    CHECK_EQ(p.seed, 0);
    CHECK_EQ(p.rate, 1);
}

static void test_parse_rejects(void)
{
    static const char *const bad[] = {
        "",
        "every",
        "every:",
        "every:0",
        "every:-1",
        "every:12x",
        "every:0x",
        "every:18446744073709551616", /* 2^64 */
        "every:5,",
        ",every:5",
        "every:5,every:6",
        "every:5,seed:1,rate:2",
        "every:5,rate:2",
        "seed:1",
        "rate:5",
        "seed:1,rate:0",
        "seed:1,rate:101",
        "seed:1,seed:2,rate:3",
        "seed:1,rate:3,rate:4",
        "every:5,from:",
        "every:5,from:boot",
        "every:5,from:runs",
        "every:5,from:run,from:build",
        "Every:5",
        "every 5",
        "every:5 ",
        "often:5",
    };
    struct alloc_fail_plan p = { .mode = ALLOC_FAIL_EVERY, .every = 3 };

    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (alloc_fail_parse(bad[i], &p))
            CHECK(!"accepted a malformed value");
    }
    CHECK(!alloc_fail_parse(NULL, &p));
    /* Unchanged by every refusal. */
    CHECK_EQ(p.mode, ALLOC_FAIL_EVERY);
    CHECK_EQ(p.every, 3);
}

static void test_off_never_fails(void)
{
    struct alloc_fail_plan p = { .mode = ALLOC_FAIL_OFF };

    for (uint64_t call = 1; call <= 10000; call++)
        CHECK(!alloc_fail_decide(&p, call));
}

static void test_every_n_exact(void)
{
    static const uint64_t ns[] = { 1, 2, 3, 7, 64, 97, 1000 };

    for (unsigned int i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
        struct alloc_fail_plan p = { .mode = ALLOC_FAIL_EVERY, .every = ns[i] };
        uint64_t failed = 0, last = 0;

        for (uint64_t call = 1; call <= 20000; call++) {
            if (!alloc_fail_decide(&p, call))
                continue;
            /* Each failure exactly N calls after the previous one. */
            CHECK_EQ(call - last, ns[i]);
            last = call;
            failed++;
        }
        CHECK_EQ(failed, 20000 / ns[i]);
    }
    /* Far along the count too. */
    struct alloc_fail_plan p = { .mode = ALLOC_FAIL_EVERY, .every = 1000 };
    CHECK(alloc_fail_decide(&p, 1000000000000UL));
    CHECK(!alloc_fail_decide(&p, 1000000000001UL));
}

/* The failing calls among the first n under plan, as a bit string. */
static void sequence(const struct alloc_fail_plan *p, uint8_t *bits, unsigned int n)
{
    for (unsigned int call = 1; call <= n; call++)
        bits[call - 1] = alloc_fail_decide(p, call);
}

static void test_seed_reproducible(void)
{
    enum { N = 5000 };
    static uint8_t a[N], b[N], c[N];
    struct alloc_fail_plan p = { .mode = ALLOC_FAIL_RANDOM, .seed = 1234, .rate = 10 };
    struct alloc_fail_plan q = p;
    unsigned int differ = 0;

    sequence(&p, a, N);
    sequence(&q, b, N);
    for (unsigned int i = 0; i < N; i++)
        CHECK_EQ(a[i], b[i]);
    /* Asked in another order, each call gets the same answer. */
    for (unsigned int call = N; call >= 1; call--)
        CHECK_EQ(alloc_fail_decide(&p, call), a[call - 1]);
    /* Another seed, another sequence. */
    q.seed = 1235;
    sequence(&q, c, N);
    for (unsigned int i = 0; i < N; i++)
        differ += a[i] != c[i];
    CHECK(differ > N / 20);
}

static void test_rate_met(void)
{
    static const unsigned int rates[] = { 1, 5, 10, 50, 99 };
    enum { N = 200000 };

    for (unsigned int i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        for (uint64_t seed = 0; seed < 3; seed++) {
            struct alloc_fail_plan p = { .mode = ALLOC_FAIL_RANDOM,
                                         .seed = seed,
                                         .rate = rates[i] };
            uint64_t failed = 0, expected = (uint64_t)N * rates[i] / 100;

            for (uint64_t call = 1; call <= N; call++)
                failed += alloc_fail_decide(&p, call);
            /* Within 5% of the expected count (binomial: many deviations). */
            CHECK(failed * 100 >= expected * 95 && failed * 100 <= expected * 105);
        }
    }
    /* 100 percent: every call. */
    struct alloc_fail_plan all = { .mode = ALLOC_FAIL_RANDOM, .seed = 9, .rate = 100 };
    for (uint64_t call = 1; call <= 1000; call++)
        CHECK(alloc_fail_decide(&all, call));
}

/* Failures do not come in runs longer than chance allows: at 10%, no run of
 * 8 failing calls in 200,000 (expected about 0.02 such runs). */
static void test_random_not_clustered(void)
{
    struct alloc_fail_plan p = { .mode = ALLOC_FAIL_RANDOM, .seed = 77, .rate = 10 };
    unsigned int run = 0, longest = 0;

    for (uint64_t call = 1; call <= 200000; call++) {
        run = alloc_fail_decide(&p, call) ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    CHECK(longest < 8);
    CHECK(longest >= 2);
}

int main(void)
{
    static const struct unit_test tests[] = {
        UNIT_TEST(test_parse_every),   UNIT_TEST(test_parse_random),
        UNIT_TEST(test_parse_rejects), UNIT_TEST(test_off_never_fails),
        UNIT_TEST(test_every_n_exact), UNIT_TEST(test_seed_reproducible),
        UNIT_TEST(test_rate_met),      UNIT_TEST(test_random_not_clustered),
    };

    return unit_run("alloc_fail", tests, sizeof(tests) / sizeof(tests[0]));
}
