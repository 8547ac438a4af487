/*
 * Host unit tests of the physmap operations (mm/p2m/physmap.c) with the real
 * p2m (mm/p2m/p2m.c), frame ownership (mm/frame_owner.c) and references
 * (mm/frame_ref.c) on the fake machine of host_mm.c.
 *
 * Every test checks, besides the answer:
 *   - the frame bookkeeping against an oracle written here: each frame a
 *     domain owns has one reference for its allocation, one per p2m entry
 *     that maps it and one per foreign or grant mapping (foreign_refs); its
 *     reverse map names the gfn its owner maps it at; the page list holds
 *     exactly tot_pages frames;
 *   - the TLB rule: the p2m's flush function (a recorder here) runs after an
 *     entry lost its frame and before that frame is freed. The recorder
 *     looks at the frames the test names "departing": still allocated
 *     during the flush, free (or back with their owner) afterwards;
 *   - that nothing is held afterwards: every get_gfn was put, every lock
 *     released, on error paths too (host_gfn.h);
 *   - that a refused operation changed nothing (a snapshot of every gfn the
 *     test uses and of the frames' counts).
 */
#include <stdint.h>
#include <string.h>

#include "domain.h"
#include "frame.h"
#include "frame_owner.h"
#include "frame_ref.h"
#include "host_gfn.h"
#include "host_mm.h"
#include "p2m/p2m.h"
#include "p2m/physmap.h"
#include "page_alloc.h"
#include "public/errno.h"
#include "public/memory.h"
#include "unit.h"

#define POOL_FRAMES 8192
#define GFNS 0x800 /* the test domains use gfns below this */
#define MAX_PAGES 2048
#define GRANT_FRAMES 2

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the flush recorder -------------------------------------------------- */

#define MAX_DEPARTING 8
static struct {
    unsigned int calls;
    struct frame *departing[MAX_DEPARTING]; /* frames that must outlive the flush */
    uint32_t refs[MAX_DEPARTING], foreign_refs[MAX_DEPARTING]; /* theirs before */
    unsigned int nr_departing;
    bool freed_too_early;   /* one of them was free when the flush ran */
    bool dropped_too_early; /* or had lost a reference by then */
} flush;

/* At every flush, every departing frame is still allocated; at the first,
 * it also still holds every reference it held before the operation (a
 * mapping's reference goes after the flush, never before). */
static void record_flush(struct p2m *p2m)
{
    (void)p2m;
    for (unsigned int i = 0; i < flush.nr_departing; i++) {
        struct frame *f = flush.departing[i];
        if (f->use == FRAME_FREE || f->refcount == 0)
            flush.freed_too_early = true;
        else if (!flush.calls &&
                 (f->refcount < flush.refs[i] || f->foreign_refs < flush.foreign_refs[i]))
            flush.dropped_too_early = true;
    }
    flush.calls++;
}

/* The frame f will leave a p2m in the next operation. */
static void expect_departure(struct frame *f)
{
    if (flush.nr_departing < MAX_DEPARTING) {
        flush.refs[flush.nr_departing] = f->refcount;
        flush.foreign_refs[flush.nr_departing] = f->foreign_refs;
        flush.departing[flush.nr_departing++] = f;
    }
}

static void flush_reset(void)
{
    memset(&flush, 0, sizeof(flush));
}

/* ---- fixture: two domains (d0 may map d1's frames) ----------------------- */

static struct domain doms[2];
static struct frame *grant_frames[2][GRANT_FRAMES];

static void domain_setup(struct domain *d, domid_t id)
{
    memset(d, 0, sizeof(*d));
    d->domid = id;
    d->state = DOMAIN_RUNNING;
    d->max_pages = MAX_PAGES;
    spin_lock_init(&d->lock, "domain_lock", LOCK_LEVEL_DOMAIN);
    list_init(&d->page_list);
    CHECK_EQ(p2m_init(&d->p2m, P2M_ORDER_1G, record_flush), 0);
    d->shared_info = frames_assign(d, 0, FRAME_SPECIAL);
    d->grant_frames = grant_frames[id];
    d->max_grant_frames = GRANT_FRAMES;
    for (unsigned int i = 0; i < GRANT_FRAMES; i++)
        d->grant_frames[i] = frames_assign(d, 0, FRAME_SPECIAL);
}

static uint64_t pool_free_at_start;

static void setup(void)
{
    host_mm_init(POOL_FRAMES);
    pool_free_at_start = host_mm_free_frames();
    domain_setup(&doms[0], 0);
    domain_setup(&doms[1], 1);
    flush_reset();
}

/* Unmap and free everything, as teardown would, and check that every frame
 * came back. */
