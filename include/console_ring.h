/*
 * A domain's PV console, served by Mica as Xen's console daemon serves a
 * domU: a xencons_interface page (include/public/io/console.h) and an event
 * channel bound to Mica (ECS_MICA), which the guest finds through
 * HVM_PARAM_CONSOLE_PFN and HVM_PARAM_CONSOLE_EVTCHN. Linux's hvc0 uses it
 * in an unprivileged PVH domain; a privileged domain uses console_io (and
 * gets no ring, as Xen's dom0).
 *
 * Output: when the guest notifies, Mica prints what it wrote to out[] on
 * its serial console, prefixed with the domain's name (domain_console.h).
 * Input: while serial input goes to this domain (console_input.h: CTRL-a
 * three times cycles through Mica, the domains' CONSOLEIO_read and each
 * domain's ring), each byte is put in in[] and the guest notified.
 *
 * Where: Xen places the page in its special-page region below 4 GiB (gfn
 * 0xfefff). Mica's RAM is one block from gfn 0, which may reach beyond
 * that, so the page sits just after the domain's RAM, listed as reserved in
 * its memory map.
 */
#ifndef MICA_CONSOLE_RING_H
#define MICA_CONSOLE_RING_H

#include "domain.h"

/* The builder: give d its ring page and port. 0 or -ENOMEM, -ENOSPC. */
int console_ring_setup(struct domain *d);

/* Serial input for d's console (CPU 0, no lock held). */
void console_ring_input(struct domain *d, char c);

/* HVM_PARAM_CONSOLE_PFN / _EVTCHN: false if d has no ring. */
bool console_ring_params(const struct domain *d, uint64_t *gfn, uint32_t *port);

#endif
