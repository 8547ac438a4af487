/*
 * The access vector cache: the last decision for each (source type, target
 * type, class), in a direct-mapped table. A hit costs a hash and a compare;
 * a miss asks the policy (a binary search) and replaces the slot. A policy
 * load or a change of mode empties it (avc_flush), so it never answers
 * with a stale decision. The caller serialises access.
 */
#include "flask.h"
#include "lib/string.h"

void avc_flush(struct avc *avc)
{
    for (unsigned int i = 0; i < AVC_SLOTS; i++)
        avc->slot[i].valid = false;
}

static unsigned int avc_hash(uint32_t src, uint32_t tgt, uint32_t tclass)
{
    return (src * 31u + tgt * 7u + tclass) % AVC_SLOTS;
}

uint32_t avc_lookup(struct avc *avc, const struct flask_policy *p, uint32_t src, uint32_t tgt,
                    uint32_t tclass)
{
    struct avc_entry *e = &avc->slot[avc_hash(src, tgt, tclass)];

    if (e->valid && e->src == src && e->tgt == tgt && e->tclass == tclass) {
        avc->hits++;
        return e->allowed;
    }
    avc->misses++;
    *e = (struct avc_entry){ src, tgt, tclass, flask_policy_compute_av(p, src, tgt, tclass), true };
    return e->allowed;
}
