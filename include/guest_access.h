/*
 * Reading and writing guest memory on a guest's behalf.
 *
 * Hypercall buffers are guest-linear addresses: Mica walks the guest's own
 * page tables (in whatever paging mode the vCPU is in), then the p2m, one
 * page at a time. Any failure on the way is -EFAULT (Xen errno), never a
 * fault in Mica; so is a page that is not the domain's own RAM (a hole, a
 * grant or foreign mapping, MMIO) or, for a write, read-only RAM. Physical
 * accesses go through the p2m only.
 */
#ifndef MICA_GUEST_ACCESS_H
#define MICA_GUEST_ACCESS_H

#include "domain.h"

int copy_from_guest(struct vcpu *v, void *dst, uint64_t guest_va, size_t len);
int copy_to_guest(struct vcpu *v, uint64_t guest_va, const void *src, size_t len);

/* Guest-physical access (no guest page tables). */
int guest_phys_read(struct domain *d, uint64_t gpa, void *dst, size_t len);
int guest_phys_write(struct domain *d, uint64_t gpa, const void *src, size_t len);

#endif
