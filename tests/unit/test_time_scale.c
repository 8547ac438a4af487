/*
 * Unit tests for lib/time_scale.c, the pvclock-form scale from ticks to
 * nanoseconds: exact at 1 and 2 GHz, within one part in 2^30 of the exact
 * ratio at every other rate (measured with 128-bit arithmetic), monotonic,
 * and never more than 2 ns off when a span is converted in two pieces (what
 * a guest's pvclock does between two updates: no step backwards).
 */
#include "lib/time_scale.h"
#include "unit.h"

/* ticks * 1e9 / hz, exactly (rounded down). */
static uint64_t exact_ns(uint64_t ticks, uint64_t hz)
{
    return (uint64_t)((unsigned __int128)ticks * NSEC_PER_SEC / hz);
}

static void test_one_and_two_ghz_are_exact(void)
{
    struct time_scale one = time_scale_for_hz(NSEC_PER_SEC);
    struct time_scale two = time_scale_for_hz(2 * NSEC_PER_SEC);

    CHECK_EQ(one.shift, 1);
    CHECK_EQ(one.mul_frac, 1u << 31);
    CHECK_EQ(two.shift, 0);
    CHECK_EQ(two.mul_frac, 1u << 31);
    unit_rng_start(unit_seed(1));
    for (int i = 0; i < 10000; i++) {
        uint64_t t = unit_rng_next() >> 2; /* below 2^62: shift 1 cannot overflow */
        CHECK_EQ(time_scale_apply(one, t), t);
        CHECK_EQ(time_scale_apply(two, t), t / 2);
    }
}

static void check_rate(uint64_t hz)
{
    struct time_scale s = time_scale_for_hz(hz);

    CHECK(s.mul_frac >= 1u << 31); /* 31 significant bits at least */
    /* One second, one hour, a year, and random spans up to about a year. */
    const uint64_t spans[] = { hz, hz * 3600, hz * 3600 * 24 * 365 };
    for (unsigned int i = 0; i < ARRAY_SIZE(spans) + 200; i++) {
        uint64_t ticks = i < ARRAY_SIZE(spans) ? spans[i] : unit_rng_below(hz * 3600 * 24 * 365);
        uint64_t want = exact_ns(ticks, hz), got = time_scale_apply(s, ticks);
        CHECK(got <= want + 1);
        CHECK(want - got <= (want >> 30) + 2);
    }
}

static void test_rates(void)
{
    /* The PIT, the ACPI PM timer, QEMU's APIC timer, TSCs of real CPUs
     * and of QEMU under -icount, and random rates from 1 MHz to 10 GHz. */
    const uint64_t rates[] = { 1193182,       3579545,       62500000,      999999999,
                               1000000001,    2000000001,    2400000000ULL, 3000000000ULL,
                               3700000000ULL, 10000000000ULL };
    unit_rng_start(unit_seed(2));
    for (unsigned int i = 0; i < ARRAY_SIZE(rates); i++)
        check_rate(rates[i]);
    for (int i = 0; i < 200; i++)
        check_rate(1000000 + unit_rng_below(10000000000ULL));
}

static void test_monotonic_and_split_spans(void)
{
    const uint64_t rates[] = { 1193182, 1000000000, 2900000000ULL, 3333333333ULL };

    unit_rng_start(unit_seed(3));
    for (unsigned int r = 0; r < ARRAY_SIZE(rates); r++) {
        struct time_scale s = time_scale_for_hz(rates[r]);
        for (int i = 0; i < 5000; i++) {
            uint64_t a = unit_rng_below(1ULL << 50), b = unit_rng_below(1ULL << 40);
            uint64_t whole = time_scale_apply(s, a + b);
            uint64_t parts = time_scale_apply(s, a) + time_scale_apply(s, b);
            CHECK(time_scale_apply(s, a) <= time_scale_apply(s, a + 1));
            CHECK(parts <= whole);
            CHECK(whole - parts <= 2);
        }
    }
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_one_and_two_ghz_are_exact),
    UNIT_TEST(test_rates),
    UNIT_TEST(test_monotonic_and_split_spans),
};

int main(void)
{
    return unit_run("time_scale", tests, ARRAY_SIZE(tests));
}
