/*
 * Injected allocation failures, as pure functions: the boot option
 * fail-alloc= and the decision whether a given allocation call fails.
 *
 *   fail-alloc=every:N             calls N, 2N, 3N, ... fail (N >= 1)
 *   fail-alloc=seed:S,rate:P       each call fails with probability P percent
 *                                  (1..100), drawn from a sequence seed S fixes
 *   ...,from:run                   armed once every domain is built and started
 *                                  (default from:build: when the domain builder
 *                                  begins, so the builder's allocations fail too)
 *
 * Items are separated by commas, in any order; numbers are decimal or
 * 0x-prefixed hexadecimal. "every" and "seed"/"rate" exclude each other.
 *
 * The decision for the n-th call (counted from 1 since the injection was
 * armed) depends on the plan and n alone, never on earlier decisions: the
 * same plan gives the same sequence of failures on every run, and counting
 * the calls is all the state a caller needs (one atomic counter in
 * mm/alloc_fail.c, which applies this to the frame allocator and the heap).
 * tests/unit/test_alloc_fail.c checks it on the host.
 */
#ifndef MICA_LIB_ALLOC_FAIL_H
#define MICA_LIB_ALLOC_FAIL_H

#include "types.h"

enum alloc_fail_mode {
    ALLOC_FAIL_OFF = 0, /* no call fails */
    ALLOC_FAIL_EVERY,   /* every `every`-th call fails */
    ALLOC_FAIL_RANDOM,  /* a call fails with probability rate percent */
};

/* When the injection is armed: the points of the boot that can arm it. */
enum alloc_fail_from {
    ALLOC_FAIL_FROM_BUILD = 0, /* the domain builder starts */
    ALLOC_FAIL_FROM_RUN,       /* every domain is built and starts running */
};

struct alloc_fail_plan {
    enum alloc_fail_mode mode;
    enum alloc_fail_from from;
    uint64_t every;    /* ALLOC_FAIL_EVERY: N */
    uint64_t seed;     /* ALLOC_FAIL_RANDOM: S */
    unsigned int rate; /* ALLOC_FAIL_RANDOM: P, 1..100 */
};

#define ALLOC_FAIL_MAX_RATE 100

/*
 * Parse the value of fail-alloc= (the text after '=') into *plan. Returns
 * true, or false for a malformed value (an unknown item, a missing or bad
 * number, every with seed or rate, seed without rate or the reverse);
 * *plan is then unchanged.
 */
bool alloc_fail_parse(const char *value, struct alloc_fail_plan *plan);

/* Does call number `call` (1, 2, 3, ... since arming) fail under plan? */
bool alloc_fail_decide(const struct alloc_fail_plan *plan, uint64_t call);

#endif
