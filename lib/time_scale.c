/* Ticks to nanoseconds in pvclock form (see time_scale.h). */
#include "lib/time_scale.h"

/* num / den, rounded down, for a quotient known to be below 2^32: restoring
 * division one quotient bit at a time (a freestanding build has no 128-bit
 * division routine). */
static uint32_t divide_to_32_bits(unsigned __int128 num, uint64_t den)
{
    uint32_t quotient = 0;

    for (int bit = 31; bit >= 0; bit--) {
        unsigned __int128 part = (unsigned __int128)den << bit;
        if (num >= part) {
            num -= part;
            quotient |= 1u << bit;
        }
    }
    return quotient;
}

/*
 * Choose shift so that the shifted rate hz * 2^shift lies in (1e9, 2e9]:
 * one shifted tick then lasts between 0.5 and 1 ns, and
 * mul_frac = 2^32 * 1e9 / (hz * 2^shift) lies in [2^31, 2^32): it fits 32
 * bits and keeps 31 significant bits. The bounds move rather than hz, so no
 * bit of hz is lost on the way (128-bit arithmetic).
 */
struct time_scale time_scale_for_hz(uint64_t hz)
{
    unsigned __int128 low = NSEC_PER_SEC, high = 2 * NSEC_PER_SEC;
    uint64_t rate = hz;
    int shift = 0;

    while (rate > high) { /* a fast counter: the guest drops low bits of the count */
        low <<= 1;
        high <<= 1;
        shift--;
    }
    while (rate <= low) { /* a slow one: counted in fractions of a tick */
        rate <<= 1;
        shift++;
    }
    /* 1e9 * 2^32 / (hz * 2^shift), with the negative shift on top instead. */
    return (struct time_scale){
        .mul_frac = divide_to_32_bits(
            (unsigned __int128)NSEC_PER_SEC << (32 + (shift < 0 ? -shift : 0)), rate),
        .shift = (int8_t)shift,
    };
}

uint64_t time_scale_apply(struct time_scale scale, uint64_t ticks)
{
    if (scale.shift >= 0)
        ticks <<= scale.shift;
    else
        ticks >>= -scale.shift;
    return (uint64_t)(((unsigned __int128)ticks * scale.mul_frac) >> 32);
}
