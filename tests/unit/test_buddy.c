/*
 * Host unit tests of the buddy allocator (mm/buddy.c).
 *
 * Each test builds its own frame table and struct buddy; nothing else of
 * Mica is linked in. Besides the allocator's answers, check_invariants()
 * walks its free lists and frame table to confirm the structure is sound:
 * counts exact, heads aligned and free, no two free buddies left unmerged.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buddy.h"
#include "unit.h"

/* A frame table and its allocator, for one test. */
struct machine {
    struct frame *frames;
    struct buddy b;
};

static void machine_init(struct machine *m, uint64_t nr_frames)
{
    m->frames = calloc(nr_frames, sizeof(*m->frames));
    buddy_init(&m->b, m->frames, nr_frames);
}

static void machine_fini(struct machine *m)
{
    free(m->frames);
}

static uint64_t block_frames(unsigned int order)
{
    return (uint64_t)1 << order;
}

static uint64_t mfn_of(const struct machine *m, const struct frame *f)
{
    return (uint64_t)(f - m->frames);
}

/*
 * Walk every free list and check it against the frame table and the counts.
 * Returns the number of problems found (also recorded by CHECK).
 */
static int check_invariants(const struct machine *m)
{
    const struct buddy *b = &m->b;
    int failed_before = unit_failed_checks;
    uint64_t total = 0;
    /* in_free_block[mfn]: the frame lies in some block on a free list. */
    unsigned char *in_free_block = calloc(b->nr_frames, 1);

    for (unsigned int order = 0; order < BUDDY_NR_ORDERS; order++) {
        uint64_t blocks = 0;
        const struct list_head *pos;

        list_for_each(pos, &b->free_list[order]) {
            const struct frame *head = list_entry(pos, struct frame, list);
            uint64_t mfn = mfn_of(m, head);

            blocks++;
            CHECK(mfn % block_frames(order) == 0);
            CHECK(mfn + block_frames(order) <= b->nr_frames);
            CHECK_EQ(head->use, FRAME_FREE);
            CHECK_EQ(head->order, order);
            for (uint64_t i = mfn; i < mfn + block_frames(order) && i < b->nr_frames; i++) {
                CHECK_EQ(b->frames[i].use, FRAME_FREE);
                CHECK(!in_free_block[i]);
                in_free_block[i] = 1;
            }
            /* Fully merged: the buddy, if it exists, is not a free block of this order. */
            uint64_t buddy = mfn ^ block_frames(order);
            if (order < BUDDY_MAX_ORDER && buddy + block_frames(order) <= b->nr_frames)
                CHECK(!(b->frames[buddy].use == FRAME_FREE && b->frames[buddy].order == order));
        }
        CHECK_EQ(blocks, b->nr_free_blocks[order]);
        total += blocks * block_frames(order);
    }
    CHECK_EQ(total, b->nr_free_frames);
    /* A frame is FRAME_FREE exactly when it lies in a block on a free list. */
    for (uint64_t i = 0; i < b->nr_frames; i++)
        CHECK_EQ(b->frames[i].use == FRAME_FREE, in_free_block[i]);

    free(in_free_block);
    return unit_failed_checks - failed_before;
}

static void check_free_counts(const struct buddy *b, const uint64_t *expected)
{
    for (unsigned int order = 0; order < BUDDY_NR_ORDERS; order++)
        CHECK_EQ(b->nr_free_blocks[order], expected[order]);
}

/* ---- deterministic tests ---------------------------------------------- */

static void test_init_reserves_everything(void)
{
    struct machine m;

    machine_init(&m, 100);
    for (uint64_t i = 0; i < 100; i++)
        CHECK_EQ(m.frames[i].use, FRAME_RESERVED);
    CHECK_EQ(m.b.nr_free_frames, 0);
    for (unsigned int order = 0; order < BUDDY_NR_ORDERS; order++)
        CHECK(buddy_alloc(&m.b, order) == NULL);
    check_invariants(&m);
    machine_fini(&m);
}

