/*
 * domctl (hypercall 36): a control domain acts on another domain. Mirrors
 * the start of Xen's struct xen_domctl (xen/include/public/domctl.h, Xen
 * 4.17: interface version 0x15); Mica implements XEN_DOMCTL_pausedomain and
 * XEN_DOMCTL_unpausedomain, which carry no payload, so only this header
 * part is read. Other commands: -ENOSYS.
 */
#ifndef MICA_PUBLIC_DOMCTL_H
#define MICA_PUBLIC_DOMCTL_H

#include "xen.h"

#define XEN_DOMCTL_INTERFACE_VERSION 0x00000015

#define XEN_DOMCTL_pausedomain    3
#define XEN_DOMCTL_unpausedomain  4

struct xen_domctl_header {
    uint32_t cmd;
    uint32_t interface_version;     /* XEN_DOMCTL_INTERFACE_VERSION */
    domid_t domain;
    uint16_t pad[3];
    /* followed in Xen by a union of per-command arguments */
};

_Static_assert(sizeof(struct xen_domctl_header) == 16, "domctl header is 16 bytes");

/* XEN_DOMCTL_set_virq_handler: the domain named in the header becomes the
 * handler of global VIRQ `virq` (its payload follows the 16-byte header). */
#define XEN_DOMCTL_set_virq_handler 66
struct xen_domctl_set_virq_handler {
    uint32_t virq;
};

#endif
