/*
 * Frame numbers that cannot be mixed up: mfn_t (a machine frame) and gfn_t
 * (a guest-physical frame of some domain).
 *
 * Debug builds make each a struct of one member, so passing a gfn where an
 * mfn is expected, or adding one to the other, does not compile (Xen's
 * typesafe.h does the same). Release builds make them plain integers, so
 * the code is exactly what uint64_t would give. Either way _mfn(n) makes
 * one from a number and mfn_x(m) reads the number back; likewise for gfns.
 */
#ifndef MICA_FRAME_NR_H
#define MICA_FRAME_NR_H

#include <stdbool.h>
#include <stdint.h>

#ifdef MICA_DEBUG
#define FRAME_NR_TYPE(name)                     \
    typedef struct {                            \
        uint64_t name;                          \
    } name##_t;                                 \
    static inline name##_t _##name(uint64_t n)  \
    {                                           \
        return (name##_t){ n };                 \
    }                                           \
    static inline uint64_t name##_x(name##_t v) \
    {                                           \
        return v.name;                          \
    }
#else
#define FRAME_NR_TYPE(name)                     \
    typedef uint64_t name##_t;                  \
    static inline name##_t _##name(uint64_t n)  \
    {                                           \
        return n;                               \
    }                                           \
    static inline uint64_t name##_x(name##_t v) \
    {                                           \
        return v;                               \
    }
#endif

FRAME_NR_TYPE(mfn)
FRAME_NR_TYPE(gfn)

#define INVALID_MFN _mfn(~(uint64_t)0)
#define INVALID_GFN _gfn(~(uint64_t)0)

static inline mfn_t mfn_add(mfn_t m, uint64_t i)
{
    return _mfn(mfn_x(m) + i);
}

static inline gfn_t gfn_add(gfn_t g, uint64_t i)
{
    return _gfn(gfn_x(g) + i);
}

static inline bool mfn_eq(mfn_t a, mfn_t b)
{
    return mfn_x(a) == mfn_x(b);
}

static inline bool gfn_eq(gfn_t a, gfn_t b)
{
    return gfn_x(a) == gfn_x(b);
}

#endif
