/*
 * Host unit tests of the p2m (mm/p2m/p2m.c) on the fake machine of host_mm.c.
 *
 * The p2m keeps a domain's guest-physical -> machine map directly in nested
 * page tables (include/x86/npt.h). These tests read the answers of
 * p2m_get_entry() and p2m_for_each_leaf(), and also walk the tables
 * themselves (with mfn_to_virt) to check the hardware encoding, count the
 * table pages and take bit-for-bit snapshots of the whole tree.
 *
 * Mapped "mfns" need not be real frames: the p2m never touches the frames it
 * maps, only its own table pages (which come from the fake pool).
 *
 * Every test builds a fresh machine and p2m, and at the end flushes, tears
 * down and checks that every table page went back to the pool.
 */
#include <stdint.h>
#include <string.h>

#include "frame.h"
#include "host_mm.h"
#include "p2m/p2m.h"
#include "page_alloc.h"
#include "public/errno.h"
#include "unit.h"

#define POOL_FRAMES 8192

/* The test works in plain frame numbers (its own oracle, independent of
 * Mica's mfn_t/gfn_t); it converts only where it calls the p2m. */
#define NO_MFN UINT64_MAX
#define NO_GFN UINT64_MAX

/* The nested page table encoding these tests expect, written out here from
 * AMD APM vol. 2 (§5.4.1 entry bits, §5.3.3 geometry, §15.25.5 NPT) and not
 * taken from x86/pte.h, so the tests stay an independent oracle. */
#define NPT_PRESENT (1UL << 0)
#define NPT_WRITE (1UL << 1)
#define NPT_USER (1UL << 2)
#define NPT_PWT (1UL << 3)
#define NPT_PCD (1UL << 4)
#define NPT_LARGE (1UL << 7)
#define NPT_NX (1UL << 63)
#define NPT_ADDR_MASK 0x000FFFFFFFFFF000UL
#define NPT_LEVELS 4
#define NPT_ENTRIES 512

#define GFNS_2M (1UL << P2M_ORDER_2M)
#define GFNS_1G (1UL << P2M_ORDER_1G)

static const enum p2m_type all_types[] = {
    p2m_ram_rw, p2m_ram_ro, p2m_grant_map_rw, p2m_grant_map_ro, p2m_mmio_direct,
};

static const unsigned int all_orders[] = { P2M_ORDER_4K, P2M_ORDER_2M, P2M_ORDER_1G };

/* ---- fixture ------------------------------------------------------------ */

/* The flush callback: counts calls and remembers the pool at the moment. */
static unsigned int flush_calls;
static uint64_t free_frames_at_flush;

static void count_flush(struct p2m *p2m)
{
    (void)p2m;
    flush_calls++;
    free_frames_at_flush = host_mm_free_frames();
}

struct fixture {
    struct p2m p2m;
    uint64_t pool_free; /* free frames before p2m_init */
};

static void setup(struct fixture *f, unsigned int max_order)
{
    host_mm_init(POOL_FRAMES);
    flush_calls = 0;
    f->pool_free = host_mm_free_frames();
    CHECK_EQ(p2m_init(&f->p2m, max_order, count_flush), 0);
    CHECK_EQ(f->p2m.table_pages, 1);
    CHECK_EQ(host_mm_free_frames(), f->pool_free - 1);
}

/* Flush, tear down, and check that every table page is back in the pool. */
static void finish(struct fixture *f)
{
    p2m_flush(&f->p2m);
    p2m_teardown(&f->p2m);
    CHECK_EQ(host_mm_free_frames(), f->pool_free);
    host_mm_fini();
}

/* The p2m's callers hold its lock around set and get; so do the tests. */
static int set(struct p2m *p2m, uint64_t gfn, uint64_t mfn, unsigned int order, enum p2m_type t)
{
    spin_lock(&p2m->lock);
    int rc = p2m_set_entry(p2m, _gfn(gfn), _mfn(mfn), order, t);
    spin_unlock(&p2m->lock);
    return rc;
}

static int unmap(struct p2m *p2m, uint64_t gfn, unsigned int order)
{
    return set(p2m, gfn, NO_MFN, order, p2m_invalid);
}

struct lookup {
    uint64_t mfn;
    enum p2m_type t;
    unsigned int order;
};

static struct lookup get(struct p2m *p2m, uint64_t gfn)
{
    struct lookup l;

    spin_lock(&p2m->lock);
    l.mfn = mfn_x(p2m_get_entry(p2m, _gfn(gfn), &l.t, &l.order));
    spin_unlock(&p2m->lock);
    return l;
}

/* Every gfn of [gfn, gfn + n) maps mfn + offset with type t by a leaf of
 * `order`. Stops at the first mismatch (one CHECK failure is enough). */
static void check_mapped(struct p2m *p2m, uint64_t gfn, uint64_t n, uint64_t mfn, enum p2m_type t,
                         unsigned int order)
{
    for (uint64_t i = 0; i < n; i++) {
        struct lookup l = get(p2m, gfn + i);
        if (l.mfn != mfn + i || l.t != t || l.order != order) {
            CHECK_EQ(l.mfn, mfn + i);
            CHECK_EQ(l.t, t);
            CHECK_EQ(l.order, order);
            return;
        }
    }
}

/* Nothing is mapped in [gfn, gfn + n). */
static void check_unmapped(struct p2m *p2m, uint64_t gfn, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        struct lookup l = get(p2m, gfn + i);
        if (l.mfn != NO_MFN || l.t != p2m_invalid) {
            CHECK_EQ(l.mfn, NO_MFN);
            CHECK_EQ(l.t, p2m_invalid);
            return;
        }
    }
}

static size_t list_length(const struct list_head *head)
{
    size_t n = 0;
    const struct list_head *pos;

    list_for_each(pos, head)
        n++;
    return n;
}

/* ---- walking the tables ourselves ---------------------------------------- */

static npt_entry_t *table_at(uint64_t mfn)
{
    return mfn_to_virt(_mfn(mfn));
}

static unsigned int index_of(uint64_t gfn, unsigned int level)
{
    return (gfn >> (9 * level)) & 511;
}

/* The entry for gfn in the table of `level`, or NULL if the walk ends above
 * that level (on nothing or on a superpage). */
static npt_entry_t *entry_at(struct p2m *p2m, uint64_t gfn, unsigned int level)
{
    npt_entry_t *table = table_at(mfn_x(p2m->root));

    for (unsigned int l = NPT_LEVELS - 1;; l--) {
        npt_entry_t *e = &table[index_of(gfn, l)];
        if (l == level)
            return e;
        if (!(*e & NPT_PRESENT) || (*e & NPT_LARGE))
            return NULL;
        table = table_at((*e & NPT_ADDR_MASK) >> PAGE_SHIFT);
    }
}

/* Table pages reachable from the root (the root included). */
static uint64_t count_tables(uint64_t mfn, unsigned int level)
{
    npt_entry_t *table = table_at(mfn);
    uint64_t n = 1;

    for (unsigned int i = 0; level > 0 && i < NPT_ENTRIES; i++)
        if ((table[i] & NPT_PRESENT) && !(table[i] & NPT_LARGE))
            n += count_tables((table[i] & NPT_ADDR_MASK) >> PAGE_SHIFT, level - 1);
    return n;
}

/* table_pages is right: it counts the reachable tables, which are exactly
 * the pages on p2m->tables, each marked as a p2m table. */
static void check_table_accounting(struct fixture *f)
{
    struct p2m *p2m = &f->p2m;
    const struct list_head *pos;

    CHECK_EQ(count_tables(mfn_x(p2m->root), NPT_LEVELS - 1), p2m->table_pages);
    CHECK_EQ(list_length(&p2m->tables), p2m->table_pages);
    list_for_each(pos, &p2m->tables) {
        const struct frame *fr = list_entry(pos, struct frame, list);
        CHECK_EQ(fr->use, FRAME_P2M_TABLE);
    }
    CHECK_EQ(host_mm_free_frames(),
             f->pool_free - p2m->table_pages - list_length(&p2m->free_after_flush));
}

/* ---- bit-for-bit snapshots ----------------------------------------------- */

struct snapshot {
    size_t nr_tables;
    uint64_t *mfns;        /* the reachable tables, in walk order */
    npt_entry_t *contents; /* their 512 entries each */
    uint64_t table_pages;
    uint64_t pool_free;
    size_t parked;
    bool flush_needed;
    unsigned int flush_calls;
    uint64_t range_gfn; /* lookups of [range_gfn, range_gfn + range_n) */
    uint64_t range_n;
    struct lookup *range;
};

static void snap_tables(struct snapshot *s, uint64_t mfn, unsigned int level)
{
    npt_entry_t *table = table_at(mfn);

    s->mfns = realloc(s->mfns, (s->nr_tables + 1) * sizeof(*s->mfns));
    s->contents = realloc(s->contents, (s->nr_tables + 1) * PAGE_SIZE);
    s->mfns[s->nr_tables] = mfn;
    memcpy(&s->contents[s->nr_tables * NPT_ENTRIES], table, PAGE_SIZE);
    s->nr_tables++;
    for (unsigned int i = 0; level > 0 && i < NPT_ENTRIES; i++)
        if ((table[i] & NPT_PRESENT) && !(table[i] & NPT_LARGE))
            snap_tables(s, (table[i] & NPT_ADDR_MASK) >> PAGE_SHIFT, level - 1);
}