static void leaf_drop(gfn_t gfn, mfn_t mfn, unsigned int order, enum p2m_type t, void *arg)
{
    (void)gfn;
    (void)arg;
    for (uint64_t i = 0; i < (1UL << order); i++) {
        struct frame *f = mfn_to_frame(mfn_add(mfn, i));
        if (t != p2m_ram_rw && t != p2m_ram_ro) /* foreign, grant: a foreign reference */
            frame_put_foreign(f);
        else
            frame_put(f);
    }
}

static void teardown_domain(struct domain *d)
{
    p2m_for_each_leaf(&d->p2m, leaf_drop, NULL);
    p2m_flush(&d->p2m);
    p2m_teardown(&d->p2m);
}

static void release_domain_frames(struct domain *d)
{
    struct list_head *pos, *tmp;

    list_for_each_safe(pos, tmp, &d->page_list) {
        struct frame *f = list_entry(pos, struct frame, list);
        list_del(pos);
        f->owner = NULL;
        frame_put(f);
    }
    frame_put(d->shared_info);
    for (unsigned int i = 0; i < GRANT_FRAMES; i++)
        frame_put(d->grant_frames[i]);
}

static void finish(void)
{
    teardown_domain(&doms[0]);
    teardown_domain(&doms[1]);
    release_domain_frames(&doms[0]);
    release_domain_frames(&doms[1]);
    CHECK_EQ(host_mm_free_frames(), pool_free_at_start);
    host_mm_fini();
}

/* ---- looking at the p2m and the frames ----------------------------------- */

struct entry {
    mfn_t mfn;
    enum p2m_type t;
};

static struct entry lookup(struct domain *d, uint64_t gfn)
{
    struct entry e;
    unsigned int order;

    spin_lock(&d->p2m.lock);
    e.mfn = p2m_get_entry(&d->p2m, _gfn(gfn), &e.t, &order);
    spin_unlock(&d->p2m.lock);
    return e;
}

static struct frame *frame_at(struct domain *d, uint64_t gfn)
{
    struct entry e = lookup(d, gfn);

    return mfn_eq(e.mfn, INVALID_MFN) ? NULL : mfn_to_frame(e.mfn);
}

static bool on_list(const struct list_head *head, const struct frame *f)
{
    const struct list_head *pos;

    list_for_each(pos, head)
        if (pos == &f->list)
            return true;
    return false;
}

/*
 * The oracle: every frame of the machine that a test domain owns or maps
 * has exactly the references and reverse map the p2ms say.
 */
static void check_bookkeeping(void)
{
    static uint32_t own_maps[POOL_FRAMES], other_maps[POOL_FRAMES];
    static uint64_t own_gfn[POOL_FRAMES];

    memset(own_maps, 0, sizeof(own_maps));
    memset(other_maps, 0, sizeof(other_maps));
    for (unsigned int i = 0; i < POOL_FRAMES; i++)
        own_gfn[i] = UINT64_MAX;
    for (unsigned int di = 0; di < 2; di++) {
        for (uint64_t gfn = 0; gfn < GFNS; gfn++) {
            struct entry e = lookup(&doms[di], gfn);
            if (mfn_eq(e.mfn, INVALID_MFN))
                continue;
            struct frame *f = mfn_to_frame(e.mfn);
            if (e.t == p2m_ram_rw || e.t == p2m_ram_ro) {
                CHECK(f->owner == &doms[di]);
                own_maps[mfn_x(e.mfn)]++;
                own_gfn[mfn_x(e.mfn)] = gfn;
            } else if (p2m_is_foreign_map(e.t)) {
                other_maps[mfn_x(e.mfn)]++;
            } /* MMIO: a machine frame, no bookkeeping */
        }
    }
    for (unsigned int di = 0; di < 2; di++) {
        const struct list_head *pos;
        uint64_t n = 0;
        list_for_each(pos, &doms[di].page_list)
            n++;
        CHECK_EQ(n, doms[di].tot_pages);
    }
    for (uint64_t m = 0; m < POOL_FRAMES; m++) {
        struct frame *f = &frame_table[m];
        bool ours = f->owner == &doms[0] || f->owner == &doms[1];
        if (!ours) {
            CHECK_EQ(own_maps[m] + other_maps[m], 0); /* nothing maps a frame no one owns */
            continue;
        }
        CHECK(f->use == FRAME_DOMAIN || f->use == FRAME_SPECIAL);
        CHECK_EQ(own_maps[m] <= 1, 1);
        CHECK_EQ(f->foreign_refs, other_maps[m]);
        CHECK_EQ(f->refcount, 1 + own_maps[m] + other_maps[m]);
        CHECK_EQ(gfn_x(f->gfn), own_gfn[m]);
        if (f->use == FRAME_DOMAIN)
            CHECK(on_list(&f->owner->page_list, f));
    }
}

