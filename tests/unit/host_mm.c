/*
 * The fake machine behind host_mm.h: Mica's page-allocator interface over
 * a malloc'd pool, for the host unit tests.
 *
 * Machine frame mfn is the 4 KiB at pool + mfn * PAGE_SIZE; frame_table[mfn]
 * describes it. mfn_to_virt()/virt_to_mfn() stand in for Mica's direct map.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "alloc_fail.h"
#include "buddy.h"
#include "frame.h"
#include "host_mm.h"
#include "page_alloc.h"
#include "spinlock.h"

struct frame *frame_table;
uint64_t frame_table_size;

static char *pool; /* the machine's "RAM" */
static struct buddy host_buddy;
static DEFINE_SPINLOCK(page_alloc_lock, LOCK_LEVEL_PAGE_ALLOC);

static unsigned long alloc_calls;  /* alloc_frames() calls since init */
static unsigned long fail_at_call; /* the call that must fail; 0: none */
static unsigned long decisions;    /* alloc_fail_now() calls since init */
static bool refuse_decision;       /* the next alloc_fail_now() says fail */

void host_mm_init(uint64_t nr_frames)
{
    assert(pool == NULL && nr_frames > 0);

    pool = aligned_alloc(PAGE_SIZE, nr_frames * PAGE_SIZE);
    frame_table = calloc(nr_frames, sizeof(*frame_table));
    assert(pool && frame_table);
    /* Garbage, not zeroes, so code that forgets to initialise shows it. */
    memset(pool, 0xa5, nr_frames * PAGE_SIZE);
    frame_table_size = nr_frames;

    buddy_init(&host_buddy, frame_table, nr_frames);
    buddy_add_range(&host_buddy, 0, nr_frames);

    alloc_calls = 0;
    fail_at_call = 0;
    decisions = 0;
    refuse_decision = false;
}

void host_mm_fini(void)
{
    free(pool);
    free(frame_table);
    pool = NULL;
    frame_table = NULL;
    frame_table_size = 0;
}

uint64_t host_mm_free_frames(void)
{
    return host_buddy.nr_free_frames;
}

struct buddy *host_mm_buddy(void)
{
    return &host_buddy;
}

void host_mm_fail_after(unsigned long n)
{
    fail_at_call = n ? alloc_calls + n : 0;
}

unsigned long host_mm_alloc_calls(void)
{
    return alloc_calls;
}

/* The host's injection (host_mm_fail_after) counts both entries alike: the
 * heap's pages come from alloc_frames_uninjected, as in Mica. */
struct frame *alloc_frames_uninjected(unsigned int order)
{
    if (++alloc_calls == fail_at_call) {
        fail_at_call = 0;
        return NULL;
    }

    spin_lock(&page_alloc_lock);
    struct frame *head = buddy_alloc(&host_buddy, order);
    spin_unlock(&page_alloc_lock);
    return head;
}

struct frame *alloc_frames(unsigned int order)
{
    return alloc_frames_uninjected(order);
}

void host_mm_refuse_decision(void)
{
    refuse_decision = true;
}

unsigned long host_mm_decisions(void)
{
    return decisions;
}

/* Mica's fail-alloc= decision (mm/alloc_fail.c), as host_mm.h says. */
bool alloc_fail_now(enum alloc_fail_site site)
{
    bool refuse = refuse_decision;

    (void)site;
    decisions++;
    refuse_decision = false;
    return refuse;
}

void free_frames(struct frame *head, unsigned int order)
{
    spin_lock(&page_alloc_lock);
    buddy_free(&host_buddy, head, order);
    spin_unlock(&page_alloc_lock);
}

void *mfn_to_virt(mfn_t mfn)
{
    assert(mfn_x(mfn) < frame_table_size);
    return pool + mfn_x(mfn) * PAGE_SIZE;
}

mfn_t virt_to_mfn(const void *va)
{
    const char *p = va;

    assert(p >= pool && p < pool + frame_table_size * PAGE_SIZE);
    return _mfn((uint64_t)(p - pool) / PAGE_SIZE);
}