/*
 * [3, 1000) cuts into the largest aligned blocks, left to right:
 *   3 | 4-7 | 8-15 | 16-31 | 32-63 | 64-127 | 128-255 | 256-511 |
 *   512-767 | 768-895 | 896-959 | 960-991 | 992-999
 * and none of them is the buddy of another of the same order.
 */
static const uint64_t blocks_3_to_1000[BUDDY_NR_ORDERS] = {
    [0] = 1, [2] = 1, [3] = 2, [4] = 1, [5] = 2, [6] = 2, [7] = 2, [8] = 2,
};

static void test_add_range_odd_boundaries(void)
{
    struct machine m;

    machine_init(&m, 1100);
    buddy_add_range(&m.b, 3, 1000);
    check_free_counts(&m.b, blocks_3_to_1000);
    CHECK_EQ(m.b.nr_free_frames, 997);
    CHECK_EQ(m.frames[2].use, FRAME_RESERVED);
    CHECK_EQ(m.frames[1000].use, FRAME_RESERVED);
    check_invariants(&m);

    /* An empty range changes nothing. */
    buddy_add_range(&m.b, 1050, 1050);
    CHECK_EQ(m.b.nr_free_frames, 997);
    machine_fini(&m);
}

/* Adding [a, b) and [b, c) in pieces ends in the same free lists as [a, c). */
static void test_add_ranges_merge_across_hole(void)
{
    struct machine whole, pieces;

    machine_init(&whole, 4096);
    machine_init(&pieces, 4096);
    buddy_add_range(&whole.b, 3, 4000);

    buddy_add_range(&pieces.b, 3, 1000);
    buddy_add_range(&pieces.b, 1010, 4000); /* a hole at [1000, 1010) */
    CHECK_EQ(pieces.b.nr_free_frames, 3997 - 10);
    check_invariants(&pieces);
    buddy_add_range(&pieces.b, 1000, 1010); /* fill the hole */

    check_free_counts(&pieces.b, whole.b.nr_free_blocks);
    CHECK_EQ(pieces.b.nr_free_frames, whole.b.nr_free_frames);
    check_invariants(&whole);
    check_invariants(&pieces);
    machine_fini(&whole);
    machine_fini(&pieces);
}

static void test_add_range_caps_at_max_order(void)
{
    struct machine m;
    uint64_t n = 3 * block_frames(BUDDY_MAX_ORDER);

    machine_init(&m, n);
    buddy_add_range(&m.b, 0, n);
    CHECK_EQ(m.b.nr_free_blocks[BUDDY_MAX_ORDER], 3);
    CHECK_EQ(m.b.nr_free_frames, n);
    CHECK(buddy_alloc(&m.b, BUDDY_MAX_ORDER + 1) == NULL);
    check_invariants(&m);
    machine_fini(&m);
}

static void test_alloc_each_order_is_aligned(void)
{
    struct machine m;
    struct frame *got[11];

    machine_init(&m, 8192);
    buddy_add_range(&m.b, 1, 8191); /* odd ends on purpose */
    uint64_t before = m.b.nr_free_frames;

    for (unsigned int order = 0; order <= 10; order++) {
        got[order] = buddy_alloc(&m.b, order);
        CHECK(got[order] != NULL);
        if (!got[order])
            continue;
        uint64_t mfn = mfn_of(&m, got[order]);
        CHECK_EQ(mfn % block_frames(order), 0);
        CHECK(mfn >= 1 && mfn + block_frames(order) <= 8191);
        CHECK_EQ(got[order]->order, order);
        for (uint64_t i = mfn; i < mfn + block_frames(order); i++) {
            CHECK_EQ(m.frames[i].use, FRAME_MICA);
            CHECK_EQ(m.frames[i].refcount, 0);
            CHECK(m.frames[i].owner == NULL);
        }
        check_invariants(&m);
    }
    CHECK_EQ(m.b.nr_free_frames, before - 2047);

    for (unsigned int order = 0; order <= 10; order++)
        if (got[order])
            buddy_free(&m.b, got[order], order);
    CHECK_EQ(m.b.nr_free_frames, before);
    check_invariants(&m);
    machine_fini(&m);
}

