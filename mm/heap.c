/*
 * The small-object heap: xmalloc() and xfree() (see include/heap.h).
 *
 * Small requests (up to 2048 bytes) are rounded up to a power-of-two size
 * class: 16, 32, 64, ..., 2048 bytes. A page of a class is cut into equal
 * objects; the free objects of a page form a singly linked list threaded
 * through the objects themselves (the first word of a free object points to
 * the next free one). The page's descriptor in the frame table holds the rest:
 *
 *     use           FRAME_HEAP
 *     heap_class    which class the page is cut for
 *     heap_free     how many of its objects are free
 *     heap_freelist its first free object
 *     list          links the page into its class's list of pages that
 *                   still have a free object ("partial" pages)
 *
 * A full page is on no list; freeing one object puts it back. A page whose
 * objects are all free again goes straight back to the frame allocator, so
 * the heap holds no memory nobody uses.
 *
 * Larger requests get whole pages: the smallest power-of-two run of frames
 * that fits, straight from the frame allocator. Its head frame records the order
 * and the marker HEAP_CLASS_LARGE, so xfree() knows how much to give back.
 *
 * xmalloc(0) returns a valid, distinct 16-byte object (not NULL), so NULL
 * always means "out of memory" and callers need no special case for an
 * empty array. xfree() takes it like any other object.
 *
 * Under fail-alloc= (alloc_fail.h) each xmalloc() call draws one decision
 * before anything else; the pages the heap takes for it come from
 * alloc_frames_uninjected(), so one call is never asked twice.
 *
 * Locking: one spinlock, heap_lock, covers the class lists and the objects'
 * free lists. It is held across the frame allocator's calls when a class
 * needs a new page or gives an empty one back. The lock order allows this
 * (LOCK_LEVEL_HEAP < LOCK_LEVEL_PAGE_ALLOC), and it is simpler than dropping
 * the lock and re-checking the lists afterwards. Large requests do not touch
 * the class lists and take no heap lock at all.
 */
#include "alloc_fail.h"
#include "assert.h"
#include "buddy.h" /* BUDDY_MAX_ORDER: the largest block there is */
#include "frame.h"
#include "heap.h"
#include "lib/list.h"
#include "lib/string.h"
#include "page_alloc.h"
#include "spinlock.h"

#define HEAP_MIN_SHIFT 4  /* smallest class: 16 bytes */
#define HEAP_MAX_SHIFT 11 /* largest class: 2048 bytes */
#define HEAP_NR_CLASSES (HEAP_MAX_SHIFT - HEAP_MIN_SHIFT + 1)
#define HEAP_MAX_SMALL ((size_t)1 << HEAP_MAX_SHIFT)

/* heap_class of the head frame of a large (whole-page) allocation. */
#define HEAP_CLASS_LARGE 0xffff

/* The largest request the frame allocator can satisfy in one block. */
#define HEAP_MAX_LARGE ((size_t)PAGE_SIZE << BUDDY_MAX_ORDER)

struct size_class {
    size_t size;              /* bytes per object */
    struct list_head partial; /* FRAME_HEAP pages with a free object */
};

#define SIZE_CLASS(i)                                                           \
    {                                                                           \
        (size_t)1 << (HEAP_MIN_SHIFT + (i)), LIST_HEAD_INIT(classes[i].partial) \
    }

static struct size_class classes[HEAP_NR_CLASSES] = {
    SIZE_CLASS(0), SIZE_CLASS(1), SIZE_CLASS(2), SIZE_CLASS(3),
    SIZE_CLASS(4), SIZE_CLASS(5), SIZE_CLASS(6), SIZE_CLASS(7),
};

static DEFINE_SPINLOCK(heap_lock, LOCK_LEVEL_HEAP);

/* The index of the smallest class that holds size bytes (size <= 2048). */
static unsigned int class_of(size_t size)
{
    unsigned int c = 0;

    while (classes[c].size < size)
        c++;
    return c;
}

static unsigned int objects_per_page(const struct size_class *c)
{
    return (unsigned int)(PAGE_SIZE / c->size);
}

/*
 * A fresh page from the frame allocator, cut into objects of class c and
 * put on c's partial list. NULL when memory is short.
 */
static struct frame *new_heap_page(unsigned int c)
{
    struct frame *page = alloc_frames_uninjected(0);
    if (!page)
        return NULL;

    /* Thread the free list through the objects, lowest address first. */
    char *base = frame_to_virt(page);
    size_t size = classes[c].size;
    unsigned int n = objects_per_page(&classes[c]);
    for (unsigned int i = 0; i < n; i++) {
        void *next = (i + 1 < n) ? base + (i + 1) * size : NULL;
        *(void **)(base + i * size) = next;
    }

