/* Dropping frame references (see frame_ref.h). */
#include "frame_ref.h"
#include "assert.h"
#include "page_alloc.h"

void frame_put(struct frame *f)
{
    uint32_t left = __atomic_sub_fetch(&f->refcount, 1, __ATOMIC_ACQ_REL);

    ASSERT(left != UINT32_MAX); /* more puts than gets: a Mica bug */
    if (left)
        return;
    ASSERT(f->foreign_refs == 0);
    f->owner = NULL;
    f->gfn = INVALID_GFN;
    f->use = FRAME_MICA;
    free_frames(f, 0);
}
