/*
 * Changing a domain's physmap: the operations memory_op is made of, one
 * page or one extent at a time. Each takes the domain lock and its p2m
 * (get_gfn), validates everything before the first change, changes, puts
 * the gfns, flushes the TLBs of every vCPU of the domain, and only then
 * drops the references of frames that left the p2m (so nothing is freed
 * while a CPU might still reach it). Return values are Xen errnos.
 */
#ifndef MICA_PHYSMAP_H
#define MICA_PHYSMAP_H

#include "domain.h"

/* Largest extent order a domain may ask for (Xen's defaults: 9 for guests,
 * 12 for the hardware domain). */
unsigned int physmap_max_extent_order(const struct domain *caller);

/* Reservations: one extent of 2^order pages. */
int physmap_increase(struct domain *d, unsigned int order);
int physmap_populate(struct domain *d, gfn_t gfn, unsigned int order);
int physmap_decrease(struct domain *d, gfn_t gfn, unsigned int order);

/* add_to_physmap of one page from `space` (shared_info, grant_table, gmfn)
 * at gpfn. */
int physmap_add(struct domain *d, unsigned int space, uint64_t idx, gfn_t gpfn);

/* Map frame idx of domain foreign (a gfn there) at gpfn in d. */
int physmap_add_foreign(struct domain *d, struct domain *foreign, gfn_t idx, gfn_t gpfn);

/* Map d's special frame f (one Mica set up for d, such as its console
 * ring) at gpfn, as add_to_physmap maps shared_info: 0, -EINVAL, -ESRCH,
 * -ENOMEM. */
int physmap_add_special(struct domain *d, struct frame *f, gfn_t gpfn);

/* remove_from_physmap of gpfn: -ENOENT if nothing is mapped there. */
int physmap_remove(struct domain *d, gfn_t gpfn);

/*
 * Grant tables (common/grant_table.c). A frame used through a grant holds
 * one reference, counted in frame.foreign_refs, for each mapping or copy in
 * progress; both counts change under the owner's p2m lock.
 *
 * physmap_hold_frame: the frame of d's own RAM at gfn (p2m_ram_rw if
 * writable), with such a reference, in *held; -EINVAL if gfn is not that.
 * physmap_release_frame: drop it (after the mapping is gone and flushed);
 * owner is the domain the frame was held from, perhaps dead by now.
 */
int physmap_hold_frame(struct domain *d, gfn_t gfn, bool writable, struct frame **held);
void physmap_release_frame(struct domain *owner, struct frame *f);

/* Map held frame f at gpfn in d as p2m_grant_map_ro/rw: 0, -EEXIST if gpfn
 * is not a hole, -EINVAL beyond the guest-physical space, -ENOMEM, -ESRCH
 * (d stopping). */
int physmap_add_grant(struct domain *d, gfn_t gpfn, struct frame *f, bool readonly);

/* Remove the grant mapping of f at gpfn and flush d's TLBs (the caller then
 * releases f): 0, or -EINVAL if gpfn is not that mapping. */
int physmap_remove_grant(struct domain *d, gfn_t gpfn, struct frame *f);

#endif
