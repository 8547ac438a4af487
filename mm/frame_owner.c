/* Giving frames to a domain and taking them back (see frame_owner.h). */
#include "frame_owner.h"
#include "lib/string.h"
#include "page_alloc.h"

struct frame *frames_assign(struct domain *d, unsigned int order, enum frame_use use)
{
    uint64_t count = 1UL << order;
    bool ram = use == FRAME_DOMAIN;
    struct frame *head;

    if (ram && d->tot_pages + count > d->max_pages)
        return NULL;
    head = alloc_frames(order);
    if (!head)
        return NULL;
    /* A guest must never see what the frames held before. */
    memset(frame_to_virt(head), 0, PAGE_SIZE << order);
    for (uint64_t i = 0; i < count; i++) {
        struct frame *f = head + i;
        f->owner = d;
        f->use = use;
        f->gfn = INVALID_GFN;
        f->refcount = 1; /* the allocation's */
        f->foreign_refs = 0;
        f->hyp_refs = 0;
        if (ram)
            list_add_tail(&f->list, &d->page_list);
    }
    if (ram)
        d->tot_pages += count;
    return head;
}

void frames_unassign(struct domain *d, struct frame *head, unsigned int order)
{
    uint64_t count = 1UL << order;
    bool ram = head->use == FRAME_DOMAIN;

    for (uint64_t i = 0; i < count; i++) {
        if (ram)
            list_del(&head[i].list);
        head[i].owner = NULL;
        head[i].refcount = 0;
        head[i].use = FRAME_MICA;
    }
    if (ram)
        d->tot_pages -= count;
    free_frames(head, order);
}
