/*
 * A seeded PRNG for the fuzz guests (fuzz.c, race.c): splitmix64 to seed,
 * xorshift64* to draw. One seed gives independent streams (one per purpose,
 * so that, say, an interrupt handler's draws never shift the main sequence),
 * and the same seed gives the same numbers: runs are replayable.
 */
#ifndef GUEST_FUZZ_PRNG_H
#define GUEST_FUZZ_PRNG_H

#include <stdint.h>

struct prng {
    uint64_t s;
};

static inline uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Stream `stream` of seed: independent sequences from one seed. */
static inline void prng_seed(struct prng *p, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
    p->s = splitmix64(&x) | 1; /* xorshift's state must not be 0 */
}

/* xorshift64* (Marsaglia's xorshift, Vigna's multiplier). */
static inline uint64_t prng_next(struct prng *p)
{
    uint64_t x = p->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    p->s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, n) (n > 0), without a 64-bit division (32-bit flavour). */
static inline uint32_t prng_below(struct prng *p, uint32_t n)
{
    return (uint32_t)(((prng_next(p) >> 32) * (uint64_t)n) >> 32);
}

/* True with probability 1/n. */
static inline int prng_one_in(struct prng *p, uint32_t n)
{
    return prng_below(p, n) == 0;
}

#endif /* GUEST_FUZZ_PRNG_H */
