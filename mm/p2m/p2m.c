/*
 * The p2m's page-table logic (see p2m.h). The entry encoding is in
 * x86/npt.h, the table geometry in x86/pte.h; this file only walks, splits
 * and frees tables, so it builds and runs on the host in unit tests with a
 * fake frame pool.
 */
#include "p2m/p2m.h"
#include "assert.h"
#include "lib/string.h"
#include "page_alloc.h"
#include "public/errno.h"

static npt_entry_t *table_of(mfn_t mfn)
{
    return mfn_to_virt(mfn);
}

static unsigned int order_to_level(unsigned int order)
{
    return order / PT_INDEX_BITS;
}

static struct frame *new_table(struct p2m *p2m)
{
    struct frame *f = alloc_frames(0);

    if (!f)
        return NULL;
    memset(frame_to_virt(f), 0, PAGE_SIZE);
    f->use = FRAME_P2M_TABLE;
    list_add_tail(&f->list, &p2m->tables);
    p2m->table_pages++;
    return f;
}

int p2m_init(struct p2m *p2m, unsigned int max_order, void (*flush_tlbs)(struct p2m *))
{
    struct frame *root;

    spin_lock_init(&p2m->lock, "p2m_lock", LOCK_LEVEL_P2M);
    list_init(&p2m->tables);
    list_init(&p2m->free_after_flush);
    p2m->table_pages = 0;
    p2m->flush_needed = false;
    p2m->max_mapped_gfn = _gfn(0);
    p2m->table_limit = 0;
    p2m->max_order = max_order;
    p2m->flush_tlbs = flush_tlbs;
    root = new_table(p2m);
    if (!root)
        return -XEN_ENOMEM;
    p2m->root = frame_to_mfn(root);
    return 0;
}

/*
 * How many new table pages does mapping (gfn, target level) need? One for
 * every level from the first one where the walk finds nothing (a new table)
 * or a superpage (split into a table) down to just above the target.
 * *absent tells whether the walk ended on nothing at all.
 */
static unsigned int tables_needed(struct p2m *p2m, gfn_t gfn, unsigned int target, bool *absent)
{
    npt_entry_t *table = table_of(p2m->root);

    *absent = false;
    for (unsigned int level = PT_LEVELS - 1; level > target; level--) {
        npt_entry_t e = table[pt_index_frame(gfn_x(gfn), level)];
        if (!npt_present(e) || npt_is_leaf(e, level)) {
            *absent = !npt_present(e);
            return level - target;
        }
        table = table_of(npt_mfn(e));
    }
    return 0;
}

/* Park a subtree's table pages until the next flush. */
static void unhook_subtree(struct p2m *p2m, mfn_t table_mfn, unsigned int level)
{
    npt_entry_t *table = table_of(table_mfn);
    struct frame *f = mfn_to_frame(table_mfn);

    for (unsigned int i = 0; level > 1 && i < PT_ENTRIES; i++) {
        if (npt_present(table[i]) && !npt_is_leaf(table[i], level - 1))
            unhook_subtree(p2m, npt_mfn(table[i]), level - 1);
    }
    list_del(&f->list);
    list_add_tail(&f->list, &p2m->free_after_flush);
    p2m->table_pages--;
}

/* Fill a fresh table with the 512 pieces of the superpage `leaf` (level). */
static void split_into(npt_entry_t *table, npt_entry_t leaf, unsigned int level)
{
    mfn_t base = npt_mfn(leaf);
    enum p2m_type t = npt_type(leaf);

    for (unsigned int i = 0; i < PT_ENTRIES; i++)
        table[i] = npt_make_leaf(mfn_add(base, (uint64_t)i << PT_LEVEL_ORDER(level - 1)), t,
                                 level - 1);
}

/*
 * Make the walk to gfn reach `target`: create missing tables and split
 * superpages above it (a split changes no translation). Every table page is
 * reserved first, so -ENOMEM (or the domain's table limit) leaves the p2m
 * exactly as it was. Returns the entry at the target level in *slot.
 */
