/*
 * get_gfn / put_gfn: look a gfn up to act on it.
 *
 * get_gfn takes the domain's p2m lock and returns the entry; the entry
 * cannot change until the matching put_gfn. The lock covers the WHOLE p2m,
 * not one gfn (Xen calls its equivalent a "gfn lock", which it is not): so
 * a CPU may hold several gfns of one domain at once (gets nest), but never
 * gfns of two domains (take a reference on the other domain's frame and put
 * its gfn before getting your own).
 *
 * Debug builds record where each CPU got its gfns and, before any return to
 * a guest, stop with that call site if a put_gfn was forgotten.
 */
#ifndef MICA_P2M_GFN_H
#define MICA_P2M_GFN_H

#include "p2m/p2m.h"

#define get_gfn(p2m, gfn, t, order) get_gfn_at((p2m), (gfn), (t), (order), __FILE__, __LINE__)
#define p2m_lock(p2m) get_gfn_at((p2m), INVALID_GFN, NULL, NULL, __FILE__, __LINE__)
#define p2m_unlock(p2m) put_gfn((p2m), INVALID_GFN)

/* For INVALID_GFN (p2m_lock): just the lock, no lookup. */
mfn_t get_gfn_at(struct p2m *p2m, gfn_t gfn, enum p2m_type *t, unsigned int *order,
                 const char *file, int line);
void put_gfn(struct p2m *p2m, gfn_t gfn);

/* Panics (naming the call site) if this CPU still holds a gfn. */
void check_no_gfn_held(void);

/* Does cpu hold gfns now, and where was the first taken? (The watchdog's
 * report: a racy look at another CPU, for a diagnosis only.) */
bool gfn_held_by(unsigned int cpu, const char **file, int *line);

#endif
