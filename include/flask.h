/*
 * FLASK inside Mica: the loaded policy (a security server that answers
 * "which permissions does type S have on type T for class C?") and the
 * access vector cache in front of it. The policy and AVC code is pure and
 * runs on the host in unit tests; xsm/flask.c turns hooks into questions.
 */
#ifndef MICA_FLASK_H
#define MICA_FLASK_H

#include "public/xsm/flask_classes.h"
#include "public/xsm/flask_policy.h"
#include "types.h"

struct flask_policy {
    uint32_t nr_types;       /* type 0 reserved */
    const char **type_names; /* [nr_types] into strings */
    uint32_t nr_rules;
    struct flask_policy_rule *rules; /* sorted by (src, tgt, tclass), merged */
    char *strings;
};

/* Validate a binary policy completely and build it (xmalloc'd). Returns 0
 * and *out, or -EINVAL (malformed) / -ENOMEM; on failure nothing is left
 * allocated. The buffer is untrusted: every offset and count is checked. */
int flask_policy_parse(const void *buf, size_t len, struct flask_policy **out);
void flask_policy_free(struct flask_policy *p);

/* Type index of a name, or 0 if the policy has no such type. */
uint32_t flask_policy_type(const struct flask_policy *p, const char *name);

/* The permissions src has on tgt for tclass (0 for unknown indices). */
uint32_t flask_policy_compute_av(const struct flask_policy *p, uint32_t src, uint32_t tgt,
                                 uint32_t tclass);

/* The access vector cache: direct-mapped, keyed by (src, tgt, class). */
#define AVC_SLOTS 512

struct avc_entry {
    uint32_t src, tgt, tclass;
    uint32_t allowed;
    bool valid;
};

struct avc {
    struct avc_entry slot[AVC_SLOTS];
    uint64_t hits, misses;
};

void avc_flush(struct avc *avc);
/* The cached decision, computing it from p on a miss. */
uint32_t avc_lookup(struct avc *avc, const struct flask_policy *p, uint32_t src, uint32_t tgt,
                    uint32_t tclass);

#endif
