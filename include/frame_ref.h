/*
 * References on machine frames.
 *
 * A frame owned by a domain holds one reference for being allocated to it
 * (dropped when the domain gives the frame up or dies), and one more for
 * every p2m entry that maps it (its owner's, and each foreign mapping).
 * A p2m entry's reference is dropped only after the entry is gone and every
 * CPU has flushed it (p2m_flush), so the last reference, which frees the
 * frame, can never go while the frame is still mapped.
 */
#ifndef MICA_FRAME_REF_H
#define MICA_FRAME_REF_H

#include "frame.h"

static inline void frame_get(struct frame *f)
{
    __atomic_fetch_add(&f->refcount, 1, __ATOMIC_ACQ_REL);
}

/* Drop a reference; the last one frees the frame. */
void frame_put(struct frame *f);

/* A foreign reference (a mapping in another domain's p2m, a grant pin) is
 * one reference counted in both refcount and foreign_refs. Both change in
 * one atomic operation: an audit of the owner, whenever it runs, sees
 * refcount = 1 + its own mappings + foreign_refs (+ Mica's), exactly. */
#define FRAME_FOREIGN_REF (1ULL | (1ULL << 32))

static inline void frame_get_foreign(struct frame *f)
{
    __atomic_fetch_add(&f->counts, FRAME_FOREIGN_REF, __ATOMIC_ACQ_REL);
}

/* Drop a foreign reference; the last reference frees the frame. */
void frame_put_foreign(struct frame *f);

#endif