/* After every operation: nothing held, the books balance, the flush came
 * before any departing frame was freed or lost a reference, and nothing
 * waits for a flush. */
static void check_after(void)
{
    CHECK_EQ(host_gfn_depth(), 0);
    CHECK_EQ(host_locks_held(), 0);
    CHECK(!flush.freed_too_early);
    CHECK(!flush.dropped_too_early);
    CHECK(!doms[0].p2m.flush_needed);
    CHECK(!doms[1].p2m.flush_needed);
    check_bookkeeping();
}

/* A snapshot of everything a refused operation must leave alone. */
struct snapshot {
    struct entry entries[2][GFNS];
    uint64_t tot_pages[2];
    uint64_t pool_free;
    uint32_t refcount[POOL_FRAMES];
};

static void snapshot_take(struct snapshot *s)
{
    for (unsigned int di = 0; di < 2; di++) {
        for (uint64_t gfn = 0; gfn < GFNS; gfn++)
            s->entries[di][gfn] = lookup(&doms[di], gfn);
        s->tot_pages[di] = doms[di].tot_pages;
    }
    s->pool_free = host_mm_free_frames();
    for (unsigned int m = 0; m < POOL_FRAMES; m++)
        s->refcount[m] = frame_table[m].refcount;
}

static void check_unchanged(const struct snapshot *before)
{
    static struct snapshot now;

    snapshot_take(&now);
    for (unsigned int di = 0; di < 2; di++) {
        CHECK_EQ(now.tot_pages[di], before->tot_pages[di]);
        for (uint64_t gfn = 0; gfn < GFNS; gfn++) {
            if (!mfn_eq(now.entries[di][gfn].mfn, before->entries[di][gfn].mfn) ||
                now.entries[di][gfn].t != before->entries[di][gfn].t) {
                CHECK_EQ(gfn, UINT64_MAX); /* names the first gfn that changed */
                break;
            }
        }
    }
    CHECK_EQ(now.pool_free, before->pool_free);
    CHECK(memcmp(now.refcount, before->refcount, sizeof(now.refcount)) == 0);
    check_after();
}

/* Fill a frame with a pattern, check it. */
static void stamp(struct frame *f, uint8_t v)
{
    memset(frame_to_virt(f), v, PAGE_SIZE);
}

static bool stamped(const struct frame *f, uint8_t v)
{
    const uint8_t *p = frame_to_virt(f);
    for (unsigned int i = 0; i < PAGE_SIZE; i++)
        if (p[i] != v)
            return false;
    return true;
}

static struct domain *const d0 = &doms[0];
static struct domain *const d1 = &doms[1];

/* ---- populate, increase ----------------------------------------------------- */

static void test_populate_maps_fresh_zeroed_frames(void)
{
    setup();
    CHECK_EQ(physmap_populate(d0, _gfn(0x10), 0), 0);
    CHECK_EQ(physmap_populate(d0, _gfn(0x200), 9), 0);
    struct frame *f = frame_at(d0, 0x10);
    CHECK(f && stamped(f, 0));
    CHECK_EQ(lookup(d0, 0x10).t, p2m_ram_rw);
    CHECK_EQ(d0->tot_pages, 513);
    for (uint64_t g = 0x200; g < 0x400; g++)
        CHECK(frame_at(d0, g) && frame_at(d0, g) == frame_at(d0, 0x200) + (g - 0x200));
    CHECK_EQ(flush.calls, 0); /* nothing was mapped before: nothing to flush */
    check_after();
    finish();
}

static void test_populate_refusals_change_nothing(void)
{
    struct snapshot s;

    setup();
    CHECK_EQ(physmap_populate(d0, _gfn(0x10), 0), 0);
    snapshot_take(&s);
    CHECK_EQ(physmap_populate(d0, _gfn(0x10), 0), -XEN_EEXIST);
    CHECK_EQ(physmap_populate(d0, _gfn(0x0), 9), -XEN_EEXIST);   /* 0x10 lies inside */
    CHECK_EQ(physmap_populate(d0, _gfn(0x201), 9), -XEN_EINVAL); /* misaligned */
    CHECK_EQ(physmap_populate(d0, _gfn(P2M_MAX_GFN + 1), 0), -XEN_EINVAL);
    d0->max_pages = d0->tot_pages;
    CHECK_EQ(physmap_populate(d0, _gfn(0x20), 0), -XEN_ENOMEM);
    d0->max_pages = MAX_PAGES;
    host_mm_fail_after(1);
    CHECK_EQ(physmap_populate(d0, _gfn(0x20), 0), -XEN_ENOMEM);
    host_mm_fail_after(0);
    d0->state = DOMAIN_SHUTDOWN;
    CHECK_EQ(physmap_populate(d0, _gfn(0x20), 0), -XEN_ESRCH);
    d0->state = DOMAIN_RUNNING;
    check_unchanged(&s);
    finish();
}