    page->use = FRAME_HEAP;
    page->heap_class = (uint16_t)c;
    page->heap_free = n;
    page->heap_freelist = base;
    list_add(&page->list, &classes[c].partial);
    return page;
}

/* Small path: one object of class c. Called with heap_lock held. */
static void *take_object(unsigned int c)
{
    struct frame *page;

    if (list_empty(&classes[c].partial)) {
        page = new_heap_page(c);
        if (!page)
            return NULL;
    } else {
        page = list_first_entry(&classes[c].partial, struct frame, list);
    }

    ASSERT(page->use == FRAME_HEAP && page->heap_free > 0);
    void *obj = page->heap_freelist;
    page->heap_freelist = *(void **)obj;
    page->heap_free--;

    /* A page with no free object left has nothing to offer the class. */
    if (page->heap_free == 0)
        list_del(&page->list);
    return obj;
}

#ifdef MICA_DEBUG
/* Is obj already on its page's free list? (A double free; debug only.) */
static bool object_is_free(const struct frame *page, const void *obj)
{
    for (const void *o = page->heap_freelist; o; o = *(void *const *)o)
        if (o == obj)
            return true;
    return false;
}
#endif

/* Small path: give obj back to its page. Called with heap_lock held. */
static void put_object(struct frame *page, void *obj)
{
    ASSERT(page->heap_class < HEAP_NR_CLASSES);
    struct size_class *c = &classes[page->heap_class];
    uintptr_t offset = (uintptr_t)obj & (PAGE_SIZE - 1);
    unsigned int per_page = objects_per_page(c);

    ASSERT(offset % c->size == 0);
#ifdef MICA_DEBUG
    ASSERT(!object_is_free(page, obj));
#endif
    ASSERT(page->heap_free < per_page);

    *(void **)obj = page->heap_freelist;
    page->heap_freelist = obj;
    page->heap_free++;

    if (page->heap_free == per_page) {
        /* All free: off the partial list (if it was on it), back to the frames. */
        if (per_page > 1)
            list_del(&page->list);
        page->use = FRAME_MICA;
        page->heap_class = 0;
        page->heap_free = 0;
        page->heap_freelist = NULL;
        free_frames(page, 0);
    } else if (page->heap_free == 1) {
        /* It was full, so it was on no list; now it has room again. */
        list_add(&page->list, &c->partial);
    }
}

/* Large path: 2^order whole frames for size bytes (2048 < size). */
static void *alloc_large(size_t size)
{
    if (size > HEAP_MAX_LARGE)
        return NULL;

    /* Round up to whole pages without computing size + PAGE_SIZE - 1. */
    size_t pages = size / PAGE_SIZE + (size % PAGE_SIZE != 0);
    unsigned int order = 0;
    while (((size_t)1 << order) < pages)
        order++;

    struct frame *head = alloc_frames_uninjected(order);
    if (!head)
        return NULL;
    head->use = FRAME_MICA;
    head->order = (uint8_t)order;
    head->heap_class = HEAP_CLASS_LARGE;
    return frame_to_virt(head);
}

static void free_large(struct frame *head, void *p)
{
    ASSERT(((uintptr_t)p & (PAGE_SIZE - 1)) == 0);
    ASSERT(head->use == FRAME_MICA && head->heap_class == HEAP_CLASS_LARGE);

    unsigned int order = head->order;
    head->heap_class = 0;
    free_frames(head, order);
}

void *xmalloc(size_t size)
{
    if (alloc_fail_now(ALLOC_FAIL_HEAP))
        return NULL; /* fail-alloc= picked this call */
    if (size > HEAP_MAX_SMALL)
        return alloc_large(size);

    spin_lock(&heap_lock);
    void *obj = take_object(class_of(size));
    spin_unlock(&heap_lock);
    return obj;
}

void *xzalloc(size_t size)
{
    void *p = xmalloc(size);

    if (p)
        memset(p, 0, size);
    return p;
}

void xfree(void *p)
{
    if (!p)
        return;

    /*
     * Reading use without the lock is safe: a page holding a live object
     * (p) stays FRAME_HEAP until that object is freed, which is now.
     */
    struct frame *page = virt_to_frame(p);
    if (page->use != FRAME_HEAP) {
        free_large(page, p);
        return;
    }

    spin_lock(&heap_lock);
    put_object(page, p);
    spin_unlock(&heap_lock);
}
