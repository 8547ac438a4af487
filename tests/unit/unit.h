/*
 * A minimal host unit-test harness. Each test is a function; CHECK records a
 * failure with file:line and goes on. unit_run() prints one line per test,
 * "PASS unit/<suite>/<test>" or "FAIL unit/<suite>/<test>: <first failure>",
 * and returns the number of failed tests (the process exit status).
 */
#ifndef MICA_UNIT_H
#define MICA_UNIT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct unit_test {
    const char *name;
    void (*fn)(void);
};

extern int unit_failed_checks;
extern char unit_first_failure[256];

#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            if (unit_failed_checks++ == 0)                                                   \
                snprintf(unit_first_failure, sizeof(unit_first_failure), "%s:%d: CHECK(%s)", \
                         __FILE__, __LINE__, #cond);                                         \
        }                                                                                    \
    } while (0)

#define CHECK_EQ(a, b)                                                                     \
    do {                                                                                   \
        long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);                      \
        if (unit_a_ != unit_b_) {                                                          \
            if (unit_failed_checks++ == 0)                                                 \
                snprintf(unit_first_failure, sizeof(unit_first_failure),                   \
                         "%s:%d: %s == %lld, expected %s == %lld", __FILE__, __LINE__, #a, \
                         unit_a_, #b, unit_b_);                                            \
        }                                                                                  \
    } while (0)

#define UNIT_TEST(fn) \
    {                 \
#fn, fn       \
    }

/* Seeded randomized tests: the seed is MICA_TEST_SEED if set, else the
 * test's default; xorshift64* gives the same sequence on every host. */
uint64_t unit_seed(uint64_t default_seed);
void unit_rng_start(uint64_t seed);
uint64_t unit_rng_next(void);
uint64_t unit_rng_below(uint64_t n);

/* Run every test of a suite; returns the number of tests that failed. */
int unit_run(const char *suite, const struct unit_test *tests, size_t count);

#endif