static void test_increase_counts_pages_up_to_max(void)
{
    setup();
    CHECK_EQ(physmap_increase(d0, 2), 0);
    CHECK_EQ(d0->tot_pages, 4);
    d0->max_pages = 5;
    CHECK_EQ(physmap_increase(d0, 1), -XEN_ENOMEM);
    CHECK_EQ(d0->tot_pages, 4);
    check_after();
    finish();
}

/* ---- decrease_reservation ----------------------------------------------------- */

static void test_decrease_frees_only_after_the_flush(void)
{
    setup();
    CHECK_EQ(physmap_populate(d0, _gfn(0x10), 0), 0);
    struct frame *f = frame_at(d0, 0x10);
    stamp(f, 0x5A);
    expect_departure(f);
    CHECK_EQ(physmap_decrease(d0, _gfn(0x10), 0), 0);
    CHECK_EQ(flush.calls, 1);
    CHECK(frame_at(d0, 0x10) == NULL);
    CHECK_EQ(f->use, FRAME_FREE); /* both references gone: freed */
    CHECK_EQ(d0->tot_pages, 0);
    check_after();
    finish();
}

static void test_decrease_whole_and_part_of_a_superpage(void)
{
    setup();
    CHECK_EQ(physmap_populate(d0, _gfn(0x200), 9), 0);
    CHECK_EQ(physmap_populate(d0, _gfn(0x400), 9), 0);
    struct frame *head = frame_at(d0, 0x200);
    for (unsigned int i = 0; i < 512; i += 64)
        expect_departure(head + i);
    CHECK_EQ(physmap_decrease(d0, _gfn(0x200), 9), 0);
    CHECK_EQ(head->use, FRAME_FREE);
    CHECK_EQ(head[511].use, FRAME_FREE);
    check_after();
    /* One page out of the middle of the other: a split, the rest stays. */
    flush_reset();
    struct frame *mid = frame_at(d0, 0x4A0);
    expect_departure(mid);
    CHECK_EQ(physmap_decrease(d0, _gfn(0x4A0), 0), 0);
    CHECK_EQ(flush.calls, 1);
    CHECK(frame_at(d0, 0x4A0) == NULL);
    CHECK(frame_at(d0, 0x49F) == mid - 1 && frame_at(d0, 0x4A1) == mid + 1);
    CHECK_EQ(mid->use, FRAME_FREE);
    CHECK_EQ(d0->tot_pages, 511);
    check_after();
    finish();
}

static void test_decrease_refusals_change_nothing(void)
{
    struct snapshot s;
    struct frame *held;

    setup();
    CHECK_EQ(physmap_populate(d0, _gfn(0x10), 0), 0);
    CHECK_EQ(physmap_populate(d0, _gfn(0x11), 0), 0);
    CHECK_EQ(physmap_populate(d1, _gfn(0x30), 0), 0);
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_shared_info, 0, _gfn(0x20)), 0);
    CHECK_EQ(physmap_add_foreign(d0, d1, _gfn(0x30), _gfn(0x21)), 0);
    CHECK_EQ(physmap_populate(d0, _gfn(0x16), 0), 0);
    CHECK_EQ(physmap_add_foreign(d0, d1, _gfn(0x30), _gfn(0x17)), 0);
    CHECK_EQ(physmap_hold_frame(d1, _gfn(0x30), true, &held), 0);
    CHECK_EQ(physmap_add_grant(d0, _gfn(0x22), held, false), 0);
    flush_reset();
    snapshot_take(&s);
    CHECK_EQ(physmap_decrease(d0, _gfn(0x12), 0), -XEN_EINVAL); /* a hole */
    CHECK_EQ(physmap_decrease(d0, _gfn(0x20), 0), -XEN_EINVAL); /* shared_info */
    CHECK_EQ(physmap_decrease(d0, _gfn(0x16), 1), -XEN_EINVAL); /* RAM, then a foreign page */
    CHECK_EQ(physmap_decrease(d0, _gfn(0x22), 0), -XEN_EINVAL); /* d1's frame, granted */
    CHECK_EQ(physmap_decrease(d0, _gfn(0x10), 2), -XEN_EINVAL); /* 0x10, 0x11 RAM, 0x12 not */
    CHECK_EQ(physmap_decrease(d0, _gfn(0x11), 1), -XEN_EINVAL); /* misaligned */
    CHECK_EQ(physmap_decrease(d0, _gfn(P2M_MAX_GFN + 1), 0), -XEN_EINVAL);
    d0->state = DOMAIN_DYING;
    CHECK_EQ(physmap_decrease(d0, _gfn(0x11), 0), -XEN_ESRCH);
    d0->state = DOMAIN_RUNNING;
    check_unchanged(&s);
    CHECK_EQ(flush.calls, 0);
    /* The pair 0x10..0x11 is all RAM: that works. */
    CHECK_EQ(physmap_decrease(d0, _gfn(0x10), 1), 0);
    CHECK_EQ(physmap_remove_grant(d0, _gfn(0x22), held), 0);
    physmap_release_frame(d1, held);
    check_after();
    finish();
}

