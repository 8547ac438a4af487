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

#endif