static void snapshot_take(struct snapshot *s, struct p2m *p2m, uint64_t gfn, uint64_t n)
{
    memset(s, 0, sizeof(*s));
    snap_tables(s, mfn_x(p2m->root), NPT_LEVELS - 1);
    s->table_pages = p2m->table_pages;
    s->pool_free = host_mm_free_frames();
    s->parked = list_length(&p2m->free_after_flush);
    s->flush_needed = p2m->flush_needed;
    s->flush_calls = flush_calls;
    s->range_gfn = gfn;
    s->range_n = n;
    s->range = calloc(n, sizeof(*s->range));
    for (uint64_t i = 0; i < n; i++)
        s->range[i] = get(p2m, gfn + i);
}

static void snapshot_free(struct snapshot *s)
{
    free(s->mfns);
    free(s->contents);
    free(s->range);
}

/* Nothing differs, to the bit. */
static void check_same(const struct snapshot *a, const struct snapshot *b)
{
    CHECK_EQ(a->nr_tables, b->nr_tables);
    if (a->nr_tables == b->nr_tables) {
        CHECK(memcmp(a->mfns, b->mfns, a->nr_tables * sizeof(*a->mfns)) == 0);
        CHECK(memcmp(a->contents, b->contents, a->nr_tables * PAGE_SIZE) == 0);
    }
    CHECK_EQ(a->table_pages, b->table_pages);
    CHECK_EQ(a->pool_free, b->pool_free);
    CHECK_EQ(a->parked, b->parked);
    CHECK_EQ(a->flush_needed, b->flush_needed);
    CHECK_EQ(a->flush_calls, b->flush_calls);
    CHECK_EQ(a->range_n, b->range_n);
    for (uint64_t i = 0; i < a->range_n && i < b->range_n; i++) {
        if (a->range[i].mfn != b->range[i].mfn || a->range[i].t != b->range[i].t ||
            a->range[i].order != b->range[i].order) {
            CHECK_EQ(b->range[i].mfn, a->range[i].mfn);
            CHECK_EQ(b->range[i].t, a->range[i].t);
            CHECK_EQ(b->range[i].order, a->range[i].order);
            break;
        }
    }
}

/* ---- init, set and get at every order ------------------------------------ */

static void test_init_allocates_only_an_empty_root(void)
{
    struct fixture f;

    setup(&f, P2M_ORDER_1G);
    npt_entry_t *root = table_at(mfn_x(f.p2m.root));
    for (unsigned int i = 0; i < NPT_ENTRIES; i++)
        CHECK_EQ(root[i], 0);
    CHECK(!f.p2m.flush_needed);
    CHECK(list_empty(&f.p2m.free_after_flush));
    check_table_accounting(&f);
    check_unmapped(&f.p2m, 0, 1024);
    check_unmapped(&f.p2m, P2M_MAX_GFN - 1023, 1024);
    finish(&f);
    CHECK_EQ(flush_calls, 0);
}

static void test_init_out_of_memory_returns_enomem(void)
{
    struct p2m p2m;

    host_mm_init(POOL_FRAMES);
    uint64_t before = host_mm_free_frames();
    host_mm_fail_after(1);
    CHECK_EQ(p2m_init(&p2m, P2M_ORDER_1G, count_flush), -XEN_ENOMEM);
    CHECK_EQ(p2m.table_pages, 0);
    CHECK_EQ(host_mm_free_frames(), before);
    host_mm_fini();
}

static void test_can_map_and_look_up_4K(void)
{
    struct fixture f;
    uint64_t gfn = 0x123456789UL;

    setup(&f, P2M_ORDER_1G);
    CHECK_EQ(set(&f.p2m, gfn, 0x777, P2M_ORDER_4K, p2m_ram_rw), 0);
    check_mapped(&f.p2m, gfn, 1, 0x777, p2m_ram_rw, P2M_ORDER_4K);
    check_unmapped(&f.p2m, gfn - 512, 512);
    check_unmapped(&f.p2m, gfn + 1, 512);
    /* A PDPT, a PD and a PT under the root. */
    CHECK_EQ(f.p2m.table_pages, 4);
    CHECK(!f.p2m.flush_needed);
    check_table_accounting(&f);
    finish(&f);
    CHECK_EQ(flush_calls, 0);
}

static void test_can_map_and_look_up_2M(void)
{
    struct fixture f;
    uint64_t gfn = 77 * GFNS_2M;

    setup(&f, P2M_ORDER_1G);
    CHECK_EQ(set(&f.p2m, gfn, 5 * GFNS_2M, P2M_ORDER_2M, p2m_ram_ro), 0);
    check_mapped(&f.p2m, gfn, GFNS_2M, 5 * GFNS_2M, p2m_ram_ro, P2M_ORDER_2M);
    check_unmapped(&f.p2m, gfn - 1, 1);
    check_unmapped(&f.p2m, gfn + GFNS_2M, 1);
    CHECK_EQ(f.p2m.table_pages, 3);
    check_table_accounting(&f);
    finish(&f);
}

static void test_can_map_and_look_up_1G(void)
{
    struct fixture f;
    uint64_t gfn = 3 * GFNS_1G;

    setup(&f, P2M_ORDER_1G);
    CHECK_EQ(set(&f.p2m, gfn, 9 * GFNS_1G, P2M_ORDER_1G, p2m_ram_rw), 0);
    check_mapped(&f.p2m, gfn, GFNS_1G, 9 * GFNS_1G, p2m_ram_rw, P2M_ORDER_1G);
    check_unmapped(&f.p2m, gfn - 1, 1);
    check_unmapped(&f.p2m, gfn + GFNS_1G, 1);
    CHECK_EQ(f.p2m.table_pages, 2);
    check_table_accounting(&f);
    finish(&f);
}

static void test_highest_gfn_can_be_mapped(void)
{
    struct fixture f;

    setup(&f, P2M_ORDER_1G);
    CHECK_EQ(set(&f.p2m, P2M_MAX_GFN, 42, P2M_ORDER_4K, p2m_ram_rw), 0);
    check_mapped(&f.p2m, P2M_MAX_GFN, 1, 42, p2m_ram_rw, P2M_ORDER_4K);
    CHECK_EQ(set(&f.p2m, P2M_MAX_GFN + 1 - GFNS_1G, 0, P2M_ORDER_1G, p2m_ram_ro), 0);
    check_mapped(&f.p2m, P2M_MAX_GFN, 1, GFNS_1G - 1, p2m_ram_ro, P2M_ORDER_1G);
    finish(&f);
}

static void test_1G_rejected_when_max_order_is_9(void)
{
    struct fixture f;

    setup(&f, P2M_ORDER_2M);
    unsigned long calls = host_mm_alloc_calls();
    CHECK_EQ(set(&f.p2m, GFNS_1G, GFNS_1G, P2M_ORDER_1G, p2m_ram_rw), -XEN_EINVAL);
    CHECK_EQ(unmap(&f.p2m, GFNS_1G, P2M_ORDER_1G), -XEN_EINVAL);
    CHECK_EQ(host_mm_alloc_calls(), calls);
    check_unmapped(&f.p2m, GFNS_1G, 1);
    CHECK_EQ(f.p2m.table_pages, 1);
    /* 2M and 4K still work. */
    CHECK_EQ(set(&f.p2m, GFNS_1G, GFNS_1G, P2M_ORDER_2M, p2m_ram_rw), 0);
    CHECK_EQ(set(&f.p2m, GFNS_1G + GFNS_2M, 7, P2M_ORDER_4K, p2m_ram_rw), 0);
    check_mapped(&f.p2m, GFNS_1G, GFNS_2M, GFNS_1G, p2m_ram_rw, P2M_ORDER_2M);
    check_mapped(&f.p2m, GFNS_1G + GFNS_2M, 1, 7, p2m_ram_rw, P2M_ORDER_4K);
    finish(&f);
}

static void test_bad_orders_are_rejected(void)
{
    static const unsigned int bad[] = { 1, 2, 8, 10, 11, 17, 19, 20, 27, 36, 63, 64, ~0u };
    struct fixture f;
    struct snapshot before, after;

    setup(&f, P2M_ORDER_1G);
    CHECK_EQ(set(&f.p2m, 0, 0, P2M_ORDER_1G, p2m_ram_rw), 0);
    snapshot_take(&before, &f.p2m, 0, 1024);
    unsigned long calls = host_mm_alloc_calls();
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        /* gfn 0 and mfn 0 are aligned for every order. */
        CHECK_EQ(set(&f.p2m, 0, 0, bad[i], p2m_ram_rw), -XEN_EINVAL);
        CHECK_EQ(set(&f.p2m, 1UL << 30, 1UL << 30, bad[i], p2m_ram_ro), -XEN_EINVAL);
        CHECK_EQ(unmap(&f.p2m, 0, bad[i]), -XEN_EINVAL);
    }
    CHECK_EQ(host_mm_alloc_calls(), calls);
    snapshot_take(&after, &f.p2m, 0, 1024);
    check_same(&before, &after);
    snapshot_free(&before);
    snapshot_free(&after);
    finish(&f);
}

