/*
 * Host unit tests of the heap (mm/heap.c) on the fake machine of host_mm.c.
 *
 * Every test builds a fresh machine and frees all it allocated before
 * throwing it away: the heap keeps its size-class lists across tests, and
 * "everything freed" must mean "every frame back in the allocator".
 */
#include <stdint.h>
#include <string.h>

#include "heap.h"
#include "host_mm.h"
#include "page_alloc.h"
#include "unit.h"

/* Fill p[0, size) with a pattern derived from tag; check it is intact. */
static void fill(void *p, size_t size, unsigned int tag)
{
    unsigned char *c = p;

    for (size_t i = 0; i < size; i++)
        c[i] = (unsigned char)(tag * 31 + i);
}

static bool intact(const void *p, size_t size, unsigned int tag)
{
    const unsigned char *c = p;

    for (size_t i = 0; i < size; i++)
        if (c[i] != (unsigned char)(tag * 31 + i))
            return false;
    return true;
}

static bool aligned(const void *p, size_t alignment)
{
    return ((uintptr_t)p & (alignment - 1)) == 0;
}

/* The alignment xmalloc promises for a request of this size. */
static size_t promised_alignment(size_t size)
{
    return size >= PAGE_SIZE ? PAGE_SIZE : 16;
}

/* ---- deterministic tests ---------------------------------------------- */

/* Every size 1..8192 live at once: aligned, in bounds, no overlap. */
static void test_all_sizes_live_at_once(void)
{
    enum { MAX_SIZE = 8192 };
    static void *p[MAX_SIZE + 1];

    host_mm_init(16384);
    uint64_t free_before = host_mm_free_frames();

    for (size_t size = 1; size <= MAX_SIZE; size++) {
        p[size] = xmalloc(size);
        CHECK(p[size] != NULL);
        if (!p[size])
            continue;
        CHECK(aligned(p[size], promised_alignment(size)));
        fill(p[size], size, (unsigned int)size);
    }
    /* Had any two objects overlapped, the later fill broke the earlier one. */
    for (size_t size = 1; size <= MAX_SIZE; size++)
        CHECK(p[size] == NULL || intact(p[size], size, (unsigned int)size));
    for (size_t size = 1; size <= MAX_SIZE; size++)
        xfree(p[size]);

    CHECK_EQ(host_mm_free_frames(), free_before);
    host_mm_fini();
}

static void test_odd_sizes(void)
{
    static const size_t sizes[] = {
        1, 15, 17, 33, 100, 1000, 2047, 2048, 2049, 4095, 4096, 4097, 12345, 65537, (1 << 20) + 1,
    };
    void *p[ARRAY_SIZE(sizes)];

    host_mm_init(2048);
    uint64_t free_before = host_mm_free_frames();

    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        p[i] = xmalloc(sizes[i]);
        CHECK(p[i] != NULL);
        if (p[i]) {
            CHECK(aligned(p[i], promised_alignment(sizes[i])));
            fill(p[i], sizes[i], (unsigned int)i);
        }
    }
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
        CHECK(p[i] == NULL || intact(p[i], sizes[i], (unsigned int)i));
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
        xfree(p[i]);

    CHECK_EQ(host_mm_free_frames(), free_before);
    host_mm_fini();
}

/* Large requests take the smallest power-of-two number of pages that fits. */
static void test_large_uses_smallest_order(void)
{
    static const struct {
        size_t size;
        uint64_t frames;
    } cases[] = {
        { 2049, 1 }, { 4096, 1 },     { 4097, 2 },       { 8192, 2 },
        { 8193, 4 }, { 3 * 4096, 4 }, { 64 * 4096, 64 }, { 64 * 4096 + 1, 128 },
    };

    host_mm_init(512);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t before = host_mm_free_frames();
        void *p = xmalloc(cases[i].size);

        CHECK(p != NULL);
        CHECK_EQ(before - host_mm_free_frames(), cases[i].frames);
        xfree(p);
        CHECK_EQ(host_mm_free_frames(), before);
    }
    host_mm_fini();
}

/* One small object costs one page, and freeing it gives the page back. */
static void test_empty_page_goes_back(void)
{
    host_mm_init(64);
    uint64_t free_before = host_mm_free_frames();

    void *a = xmalloc(40);
    CHECK_EQ(host_mm_free_frames(), free_before - 1);
    void *b = xmalloc(40); /* same class, same page */
    CHECK_EQ(host_mm_free_frames(), free_before - 1);
    CHECK(virt_to_frame(a) == virt_to_frame(b));
    CHECK_EQ(virt_to_frame(a)->use, FRAME_HEAP);
    xfree(a);
    CHECK_EQ(host_mm_free_frames(), free_before - 1);
    xfree(b);
    CHECK_EQ(host_mm_free_frames(), free_before);
    host_mm_fini();
}

