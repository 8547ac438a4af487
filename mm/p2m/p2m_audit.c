/* The p2m audit (see p2m_debug.h). */
#include "p2m/p2m_debug.h"
#include "frame.h"
#include "p2m/p2m_gfn.h"
#include "printk.h"

static uint32_t audits_failed;

struct audit {
    struct domain *d;
    unsigned int problems;
    uint64_t tables;
};

static void problem(struct audit *a, const char *what, gfn_t gfn, mfn_t mfn)
{
    a->problems++;
    pr_err("p2m audit d%u (%s): %s: gfn %#lx mfn %#lx\n", a->d->domid, a->d->name, what, gfn_x(gfn),
           mfn_x(mfn));
}

static void check_leaf(gfn_t gfn, mfn_t mfn, unsigned int order, enum p2m_type t, void *arg)
{
    struct audit *a = arg;

    for (uint64_t i = 0; i < (1UL << order); i++) {
        gfn_t g = gfn_add(gfn, i);
        mfn_t m = mfn_add(mfn, i);

        if (mfn_x(m) >= frame_table_size) {
            problem(a, "maps a frame beyond the frame table", g, m);
            continue;
        }
        struct frame *f = mfn_to_frame(m);
        if (p2m_is_ram(t)) {
            if (f->owner != a->d || (f->use != FRAME_DOMAIN && f->use != FRAME_SPECIAL))
                problem(a, "RAM entry maps a frame the domain does not own", g, m);
            else if (!gfn_eq(f->gfn, g))
                problem(a, "reverse map disagrees (frame.gfn)", g, m);
            else if (f->audit_count++)
                problem(a, "frame mapped at two gfns", g, m);
        } else if (p2m_is_foreign_map(t)) {
            /* A foreign or grant mapping: another domain's frame (or one
             * whose owner has died), counted in its foreign references. */
            if (f->owner == a->d || !f->foreign_refs)
                problem(a, "foreign or grant entry without a foreign frame reference", g, m);
        } else {
            problem(a, "entry of a type Mica never creates", g, m);
        }
    }
}

static void count_table(mfn_t table, unsigned int level, void *arg)
{
    struct audit *a = arg;

    (void)level;
    a->tables++;
    if (mfn_to_frame(table)->use != FRAME_P2M_TABLE)
        problem(a, "table page not marked as a p2m table", INVALID_GFN, table);
}

static void check_refs(struct audit *a, struct frame *f)
{
    /* One read of both counts: a foreign reference changes them together
     * (frame_ref.h), whoever holds which lock. */
    uint64_t counts = __atomic_load_n(&f->counts, __ATOMIC_ACQUIRE);
    uint32_t refcount = (uint32_t)counts, foreign = (uint32_t)(counts >> 32);
    uint32_t hyp = __atomic_load_n(&f->hyp_refs, __ATOMIC_ACQUIRE);
    uint32_t expected = 1 + f->audit_count + foreign + hyp;

    if (refcount != expected) {
        a->problems++;
        pr_err("p2m audit d%u (%s): mfn %#lx has %u references, expected %u "
               "(1 allocation + %u mapping + %u foreign + %u Mica's)\n",
               a->d->domid, a->d->name, mfn_x(frame_to_mfn(f)), refcount, expected, f->audit_count,
               foreign, hyp);
    }
    if (!f->audit_count && !gfn_eq(f->gfn, INVALID_GFN))
        problem(a, "unmapped frame keeps a gfn", f->gfn, frame_to_mfn(f));
    f->audit_count = 0;
}

unsigned int p2m_audit(struct domain *d)
{
    struct audit a = { d, 0, 0 };
    struct list_head *pos;
    uint64_t pages = 0;

    spin_lock(&d->lock);
    p2m_lock(&d->p2m);
    p2m_for_each_leaf(&d->p2m, check_leaf, &a);
    list_for_each(pos, &d->page_list) {
        struct frame *f = list_entry(pos, struct frame, list);
        pages++;
        if (f->owner != d || f->use != FRAME_DOMAIN)
            problem(&a, "page list holds a frame that is not the domain's RAM", f->gfn,
                    frame_to_mfn(f));
        check_refs(&a, f);
    }
    check_refs(&a, d->shared_info);
    for (unsigned int i = 0; i < d->max_grant_frames; i++)
        check_refs(&a, d->grant_frames[i]);
    if (d->console.ring)
        check_refs(&a, d->console.ring);
    if (pages != d->tot_pages) {
        a.problems++;
        pr_err("p2m audit d%u (%s): tot_pages %lu but %lu frames on the page list\n", d->domid,
               d->name, d->tot_pages, pages);
    }
    p2m_for_each_table(&d->p2m, count_table, &a);
    if (a.tables != d->p2m.table_pages) {
        a.problems++;
        pr_err("p2m audit d%u (%s): %lu table pages reachable, %lu counted\n", d->domid, d->name,
               a.tables, d->p2m.table_pages);
    }
    p2m_unlock(&d->p2m);
    spin_unlock(&d->lock);

    if (a.problems)
        __atomic_fetch_add(&audits_failed, 1, __ATOMIC_RELAXED);
    printk("p2m audit d%u (%s): %s (%lu pages, %lu table pages)\n", d->domid, d->name,
           a.problems ? "FAILED" : "ok", pages, a.tables);
    return a.problems;
}

unsigned int p2m_audit_failures(void)
{
    return __atomic_load_n(&audits_failed, __ATOMIC_RELAXED);
}