static void test_misaligned_gfn_or_mfn_is_rejected(void)
{
    struct fixture f;
    struct snapshot before, after;

    setup(&f, P2M_ORDER_1G);
    CHECK_EQ(set(&f.p2m, GFNS_1G, 0, P2M_ORDER_2M, p2m_ram_rw), 0);
    snapshot_take(&before, &f.p2m, GFNS_1G, 2 * GFNS_2M);
    unsigned long calls = host_mm_alloc_calls();

    /* 2M: gfn or mfn not a multiple of 512. */
    CHECK_EQ(set(&f.p2m, GFNS_1G + 1, 0, P2M_ORDER_2M, p2m_ram_rw), -XEN_EINVAL);
    CHECK_EQ(set(&f.p2m, GFNS_1G + 256, 0, P2M_ORDER_2M, p2m_ram_rw), -XEN_EINVAL);
    CHECK_EQ(set(&f.p2m, GFNS_1G + GFNS_2M, 1, P2M_ORDER_2M, p2m_ram_rw), -XEN_EINVAL);
    CHECK_EQ(set(&f.p2m, GFNS_1G + GFNS_2M, 511, P2M_ORDER_2M, p2m_ram_rw), -XEN_EINVAL);
    CHECK_EQ(unmap(&f.p2m, GFNS_1G + 1, P2M_ORDER_2M), -XEN_EINVAL);
    /* 1G: gfn or mfn a multiple of 2M but not of 1G. */
    CHECK_EQ(set(&f.p2m, GFNS_1G + GFNS_2M, 0, P2M_ORDER_1G, p2m_ram_rw), -XEN_EINVAL);
    CHECK_EQ(set(&f.p2m, 2 * GFNS_1G, GFNS_2M, P2M_ORDER_1G, p2m_ram_rw), -XEN_EINVAL);
    CHECK_EQ(set(&f.p2m, 2 * GFNS_1G, 1, P2M_ORDER_1G, p2m_ram_rw), -XEN_EINVAL);
    CHECK_EQ(unmap(&f.p2m, GFNS_1G + GFNS_2M, P2M_ORDER_1G), -XEN_EINVAL);

    CHECK_EQ(host_mm_alloc_calls(), calls);
    snapshot_take(&after, &f.p2m, GFNS_1G, 2 * GFNS_2M);
    check_same(&before, &after);
    snapshot_free(&before);
    snapshot_free(&after);
    finish(&f);
}

static void test_gfn_above_max_is_rejected(void)
{
    struct fixture f;

    setup(&f, P2M_ORDER_1G);
    unsigned long calls = host_mm_alloc_calls();
    CHECK_EQ(set(&f.p2m, P2M_MAX_GFN + 1, 0, P2M_ORDER_4K, p2m_ram_rw), -XEN_EINVAL);
    CHECK_EQ(set(&f.p2m, P2M_MAX_GFN + 1, 0, P2M_ORDER_2M, p2m_ram_rw), -XEN_EINVAL);
    CHECK_EQ(set(&f.p2m, P2M_MAX_GFN + 1, 0, P2M_ORDER_1G, p2m_ram_rw), -XEN_EINVAL);
    CHECK_EQ(set(&f.p2m, 1UL << 40, 0, P2M_ORDER_1G, p2m_ram_rw), -XEN_EINVAL);
    CHECK_EQ(set(&f.p2m, ~0UL << 18, 0, P2M_ORDER_1G, p2m_ram_rw), -XEN_EINVAL);
    CHECK_EQ(set(&f.p2m, NO_GFN, 0, P2M_ORDER_4K, p2m_ram_rw), -XEN_EINVAL);
    CHECK_EQ(unmap(&f.p2m, P2M_MAX_GFN + 1, P2M_ORDER_4K), -XEN_EINVAL);
    CHECK_EQ(host_mm_alloc_calls(), calls);
    CHECK_EQ(f.p2m.table_pages, 1);
    /* The gfn is not silently truncated into the 48-bit space. */
    check_unmapped(&f.p2m, 0, 1);
    /* Looking beyond the space finds nothing. */
    struct lookup l = get(&f.p2m, P2M_MAX_GFN + 1);
    CHECK_EQ(l.mfn, NO_MFN);
    CHECK_EQ(l.t, p2m_invalid);
    l = get(&f.p2m, NO_GFN);
    CHECK_EQ(l.mfn, NO_MFN);
    finish(&f);
}

static void test_removing_absent_range_allocates_nothing(void)
{
    struct fixture f;

    setup(&f, P2M_ORDER_1G);
    unsigned long calls = host_mm_alloc_calls();
    /* Empty p2m: nothing at any order, anywhere. */
    for (size_t i = 0; i < ARRAY_SIZE(all_orders); i++) {
        CHECK_EQ(unmap(&f.p2m, 0, all_orders[i]), 0);
        CHECK_EQ(unmap(&f.p2m, 5UL << 27, all_orders[i]), 0);
        CHECK_EQ(unmap(&f.p2m, P2M_MAX_GFN + 1 - GFNS_1G, all_orders[i]), 0);
    }
    CHECK_EQ(host_mm_alloc_calls(), calls);
    CHECK_EQ(f.p2m.table_pages, 1);
    CHECK(!f.p2m.flush_needed);

    /* Beside an existing mapping: absent at each level of its path. */
    uint64_t gfn = GFNS_1G + 3 * GFNS_2M + 9;
    CHECK_EQ(set(&f.p2m, gfn, 100, P2M_ORDER_4K, p2m_ram_rw), 0);
    calls = host_mm_alloc_calls();
    CHECK_EQ(unmap(&f.p2m, gfn + 1, P2M_ORDER_4K), 0);           /* same PT */
    CHECK_EQ(unmap(&f.p2m, gfn - 9 + GFNS_2M, P2M_ORDER_4K), 0); /* same PD */
    CHECK_EQ(unmap(&f.p2m, GFNS_1G + 4 * GFNS_2M, P2M_ORDER_2M), 0);
    CHECK_EQ(unmap(&f.p2m, 2 * GFNS_1G + 5, P2M_ORDER_4K), 0); /* same PDPT */
    CHECK_EQ(unmap(&f.p2m, 2 * GFNS_1G, P2M_ORDER_1G), 0);
    CHECK_EQ(unmap(&f.p2m, 1UL << 27, P2M_ORDER_4K), 0); /* other PML4 slot */
    CHECK_EQ(host_mm_alloc_calls(), calls);
    CHECK_EQ(f.p2m.table_pages, 4);
    CHECK(!f.p2m.flush_needed);
    check_mapped(&f.p2m, gfn, 1, 100, p2m_ram_rw, P2M_ORDER_4K);
    check_table_accounting(&f);
    finish(&f);
    CHECK_EQ(flush_calls, 0);
}

/* ---- splitting superpages ------------------------------------------------- */

static void test_can_split_2M_superpage(void)
{
    struct fixture f;
    uint64_t g = GFNS_1G + 10 * GFNS_2M;
    uint64_t m = 40 * GFNS_2M;

    setup(&f, P2M_ORDER_1G);
    CHECK_EQ(set(&f.p2m, g, m, P2M_ORDER_2M, p2m_ram_ro), 0);
    uint64_t tables = f.p2m.table_pages;
    CHECK_EQ(set(&f.p2m, g + 5, 0x99999, P2M_ORDER_4K, p2m_ram_rw), 0);
    CHECK_EQ(f.p2m.table_pages, tables + 1);
    check_mapped(&f.p2m, g, 5, m, p2m_ram_ro, P2M_ORDER_4K);
    check_mapped(&f.p2m, g + 5, 1, 0x99999, p2m_ram_rw, P2M_ORDER_4K);
    check_mapped(&f.p2m, g + 6, GFNS_2M - 6, m + 6, p2m_ram_ro, P2M_ORDER_4K);
    check_unmapped(&f.p2m, g - 1, 1);
    check_unmapped(&f.p2m, g + GFNS_2M, 1);
    CHECK(f.p2m.flush_needed);
    check_table_accounting(&f);
    finish(&f);
    CHECK_EQ(flush_calls, 1);
}

static void test_removing_4K_from_2M_superpage_splits_it(void)
{
    struct fixture f;
    uint64_t g = 3 * GFNS_2M;
    uint64_t m = 1000 * GFNS_2M;

    setup(&f, P2M_ORDER_1G);
    CHECK_EQ(set(&f.p2m, g, m, P2M_ORDER_2M, p2m_grant_map_rw), 0);
    uint64_t tables = f.p2m.table_pages;
    CHECK_EQ(unmap(&f.p2m, g + GFNS_2M - 1, P2M_ORDER_4K), 0);
    CHECK_EQ(f.p2m.table_pages, tables + 1);
    check_mapped(&f.p2m, g, GFNS_2M - 1, m, p2m_grant_map_rw, P2M_ORDER_4K);
    check_unmapped(&f.p2m, g + GFNS_2M - 1, 1);
    CHECK(f.p2m.flush_needed);
    check_table_accounting(&f);
    finish(&f);
}