/* ---- add_to_physmap --------------------------------------------------------------- */

static void test_add_gmfn_moves_the_frame_and_frees_the_one_it_replaces(void)
{
    setup();
    CHECK_EQ(physmap_populate(d0, _gfn(0x10), 0), 0);
    CHECK_EQ(physmap_populate(d0, _gfn(0x11), 0), 0);
    struct frame *moving = frame_at(d0, 0x10), *replaced = frame_at(d0, 0x11);
    stamp(moving, 0x01);
    expect_departure(replaced);
    expect_departure(moving); /* its old gfn's translation must go too */
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_gmfn, 0x10, _gfn(0x11)), 0);
    CHECK(flush.calls >= 1);
    CHECK(frame_at(d0, 0x10) == NULL);
    CHECK(frame_at(d0, 0x11) == moving);
    CHECK_EQ(replaced->use, FRAME_FREE);
    CHECK_EQ(d0->tot_pages, 1);
    check_after();
    /* Onto a hole, and onto itself (nothing to do). */
    flush_reset();
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_gmfn, 0x11, _gfn(0x12)), 0);
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_gmfn, 0x12, _gfn(0x12)), 0);
    CHECK(frame_at(d0, 0x12) == moving && stamped(moving, 0x01));
    check_after();
    finish();
}

static void test_add_special_frames(void)
{
    setup();
    CHECK_EQ(physmap_populate(d0, _gfn(0x10), 0), 0);
    struct frame *ram = frame_at(d0, 0x10);
    expect_departure(ram);
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_shared_info, 0, _gfn(0x10)), 0);
    CHECK(frame_at(d0, 0x10) == d0->shared_info);
    CHECK_EQ(ram->use, FRAME_FREE);
    CHECK_EQ(d0->tot_pages, 0);
    check_after();
    /* Mapped again elsewhere: it moves (the old gfn becomes a hole). */
    flush_reset();
    expect_departure(d0->shared_info);
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_shared_info, 0, _gfn(0x13)), 0);
    CHECK(frame_at(d0, 0x10) == NULL && frame_at(d0, 0x13) == d0->shared_info);
    CHECK(flush.calls >= 1);
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_grant_table, 1, _gfn(0x14)), 0);
    CHECK(frame_at(d0, 0x14) == d0->grant_frames[1]);
    check_after();
    finish();
}

static void test_add_refusals_change_nothing(void)
{
    struct snapshot s;
    struct frame *held;

    setup();
    CHECK_EQ(physmap_populate(d0, _gfn(0x10), 0), 0);
    CHECK_EQ(physmap_populate(d1, _gfn(0x30), 0), 0);
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_shared_info, 0, _gfn(0x20)), 0);
    CHECK_EQ(physmap_hold_frame(d1, _gfn(0x30), true, &held), 0);
    CHECK_EQ(physmap_add_grant(d0, _gfn(0x22), held, false), 0);
    flush_reset();
    snapshot_take(&s);
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_shared_info, 1, _gfn(0x11)), -XEN_EINVAL);
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_grant_table, GRANT_FRAMES, _gfn(0x11)), -XEN_EINVAL);
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_grant_table, XENMAPIDX_grant_table_status, _gfn(0x11)),
             -XEN_EINVAL);
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_gmfn, 0x12, _gfn(0x11)), -XEN_EINVAL); /* a hole */
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_gmfn, 0x20, _gfn(0x11)), -XEN_EINVAL); /* shared_info */
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_gmfn, P2M_MAX_GFN + 1, _gfn(0x11)), -XEN_EINVAL);
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_gmfn, 0x10, _gfn(P2M_MAX_GFN + 1)), -XEN_EINVAL);
    CHECK_EQ(physmap_add(d0, 99, 0, _gfn(0x11)), -XEN_EINVAL);
    /* A grant mapping is never replaced (it leaves only through unmap). */
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_gmfn, 0x10, _gfn(0x22)), -XEN_EINVAL);
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_shared_info, 0, _gfn(0x22)), -XEN_EINVAL);
    d0->state = DOMAIN_SHUTDOWN;
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_gmfn, 0x10, _gfn(0x11)), -XEN_ESRCH);
    d0->state = DOMAIN_RUNNING;
    check_unchanged(&s);
    CHECK_EQ(physmap_remove_grant(d0, _gfn(0x22), held), 0);
    physmap_release_frame(d1, held);
    check_after();
    finish();
}