static void test_exhaustion_returns_null(void)
{
    struct machine m;
    struct frame *got[64];

    machine_init(&m, 64);
    buddy_add_range(&m.b, 0, 64);
    CHECK(buddy_alloc(&m.b, 7) == NULL); /* larger than the machine */
    CHECK_EQ(m.b.nr_free_frames, 64);

    for (int i = 0; i < 64; i++) {
        got[i] = buddy_alloc(&m.b, 0);
        CHECK(got[i] != NULL);
    }
    CHECK(buddy_alloc(&m.b, 0) == NULL);
    CHECK_EQ(m.b.nr_free_frames, 0);
    check_invariants(&m);

    /* Free every other frame: 32 free frames, yet no order-1 block. */
    for (int i = 0; i < 64; i += 2)
        buddy_free(&m.b, got[i], 0);
    CHECK_EQ(m.b.nr_free_frames, 32);
    CHECK(buddy_alloc(&m.b, 1) == NULL);
    for (int i = 1; i < 64; i += 2)
        buddy_free(&m.b, got[i], 0);
    CHECK_EQ(m.b.nr_free_blocks[6], 1);
    check_invariants(&m);
    machine_fini(&m);
}

static void test_free_all_restores_initial_lists(void)
{
    struct machine m;
    uint64_t initial[BUDDY_NR_ORDERS];
    struct frame *got[40];
    unsigned int order_of[40];

    machine_init(&m, 1100);
    buddy_add_range(&m.b, 3, 1000);
    memcpy(initial, m.b.nr_free_blocks, sizeof(initial));

    for (int i = 0; i < 40; i++) {
        order_of[i] = (unsigned int)(i * 7) % 5;
        got[i] = buddy_alloc(&m.b, order_of[i]);
        CHECK(got[i] != NULL);
    }
    /* Free in an order unlike the allocation order. */
    for (int i = 0; i < 40; i++) {
        int j = (i * 17) % 40;
        if (got[j])
            buddy_free(&m.b, got[j], order_of[j]);
    }
    check_free_counts(&m.b, initial);
    CHECK_EQ(m.b.nr_free_frames, 997);
    check_invariants(&m);
    machine_fini(&m);
}

/*
 * A table of 12 frames: [0, 8) and [8, 12). Freeing [8, 12) must not merge
 * with a "buddy" at [12, 16): it lies beyond nr_frames. The descriptors
 * past the end are made to look like a free order-2 block to tempt it.
 */
static void test_never_merges_beyond_nr_frames(void)
{
    struct frame *frames = calloc(16, sizeof(*frames));
    struct buddy b;

    buddy_init(&b, frames, 12);
    for (int i = 12; i < 16; i++) {
        frames[i].use = FRAME_FREE;
        frames[i].order = 2;
    }
    buddy_add_range(&b, 0, 12);
    CHECK_EQ(b.nr_free_blocks[3], 1);
    CHECK_EQ(b.nr_free_blocks[2], 1);
    CHECK_EQ(b.nr_free_blocks[4], 0);

    struct frame *f = buddy_alloc(&b, 2);
    CHECK(f == &frames[8]);
    CHECK(buddy_alloc(&b, 3) == &frames[0]);
    CHECK(buddy_alloc(&b, 0) == NULL);
    buddy_free(&b, &frames[0], 3);
    buddy_free(&b, f, 2);
    CHECK_EQ(b.nr_free_blocks[3], 1);
    CHECK_EQ(b.nr_free_blocks[2], 1);
    CHECK_EQ(b.nr_free_blocks[4], 0);
    CHECK_EQ(b.nr_free_frames, 12);
    free(frames);
}

