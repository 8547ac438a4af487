/*
 * The small-object heap: xmalloc/xfree on top of the frame allocator.
 * Returns NULL when memory is short; callers handle it.
 */
#ifndef MICA_HEAP_H
#define MICA_HEAP_H

#include "types.h"

void *xmalloc(size_t size); /* aligned to 16 bytes (or a page for >= 4 KiB) */
void *xzalloc(size_t size); /* the same, zero-filled */
void xfree(void *p);        /* NULL is allowed */

#endif
