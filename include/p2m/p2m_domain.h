/*
 * A domain's p2m from creation to teardown (mm/p2m/p2m_domain.c): the
 * p2m's limits, its TLB shootdown, and returning every mapping.
 */
#ifndef MICA_P2M_DOMAIN_H
#define MICA_P2M_DOMAIN_H

#include "domain.h"

/* Set up d's empty p2m, sized for d->max_pages (the table-page limit), with
 * the shootdown of every vCPU of d as its flush. -errno. */
int p2m_domain_init(struct domain *d);

/* Tear down the p2m of a domain none of whose vCPUs runs: flush, drop each
 * mapped frame's p2m reference (and a foreign mapping's foreign
 * reference), free the table pages. */
void p2m_domain_teardown(struct domain *d);

#endif