static void test_can_split_1G_superpage_for_a_2M_change(void)
{
    struct fixture f;
    uint64_t g = 2 * GFNS_1G;
    uint64_t m = 7 * GFNS_1G;

    setup(&f, P2M_ORDER_1G);
    CHECK_EQ(set(&f.p2m, g, m, P2M_ORDER_1G, p2m_grant_map_ro), 0);
    uint64_t tables = f.p2m.table_pages;
    CHECK_EQ(unmap(&f.p2m, g + 7 * GFNS_2M, P2M_ORDER_2M), 0);
    CHECK_EQ(f.p2m.table_pages, tables + 1);
    for (unsigned int i = 0; i < 512; i++) {
        if (i == 7)
            check_unmapped(&f.p2m, g + i * GFNS_2M, GFNS_2M);
        else
            check_mapped(&f.p2m, g + i * GFNS_2M, GFNS_2M, m + i * GFNS_2M, p2m_grant_map_ro,
                         P2M_ORDER_2M);
    }
    CHECK(f.p2m.flush_needed);
    check_table_accounting(&f);
    finish(&f);
}

static void test_can_split_1G_superpage_down_to_4K(void)
{
    struct fixture f;
    uint64_t g = 5 * GFNS_1G;
    uint64_t m = 11 * GFNS_1G;
    uint64_t changed = g + 3 * GFNS_2M + 17;

    setup(&f, P2M_ORDER_1G);
    CHECK_EQ(set(&f.p2m, g, m, P2M_ORDER_1G, p2m_mmio_direct), 0);
    uint64_t tables = f.p2m.table_pages;
    CHECK_EQ(set(&f.p2m, changed, 0x1234, P2M_ORDER_4K, p2m_ram_rw), 0);
    /* One new PD for the 512 2M pieces, one new PT for the 512 4K pieces. */
    CHECK_EQ(f.p2m.table_pages, tables + 2);
    for (unsigned int i = 0; i < 512; i++) {
        uint64_t piece = g + i * GFNS_2M;
        if (i != 3) {
            check_mapped(&f.p2m, piece, GFNS_2M, m + i * GFNS_2M, p2m_mmio_direct, P2M_ORDER_2M);
            continue;
        }
        check_mapped(&f.p2m, piece, 17, m + i * GFNS_2M, p2m_mmio_direct, P2M_ORDER_4K);
        check_mapped(&f.p2m, changed, 1, 0x1234, p2m_ram_rw, P2M_ORDER_4K);
        check_mapped(&f.p2m, changed + 1, GFNS_2M - 18, m + i * GFNS_2M + 18, p2m_mmio_direct,
                     P2M_ORDER_4K);
    }
    check_unmapped(&f.p2m, g - 1, 1);
    check_unmapped(&f.p2m, g + GFNS_1G, 1);
    CHECK(f.p2m.flush_needed);
    check_table_accounting(&f);
    finish(&f);
    CHECK_EQ(flush_calls, 1);
}

static void test_split_preserves_every_type(void)
{
    for (size_t k = 0; k < ARRAY_SIZE(all_types); k++) {
        struct fixture f;
        enum p2m_type t = all_types[k];
        uint64_t g = GFNS_1G;
        uint64_t m = 3 * GFNS_1G;

        setup(&f, P2M_ORDER_1G);
        CHECK_EQ(set(&f.p2m, g, m, P2M_ORDER_1G, t), 0);
        /* 1G -> 2M pieces -> 4K pieces, by removing one 4K page. */
        CHECK_EQ(unmap(&f.p2m, g + GFNS_2M + 1, P2M_ORDER_4K), 0);
        check_mapped(&f.p2m, g, GFNS_2M, m, t, P2M_ORDER_2M);
        check_mapped(&f.p2m, g + GFNS_2M, 1, m + GFNS_2M, t, P2M_ORDER_4K);
        check_unmapped(&f.p2m, g + GFNS_2M + 1, 1);
        check_mapped(&f.p2m, g + GFNS_2M + 2, GFNS_2M - 2, m + GFNS_2M + 2, t, P2M_ORDER_4K);
        check_mapped(&f.p2m, g + 2 * GFNS_2M, GFNS_1G - 2 * GFNS_2M, m + 2 * GFNS_2M, t,
                     P2M_ORDER_2M);
        /* The split pieces carry the type's NPT bits at their own level. */
        npt_entry_t *e1 = entry_at(&f.p2m, g, 1);
        npt_entry_t *e0 = entry_at(&f.p2m, g + GFNS_2M + 2, 0);
        CHECK(e1 && e0);
        if (e1 && e0) {
            CHECK_EQ(*e1, npt_make_leaf(_mfn(m), t, 1));
            CHECK_EQ(*e0, npt_make_leaf(_mfn(m + GFNS_2M + 2), t, 0));
        }
        check_table_accounting(&f);
        finish(&f);
    }
}

/* ---- types and their NPT encoding ----------------------------------------- */

static void test_every_type_round_trips_at_every_order(void)
{
    struct fixture f;

    setup(&f, P2M_ORDER_1G);
    for (size_t k = 0; k < ARRAY_SIZE(all_types); k++) {
        for (size_t o = 0; o < ARRAY_SIZE(all_orders); o++) {
            unsigned int order = all_orders[o];
            /* One 1G region per (type, order), at a type-dependent place. */
            uint64_t g = (uint64_t)(k * 3 + o + 1) * GFNS_1G;
            uint64_t m = (uint64_t)(k + 1) << 28;
            CHECK_EQ(set(&f.p2m, g, m, order, all_types[k]), 0);
            check_mapped(&f.p2m, g, 1, m, all_types[k], order);
            check_mapped(&f.p2m, g + (1UL << order) - 1, 1, m + (1UL << order) - 1, all_types[k],
                         order);
        }
    }
    check_table_accounting(&f);
    finish(&f);
}

/* What x86/npt.h promises for each type, spelled out again here. */
static npt_entry_t expected_permissions(enum p2m_type t)
{
    switch (t) {
    case p2m_ram_rw:
        return NPT_PRESENT | NPT_USER | NPT_WRITE;
    case p2m_ram_ro:
        return NPT_PRESENT | NPT_USER;
    case p2m_grant_map_rw:
        return NPT_PRESENT | NPT_USER | NPT_WRITE | NPT_NX;
    case p2m_grant_map_ro:
        return NPT_PRESENT | NPT_USER | NPT_NX;
    case p2m_mmio_direct:
        return NPT_PRESENT | NPT_USER | NPT_WRITE | NPT_NX | NPT_PCD | NPT_PWT;
    default:
        return 0;
    }
}

static void test_npt_bits_match_type_with_user_at_every_level(void)
{
    const npt_entry_t perm_bits = NPT_PRESENT | NPT_WRITE | NPT_USER | NPT_PWT | NPT_PCD | NPT_NX;

    for (size_t k = 0; k < ARRAY_SIZE(all_types); k++) {
        for (size_t o = 0; o < ARRAY_SIZE(all_orders); o++) {
            struct fixture f;
            enum p2m_type t = all_types[k];
            unsigned int order = all_orders[o], leaf_level = order / 9;
            uint64_t g = (3UL << 27) + 5 * GFNS_1G + (order < 18 ? 6 * GFNS_2M : 0) +
                         (order < 9 ? 7 : 0);
            uint64_t m = 0x1234UL << 18;

            setup(&f, P2M_ORDER_1G);
            CHECK_EQ(set(&f.p2m, g, m, order, t), 0);
            for (unsigned int level = NPT_LEVELS - 1; level > leaf_level; level--) {
                npt_entry_t *e = entry_at(&f.p2m, g, level);
                CHECK(e != NULL);
                if (!e)
                    break;
                /* Intermediate: present, writable, user, executable, not large. */
                CHECK_EQ(*e & ~NPT_ADDR_MASK, NPT_PRESENT | NPT_WRITE | NPT_USER);
                /* And it points at a table page of this p2m. */
                uint64_t table = (*e & NPT_ADDR_MASK) >> PAGE_SHIFT;
                CHECK(table < frame_table_size);
                if (table < frame_table_size)
                    CHECK_EQ(frame_table[table].use, FRAME_P2M_TABLE);
            }
            npt_entry_t *leaf = entry_at(&f.p2m, g, leaf_level);
            CHECK(leaf != NULL);
            if (leaf) {
                npt_entry_t e = *leaf;
                CHECK_EQ(e & perm_bits, expected_permissions(t));
                CHECK(e & NPT_USER);
                CHECK_EQ(!!(e & NPT_LARGE), leaf_level > 0);
                CHECK_EQ((e & NPT_TYPE_MASK) >> NPT_TYPE_SHIFT, t);
                CHECK_EQ((e & NPT_ADDR_MASK) >> PAGE_SHIFT, m);
                /* Nothing else: no PAT bit, no accessed/dirty/global, no stray bits. */
                CHECK_EQ(e & ~(perm_bits | NPT_LARGE | NPT_TYPE_MASK | NPT_ADDR_MASK), 0);
                CHECK_EQ(e, npt_make_leaf(_mfn(m), t, leaf_level));
            }
            finish(&f);
        }
    }
}

