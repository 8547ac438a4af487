/*
 * Mica's machine-frame allocator: the buddy allocator behind one lock, plus
 * the translation between frames and the addresses Mica reaches them at.
 *
 * In Mica these come from mm/page_alloc.c and the direct map; host unit
 * tests provide them over a fake pool (tests/unit/host_mm.c).
 */
#ifndef MICA_PAGE_ALLOC_H
#define MICA_PAGE_ALLOC_H

#include "frame.h"
#include "types.h"

/* 2^order contiguous frames, naturally aligned; NULL when memory is short
 * (or when fail-alloc= says this call fails: alloc_fail.h). */
struct frame *alloc_frames(unsigned int order);
/* The same, never failed by fail-alloc=: for the heap's own pages only, since
 * xmalloc has already drawn its decision for the call. */
struct frame *alloc_frames_uninjected(unsigned int order);
void free_frames(struct frame *head, unsigned int order);

/* Where Mica can read and write a frame, and back. */
void *mfn_to_virt(mfn_t mfn);
mfn_t virt_to_mfn(const void *va);

static inline void *frame_to_virt(const struct frame *f)
{
    return mfn_to_virt(frame_to_mfn(f));
}

static inline struct frame *virt_to_frame(const void *va)
{
    return mfn_to_frame(virt_to_mfn(va));
}

#endif