/* Moving a frame into the middle of a superpage needs a split: when that
 * split cannot have its table page, nothing changes. */
static void test_add_into_a_superpage_out_of_memory(void)
{
    struct snapshot s;

    setup();
    CHECK_EQ(physmap_populate(d0, _gfn(0x200), 9), 0);
    CHECK_EQ(physmap_populate(d0, _gfn(0x10), 0), 0);
    snapshot_take(&s);
    host_mm_fail_after(1);
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_gmfn, 0x10, _gfn(0x280)), -XEN_ENOMEM);
    host_mm_fail_after(0);
    check_unchanged(&s);
    struct frame *replaced = frame_at(d0, 0x280);
    expect_departure(replaced);
    CHECK_EQ(physmap_add(d0, XENMAPSPACE_gmfn, 0x10, _gfn(0x280)), 0);
    CHECK_EQ(replaced->use, FRAME_FREE);
    check_after();
    finish();
}

/* ---- foreign mappings ------------------------------------------------------------- */

static void test_foreign_map_replaces_ram_after_a_flush_and_unmaps(void)
{
    setup();
    CHECK_EQ(physmap_populate(d1, _gfn(0x30), 0), 0);
    CHECK_EQ(physmap_populate(d0, _gfn(0x10), 0), 0);
    struct frame *theirs = frame_at(d1, 0x30), *ours = frame_at(d0, 0x10);
    stamp(theirs, 0x77);
    expect_departure(ours);
    CHECK_EQ(physmap_add_foreign(d0, d1, _gfn(0x30), _gfn(0x10)), 0);
    CHECK_EQ(flush.calls, 1);
    CHECK(frame_at(d0, 0x10) == theirs);
    CHECK_EQ(lookup(d0, 0x10).t, p2m_map_foreign);
    CHECK_EQ(ours->use, FRAME_FREE); /* the RAM it replaced left d0 */
    CHECK_EQ(theirs->foreign_refs, 1);
    check_after();
    /* remove_from_physmap of a foreign mapping: the owner keeps its frame. */
    flush_reset();
    expect_departure(theirs);
    CHECK_EQ(physmap_remove(d0, _gfn(0x10)), 0);
    CHECK_EQ(flush.calls, 1);
    CHECK_EQ(theirs->foreign_refs, 0);
    CHECK(theirs->owner == d1 && stamped(theirs, 0x77));
    check_after();
    finish();
}

static void test_foreign_map_refusals_change_nothing(void)
{
    struct snapshot s;

    setup();
    CHECK_EQ(physmap_populate(d1, _gfn(0x30), 0), 0);
    CHECK_EQ(physmap_populate(d0, _gfn(0x10), 0), 0);
    snapshot_take(&s);
    CHECK_EQ(physmap_add_foreign(d0, d0, _gfn(0x10), _gfn(0x11)), -XEN_EINVAL); /* itself */
    CHECK_EQ(physmap_add_foreign(d0, d1, _gfn(0x31), _gfn(0x11)), -XEN_EINVAL); /* a hole there */
    CHECK_EQ(physmap_add_foreign(d0, d1, _gfn(P2M_MAX_GFN + 1), _gfn(0x11)), -XEN_EINVAL);
    CHECK_EQ(physmap_add_foreign(d0, d1, _gfn(0x30), _gfn(P2M_MAX_GFN + 1)), -XEN_EINVAL);
    d1->state = DOMAIN_SHUTDOWN;
    CHECK_EQ(physmap_add_foreign(d0, d1, _gfn(0x30), _gfn(0x11)), -XEN_ESRCH);
    d1->state = DOMAIN_RUNNING;
    d0->state = DOMAIN_SHUTDOWN;
    CHECK_EQ(physmap_add_foreign(d0, d1, _gfn(0x30), _gfn(0x11)), -XEN_ESRCH);
    d0->state = DOMAIN_RUNNING;
    check_unchanged(&s);
    finish();
}

/* decrease_reservation of a single foreign mapping removes it (after a
 * flush), as Xen: the extent counts, our own pages do not change, and the
 * owner keeps its frame. */