static void test_removed_entries_are_zero(void)
{
    struct fixture f;

    setup(&f, P2M_ORDER_1G);
    CHECK_EQ(set(&f.p2m, GFNS_2M + 1, 5, P2M_ORDER_4K, p2m_ram_rw), 0);
    CHECK_EQ(unmap(&f.p2m, GFNS_2M + 1, P2M_ORDER_4K), 0);
    npt_entry_t *e = entry_at(&f.p2m, GFNS_2M + 1, 0);
    CHECK(e != NULL);
    if (e)
        CHECK_EQ(*e, 0);
    check_unmapped(&f.p2m, GFNS_2M + 1, 1);
    finish(&f);
}

/* ---- replacing subtrees, parking and flushing ------------------------------ */

static void test_replacing_subtree_with_2M_superpage_parks_its_table(void)
{
    struct fixture f;
    uint64_t g = GFNS_1G + 9 * GFNS_2M;

    setup(&f, P2M_ORDER_1G);
    CHECK_EQ(set(&f.p2m, g + 1, 1, P2M_ORDER_4K, p2m_ram_rw), 0);
    CHECK_EQ(set(&f.p2m, g + 300, 300, P2M_ORDER_4K, p2m_ram_rw), 0);
    CHECK_EQ(f.p2m.table_pages, 4);
    p2m_flush(&f.p2m);
    CHECK_EQ(flush_calls, 0); /* nothing present was changed yet */

    uint64_t pool = host_mm_free_frames();
    CHECK_EQ(set(&f.p2m, g, 4 * GFNS_2M, P2M_ORDER_2M, p2m_ram_ro), 0);
    CHECK_EQ(f.p2m.table_pages, 3);
    CHECK_EQ(list_length(&f.p2m.free_after_flush), 1);
    CHECK_EQ(host_mm_free_frames(), pool); /* not freed before the flush */
    CHECK(f.p2m.flush_needed);
    CHECK_EQ(flush_calls, 0);
    check_mapped(&f.p2m, g, GFNS_2M, 4 * GFNS_2M, p2m_ram_ro, P2M_ORDER_2M);
    check_table_accounting(&f);

    p2m_flush(&f.p2m);
    CHECK_EQ(flush_calls, 1);
    CHECK_EQ(free_frames_at_flush, pool); /* shot down before freeing */
    CHECK_EQ(host_mm_free_frames(), pool + 1);
    CHECK(!f.p2m.flush_needed);
    CHECK(list_empty(&f.p2m.free_after_flush));
    check_mapped(&f.p2m, g, GFNS_2M, 4 * GFNS_2M, p2m_ram_ro, P2M_ORDER_2M);
    check_table_accounting(&f);
    finish(&f);
    CHECK_EQ(flush_calls, 1);
}

static void test_replacing_subtree_with_1G_superpage_parks_every_table(void)
{
    struct fixture f;
    uint64_t g = 4 * GFNS_1G;

    setup(&f, P2M_ORDER_1G);
    /* A PD with two PTs and a 2M leaf under it, plus a neighbour 1G region. */
    CHECK_EQ(set(&f.p2m, g + 1, 1, P2M_ORDER_4K, p2m_ram_rw), 0);
    CHECK_EQ(set(&f.p2m, g + 100 * GFNS_2M + 3, 3, P2M_ORDER_4K, p2m_ram_rw), 0);
    CHECK_EQ(set(&f.p2m, g + 200 * GFNS_2M, 0, P2M_ORDER_2M, p2m_ram_rw), 0);
    CHECK_EQ(set(&f.p2m, g + GFNS_1G + 5, 5, P2M_ORDER_4K, p2m_ram_rw), 0);
    CHECK_EQ(f.p2m.table_pages, 7); /* root, PDPT, 2 PDs, 3 PTs */
    p2m_flush(&f.p2m);
    CHECK_EQ(flush_calls, 0);

    uint64_t pool = host_mm_free_frames();
    CHECK_EQ(set(&f.p2m, g, 8 * GFNS_1G, P2M_ORDER_1G, p2m_ram_rw), 0);
    CHECK_EQ(f.p2m.table_pages, 4);
    CHECK_EQ(list_length(&f.p2m.free_after_flush), 3);
    CHECK_EQ(host_mm_free_frames(), pool);
    check_mapped(&f.p2m, g, GFNS_1G, 8 * GFNS_1G, p2m_ram_rw, P2M_ORDER_1G);
    check_mapped(&f.p2m, g + GFNS_1G + 5, 1, 5, p2m_ram_rw, P2M_ORDER_4K);
    check_table_accounting(&f);

    p2m_flush(&f.p2m);
    CHECK_EQ(flush_calls, 1);
    CHECK_EQ(free_frames_at_flush, pool);
    CHECK_EQ(host_mm_free_frames(), pool + 3);
    check_table_accounting(&f);
    finish(&f);
}

static void test_removing_subtree_parks_its_tables(void)
{
    struct fixture f;
    uint64_t g = GFNS_1G;

    setup(&f, P2M_ORDER_1G);
    CHECK_EQ(set(&f.p2m, g + 17, 17, P2M_ORDER_4K, p2m_ram_rw), 0);
    CHECK_EQ(set(&f.p2m, g + GFNS_2M, GFNS_2M, P2M_ORDER_2M, p2m_ram_rw), 0);
    CHECK_EQ(f.p2m.table_pages, 4);
    uint64_t pool = host_mm_free_frames();
    CHECK_EQ(unmap(&f.p2m, g, P2M_ORDER_1G), 0);
    CHECK_EQ(f.p2m.table_pages, 2);
    CHECK_EQ(host_mm_free_frames(), pool);
    check_unmapped(&f.p2m, g, 2 * GFNS_2M);
    CHECK(f.p2m.flush_needed);
    p2m_flush(&f.p2m);
    CHECK_EQ(flush_calls, 1);
    CHECK_EQ(host_mm_free_frames(), pool + 2);
    check_table_accounting(&f);
    finish(&f);
}

/* Run op, then report whether it left p2m->flush_needed set; flush after. */
static bool needs_flush_after(struct fixture *f, int rc)
{
    bool needed = f->p2m.flush_needed;
    unsigned int calls = flush_calls;

    CHECK_EQ(rc, 0);
    p2m_flush(&f->p2m);
    CHECK_EQ(flush_calls, calls + (needed ? 1 : 0));
    CHECK(!f->p2m.flush_needed);
    /* A second flush has nothing to do. */
    p2m_flush(&f->p2m);
    CHECK_EQ(flush_calls, calls + (needed ? 1 : 0));
    return needed;
}

static void test_flush_runs_exactly_when_a_present_mapping_changed(void)
{
    struct fixture f;
    struct p2m *p = &f.p2m;
    uint64_t g = GFNS_1G;

    setup(&f, P2M_ORDER_1G);
    /* New mappings where nothing was: no flush. */
    CHECK(!needs_flush_after(&f, set(p, g, 1, P2M_ORDER_4K, p2m_ram_rw)));
    CHECK(!needs_flush_after(&f, set(p, g + 1, 2, P2M_ORDER_4K, p2m_ram_rw)));
    CHECK(!needs_flush_after(&f, set(p, g + GFNS_2M, 0, P2M_ORDER_2M, p2m_ram_rw)));
    CHECK(!needs_flush_after(&f, set(p, 2 * GFNS_1G, 0, P2M_ORDER_1G, p2m_ram_rw)));
    /* Removing what is not there: no flush. */
    CHECK(!needs_flush_after(&f, unmap(p, g + 2, P2M_ORDER_4K)));
    CHECK(!needs_flush_after(&f, unmap(p, g + 5 * GFNS_2M, P2M_ORDER_2M)));
    CHECK(!needs_flush_after(&f, unmap(p, 7 * GFNS_1G, P2M_ORDER_1G)));
    CHECK_EQ(flush_calls, 0);

    /* Changing the frame, changing only the type, removing, replacing a
     * subtree: flush. */
    CHECK(needs_flush_after(&f, set(p, g, 9, P2M_ORDER_4K, p2m_ram_rw)));
    CHECK(needs_flush_after(&f, set(p, g, 9, P2M_ORDER_4K, p2m_ram_ro)));
    CHECK(needs_flush_after(&f, unmap(p, g, P2M_ORDER_4K)));
    CHECK(needs_flush_after(&f, set(p, g + GFNS_2M, GFNS_2M, P2M_ORDER_2M, p2m_ram_rw)));
    CHECK(needs_flush_after(&f, unmap(p, g + GFNS_2M, P2M_ORDER_2M)));
    /* Part of a superpage changed (split): flush. */
    CHECK(needs_flush_after(&f, set(p, 2 * GFNS_1G + 3, 3, P2M_ORDER_4K, p2m_grant_map_rw)));
    CHECK(needs_flush_after(&f, unmap(p, 2 * GFNS_1G + GFNS_2M, P2M_ORDER_2M)));
    CHECK(needs_flush_after(&f, unmap(p, 2 * GFNS_1G, P2M_ORDER_1G)));
    CHECK_EQ(flush_calls, 8);
    /* Now all gone: removing again needs nothing. */
    CHECK(!needs_flush_after(&f, unmap(p, 2 * GFNS_1G, P2M_ORDER_1G)));
    CHECK(!needs_flush_after(&f, unmap(p, g, P2M_ORDER_4K)));
    CHECK_EQ(flush_calls, 8);
    check_table_accounting(&f);
    finish(&f);
    CHECK_EQ(flush_calls, 8);
}

