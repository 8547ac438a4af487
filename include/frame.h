/*
 * The frame table: one descriptor per machine frame (4 KiB of RAM).
 *
 * Every frame of the machine, usable or not, has a struct frame at
 * frame_table[mfn]. It says what the frame is used for, who owns it and how
 * many references hold it. The buddy allocator keeps its free lists in the
 * descriptors (never in the free memory itself), so the allocator can be
 * built and tested on the host against a fake frame table.
 */
#ifndef MICA_FRAME_H
#define MICA_FRAME_H

#include "lib/list.h"
#include "types.h"

struct domain;

enum frame_use {
    FRAME_RESERVED = 0, /* firmware, holes, Mica's image, boot modules: never allocated */
    FRAME_FREE,         /* in the buddy allocator */
    FRAME_MICA,         /* allocated to Mica itself: heap, stacks, its own page tables */
    FRAME_HEAP,         /* a page carved into small objects by the xmalloc heap */
    FRAME_DOMAIN,       /* guest RAM owned by a domain (in its page list) */
    FRAME_SPECIAL,      /* a domain's shared_info or grant-table frame: never
                           released by decrease_reservation, never moved */
    FRAME_P2M_TABLE,    /* a nested page-table page of some domain's p2m */
};

struct frame {
    struct list_head list; /* buddy free list while free; owner's list while owned */
    struct domain *owner;  /* owning domain; NULL while free or Mica's own */
    gfn_t gfn;             /* reverse map: the gfn its owner maps it at, or INVALID_GFN */
    union {
        /* Both counts in one word, so that a foreign reference comes and
         * goes with one atomic operation and an audit reads them together
         * (frame_ref.h). x86 is little-endian: refcount is the low half. */
        uint64_t counts;
        struct {
            uint32_t refcount;     /* references held on the frame (atomic) */
            uint32_t foreign_refs; /* of those, mappings in other domains'
                                      p2ms (foreign and grant) and grant
                                      copies in progress */
        };
    };
    uint32_t hyp_refs;    /* of those, held by Mica itself while it writes the
                               frame (a registered vcpu_info page) */
    uint32_t audit_count; /* scratch for the p2m audit */
    uint8_t use;          /* enum frame_use */
    uint8_t order;        /* FRAME_FREE: order of the free block this frame heads
                               (0xff on the other frames of a free block);
                               allocated: the block's order, on its head frame */
    uint16_t heap_class;  /* FRAME_HEAP: index of the heap size class of this page;
                               0xffff on the head of a multi-page xmalloc block */
    uint32_t heap_free;   /* FRAME_HEAP: free objects left in this page */
    void *heap_freelist;  /* FRAME_HEAP: first free object in this page */
};

/* The frame table, indexed by mfn, and how many frames it describes. */
extern struct frame *frame_table;
extern uint64_t frame_table_size;

static inline mfn_t frame_to_mfn(const struct frame *f)
{
    return _mfn((uint64_t)(f - frame_table));
}

static inline struct frame *mfn_to_frame(mfn_t mfn)
{
    return &frame_table[mfn_x(mfn)];
}

#endif
