/*
 * Injected allocation failures (mm/alloc_fail.c): with fail-alloc= on the
 * command line (include/lib/alloc_fail.h has the syntax), alloc_frames()
 * and xmalloc()/xzalloc() return NULL for the calls the plan picks, so the
 * tests can check that every path which allocates on behalf of a guest
 * copes: a Xen errno, nothing leaked, nothing changed (docs/reliability.md).
 *
 * Mica's own boot never sees a failure: the injection is armed only when
 * the domain builder starts (from:build) or when the domains start running
 * (from:run). From then on every allocation is eligible, because every one
 * is made for a domain (its structures, its memory, its hypercalls); the
 * paths that must not fail allocate nothing (teardown frees only).
 */
#ifndef MICA_ALLOC_FAIL_H
#define MICA_ALLOC_FAIL_H

#include "lib/alloc_fail.h"
#include "types.h"

/* The allocators that ask. */
enum alloc_fail_site {
    ALLOC_FAIL_FRAMES, /* alloc_frames (mm/page_alloc.c) */
    ALLOC_FAIL_HEAP,   /* xmalloc, xzalloc (mm/heap.c) */
    ALLOC_FAIL_NR_SITES,
};

/* The boot has reached `point` (common/main.c): arms the injection if the
 * plan starts there. */
void alloc_fail_reached(enum alloc_fail_from point);

/* Must this allocation fail? Counts the call (once armed). Any context;
 * every call of alloc_frames and xmalloc asks. */
bool alloc_fail_now(enum alloc_fail_site site);

/* "fail-alloc: ..." with the calls counted and failed, if the option is on
 * (at the end of the run). */
void alloc_fail_print_summary(void);

/*
 * A path that cannot fail must not allocate, since nothing could handle the
 * failure: domain teardown frees, and whatever it would need is reserved
 * before (common/domain.c). Between begin and end (they nest) an allocation
 * on this CPU is a Mica bug: alloc_fail_now asserts there is none.
 */
void alloc_forbid_begin(void);
void alloc_forbid_end(void);

#endif
