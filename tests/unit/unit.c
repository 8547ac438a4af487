/* The host unit-test harness (see unit.h). */
#include "unit.h"

int unit_failed_checks;
char unit_first_failure[256];

int unit_run(const char *suite, const struct unit_test *tests, size_t count)
{
    int failed = 0;

    for (size_t i = 0; i < count; i++) {
        unit_failed_checks = 0;
        unit_first_failure[0] = '\0';
        tests[i].fn();
        if (unit_failed_checks) {
            failed++;
            printf("FAIL unit/%s/%s: %s\n", suite, tests[i].name, unit_first_failure);
        } else {
            printf("PASS unit/%s/%s\n", suite, tests[i].name);
        }
        fflush(stdout);
    }
    return failed;
}

static uint64_t rng_state = 1;

uint64_t unit_seed(uint64_t default_seed)
{
    const char *env = getenv("MICA_TEST_SEED");

    return env ? strtoull(env, NULL, 0) : default_seed;
}

void unit_rng_start(uint64_t seed)
{
    rng_state = seed ? seed : 1;
}

uint64_t unit_rng_next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

uint64_t unit_rng_below(uint64_t n)
{
    return unit_rng_next() % n;
}
