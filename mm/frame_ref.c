/* Dropping frame references (see frame_ref.h). */
#include "frame_ref.h"
#include "assert.h"
#include "page_alloc.h"

static void free_unreferenced(struct frame *f)
{
    ASSERT(f->foreign_refs == 0);
    f->owner = NULL;
    f->gfn = INVALID_GFN;
    f->use = FRAME_MICA;
    free_frames(f, 0);
}

void frame_put(struct frame *f)
{
    uint32_t left = __atomic_sub_fetch(&f->refcount, 1, __ATOMIC_ACQ_REL);

    ASSERT(left != UINT32_MAX); /* more puts than gets: a Mica bug */
    if (!left)
        free_unreferenced(f);
}

void frame_put_foreign(struct frame *f)
{
    uint64_t left = __atomic_sub_fetch(&f->counts, FRAME_FOREIGN_REF, __ATOMIC_ACQ_REL);

    /* Neither half may have wrapped: more puts than gets is a Mica bug. */
    ASSERT((uint32_t)left != UINT32_MAX && (uint32_t)(left >> 32) != UINT32_MAX);
    if (!(uint32_t)left)
        free_unreferenced(f);
}
