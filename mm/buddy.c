/*
 * The binary buddy allocator (see include/buddy.h).
 *
 * Memory is handed out in blocks of 2^order frames whose first mfn is a
 * multiple of 2^order ("naturally aligned"). Every block of order n < max has
 * exactly one buddy: the other half of the aligned block of order n + 1 that
 * contains both. Its first mfn differs from ours in bit n only:
 *
 *     buddy = mfn ^ (1 << n)
 *
 * Allocating splits a larger free block in halves until it has the order
 * asked for; freeing merges a block with its buddy, again and again, for as
 * long as the buddy is free too. So free memory stays in the largest blocks
 * possible, and a request for a big block fails only when no aligned run of
 * that size is free.
 *
 * All bookkeeping lives in the frame table, never in the free memory itself:
 *
 *   - the first frame (the "head") of a free block has use = FRAME_FREE, its
 *     order in frame.order, and sits on free_list[order] through frame.list;
 *   - the other frames of a free block have use = FRAME_FREE and
 *     order = NOT_A_HEAD, so a frame in the middle of a free block can never
 *     be mistaken for the head of a smaller one;
 *   - every frame of an allocated block has use = FRAME_MICA (its new owner
 *     may change that), and the head keeps the block's order.
 *
 * A buddy is merged only when its head says "free block of exactly my
 * order". That one test keeps merges from crossing reserved frames (they are
 * FRAME_RESERVED), allocated frames, or a free block of another size.
 */
#include "assert.h"
#include "buddy.h"

/* frame.order of a free frame that is not the head of its free block. */
#define NOT_A_HEAD 0xff

static inline uint64_t block_frames(unsigned int order)
{
    return 1UL << order;
}

static inline uint64_t frame_mfn(const struct buddy *b, const struct frame *f)
{
    return (uint64_t)(f - b->frames);
}

/* Put the free block headed by mfn on the free list of its order. */
static void push_free_block(struct buddy *b, uint64_t mfn, unsigned int order)
{
    struct frame *head = &b->frames[mfn];

    head->use = FRAME_FREE;
    head->order = (uint8_t)order;
    list_add(&head->list, &b->free_list[order]);
    b->nr_free_blocks[order]++;
}

/* Take the free block headed by head off its free list. */
static void pop_free_block(struct buddy *b, struct frame *head)
{
    ASSERT(head->use == FRAME_FREE && head->order <= BUDDY_MAX_ORDER);
    list_del(&head->list);
    b->nr_free_blocks[head->order]--;
}

/* Is mfn the head of a free block of exactly this order? */
static bool is_free_head(const struct buddy *b, uint64_t mfn, unsigned int order)
{
    const struct frame *f = &b->frames[mfn];

    return f->use == FRAME_FREE && f->order == order;
}

/*
 * Give the block [mfn, mfn + 2^order) to the free lists, merging it with its
 * buddy while the buddy is a free block of the same order. The caller has
 * already marked every frame of the block FRAME_FREE / NOT_A_HEAD.
 *
 * Each step costs O(1) (one look at the buddy's head, one list operation), so
 * a free costs O(BUDDY_MAX_ORDER) list work at most.
 */
static void free_block(struct buddy *b, uint64_t mfn, unsigned int order)
{
    b->nr_free_frames += block_frames(order);

    while (order < BUDDY_MAX_ORDER) {
        uint64_t buddy = mfn ^ block_frames(order);

        /* The buddy must lie inside the table, or it does not exist. */
        if (buddy + block_frames(order) > b->nr_frames)
            break;
        if (!is_free_head(b, buddy, order))
            break;

        /* Merge: the lower of the two becomes the head of the pair. */
        pop_free_block(b, &b->frames[buddy]);
        b->frames[buddy].order = NOT_A_HEAD;
        b->frames[mfn].order = NOT_A_HEAD;
        mfn &= ~block_frames(order);
        order++;
    }
    push_free_block(b, mfn, order);
}