static void test_free_null_is_noop(void)
{
    host_mm_init(16);
    uint64_t free_before = host_mm_free_frames();

    xfree(NULL);
    CHECK_EQ(host_mm_free_frames(), free_before);
    host_mm_fini();
}

/* xmalloc(0) gives a valid, distinct, freeable object (see mm/heap.c). */
static void test_zero_size(void)
{
    host_mm_init(16);
    uint64_t free_before = host_mm_free_frames();

    void *a = xmalloc(0);
    void *b = xmalloc(0);
    void *z = xzalloc(0);
    CHECK(a != NULL && b != NULL && z != NULL);
    CHECK(a != b && a != z && b != z);
    CHECK(aligned(a, 16) && aligned(b, 16));
    xfree(a);
    xfree(b);
    xfree(z);
    CHECK_EQ(host_mm_free_frames(), free_before);
    host_mm_fini();
}

static void test_xzalloc_zeroes(void)
{
    static const size_t sizes[] = { 1, 16, 24, 100, 2048, 3000, 4096, 10000 };

    host_mm_init(256);
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        /* Dirty the memory xzalloc() is about to hand out again. */
        void *dirty = xmalloc(sizes[i]);
        CHECK(dirty != NULL);
        if (dirty)
            memset(dirty, 0xee, sizes[i]);
        void *keep = xmalloc(1); /* keeps the small page alive */
        xfree(dirty);

        unsigned char *z = xzalloc(sizes[i]);
        CHECK(z != NULL);
        if (z) {
            /* A small object comes back from the same slot (LIFO free list);
             * other memory is dirty too: the pool starts filled with 0xa5. */
            if (sizes[i] <= 2048)
                CHECK(z == dirty);
            for (size_t k = 0; k < sizes[i]; k++)
                if (z[k] != 0) {
                    CHECK(z[k] == 0);
                    break;
                }
        }
        xfree(z);
        xfree(keep);
    }
    CHECK_EQ(host_mm_free_frames(), 256);
    host_mm_fini();
}

static void test_huge_requests_fail(void)
{
    static const size_t sizes[] = {
        SIZE_MAX,
        SIZE_MAX - 1,
        SIZE_MAX - PAGE_SIZE + 1,
        SIZE_MAX / 2 + 1,
        ((size_t)PAGE_SIZE << BUDDY_MAX_ORDER) + 1,
        (size_t)PAGE_SIZE * 65, /* fits the order, not the machine */
    };

    host_mm_init(64);
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        CHECK(xmalloc(sizes[i]) == NULL);
        CHECK(xzalloc(sizes[i]) == NULL);
    }
    CHECK_EQ(host_mm_free_frames(), 64);
    host_mm_fini();
}

/* On a 32-frame machine, 64-byte objects run out after 32 full pages. */
static void test_exhaustion(void)
{
    enum { FRAMES = 32, PER_PAGE = 4096 / 64 };
    static void *p[FRAMES * PER_PAGE + 1];
    size_t n = 0;

    host_mm_init(FRAMES);
    while (n < ARRAY_SIZE(p) && (p[n] = xmalloc(64)) != NULL)
        n++;
    CHECK_EQ(n, FRAMES * PER_PAGE);
    CHECK_EQ(host_mm_free_frames(), 0);
    CHECK(xmalloc(1) == NULL); /* no page for another class */
    CHECK(xmalloc(5000) == NULL);

    /* One object freed: exactly one can be had again, of that class. */
    xfree(p[7]);
    p[7] = xmalloc(64);
    CHECK(p[7] != NULL);
    CHECK(xmalloc(64) == NULL);

    for (size_t i = 0; i < n; i++)
        xfree(p[i]);
    CHECK_EQ(host_mm_free_frames(), FRAMES);

    /* The same for large blocks. */
    void *big[FRAMES / 2 + 1];
    size_t nbig = 0;
    while (nbig < ARRAY_SIZE(big) && (big[nbig] = xmalloc(8192)) != NULL)
        nbig++;
    CHECK_EQ(nbig, FRAMES / 2);
    for (size_t i = 0; i < nbig; i++)
        xfree(big[i]);
    CHECK_EQ(host_mm_free_frames(), FRAMES);
    host_mm_fini();
}

/* A failed page allocation is reported as NULL and leaves the heap sound. */
static void test_injected_failure(void)
{
    host_mm_init(64);

    host_mm_fail_after(1);
    CHECK(xmalloc(100) == NULL); /* needed a page: refused */
    void *a = xmalloc(100);      /* the next one works */
    CHECK(a != NULL);
    host_mm_fail_after(1);
    void *b = xmalloc(100); /* page has room: no alloc */
    CHECK(b != NULL);
    CHECK(xmalloc(9000) == NULL); /* this one needed frames */
    host_mm_fail_after(0);

    xfree(a);
    xfree(b);
    CHECK_EQ(host_mm_free_frames(), 64);
    host_mm_fini();
}

