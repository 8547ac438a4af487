/*
 * Converting a counter's ticks to nanoseconds the way Xen's pvclock does
 * (public/xen.h, struct vcpu_time_info): shift the tick count left by
 * `shift` (right if negative), multiply by the 32.32 fixed-point fraction
 * `mul_frac` and keep the upper half:
 *
 *     ns = ((ticks << shift) * mul_frac) >> 32
 *
 * Mica's system time (common/timer.c) and every guest's pvclock use the same
 * scale for the TSC, so both compute the same nanoseconds from the same TSC.
 * Pure functions: lib/time_scale.c, host-tested (tests/unit/test_time_scale.c).
 */
#ifndef MICA_LIB_TIME_SCALE_H
#define MICA_LIB_TIME_SCALE_H

#include "types.h"

#define NSEC_PER_SEC 1000000000ULL

struct time_scale {
    uint32_t mul_frac; /* nanoseconds per (shifted) tick, times 2^32 */
    int8_t shift;      /* applied to the tick count first */
};

/* The scale for a counter running at hz ticks per second (hz > 0). mul_frac
 * is rounded down, so the clock may run slow by at most one part in 2^31. */
struct time_scale time_scale_for_hz(uint64_t hz);

/* ticks in nanoseconds. Exact for any ticks below 2^(64 - shift) when
 * shift > 0 (centuries for any counter of 1 MHz and more). */
uint64_t time_scale_apply(struct time_scale scale, uint64_t ticks);

#endif
