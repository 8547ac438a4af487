/*
 * Looking at a domain's p2m: the audit (is the p2m consistent with the frame
 * table?) and the dump (what does it map, in coalesced ranges?).
 * docs/p2m.md explains both with a dump as its running example.
 */
#ifndef MICA_P2M_DEBUG_H
#define MICA_P2M_DEBUG_H

#include "domain.h"

/*
 * Check d's p2m against the frame table:
 *  - every RAM leaf maps a frame owned by d whose reverse map (frame.gfn)
 *    names that gfn, and no frame is mapped at two gfns;
 *  - every foreign leaf maps a frame of another domain holding a foreign
 *    reference;
 *  - every frame of d has exactly 1 (allocation) + its p2m mappings + its
 *    foreign mappings references, and unmapped ones have no gfn;
 *  - tot_pages equals the frames on d's page list;
 *  - the table pages reachable from the root are p2m table frames and their
 *    number is p2m.table_pages.
 * Prints every problem and returns how many there were.
 */
unsigned int p2m_audit(struct domain *d);

/* Print d's p2m as coalesced ranges (gfn range -> mfn range, page size,
 * count, type) and its table pages. */
void p2m_dump(struct domain *d);

/* Audits that failed so far (the end of the run fails if any did). */
unsigned int p2m_audit_failures(void);

/* The options (mm/p2m/p2m_keys.c): `p2m-audit` audits a domain after each
 * of its memory_op calls (debug builds audit every domain at teardown
 * anyway); `p2m-audit-every=N` after every N-th memory_op call (counted
 * over all domains; the caller's p2m); `p2m-dump` dumps each domain's p2m
 * once built and before teardown. */
bool p2m_audit_after_memory_op(void);
void p2m_debug_domain_built(struct domain *d);
void p2m_debug_domain_ending(struct domain *d);

/* The debug keys `a` and `p`: audit / dump every domain's p2m ("no
 * domains" when there is none). */
void p2m_key_audit_all(void);
void p2m_key_dump_all(void);

#endif
