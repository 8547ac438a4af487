/*
 * get_gfn / put_gfn for single-threaded host unit tests (the interface of
 * include/p2m/p2m_gfn.h).
 *
 * Mica's mm/p2m/p2m_gfn.c keeps what a CPU holds in per-CPU variables,
 * reached through %gs, which a host process does not have. This double keeps
 * the same record for the one pretend CPU, with the same rules: gets of one
 * p2m nest, the first takes its lock and the last put releases it, a get of
 * a second p2m while one is held, or a put without a get, stops the test.
 * host_gfn_depth() lets a test check that an operation put back every gfn
 * it got, on its error paths too.
 */
#include <assert.h>

#include "host_gfn.h"
#include "p2m/p2m_gfn.h"

static struct p2m *held_p2m;
static unsigned int held_depth;

mfn_t get_gfn_at(struct p2m *p2m, gfn_t gfn, enum p2m_type *t, unsigned int *order,
                 const char *file, int line)
{
    enum p2m_type type;
    unsigned int leaf_order;

    (void)file;
    (void)line;
    if (held_p2m == p2m) {
        held_depth++;
    } else {
        assert(!held_p2m && "get_gfn of a second p2m while one is held");
        spin_lock(&p2m->lock);
        held_p2m = p2m;
        held_depth = 1;
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
    assert(held_p2m == p2m && held_depth && "put_gfn without a matching get_gfn");
    if (--held_depth)
        return;
    held_p2m = NULL;
    spin_unlock(&p2m->lock);
}

void check_no_gfn_held(void)
{
    assert(!held_depth && "a gfn is still held");
}

unsigned int host_gfn_depth(void)
{
    return held_depth;
}