static void test_flush_needed_accumulates_until_flush(void)
{
    struct fixture f;

    setup(&f, P2M_ORDER_1G);
    CHECK_EQ(set(&f.p2m, 0, 1, P2M_ORDER_4K, p2m_ram_rw), 0);
    CHECK_EQ(set(&f.p2m, 0, 2, P2M_ORDER_4K, p2m_ram_rw), 0);
    CHECK(f.p2m.flush_needed);
    /* A later change that needs no flush does not clear it. */
    CHECK_EQ(set(&f.p2m, 1, 3, P2M_ORDER_4K, p2m_ram_rw), 0);
    CHECK_EQ(unmap(&f.p2m, 2, P2M_ORDER_4K), 0);
    CHECK(f.p2m.flush_needed);
    CHECK_EQ(flush_calls, 0);
    p2m_flush(&f.p2m);
    CHECK_EQ(flush_calls, 1);
    finish(&f);
}

/* ---- out of memory --------------------------------------------------------- */

/*
 * Make the change (gfn, mfn, order, t) fail at each of its allocations in
 * turn: each time -ENOMEM and the p2m exactly as before (every table page
 * bit for bit, the lookups of [lo, lo + n), counts, the pool). Then let it
 * succeed: it needed exactly `allocs` table pages.
 */
static void check_oom_at_every_allocation(struct fixture *f, uint64_t gfn, uint64_t mfn,
                                          unsigned int order, enum p2m_type t, unsigned int allocs,
                                          uint64_t lo, uint64_t n)
{
    struct snapshot before;

    snapshot_take(&before, &f->p2m, lo, n);
    for (unsigned int k = 1; k <= allocs; k++) {
        struct snapshot after;
        unsigned long calls = host_mm_alloc_calls();

        host_mm_fail_after(k);
        CHECK_EQ(set(&f->p2m, gfn, mfn, order, t), -XEN_ENOMEM);
        host_mm_fail_after(0);
        CHECK_EQ(host_mm_alloc_calls() - calls, k);
        snapshot_take(&after, &f->p2m, lo, n);
        check_same(&before, &after);
        snapshot_free(&after);
    }
    /* A failure injected past the last allocation is never reached. */
    unsigned long calls = host_mm_alloc_calls();
    host_mm_fail_after(allocs + 1);
    CHECK_EQ(set(&f->p2m, gfn, mfn, order, t), 0);
    host_mm_fail_after(0);
    CHECK_EQ(host_mm_alloc_calls() - calls, allocs);
    CHECK(f->p2m.table_pages >= before.table_pages);
    CHECK_EQ(f->p2m.table_pages - before.table_pages, allocs);
    if (t == p2m_invalid)
        check_unmapped(&f->p2m, gfn, 1);
    else
        check_mapped(&f->p2m, gfn, 1, mfn, t, order);
    check_table_accounting(f);
    snapshot_free(&before);
}

/* Other mappings around, so "unchanged" has something to compare. */
static void populate(struct p2m *p2m)
{
    CHECK_EQ(set(p2m, 0, 0, P2M_ORDER_1G, p2m_ram_rw), 0);
    CHECK_EQ(set(p2m, GFNS_1G + 5, 55, P2M_ORDER_4K, p2m_ram_ro), 0);
    CHECK_EQ(set(p2m, GFNS_1G + 2 * GFNS_2M, 2 * GFNS_2M, P2M_ORDER_2M, p2m_grant_map_rw), 0);
    CHECK_EQ(set(p2m, 3 * GFNS_1G, 3 * GFNS_1G, P2M_ORDER_1G, p2m_mmio_direct), 0);
    CHECK_EQ(set(p2m, 3 * GFNS_1G + 7, 1, P2M_ORDER_4K, p2m_ram_rw), 0);
}

static void test_map_4K_out_of_memory_leaves_p2m_unchanged(void)
{
    struct fixture f;

    setup(&f, P2M_ORDER_1G);
    /* A fresh PML4 slot: PDPT, PD and PT. */
    check_oom_at_every_allocation(&f, (9UL << 27) + 12345, 42, P2M_ORDER_4K, p2m_ram_rw, 3,
                                  (9UL << 27), 2 * GFNS_2M);
    populate(&f.p2m);
    /* A fresh 1G region under an existing PDPT: PD and PT. */
    check_oom_at_every_allocation(&f, 5 * GFNS_1G + 3, 42, P2M_ORDER_4K, p2m_ram_rw, 2, GFNS_1G,
                                  5 * GFNS_2M);
    /* A fresh 2M region under an existing PD: PT. */
    check_oom_at_every_allocation(&f, GFNS_1G + 9 * GFNS_2M, 42, P2M_ORDER_4K, p2m_grant_map_ro, 1,
                                  GFNS_1G, 10 * GFNS_2M);
    finish(&f);
}

static void test_split_out_of_memory_leaves_p2m_unchanged(void)
{
    struct fixture f;

    setup(&f, P2M_ORDER_1G);
    populate(&f.p2m);
    /* 4K in a 1G superpage: split into a PD, then a PT. */
    check_oom_at_every_allocation(&f, 3 * GFNS_2M + 1, 9, P2M_ORDER_4K, p2m_ram_ro, 2, 0, GFNS_1G);
    finish(&f);

    setup(&f, P2M_ORDER_1G);
    populate(&f.p2m);
    /* 2M in a 1G superpage: one PD. */
    CHECK_EQ(set(&f.p2m, 6 * GFNS_1G, 0, P2M_ORDER_1G, p2m_grant_map_rw), 0);
    check_oom_at_every_allocation(&f, 6 * GFNS_1G + 100 * GFNS_2M, 0, P2M_ORDER_2M, p2m_ram_ro, 1,
                                  6 * GFNS_1G, GFNS_1G);
    /* 4K in a 2M superpage: one PT. */
    check_oom_at_every_allocation(&f, GFNS_1G + 2 * GFNS_2M + 100, 0, P2M_ORDER_4K, p2m_ram_rw, 1,
                                  GFNS_1G, 4 * GFNS_2M);
    finish(&f);
}

static void test_split_by_removal_out_of_memory_leaves_p2m_unchanged(void)
{
    struct fixture f;

    setup(&f, P2M_ORDER_1G);
    populate(&f.p2m);
    /* Removing 4K from a 1G superpage needs a PD and a PT. */
    check_oom_at_every_allocation(&f, 5, NO_MFN, P2M_ORDER_4K, p2m_invalid, 2, 0, GFNS_1G);
    /* Removing 2M from a 1G superpage needs a PD. */
    CHECK_EQ(set(&f.p2m, 8 * GFNS_1G, 0, P2M_ORDER_1G, p2m_ram_rw), 0);
    check_oom_at_every_allocation(&f, 8 * GFNS_1G + GFNS_2M, NO_MFN, P2M_ORDER_2M, p2m_invalid, 1,
                                  8 * GFNS_1G, GFNS_1G);
    finish(&f);
}

/* ---- p2m_for_each_leaf ------------------------------------------------------ */

struct visit {
    uint64_t gfn;
    uint64_t mfn;
    unsigned int order;
    enum p2m_type t;
};

struct visits {
    size_t n, cap;
    struct visit *v;
};

static void record_leaf(gfn_t gfn_nr, mfn_t mfn_nr, unsigned int order, enum p2m_type t, void *arg)
{
    uint64_t gfn = gfn_x(gfn_nr), mfn = mfn_x(mfn_nr);
    struct visits *vs = arg;

    if (vs->n == vs->cap) {
        vs->cap = vs->cap ? 2 * vs->cap : 64;
        vs->v = realloc(vs->v, vs->cap * sizeof(*vs->v));
    }
    vs->v[vs->n++] = (struct visit){ gfn, mfn, order, t };
}

