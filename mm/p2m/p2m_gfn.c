/* get_gfn / put_gfn (see p2m_gfn.h). */
#include "p2m/p2m_gfn.h"
#include "panic.h"
#include "percpu.h"

/* The gfns this CPU holds: at most one p2m at a time, any depth. (Four
 * variables rather than one struct: each is then one %gs-relative access.) */
static DEFINE_PER_CPU(struct p2m *, held_p2m);   /* the p2m, or NULL */
static DEFINE_PER_CPU(unsigned int, held_depth); /* how many gets are outstanding */
static DEFINE_PER_CPU(const char *, held_file);  /* where the first of them was taken */
static DEFINE_PER_CPU(int, held_line);

mfn_t get_gfn_at(struct p2m *p2m, gfn_t gfn, enum p2m_type *t, unsigned int *order,
                 const char *file, int line)
{
    enum p2m_type type;
    unsigned int leaf_order;

    if (this_cpu_var(held_p2m) == p2m) {
        this_cpu_var(held_depth)++;
    } else {
        if (this_cpu_var(held_p2m))
            panic("get_gfn at %s:%d: this CPU already holds another domain's gfn "
                  "(taken at %s:%d)\n",
                  file, line, this_cpu_var(held_file), this_cpu_var(held_line));
        spin_lock(&p2m->lock);
        this_cpu_var(held_p2m) = p2m;
        this_cpu_var(held_depth) = 1;
        this_cpu_var(held_file) = file;
        this_cpu_var(held_line) = line;
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
    (void)gfn;
    if (this_cpu_var(held_p2m) != p2m || !this_cpu_var(held_depth))
        panic("put_gfn without a matching get_gfn\n");
    if (--this_cpu_var(held_depth))
        return;
    this_cpu_var(held_p2m) = NULL;
    this_cpu_var(held_file) = NULL;
    spin_unlock(&p2m->lock);
}

void check_no_gfn_held(void)
{
    if (this_cpu_var(held_depth))
        panic("returning to a guest while holding a gfn: get_gfn at %s:%d has no put_gfn\n",
              this_cpu_var(held_file), this_cpu_var(held_line));
}

bool gfn_held_by(unsigned int cpu, const char **file, int *line)
{
    if (!__atomic_load_n(&per_cpu(held_depth, cpu), __ATOMIC_RELAXED))
        return false;
    *file = per_cpu(held_file, cpu);
    *line = per_cpu(held_line, cpu);
    return true;
}
