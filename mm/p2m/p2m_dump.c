/* The p2m dump (see p2m_debug.h and docs/p2m.md). */
#include "p2m/p2m_debug.h"
#include "p2m/p2m_gfn.h"
#include "printk.h"

static const char *const type_names[P2M_NR_TYPES] = {
    [p2m_invalid] = "invalid",
    [p2m_ram_rw] = "ram_rw",
    [p2m_ram_ro] = "ram_ro",
    [p2m_grant_map_rw] = "grant_map_rw",
    [p2m_grant_map_ro] = "grant_map_ro",
    [p2m_mmio_direct] = "mmio_direct",
    [p2m_map_foreign] = "map_foreign",
};

/* A run of leaves of one size and type, contiguous in gfn and in mfn. */
struct run {
    gfn_t gfn;
    mfn_t mfn;
    unsigned int order;
    enum p2m_type type;
    uint64_t count; /* leaves in the run; 0 = no run yet */
};

static void print_run(const struct run *r)
{
    uint64_t pages = r->count << r->order;
    const char *size = r->order == P2M_ORDER_1G ? "1G" : r->order == P2M_ORDER_2M ? "2M" : "4K";

    printk("  gfn 0x%05lx-0x%05lx -> mfn 0x%05lx-0x%05lx  %s x%-5lu %s\n", gfn_x(r->gfn),
           gfn_x(r->gfn) + pages - 1, mfn_x(r->mfn), mfn_x(r->mfn) + pages - 1, size, r->count,
           type_names[r->type]);
}

static void add_leaf(gfn_t gfn, mfn_t mfn, unsigned int order, enum p2m_type t, void *arg)
{
    struct run *r = arg;
    uint64_t pages = r->count << r->order;

    if (r->count && r->order == order && r->type == t && gfn_eq(gfn_add(r->gfn, pages), gfn) &&
        mfn_eq(mfn_add(r->mfn, pages), mfn)) {
        r->count++;
        return;
    }
    if (r->count)
        print_run(r);
    *r = (struct run){ gfn, mfn, order, t, 1 };
}

static void print_table(mfn_t table, unsigned int level, void *arg)
{
    (void)arg;
    printk("  table L%u at mfn %#lx\n", level, mfn_x(table));
}

void p2m_dump(struct domain *d)
{
    struct run r = { INVALID_GFN, INVALID_MFN, 0, p2m_invalid, 0 };

    spin_lock(&d->lock);
    if (d->state == DOMAIN_DEAD) { /* torn down since the caller took its reference */
        spin_unlock(&d->lock);
        printk("p2m of d%u (%s): torn down meanwhile\n", d->domid, d->name);
        return;
    }
    p2m_lock(&d->p2m);
    printk("p2m of d%u (%s): %lu pages owned, %lu table pages, leaves up to %s\n", d->domid,
           d->name, d->tot_pages, d->p2m.table_pages,
           d->p2m.max_order == P2M_ORDER_1G ? "1G" : "2M");
    p2m_for_each_leaf(&d->p2m, add_leaf, &r);
    if (r.count)
        print_run(&r);
    p2m_for_each_table(&d->p2m, print_table, NULL);
    p2m_unlock(&d->p2m);
    spin_unlock(&d->lock);
}