/* Reserved frames in a hole are never merged across nor handed out. */
static void test_never_merges_across_reserved(void)
{
    struct machine m;

    machine_init(&m, 16);
    buddy_add_range(&m.b, 0, 5);
    buddy_add_range(&m.b, 6, 16); /* frame 5 is reserved */
    CHECK_EQ(m.b.nr_free_frames, 15);
    CHECK_EQ(m.b.nr_free_blocks[3], 1); /* 8-15 */
    CHECK_EQ(m.b.nr_free_blocks[2], 1); /* 0-3 */
    CHECK_EQ(m.b.nr_free_blocks[1], 1); /* 6-7 */
    CHECK_EQ(m.b.nr_free_blocks[0], 1); /* 4 */
    for (int i = 0; i < 15; i++) {
        struct frame *f = buddy_alloc(&m.b, 0);
        CHECK(f != NULL && f != &m.frames[5]);
    }
    CHECK(buddy_alloc(&m.b, 0) == NULL);
    CHECK_EQ(m.frames[5].use, FRAME_RESERVED);
    machine_fini(&m);
}

/* ---- ASSERT catches misuse (in a child process, which must abort) ------ */

static bool child_aborts(void (*misuse)(void))
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* Keep the expected assertion message out of the test output. */
        if (!freopen("/dev/null", "w", stderr))
            _exit(2);
        misuse();
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void double_free(void)
{
    struct machine m;

    machine_init(&m, 16);
    buddy_add_range(&m.b, 0, 16);
    struct frame *f = buddy_alloc(&m.b, 1);
    buddy_free(&m.b, f, 1);
    buddy_free(&m.b, f, 1);
}

static void free_misaligned_head(void)
{
    struct machine m;

    machine_init(&m, 16);
    buddy_add_range(&m.b, 0, 16);
    struct frame *f = buddy_alloc(&m.b, 2);
    buddy_free(&m.b, f + 1, 2);
}

static void free_part_of_free_block(void)
{
    struct machine m;

    machine_init(&m, 16);
    buddy_add_range(&m.b, 0, 16);
    buddy_free(&m.b, &m.frames[4], 2);
}

static void add_range_twice(void)
{
    struct machine m;

    machine_init(&m, 16);
    buddy_add_range(&m.b, 0, 8);
    buddy_add_range(&m.b, 4, 12);
}

static void test_asserts_catch_misuse(void)
{
    CHECK(child_aborts(double_free));
    CHECK(child_aborts(free_misaligned_head));
    CHECK(child_aborts(free_part_of_free_block));
    CHECK(child_aborts(add_range_twice));
}

/* ---- randomized test against a model ---------------------------------- */

#define RANDOM_FRAMES 3000
#define RANDOM_OPS 10000
#define RANDOM_MAX_ORDER 10
#define RANDOM_MAX_LIVE 400

struct live_block {
    struct frame *head;
    unsigned int order;
};

/* The model: which frames were added, and which are handed out. */
static bool model_added[RANDOM_FRAMES];
static bool model_taken[RANDOM_FRAMES];

/* Does the model have a free, added, aligned run of 2^order frames? */
static bool model_has_free_block(unsigned int order)
{
    for (uint64_t mfn = 0; mfn + block_frames(order) <= RANDOM_FRAMES; mfn += block_frames(order)) {
        bool all_free = true;
        for (uint64_t i = mfn; i < mfn + block_frames(order) && all_free; i++)
            all_free = model_added[i] && !model_taken[i];
        if (all_free)
            return true;
    }
    return false;
}

