/* get_gfn / put_gfn (see p2m_gfn.h). */
#include "p2m/p2m_gfn.h"
#include "panic.h"
#include "percpu.h"

/* The gfns this CPU holds: at most one p2m at a time, any depth. */
struct gfn_hold {
    struct p2m *p2m;    /* the p2m this CPU holds gfns of, or NULL */
    unsigned int depth; /* how many gets are outstanding */
    const char *file;   /* where the first of them was taken */
    int line;
};
static DEFINE_PER_CPU(struct gfn_hold, gfn_hold);

mfn_t get_gfn_at(struct p2m *p2m, gfn_t gfn, enum p2m_type *t, unsigned int *order,
                 const char *file, int line)
{
    struct gfn_hold *held = &this_cpu_var(gfn_hold);
    enum p2m_type type;
    unsigned int leaf_order;

    if (held->p2m == p2m) {
        held->depth++;
    } else {
        if (held->p2m)
            panic("get_gfn at %s:%d: this CPU already holds another domain's gfn "
                  "(taken at %s:%d)\n",
                  file, line, held->file, held->line);
        spin_lock(&p2m->lock);
        held->p2m = p2m;
        held->depth = 1;
        held->file = file;
        held->line = line;
    }
    if (gfn_eq(gfn, INVALID_GFN))
        return INVALID_MFN;
    mfn_t mfn = p2m_get_entry(p2m, gfn, &type, &leaf_order);
    if (t)
        *t = type;
    if (order)
        *order = leaf_order;
    return mfn;
}

void put_gfn(struct p2m *p2m, gfn_t gfn)
{
    struct gfn_hold *held = &this_cpu_var(gfn_hold);

    (void)gfn;
    if (held->p2m != p2m || !held->depth)
        panic("put_gfn without a matching get_gfn\n");
    if (--held->depth)
        return;
    held->p2m = NULL;
    held->file = NULL;
    spin_unlock(&p2m->lock);
}

void check_no_gfn_held(void)
{
    struct gfn_hold *held = &this_cpu_var(gfn_hold);

    if (held->depth)
        panic("returning to a guest while holding a gfn: get_gfn at %s:%d has no put_gfn\n",
              held->file, held->line);
}
