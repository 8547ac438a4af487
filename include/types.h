/* Basic fixed-width types for Mica (freestanding C11 headers only). */
#ifndef MICA_TYPES_H
#define MICA_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame_nr.h" /* mfn_t, gfn_t */

/* A physical (machine) address. */
typedef uint64_t paddr_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

/* A frame's first byte and the frame holding a byte. */
static inline paddr_t mfn_to_paddr(mfn_t mfn)
{
    return mfn_x(mfn) << PAGE_SHIFT;
}

static inline mfn_t paddr_to_mfn(paddr_t pa)
{
    return _mfn(pa >> PAGE_SHIFT);
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + (a)-1) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#endif