static void test_random_against_model(void)
{
    static struct live_block live[RANDOM_MAX_LIVE];
    unsigned int nr_live = 0;
    uint64_t seed = unit_seed(0x4d696361ULL);
    uint64_t added = 0, taken = 0;
    uint64_t initial[BUDDY_NR_ORDERS];
    struct machine m;

    printf("unit/buddy/test_random_against_model: seed=0x%llx "
           "(set MICA_TEST_SEED to change)\n",
           (unsigned long long)seed);
    unit_rng_start(seed);

    /* Two ranges with odd ends and a hole; frames 0-4, 1200-1299 and 2999 stay reserved. */
    machine_init(&m, RANDOM_FRAMES);
    memset(model_added, 0, sizeof(model_added));
    memset(model_taken, 0, sizeof(model_taken));
    const uint64_t ranges[][2] = { { 5, 1200 }, { 1300, 2999 } };
    for (size_t r = 0; r < ARRAY_SIZE(ranges); r++) {
        buddy_add_range(&m.b, ranges[r][0], ranges[r][1]);
        for (uint64_t i = ranges[r][0]; i < ranges[r][1]; i++)
            model_added[i] = true;
        added += ranges[r][1] - ranges[r][0];
    }
    memcpy(initial, m.b.nr_free_blocks, sizeof(initial));

    for (int op = 0; op < RANDOM_OPS && unit_failed_checks == 0; op++) {
        bool do_alloc = nr_live == 0 || (nr_live < RANDOM_MAX_LIVE && unit_rng_below(100) < 55);

        if (do_alloc) {
            /* Small orders far more often than large ones. */
            unsigned int order = (unsigned int)unit_rng_below(unit_rng_below(RANDOM_MAX_ORDER + 1) +
                                                              1);
            struct frame *f = buddy_alloc(&m.b, order);

            if (!f) {
                /* NULL only when no aligned run of that size is free at all. */
                CHECK(!model_has_free_block(order));
                continue;
            }
            uint64_t mfn = mfn_of(&m, f);
            CHECK_EQ(mfn % block_frames(order), 0);
            CHECK(mfn + block_frames(order) <= RANDOM_FRAMES);
            for (uint64_t i = mfn; i < mfn + block_frames(order) && i < RANDOM_FRAMES; i++) {
                CHECK(model_added[i]);
                CHECK(!model_taken[i]);
                CHECK_EQ(m.frames[i].use, FRAME_MICA);
                model_taken[i] = true;
            }
            taken += block_frames(order);
            live[nr_live++] = (struct live_block){ f, order };
        } else {
            unsigned int k = (unsigned int)unit_rng_below(nr_live);
            struct live_block blk = live[k];
            uint64_t mfn = mfn_of(&m, blk.head);

            live[k] = live[--nr_live];
            buddy_free(&m.b, blk.head, blk.order);
            for (uint64_t i = mfn; i < mfn + block_frames(blk.order); i++)
                model_taken[i] = false;
            taken -= block_frames(blk.order);
        }
        CHECK_EQ(m.b.nr_free_frames, added - taken);
        if (op % 500 == 0)
            check_invariants(&m);
    }

    while (nr_live > 0) {
        nr_live--;
        buddy_free(&m.b, live[nr_live].head, live[nr_live].order);
    }
    CHECK_EQ(m.b.nr_free_frames, added);
    check_free_counts(&m.b, initial);
    check_invariants(&m);
    machine_fini(&m);
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_init_reserves_everything),
    UNIT_TEST(test_add_range_odd_boundaries),
    UNIT_TEST(test_add_ranges_merge_across_hole),
    UNIT_TEST(test_add_range_caps_at_max_order),
    UNIT_TEST(test_alloc_each_order_is_aligned),
    UNIT_TEST(test_exhaustion_returns_null),
    UNIT_TEST(test_free_all_restores_initial_lists),
    UNIT_TEST(test_never_merges_beyond_nr_frames),
    UNIT_TEST(test_never_merges_across_reserved),
    UNIT_TEST(test_asserts_catch_misuse),
    UNIT_TEST(test_random_against_model),
};

int main(void)
{
    return unit_run("buddy", tests, ARRAY_SIZE(tests)) != 0;
}