/* fail-alloc=: each xmalloc() draws exactly one decision, also when it
 * takes a new page or whole frames (the heap's pages are not asked again);
 * a refused call returns NULL and takes nothing. */
static void test_one_decision_per_call(void)
{
    host_mm_init(64);

    void *a = xmalloc(100); /* a new page */
    CHECK_EQ(host_mm_decisions(), 1);
    void *b = xmalloc(100); /* room on that page */
    CHECK_EQ(host_mm_decisions(), 2);
    void *c = xmalloc(9000); /* whole frames */
    CHECK_EQ(host_mm_decisions(), 3);
    CHECK(a && b && c);

    uint64_t free_before = host_mm_free_frames();
    unsigned long calls_before = host_mm_alloc_calls();
    host_mm_refuse_decision();
    CHECK(xmalloc(9000) == NULL);
    host_mm_refuse_decision();
    CHECK(xzalloc(2048) == NULL); /* would have needed a new page */
    CHECK_EQ(host_mm_free_frames(), free_before);
    CHECK_EQ(host_mm_alloc_calls(), calls_before); /* no frame was even asked for */
    CHECK_EQ(host_mm_decisions(), 5);

    xfree(a);
    xfree(b);
    xfree(c);
    CHECK_EQ(host_mm_free_frames(), 64);
    host_mm_fini();
}

/* ---- randomized test against a model of the live allocations ----------- */

#define RANDOM_FRAMES 4096
#define RANDOM_OPS 20000
#define RANDOM_MAX_LIVE 600

struct live_object {
    unsigned char *p;
    size_t size;
    unsigned int tag;
};

/* A size: mostly small, sometimes a few pages, now and then zero. */
static size_t random_size(void)
{
    uint64_t kind = unit_rng_below(100);

    if (kind < 2)
        return 0;
    if (kind < 80)
        return 1 + unit_rng_below(256);
    if (kind < 95)
        return 1 + unit_rng_below(2048);
    return 2049 + unit_rng_below(4 * PAGE_SIZE);
}

static void test_random_against_model(void)
{
    static struct live_object live[RANDOM_MAX_LIVE];
    unsigned int nr_live = 0, next_tag = 1;
    uint64_t seed = unit_seed(0x68656170ULL);

    printf("unit/heap/test_random_against_model: seed=0x%llx "
           "(set MICA_TEST_SEED to change)\n",
           (unsigned long long)seed);
    unit_rng_start(seed);
    host_mm_init(RANDOM_FRAMES);

    for (int op = 0; op < RANDOM_OPS && unit_failed_checks == 0; op++) {
        bool do_alloc = nr_live == 0 || (nr_live < RANDOM_MAX_LIVE && unit_rng_below(100) < 52);

        if (do_alloc) {
            size_t size = random_size();
            bool zero = unit_rng_below(4) == 0;
            unsigned char *p = zero ? xzalloc(size) : xmalloc(size);

            CHECK(p != NULL); /* the machine is big enough */
            if (!p)
                continue;
            CHECK(aligned(p, promised_alignment(size)));
            if (zero)
                for (size_t i = 0; i < size; i++)
                    if (p[i] != 0) {
                        CHECK(p[i] == 0);
                        break;
                    }
            /* No live object may share a byte with the new one. */
            size_t extent = size ? size : 1;
            for (unsigned int k = 0; k < nr_live; k++) {
                size_t other = live[k].size ? live[k].size : 1;
                CHECK(p + extent <= live[k].p || live[k].p + other <= p);
            }
            fill(p, size, next_tag);
            live[nr_live++] = (struct live_object){ p, size, next_tag++ };
        } else {
            unsigned int k = (unsigned int)unit_rng_below(nr_live);
            struct live_object obj = live[k];

            CHECK(intact(obj.p, obj.size, obj.tag));
            live[k] = live[--nr_live];
            xfree(obj.p);
        }
    }

    while (nr_live > 0) {
        nr_live--;
        CHECK(intact(live[nr_live].p, live[nr_live].size, live[nr_live].tag));
        xfree(live[nr_live].p);
    }
    CHECK_EQ(host_mm_free_frames(), RANDOM_FRAMES);
    host_mm_fini();
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_all_sizes_live_at_once),
    UNIT_TEST(test_odd_sizes),
    UNIT_TEST(test_large_uses_smallest_order),
    UNIT_TEST(test_empty_page_goes_back),
    UNIT_TEST(test_free_null_is_noop),
    UNIT_TEST(test_zero_size),
    UNIT_TEST(test_xzalloc_zeroes),
    UNIT_TEST(test_huge_requests_fail),
    UNIT_TEST(test_exhaustion),
    UNIT_TEST(test_injected_failure),
    UNIT_TEST(test_one_decision_per_call),
    UNIT_TEST(test_random_against_model),
};

int main(void)
{
    return unit_run("heap", tests, ARRAY_SIZE(tests)) != 0;
}