static int walk_to(struct p2m *p2m, gfn_t gfn, unsigned int target, npt_entry_t **slot)
{
    /* LAB p2m_set_entry: BEGIN */
    /* LAB p2m_set_entry: STUB (void)p2m, (void)gfn, (void)target, (void)slot; */
    /* LAB p2m_set_entry: STUB (void)split_into; */
    /* LAB p2m_set_entry: STUB return -XEN_ENOSYS; */
    struct frame *reserved[PT_LEVELS];
    unsigned int nr_reserved, used = 0;
    npt_entry_t *table = table_of(p2m->root);
    bool absent;

    nr_reserved = tables_needed(p2m, gfn, target, &absent);
    if (p2m->table_limit && p2m->table_pages + nr_reserved > p2m->table_limit)
        return -XEN_ENOMEM;
    for (unsigned int i = 0; i < nr_reserved; i++) {
        reserved[i] = alloc_frames(0);
        if (!reserved[i]) {
            while (i--)
                free_frames(reserved[i], 0);
            return -XEN_ENOMEM;
        }
    }

    for (unsigned int level = PT_LEVELS - 1; level > target; level--) {
        npt_entry_t *e = &table[pt_index_frame(gfn_x(gfn), level)];

        if (!npt_present(*e) || npt_is_leaf(*e, level)) {
            struct frame *f = reserved[used++];
            npt_entry_t *fresh = frame_to_virt(f);

            memset(fresh, 0, PAGE_SIZE);
            if (npt_present(*e))
                split_into(fresh, *e, level);
            f->use = FRAME_P2M_TABLE;
            list_add_tail(&f->list, &p2m->tables);
            p2m->table_pages++;
            /* The table is complete before the entry points at it, so a
             * CPU walking concurrently sees either the old or the new tree. */
            __atomic_store_n(e, npt_make_table(frame_to_mfn(f)), __ATOMIC_RELEASE);
        }
        table = table_of(npt_mfn(*e));
    }
    ASSERT(used == nr_reserved);
    *slot = &table[pt_index_frame(gfn_x(gfn), target)];
    return 0;
    /* LAB p2m_set_entry: END */
}

int p2m_set_entry(struct p2m *p2m, gfn_t gfn, mfn_t mfn, unsigned int order, enum p2m_type t)
{
    unsigned int target = order_to_level(order);
    npt_entry_t *slot;
    bool absent;
    int rc;

    /* Validate everything before the first change. */
    if ((order != P2M_ORDER_4K && order != P2M_ORDER_2M && order != P2M_ORDER_1G) ||
        order > p2m->max_order)
        return -XEN_EINVAL;
    if (gfn_x(gfn) > P2M_MAX_GFN || (gfn_x(gfn) & ((1UL << order) - 1)) ||
        (unsigned int)t >= P2M_NR_TYPES)
        return -XEN_EINVAL;
    /* A mapping's frame must be aligned and fit the entry's address field
     * (a failed lookup's INVALID_MFN must never be mapped). */
    if (t != p2m_invalid &&
        ((mfn_x(mfn) & ((1UL << order) - 1)) || mfn_x(mfn) > (PTE_ADDR_MASK >> PAGE_SHIFT)))
        return -XEN_EINVAL;

    /* Removing what is not there changes nothing (and builds no tables). */
    tables_needed(p2m, gfn, target, &absent);
    if (t == p2m_invalid && absent)
        return 0;

    /* LAB p2m_set_entry: BEGIN */
    /* LAB p2m_set_entry: STUB (void)slot, (void)rc, (void)unhook_subtree; */
    /* LAB p2m_set_entry: STUB return -XEN_ENOSYS; */
    rc = walk_to(p2m, gfn, target, &slot);
    if (rc)
        return rc;

    npt_entry_t old = *slot;
    if (npt_present(old)) {
        p2m->flush_needed = true;
        if (!npt_is_leaf(old, target))
            unhook_subtree(p2m, npt_mfn(old), target);
    }
    __atomic_store_n(slot, npt_make_leaf(mfn, t, target), __ATOMIC_RELEASE);
    if (t != p2m_invalid && gfn_x(gfn) + (1UL << order) - 1 > gfn_x(p2m->max_mapped_gfn))
        p2m->max_mapped_gfn = gfn_add(gfn, (1UL << order) - 1);
    /* LAB p2m_set_entry: END */
    return 0;
}

