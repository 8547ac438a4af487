/*
 * sched_op's arguments in Mica's own form, read from either layout
 * (include/public/sched.h): SCHEDOP_poll's structure, whose guest handle
 * makes the two differ. The other commands' structures have one layout.
 */
#ifndef MICA_COMPAT_SCHED_H
#define MICA_COMPAT_SCHED_H

#include "compat/xlat.h"
#include "public/sched.h"

/* ---- poll --------------------------------------------------------------------------
 * xen_sched_poll: 24 bytes (ports @0:8, nr_ports @8, timeout @16:8); compat
 * 16 bytes (ports @0:4, nr_ports @4, timeout @8:8, i386 aligning it to 4). */
struct schedop_poll {
    uint64_t ports; /* guest address of the evtchn_port_t array */
    uint32_t nr_ports;
    uint64_t timeout; /* absolute system time in ns; 0: none */
};
#define POLL_IN(s) ((struct schedop_poll){ (s).ports, (s).nr_ports, (s).timeout })
XLAT_DEFINE_IN(sched_poll, struct schedop_poll, POLL_IN)

#endif /* MICA_COMPAT_SCHED_H */
