/*
 * A binary buddy allocator of machine frames, orders 0 (4 KiB) .. 18 (1 GiB).
 *
 * Pure logic over a frame table: no locking (the caller locks), no access to
 * the memory it manages, so it runs unchanged on the host in unit tests.
 * A block of order n is 2^n frames whose first mfn is a multiple of 2^n.
 */
#ifndef MICA_BUDDY_H
#define MICA_BUDDY_H

#include "frame.h"
#include "lib/list.h"
#include "types.h"

#define BUDDY_MAX_ORDER 18
#define BUDDY_NR_ORDERS (BUDDY_MAX_ORDER + 1)

struct buddy {
    struct frame *frames;                        /* the frame table it manages */
    uint64_t nr_frames;                          /* frames in that table */
    struct list_head free_list[BUDDY_NR_ORDERS]; /* free blocks, by order */
    uint64_t nr_free_blocks[BUDDY_NR_ORDERS];    /* length of each free list */
    uint64_t nr_free_frames;                     /* total free frames */
};

/* Start with every frame FRAME_RESERVED and nothing free. */
void buddy_init(struct buddy *b, struct frame *frames, uint64_t nr_frames);

/* Hand the frames [start, end) to the allocator (boot: usable RAM). */
void buddy_add_range(struct buddy *b, uint64_t start, uint64_t end);

/* A block of 2^order frames (use = FRAME_MICA, refcount 0), or NULL. */
struct frame *buddy_alloc(struct buddy *b, unsigned int order);

/* Return a block obtained from buddy_alloc() with the same order. */
void buddy_free(struct buddy *b, struct frame *head, unsigned int order);

#endif