static void test_for_each_leaf_visits_leaves_in_gfn_order(void)
{
    struct fixture f;
    struct visits vs = { 0 };
    /* Deliberately mapped out of order. */
    static const struct visit maps[] = {
        { P2M_MAX_GFN, 1, P2M_ORDER_4K, p2m_ram_rw },
        { 3 * GFNS_1G, 0, P2M_ORDER_1G, p2m_ram_ro },
        { 5, 50, P2M_ORDER_4K, p2m_grant_map_rw },
        { 1UL << 27, GFNS_2M, P2M_ORDER_2M, p2m_mmio_direct },
        { GFNS_2M, 0, P2M_ORDER_2M, p2m_grant_map_ro },
        { 4, 40, P2M_ORDER_4K, p2m_ram_rw },
        { GFNS_1G, GFNS_1G, P2M_ORDER_1G, p2m_ram_rw },
    };
    static const size_t sorted[] = { 5, 2, 4, 6, 1, 3, 0 };

    setup(&f, P2M_ORDER_1G);
    for (size_t i = 0; i < ARRAY_SIZE(maps); i++)
        CHECK_EQ(set(&f.p2m, maps[i].gfn, maps[i].mfn, maps[i].order, maps[i].t), 0);
    p2m_for_each_leaf(&f.p2m, record_leaf, &vs);
    CHECK_EQ(vs.n, ARRAY_SIZE(maps));
    for (size_t i = 0; i < vs.n && i < ARRAY_SIZE(sorted); i++) {
        const struct visit *want = &maps[sorted[i]];
        CHECK_EQ(vs.v[i].gfn, want->gfn);
        CHECK_EQ(vs.v[i].mfn, want->mfn);
        CHECK_EQ(vs.v[i].order, want->order);
        CHECK_EQ(vs.v[i].t, want->t);
    }

    /* Split the 1G at GFNS_1G by one 4K change: 511 2M leaves and 512 4K
     * leaves replace it, still in gfn order. */
    CHECK_EQ(set(&f.p2m, GFNS_1G + 9 * GFNS_2M + 1, 0, P2M_ORDER_4K, p2m_ram_ro), 0);
    vs.n = 0;
    p2m_for_each_leaf(&f.p2m, record_leaf, &vs);
    CHECK_EQ(vs.n, ARRAY_SIZE(maps) - 1 + 511 + 512);
    size_t in_region = 0;
    for (size_t i = 0; i < vs.n; i++) {
        if (i > 0)
            CHECK(vs.v[i].gfn >= vs.v[i - 1].gfn + (1UL << vs.v[i - 1].order));
        CHECK_EQ(vs.v[i].gfn & ((1UL << vs.v[i].order) - 1), 0);
        if (vs.v[i].gfn < GFNS_1G || vs.v[i].gfn >= 2 * GFNS_1G)
            continue;
        in_region++;
        uint64_t off = vs.v[i].gfn - GFNS_1G;
        bool in_split = off >= 9 * GFNS_2M && off < 10 * GFNS_2M;
        CHECK_EQ(vs.v[i].order, in_split ? P2M_ORDER_4K : P2M_ORDER_2M);
        if (off == 9 * GFNS_2M + 1) {
            CHECK_EQ(vs.v[i].mfn, 0);
            CHECK_EQ(vs.v[i].t, p2m_ram_ro);
        } else {
            CHECK_EQ(vs.v[i].mfn, GFNS_1G + off);
            CHECK_EQ(vs.v[i].t, p2m_ram_rw);
        }
    }
    CHECK_EQ(in_region, 511 + 512);
    free(vs.v);
    finish(&f);
}

static void test_for_each_leaf_on_empty_p2m_visits_nothing(void)
{
    struct fixture f;
    struct visits vs = { 0 };

    setup(&f, P2M_ORDER_1G);
    p2m_for_each_leaf(&f.p2m, record_leaf, &vs);
    CHECK_EQ(vs.n, 0);
    /* Tables emptied by removals have no leaves either. */
    CHECK_EQ(set(&f.p2m, 12345, 1, P2M_ORDER_4K, p2m_ram_rw), 0);
    CHECK_EQ(unmap(&f.p2m, 12345, P2M_ORDER_4K), 0);
    p2m_for_each_leaf(&f.p2m, record_leaf, &vs);
    CHECK_EQ(vs.n, 0);
    free(vs.v);
    finish(&f);
}

struct table_visits {
    size_t n;
    size_t per_level[NPT_LEVELS];
    uint64_t first;
    unsigned int first_level;
    bool bad;
};

static void record_table(mfn_t table_nr, unsigned int level, void *arg)
{
    uint64_t table = mfn_x(table_nr);
    struct table_visits *tv = arg;

    if (tv->n++ == 0) {
        tv->first = table;
        tv->first_level = level;
    }
    if (level >= NPT_LEVELS || table >= frame_table_size ||
        frame_table[table].use != FRAME_P2M_TABLE)
        tv->bad = true;
    else
        tv->per_level[level]++;
}

static void test_for_each_table_visits_every_table_page_with_its_level(void)
{
    struct fixture f;
    struct table_visits tv = { 0 };

    setup(&f, P2M_ORDER_1G);
    p2m_for_each_table(&f.p2m, record_table, &tv);
    CHECK_EQ(tv.n, 1);
    CHECK_EQ(tv.first, mfn_x(f.p2m.root));
    CHECK_EQ(tv.first_level, NPT_LEVELS - 1);

    populate(&f.p2m); /* root, PDPT, 2 PDs, PT (1G + 5), PT (3G + 7) */
    CHECK_EQ(set(&f.p2m, 1UL << 27, 0, P2M_ORDER_1G, p2m_ram_rw), 0); /* second PDPT */
    memset(&tv, 0, sizeof(tv));
    p2m_for_each_table(&f.p2m, record_table, &tv);
    CHECK(!tv.bad);
    CHECK_EQ(tv.n, f.p2m.table_pages);
    CHECK_EQ(tv.first, mfn_x(f.p2m.root));
    CHECK_EQ(tv.per_level[3], 1);
    CHECK_EQ(tv.per_level[2], 2);
    CHECK_EQ(tv.per_level[1], 2);
    CHECK_EQ(tv.per_level[0], 2);

    /* Parked tables are no longer reachable. */
    CHECK_EQ(set(&f.p2m, 3 * GFNS_1G, 0, P2M_ORDER_1G, p2m_ram_rw), 0);
    memset(&tv, 0, sizeof(tv));
    p2m_for_each_table(&f.p2m, record_table, &tv);
    CHECK_EQ(tv.n, f.p2m.table_pages);
    CHECK_EQ(tv.per_level[1], 1);
    CHECK_EQ(tv.per_level[0], 1);
    finish(&f);
}

/* ---- randomized differential test against a model --------------------------- */

/*
 * The window: 2^20 gfns (4 GiB, four 1G regions), placed to straddle a PML4
 * boundary so two PDPTs are in play. The model is the plain array
 * gfn -> (mfn, type) over it.
 */
#define RND_WINDOW_ORDER 20
#define RND_WINDOW (1UL << RND_WINDOW_ORDER)
#define RND_BASE ((1UL << 27) - (RND_WINDOW / 2))
#define RND_OPS 50000
#define RND_FULL_CHECK_EVERY 2500
#define RND_MFN_BITS 36

static uint64_t model_mfn[RND_WINDOW]; /* NO_MFN: nothing mapped */
static uint8_t model_type[RND_WINDOW];

static unsigned int random_order(void)
{
    uint64_t r = unit_rng_below(100);

    /* 1G changes are rare, or they would keep wiping out the structure the
     * smaller ones build. */
    return r < 70 ? P2M_ORDER_4K : r < 96 ? P2M_ORDER_2M : P2M_ORDER_1G;
}

static enum p2m_type random_type(void)
{
    return all_types[unit_rng_below(ARRAY_SIZE(all_types))];
}

static bool model_agrees(struct p2m *p2m, uint64_t off)
{
    struct lookup l = get(p2m, RND_BASE + off);

    if (l.mfn == model_mfn[off] && l.t == model_type[off] &&
        (l.mfn == NO_MFN || (l.order <= P2M_ORDER_1G && l.order % 9 == 0)))
        return true;
    CHECK_EQ(l.mfn, model_mfn[off]);
    CHECK_EQ(l.t, model_type[off]);
    return false;
}

/* Compare [off, off + n) of the window (at most `samples` gfns of it, spread
 * out, when n is larger). */
static void compare_range(struct p2m *p2m, uint64_t off, uint64_t n, uint64_t samples)
{
    uint64_t step = n > samples ? n / samples : 1;

    for (uint64_t i = 0; i < n; i += step)
        if (!model_agrees(p2m, off + i))
            return;
    if (step > 1)
        model_agrees(p2m, off + n - 1);
}

struct leaf_check {
    uint64_t mapped; /* gfns covered by leaves */
    uint64_t next;   /* leaves must start at or after this */
    bool bad;
};

static void check_leaf_against_model(gfn_t gfn_nr, mfn_t mfn_nr, unsigned int order,
                                     enum p2m_type t, void *arg)
{
    uint64_t gfn = gfn_x(gfn_nr), mfn = mfn_x(mfn_nr);
    struct leaf_check *lc = arg;

    if (lc->bad)
        return;
    if (gfn < lc->next || gfn < RND_BASE || gfn + (1UL << order) > RND_BASE + RND_WINDOW ||
        (gfn & ((1UL << order) - 1)) || (mfn & ((1UL << order) - 1))) {
        lc->bad = true;
        CHECK(!"leaf out of order, outside the window or misaligned");
        return;
    }
    for (uint64_t i = 0; i < (1UL << order); i++) {
        uint64_t off = gfn - RND_BASE + i;
        if (model_mfn[off] != mfn + i || model_type[off] != t) {
            lc->bad = true;
            CHECK_EQ(model_mfn[off], mfn + i);
            CHECK_EQ(model_type[off], t);
            return;
        }
    }
    lc->mapped += 1UL << order;
    lc->next = gfn + (1UL << order);
}

