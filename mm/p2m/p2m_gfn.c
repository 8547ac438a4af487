/* get_gfn / put_gfn (see p2m_gfn.h). */
#include "p2m/p2m_gfn.h"
#include "panic.h"
#include "percpu.h"

mfn_t get_gfn_at(struct p2m *p2m, gfn_t gfn, enum p2m_type *t, unsigned int *order,
                 const char *file, int line)
{
    struct percpu *cpu = this_cpu();
    enum p2m_type type;
    unsigned int leaf_order;

    if (cpu->gfn_p2m == p2m) {
        cpu->gfn_depth++;
    } else {
        if (cpu->gfn_p2m)
            panic("get_gfn at %s:%d: this CPU already holds another domain's gfn "
                  "(taken at %s:%d)\n", file, line, cpu->gfn_file, cpu->gfn_line);
        spin_lock(&p2m->lock);
        cpu->gfn_p2m = p2m;
        cpu->gfn_depth = 1;
        cpu->gfn_file = file;
        cpu->gfn_line = line;
    }
    if (gfn == INVALID_GFN)
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
    struct percpu *cpu = this_cpu();

    (void)gfn;
    if (cpu->gfn_p2m != p2m || !cpu->gfn_depth)
        panic("put_gfn without a matching get_gfn\n");
    if (--cpu->gfn_depth)
        return;
    cpu->gfn_p2m = NULL;
    cpu->gfn_file = NULL;
    spin_unlock(&p2m->lock);
}

void check_no_gfn_held(void)
{
    struct percpu *cpu = this_cpu();

    if (cpu->gfn_depth)
        panic("returning to a guest while holding a gfn: get_gfn at %s:%d has no put_gfn\n",
              cpu->gfn_file, cpu->gfn_line);
}
