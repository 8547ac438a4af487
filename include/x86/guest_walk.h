/* Guest-linear to guest-physical, through the guest's own page tables. */
#ifndef MICA_X86_GUEST_WALK_H
#define MICA_X86_GUEST_WALK_H

#include "../domain.h"

/* false if the guest's tables do not map gva (for a write: writably). */
bool guest_walk(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa);

#endif