/* All of the window by lookups, and all of the p2m by its leaves. */
static void compare_everything(struct fixture *f)
{
    struct leaf_check lc = { 0, 0, false };
    uint64_t mapped = 0;

    compare_range(&f->p2m, 0, RND_WINDOW, RND_WINDOW);
    for (uint64_t off = 0; off < RND_WINDOW; off++)
        mapped += model_mfn[off] != NO_MFN;
    p2m_for_each_leaf(&f->p2m, check_leaf_against_model, &lc);
    CHECK_EQ(lc.mapped, mapped);
    check_table_accounting(f);
}

/* A checksum of the tables on gfn's path (the only ones a change of gfn may
 * write), to check a failed change wrote none of them. */
static uint64_t path_checksum(struct p2m *p2m, uint64_t gfn)
{
    uint64_t sum = 0;

    for (int level = NPT_LEVELS - 1; level >= 0; level--) {
        npt_entry_t *e = entry_at(p2m, gfn, (unsigned int)level);
        if (!e)
            break;
        npt_entry_t *table = e - index_of(gfn, (unsigned int)level);
        for (unsigned int i = 0; i < NPT_ENTRIES; i++)
            sum = (sum ^ table[i]) * 0x100000001b3ULL + i;
    }
    return sum;
}

static void test_random_against_model(void)
{
    struct fixture f;
    uint64_t seed = unit_seed(0x4d696361ULL);
    unsigned long nr_failed = 0, nr_set = 0, nr_remove = 0;
    uint64_t max_tables = 0;

    printf("unit/p2m/test_random_against_model: seed=0x%llx (set MICA_TEST_SEED to change)\n",
           (unsigned long long)seed);
    fflush(stdout);
    unit_rng_start(seed);

    for (uint64_t off = 0; off < RND_WINDOW; off++) {
        model_mfn[off] = NO_MFN;
        model_type[off] = p2m_invalid;
    }
    setup(&f, P2M_ORDER_1G);

    for (int op = 0; op < RND_OPS && unit_failed_checks == 0; op++) {
        uint64_t r = unit_rng_below(100);

        if (r < 75) {
            /* Set (60%) or remove (15%) an aligned range. */
            bool remove = r >= 60;
            unsigned int order = random_order();
            uint64_t n = 1UL << order;
            uint64_t off = unit_rng_below(RND_WINDOW >> order) << order;
            uint64_t mfn = remove ? NO_MFN : unit_rng_below(1UL << (RND_MFN_BITS - order)) << order;
            enum p2m_type t = remove ? p2m_invalid : random_type();
            bool inject = unit_rng_below(100) < 25;
            unsigned long k = 1 + unit_rng_below(3);

            bool was_present = false;
            for (uint64_t i = 0; i < n && !was_present; i++)
                was_present = model_mfn[off + i] != NO_MFN;

            uint64_t tables = f.p2m.table_pages, pool = host_mm_free_frames();
            size_t parked = list_length(&f.p2m.free_after_flush);
            bool flush_before = f.p2m.flush_needed;
            uint64_t sum = inject ? path_checksum(&f.p2m, RND_BASE + off) : 0;
            unsigned long calls = host_mm_alloc_calls();

            if (inject)
                host_mm_fail_after(k);
            int rc = set(&f.p2m, RND_BASE + off, mfn, order, t);
            host_mm_fail_after(0);
            unsigned long used = host_mm_alloc_calls() - calls;

            if (inject && used >= k) {
                /* The injected failure was reached: nothing may change. */
                nr_failed++;
                CHECK_EQ(used, k);
                CHECK_EQ(rc, -XEN_ENOMEM);
                CHECK_EQ(f.p2m.table_pages, tables);
                CHECK_EQ(host_mm_free_frames(), pool);
                CHECK_EQ(list_length(&f.p2m.free_after_flush), parked);
                CHECK_EQ(f.p2m.flush_needed, flush_before);
                CHECK_EQ(path_checksum(&f.p2m, RND_BASE + off), sum);
                /* The range itself and its 2M neighbourhood. */
                uint64_t around = off & ~(GFNS_2M - 1);
                compare_range(&f.p2m, around, n > GFNS_2M ? n : GFNS_2M, 2048);
                continue;
            }
            CHECK_EQ(rc, 0);
            if (rc != 0)
                break;
            if (remove)
                nr_remove++;
            else
                nr_set++;
            for (uint64_t i = 0; i < n; i++) {
                model_mfn[off + i] = remove ? NO_MFN : mfn + i;
                model_type[off + i] = (uint8_t)t;
            }
            /* Changing or removing a present mapping asks for a flush; a
             * flush is asked for otherwise only when a table was unhooked. */
            if (was_present)
                CHECK(f.p2m.flush_needed);
            else if (!flush_before && f.p2m.flush_needed)
                CHECK(list_length(&f.p2m.free_after_flush) > parked);
            /* Table pages come only from the pool, go only to the parked list. */
            CHECK_EQ(host_mm_free_frames(),
                     f.pool_free - f.p2m.table_pages - list_length(&f.p2m.free_after_flush));
            compare_range(&f.p2m, off, n, 1024);
            if (off > 0)
                model_agrees(&f.p2m, off - 1);
            if (off + n < RND_WINDOW)
                model_agrees(&f.p2m, off + n);
        } else if (r < 95) {
            /* Look up random gfns. */
            for (int i = 0; i < 16; i++)
                model_agrees(&f.p2m, unit_rng_below(RND_WINDOW));
        } else {
            bool needed = f.p2m.flush_needed;
            unsigned int calls = flush_calls;
            p2m_flush(&f.p2m);
            CHECK_EQ(flush_calls, calls + (needed ? 1 : 0));
            CHECK(!f.p2m.flush_needed);
            CHECK(list_empty(&f.p2m.free_after_flush));
        }
        if (f.p2m.table_pages > max_tables)
            max_tables = f.p2m.table_pages;
        if ((op + 1) % RND_FULL_CHECK_EVERY == 0)
            compare_everything(&f);
    }
    compare_everything(&f);
    /* Beyond the window nothing was ever mapped. */
    check_unmapped(&f.p2m, RND_BASE - 1, 1);
    check_unmapped(&f.p2m, RND_BASE + RND_WINDOW, 1);
    printf("unit/p2m/test_random_against_model: %lu sets, %lu removals, %lu injected "
           "failures, up to %llu table pages\n",
           nr_set, nr_remove, nr_failed, (unsigned long long)max_tables);
    /* The run exercised what it is meant to. */
    CHECK(nr_failed > 0);
    CHECK(nr_set > 0 && nr_remove > 0);

    /* Remove everything at 1G: every table below the PDPTs is parked. */
    for (uint64_t off = 0; off < RND_WINDOW; off += GFNS_1G)
        CHECK_EQ(unmap(&f.p2m, RND_BASE + off, P2M_ORDER_1G), 0);
    check_unmapped(&f.p2m, RND_BASE, 1);
    CHECK_EQ(f.p2m.table_pages, 3); /* root and two PDPTs */
    finish(&f);
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_init_allocates_only_an_empty_root),
    UNIT_TEST(test_init_out_of_memory_returns_enomem),
    UNIT_TEST(test_can_map_and_look_up_4K),
    UNIT_TEST(test_can_map_and_look_up_2M),
    UNIT_TEST(test_can_map_and_look_up_1G),
    UNIT_TEST(test_highest_gfn_can_be_mapped),
    UNIT_TEST(test_1G_rejected_when_max_order_is_9),
    UNIT_TEST(test_bad_orders_are_rejected),
    UNIT_TEST(test_misaligned_gfn_or_mfn_is_rejected),
    UNIT_TEST(test_gfn_above_max_is_rejected),
    UNIT_TEST(test_removing_absent_range_allocates_nothing),
    UNIT_TEST(test_can_split_2M_superpage),
    UNIT_TEST(test_removing_4K_from_2M_superpage_splits_it),
    UNIT_TEST(test_can_split_1G_superpage_for_a_2M_change),
    UNIT_TEST(test_can_split_1G_superpage_down_to_4K),
    UNIT_TEST(test_split_preserves_every_type),
    UNIT_TEST(test_every_type_round_trips_at_every_order),
    UNIT_TEST(test_npt_bits_match_type_with_user_at_every_level),
    UNIT_TEST(test_removed_entries_are_zero),
    UNIT_TEST(test_replacing_subtree_with_2M_superpage_parks_its_table),
    UNIT_TEST(test_replacing_subtree_with_1G_superpage_parks_every_table),
    UNIT_TEST(test_removing_subtree_parks_its_tables),
    UNIT_TEST(test_flush_runs_exactly_when_a_present_mapping_changed),
    UNIT_TEST(test_flush_needed_accumulates_until_flush),
    UNIT_TEST(test_map_4K_out_of_memory_leaves_p2m_unchanged),
    UNIT_TEST(test_split_out_of_memory_leaves_p2m_unchanged),
    UNIT_TEST(test_split_by_removal_out_of_memory_leaves_p2m_unchanged),
    UNIT_TEST(test_for_each_leaf_visits_leaves_in_gfn_order),
    UNIT_TEST(test_for_each_leaf_on_empty_p2m_visits_nothing),
    UNIT_TEST(test_for_each_table_visits_every_table_page_with_its_level),
    UNIT_TEST(test_random_against_model),
};

int main(void)
{
    return unit_run("p2m", tests, ARRAY_SIZE(tests)) != 0;
}
