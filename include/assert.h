/*
 * ASSERT guards Mica's own invariants only; anything a guest can cause is
 * an error return, never an assertion. Host builds map it to the C library's
 * assert so unit tests stop on a broken invariant.
 */
#ifndef MICA_ASSERT_H
#define MICA_ASSERT_H

#ifdef MICA_HOST
/*
 * With -Iinclude this file shadows the C library's <assert.h>, so a plain
 * #include <assert.h> would find this file again; #include_next (GCC) skips
 * to the real one.
 */
#include_next <assert.h>
#define ASSERT(c) assert(c)
#else
__attribute__((noreturn)) void assert_failed(const char *expr, const char *file, int line);
#define ASSERT(c)                                  \
    do {                                           \
        if (!(c))                                  \
            assert_failed(#c, __FILE__, __LINE__); \
    } while (0)
#endif

#endif
