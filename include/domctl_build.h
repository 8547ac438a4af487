/*
 * The domctls that build a domain (common/domctl_build.c): createdomain,
 * max_vcpus, max_mem, setvcpucontext. common/domctl.c has read the
 * argument (the header and this command's part of the union) and holds the
 * domctl lock; d is the domain the header names, with a reference. Each
 * returns 0 or a Xen errno.
 */
#ifndef MICA_DOMCTL_BUILD_H
#define MICA_DOMCTL_BUILD_H

#include "domain.h"
#include "public/domctl.h"

/* A new domain for caller; its domid goes into op->h.domain. */
long domctl_createdomain(struct domain *caller, struct xen_domctl *op);

long domctl_max_vcpus(struct domain *caller, struct domain *d,
                      const struct xen_domctl_max_vcpus *m);
long domctl_max_mem(struct domain *caller, struct domain *d, const struct xen_domctl_max_mem *m);

/* v is the caller's vCPU: the context is read from its memory. */
long domctl_setvcpucontext(struct vcpu *v, struct domain *d,
                           const struct xen_domctl_vcpucontext *c);

#endif
