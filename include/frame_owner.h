/*
 * Giving machine frames to a domain and taking them back: the one place a
 * frame gets an owner (mm/frame_owner.c). References are frame_ref.h's.
 */
#ifndef MICA_FRAME_OWNER_H
#define MICA_FRAME_OWNER_H

#include "domain.h"
#include "frame.h"

/*
 * Give 2^order fresh, zeroed frames to d as `use`, each with one reference
 * (the allocation's) and no gfn:
 *  - FRAME_DOMAIN: guest RAM, on d's page list and counted in tot_pages;
 *    NULL if that would pass max_pages. Call with d->lock held.
 *  - FRAME_SPECIAL: shared_info and grant frames, in neither.
 * NULL also when memory runs out; nothing is changed then.
 */
struct frame *frames_assign(struct domain *d, unsigned int order, enum frame_use use);

/* Undo frames_assign for frames nothing else has seen (no mapping, no other
 * reference): they go straight back to the allocator. */
void frames_unassign(struct domain *d, struct frame *head, unsigned int order);

#endif