int p2m_prepare_4k(struct p2m *p2m, gfn_t gfn)
{
    npt_entry_t *slot;

    if (gfn_x(gfn) > P2M_MAX_GFN)
        return -XEN_EINVAL;
    return walk_to(p2m, gfn, 0, &slot);
}

mfn_t p2m_get_entry(struct p2m *p2m, gfn_t gfn, enum p2m_type *t, unsigned int *order)
{
    npt_entry_t *table = table_of(p2m->root);

    *t = p2m_invalid;
    *order = 0;
    if (gfn_x(gfn) > P2M_MAX_GFN)
        return INVALID_MFN;
    for (unsigned int level = PT_LEVELS - 1;; level--) {
        npt_entry_t e = table[pt_index_frame(gfn_x(gfn), level)];

        if (!npt_present(e))
            return INVALID_MFN;
        if (npt_is_leaf(e, level)) {
            uint64_t offset = gfn_x(gfn) & ((1UL << PT_LEVEL_ORDER(level)) - 1);
            *t = npt_type(e);
            *order = PT_LEVEL_ORDER(level);
            return mfn_add(npt_mfn(e), offset);
        }
        table = table_of(npt_mfn(e));
    }
}

void p2m_flush(struct p2m *p2m)
{
    struct list_head *pos, *tmp;

    if (p2m->flush_needed) {
        p2m->flush_tlbs(p2m);
        p2m->flush_needed = false;
    }
    list_for_each_safe(pos, tmp, &p2m->free_after_flush) {
        struct frame *f = list_entry(pos, struct frame, list);
        list_del(&f->list);
        f->use = FRAME_MICA;
        free_frames(f, 0);
    }
}

static void visit(npt_entry_t *table, unsigned int level, gfn_t base, p2m_leaf_fn fn, void *arg)
{
    for (unsigned int i = 0; i < PT_ENTRIES; i++) {
        npt_entry_t e = table[i];
        gfn_t gfn = gfn_add(base, (uint64_t)i << PT_LEVEL_ORDER(level));

        if (!npt_present(e))
            continue;
        if (npt_is_leaf(e, level))
            fn(gfn, npt_mfn(e), PT_LEVEL_ORDER(level), npt_type(e), arg);
        else
            visit(table_of(npt_mfn(e)), level - 1, gfn, fn, arg);
    }
}

void p2m_for_each_leaf(struct p2m *p2m, p2m_leaf_fn fn, void *arg)
{
    visit(table_of(p2m->root), PT_LEVELS - 1, _gfn(0), fn, arg);
}

static void visit_tables(mfn_t table, unsigned int level, p2m_table_fn fn, void *arg)
{
    npt_entry_t *entries = table_of(table);

    fn(table, level, arg);
    for (unsigned int i = 0; level > 0 && i < PT_ENTRIES; i++) {
        if (npt_present(entries[i]) && !npt_is_leaf(entries[i], level))
            visit_tables(npt_mfn(entries[i]), level - 1, fn, arg);
    }
}

void p2m_for_each_table(struct p2m *p2m, p2m_table_fn fn, void *arg)
{
    visit_tables(p2m->root, PT_LEVELS - 1, fn, arg);
}

void p2m_teardown(struct p2m *p2m)
{
    struct list_head *pos, *tmp;

    ASSERT(list_empty(&p2m->free_after_flush));
    list_for_each_safe(pos, tmp, &p2m->tables) {
        struct frame *f = list_entry(pos, struct frame, list);
        list_del(&f->list);
        f->use = FRAME_MICA;
        free_frames(f, 0);
    }
    p2m->table_pages = 0;
}