static void test_decrease_of_a_foreign_mapping_unmaps_it(void)
{
    setup();
    CHECK_EQ(physmap_populate(d1, _gfn(0x30), 0), 0);
    struct frame *theirs = frame_at(d1, 0x30);
    CHECK_EQ(physmap_add_foreign(d0, d1, _gfn(0x30), _gfn(0x10)), 0);
    uint64_t pages = d0->tot_pages;
    flush_reset();
    expect_departure(theirs);
    CHECK_EQ(physmap_decrease(d0, _gfn(0x10), 0), 0);
    CHECK_EQ(flush.calls, 1);
    CHECK(frame_at(d0, 0x10) == NULL);
    CHECK_EQ(d0->tot_pages, pages);
    CHECK(theirs->owner == d1 && theirs->foreign_refs == 0 && theirs->refcount == 2);
    check_after();
    finish();
}

/* ---- remove_from_physmap ---------------------------------------------------------- */

static void test_remove_ram_keeps_the_frame_with_its_domain(void)
{
    setup();
    CHECK_EQ(physmap_populate(d0, _gfn(0x200), 9), 0);
    struct frame *f = frame_at(d0, 0x234);
    expect_departure(f);
    CHECK_EQ(physmap_remove(d0, _gfn(0x234)), 0); /* a split first */
    CHECK_EQ(flush.calls, 1);
    CHECK(frame_at(d0, 0x234) == NULL && frame_at(d0, 0x235) == f + 1);
    CHECK(f->owner == d0 && f->use == FRAME_DOMAIN && f->refcount == 1);
    CHECK(gfn_eq(f->gfn, INVALID_GFN));
    CHECK_EQ(d0->tot_pages, 512);
    check_after();
    finish();
}

/*
 * The typed entries (grant mappings, MMIO) leave only through their own
 * API: remove_from_physmap refuses them. Guests reach this path with a
 * grant mapping (gnttab/multi does); MMIO entries no operation creates yet,
 * so the test writes one itself.
 */
static void test_remove_refuses_holes_and_typed_entries(void)
{
    struct snapshot s;
    struct frame *held;

    setup();
    CHECK_EQ(physmap_populate(d1, _gfn(0x30), 0), 0);
    CHECK_EQ(physmap_populate(d0, _gfn(0x200), 9), 0);
    CHECK_EQ(physmap_hold_frame(d1, _gfn(0x30), true, &held), 0);
    CHECK_EQ(physmap_add_grant(d0, _gfn(0x22), held, true), 0);
    struct frame *mmio = alloc_frames(0);
    spin_lock(&d0->p2m.lock);
    CHECK_EQ(p2m_set_entry(&d0->p2m, _gfn(0x23), frame_to_mfn(mmio), P2M_ORDER_4K, p2m_mmio_direct),
             0);
    spin_unlock(&d0->p2m.lock);
    flush_reset();
    snapshot_take(&s);
    CHECK_EQ(physmap_remove(d0, _gfn(0x24)), -XEN_ENOENT);
    CHECK_EQ(physmap_remove(d0, _gfn(0x22)), -XEN_EINVAL);
    CHECK_EQ(physmap_remove(d0, _gfn(0x23)), -XEN_EINVAL);
    CHECK_EQ(physmap_remove(d0, _gfn(P2M_MAX_GFN + 1)), -XEN_EINVAL);
    /* A split that cannot have its table page. */
    host_mm_fail_after(1);
    CHECK_EQ(physmap_remove(d0, _gfn(0x234)), -XEN_ENOMEM);
    host_mm_fail_after(0);
    d0->state = DOMAIN_SHUTDOWN;
    CHECK_EQ(physmap_remove(d0, _gfn(0x200)), -XEN_ESRCH);
    d0->state = DOMAIN_RUNNING;
    check_unchanged(&s);
    CHECK_EQ(flush.calls, 0);

    spin_lock(&d0->p2m.lock);
    CHECK_EQ(p2m_set_entry(&d0->p2m, _gfn(0x23), _mfn(0), P2M_ORDER_4K, p2m_invalid), 0);
    spin_unlock(&d0->p2m.lock);
    p2m_flush(&d0->p2m);
    free_frames(mmio, 0);
    CHECK_EQ(physmap_remove_grant(d0, _gfn(0x22), held), 0);
    physmap_release_frame(d1, held);
    check_after();
    finish();
}

/* ---- grant mappings ------------------------------------------------------------------ */

