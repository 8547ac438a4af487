/*
 * Debug keys: single keys typed on the serial console while Mica runs
 * (read by CPU 0 from its scheduler loop):
 *   a  audit every domain's p2m     p  dump every domain's p2m
 *   m  memory summary               x  XSM statistics (FLASK: AVC hits/misses)
 *   h  list the keys
 * And two options for tests: `p2m-audit` audits a domain after each of its
 * memory_op calls (debug builds audit every domain at teardown anyway);
 * `p2m-dump` dumps each domain's p2m once built and before teardown.
 */
#ifndef MICA_DEBUG_KEYS_H
#define MICA_DEBUG_KEYS_H

#include "domain.h"

void debug_keys_poll(void);

/* Hooks for the options above. */
bool p2m_audit_after_memory_op(void);
void p2m_debug_domain_built(struct domain *d);
void p2m_debug_domain_ending(struct domain *d);

#endif