void buddy_init(struct buddy *b, struct frame *frames, uint64_t nr_frames)
{
    b->frames = frames;
    b->nr_frames = nr_frames;
    for (unsigned int order = 0; order < BUDDY_NR_ORDERS; order++) {
        list_init(&b->free_list[order]);
        b->nr_free_blocks[order] = 0;
    }
    b->nr_free_frames = 0;

    for (uint64_t mfn = 0; mfn < nr_frames; mfn++) {
        struct frame *f = &frames[mfn];

        list_init(&f->list);
        f->owner = NULL;
        f->gfn = INVALID_GFN;
        f->refcount = 0;
        f->use = FRAME_RESERVED;
        f->order = 0;
        f->heap_class = 0;
        f->heap_free = 0;
        f->heap_freelist = NULL;
    }
}

/* The largest order of an aligned block that starts at mfn and ends by end. */
static unsigned int largest_block_at(uint64_t mfn, uint64_t end)
{
    unsigned int order = 0;

    while (order < BUDDY_MAX_ORDER && (mfn & block_frames(order)) == 0 &&
           mfn + block_frames(order + 1) <= end)
        order++;
    return order;
}

void buddy_add_range(struct buddy *b, uint64_t start, uint64_t end)
{
    ASSERT(start <= end && end <= b->nr_frames);

    /*
     * Cut the range into the largest aligned blocks that fit, left to right:
     * [3, 1000) becomes 3, 4-7, 8-15, ..., 512-767, 768-895, ..., 992-999.
     * Freeing each one merges it with free neighbours added earlier.
     */
    uint64_t mfn = start;
    while (mfn < end) {
        unsigned int order = largest_block_at(mfn, end);

        for (uint64_t i = mfn; i < mfn + block_frames(order); i++) {
            /* Adding a frame twice would put it in two blocks at once. */
            ASSERT(b->frames[i].use == FRAME_RESERVED);
            b->frames[i].use = FRAME_FREE;
            b->frames[i].order = NOT_A_HEAD;
        }
        free_block(b, mfn, order);
        mfn += block_frames(order);
    }
}

struct frame *buddy_alloc(struct buddy *b, unsigned int order)
{
    if (order > BUDDY_MAX_ORDER)
        return NULL;

    /* The smallest free block that is large enough. */
    unsigned int found = order;
    while (found <= BUDDY_MAX_ORDER && list_empty(&b->free_list[found]))
        found++;
    if (found > BUDDY_MAX_ORDER)
        return NULL;

    struct frame *head = list_first_entry(&b->free_list[found], struct frame, list);
    uint64_t mfn = frame_mfn(b, head);
    pop_free_block(b, head);

    /* Too big: keep the lower half, give the upper half back, repeat. */
    while (found > order) {
        found--;
        push_free_block(b, mfn + block_frames(found), found);
    }
    b->nr_free_frames -= block_frames(order);

    for (uint64_t i = mfn; i < mfn + block_frames(order); i++) {
        struct frame *f = &b->frames[i];

        ASSERT(f->use == FRAME_FREE);
        f->use = FRAME_MICA;
        f->order = 0;
        f->refcount = 0;
        f->owner = NULL;
    }
    head->order = (uint8_t)order;
    return head;
}

void buddy_free(struct buddy *b, struct frame *head, unsigned int order)
{
    ASSERT(order <= BUDDY_MAX_ORDER);
    ASSERT(head >= b->frames && head < b->frames + b->nr_frames);

    uint64_t mfn = frame_mfn(b, head);

    /* Only a whole block from buddy_alloc() can come back. */
    ASSERT((mfn & (block_frames(order) - 1)) == 0);
    ASSERT(mfn + block_frames(order) <= b->nr_frames);

    /*
     * Mark every frame free. This keeps the frame table truthful for anyone
     * who looks up a frame, and catches a double free (or a free of reserved
     * memory) on any frame of the block, not only on the head.
     */
    for (uint64_t i = mfn; i < mfn + block_frames(order); i++) {
        struct frame *f = &b->frames[i];

        ASSERT(f->use != FRAME_FREE && f->use != FRAME_RESERVED);
        f->use = FRAME_FREE;
        f->order = NOT_A_HEAD;
        f->owner = NULL;
        f->refcount = 0;
    }
    free_block(b, mfn, order);
}