static void test_grant_hold_map_unmap_release(void)
{
    struct frame *held, *other;

    setup();
    CHECK_EQ(physmap_populate(d1, _gfn(0x30), 0), 0);
    CHECK_EQ(physmap_populate(d0, _gfn(0x10), 0), 0);
    struct frame *f = frame_at(d1, 0x30);
    CHECK_EQ(physmap_hold_frame(d1, _gfn(0x30), true, &held), 0);
    CHECK(held == f && f->foreign_refs == 1 && f->refcount == 3);
    /* Only d1's own RAM can be held: not a hole, not a special frame. */
    CHECK_EQ(physmap_add(d1, XENMAPSPACE_shared_info, 0, _gfn(0x31)), 0);
    CHECK_EQ(physmap_hold_frame(d1, _gfn(0x31), false, &other), -XEN_EINVAL);
    CHECK_EQ(physmap_hold_frame(d1, _gfn(0x32), false, &other), -XEN_EINVAL);
    CHECK_EQ(physmap_hold_frame(d1, _gfn(P2M_MAX_GFN + 1), false, &other), -XEN_EINVAL);
    CHECK_EQ(host_gfn_depth(), 0);

    CHECK_EQ(physmap_add_grant(d0, _gfn(0x10), held, false), -XEN_EEXIST); /* not a hole */
    CHECK_EQ(physmap_add_grant(d0, _gfn(P2M_MAX_GFN + 1), held, false), -XEN_EINVAL);
    CHECK_EQ(physmap_add_grant(d0, _gfn(0x11), held, false), 0);
    CHECK_EQ(lookup(d0, 0x11).t, p2m_grant_map_rw);
    /* The hold's reference is the mapping's now (grant_table.c keeps it). */
    CHECK_EQ(physmap_remove_grant(d0, _gfn(0x10), held), -XEN_EINVAL);            /* not a grant */
    CHECK_EQ(physmap_remove_grant(d0, _gfn(0x11), d0->shared_info), -XEN_EINVAL); /* not f */
    flush_reset();
    expect_departure(f);
    CHECK_EQ(physmap_remove_grant(d0, _gfn(0x11), held), 0);
    CHECK_EQ(flush.calls, 1);
    CHECK(frame_at(d0, 0x11) == NULL);
    physmap_release_frame(d1, held);
    CHECK(f->foreign_refs == 0 && f->refcount == 2);
    check_after();
    finish();
}

/* A frame its owner gives back while another domain holds it by grant
 * stays allocated (the hold's reference) until that holder lets go. */
static void test_decrease_of_a_held_frame_waits_for_its_holder(void)
{
    struct frame *held;

    setup();
    CHECK_EQ(physmap_populate(d1, _gfn(0x30), 0), 0);
    struct frame *f = frame_at(d1, 0x30);
    stamp(f, 0x42);
    CHECK_EQ(physmap_hold_frame(d1, _gfn(0x30), false, &held), 0);
    CHECK_EQ(physmap_add_grant(d0, _gfn(0x10), held, true), 0);
    CHECK_EQ(physmap_decrease(d1, _gfn(0x30), 0), 0);
    CHECK(f->use != FRAME_FREE && f->refcount == 1 && f->foreign_refs == 1);
    CHECK(stamped(f, 0x42)); /* d0 still reads what d1 wrote */
    CHECK_EQ(d1->tot_pages, 0);
    CHECK_EQ(physmap_remove_grant(d0, _gfn(0x10), held), 0);
    physmap_release_frame(d1, held);
    CHECK_EQ(f->use, FRAME_FREE);
    check_after();
    finish();
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_populate_maps_fresh_zeroed_frames),
    UNIT_TEST(test_populate_refusals_change_nothing),
    UNIT_TEST(test_increase_counts_pages_up_to_max),
    UNIT_TEST(test_decrease_frees_only_after_the_flush),
    UNIT_TEST(test_decrease_whole_and_part_of_a_superpage),
    UNIT_TEST(test_decrease_refusals_change_nothing),
    UNIT_TEST(test_decrease_of_a_held_frame_waits_for_its_holder),
    UNIT_TEST(test_add_gmfn_moves_the_frame_and_frees_the_one_it_replaces),
    UNIT_TEST(test_add_special_frames),
    UNIT_TEST(test_add_refusals_change_nothing),
    UNIT_TEST(test_add_into_a_superpage_out_of_memory),
    UNIT_TEST(test_foreign_map_replaces_ram_after_a_flush_and_unmaps),
    UNIT_TEST(test_foreign_map_refusals_change_nothing),
    UNIT_TEST(test_decrease_of_a_foreign_mapping_unmaps_it),
    UNIT_TEST(test_remove_ram_keeps_the_frame_with_its_domain),
    UNIT_TEST(test_remove_refuses_holes_and_typed_entries),
    UNIT_TEST(test_grant_hold_map_unmap_release),
};

int main(void)
{
    return unit_run("physmap", tests, ARRAY_SIZE(tests));
}
