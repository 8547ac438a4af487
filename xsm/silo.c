/*
 * SILO: unprivileged domains act only on themselves and talk only to the
 * privileged domain. The worked example of docs/xsm.md ("how to write your
 * own XSM module"): it is written against the hook table alone, implements
 * just the hooks where it differs from the dummy module, and lets
 * xsm_register fill in the rest.
 *
 * Compared with dummy: no `target` relation (a stub domain gets no rights
 * over its target, and may not map its frames).
 */
#include "public/errno.h"
#include "xsm.h"

/* Acting on a domain: itself, or a privileged caller. */
static int self_or_privileged(struct domain *src, struct domain *tgt)
{
    if (!src || src == tgt || src->privileged)
        return 0;
    return -XEN_EPERM;
}

/* Mapping another domain's frame acts on that domain: the mapping domain
 * must be allowed to act on it, i.e. be privileged. */
static int silo_map_gmfn_foreign(struct domain *src, struct domain *tgt, struct domain *foreign)
{
    int rc = self_or_privileged(src, tgt);
    return rc ? rc : self_or_privileged(tgt, foreign);
}

/* Talking through grants (as Xen's SILO): only between a domain and
 * itself, or when one of the two is privileged. */
static int with_privileged(struct domain *src, struct domain *tgt)
{
    if (!src || !tgt || src == tgt || src->privileged || tgt->privileged)
        return 0;
    return -XEN_EPERM;
}

static int silo_grant_mapref(struct domain *src, struct domain *tgt, uint32_t flags)
{
    (void)flags;
    return with_privileged(src, tgt);
}

/* SILO's rule for talking: a domain talks to itself, and an unprivileged
 * domain only to a privileged one (Xen's silo_mode_dom_check). */
static int silo_talk(struct domain *a, struct domain *b)
{
    return a == b || a->privileged || b->privileged ? 0 : -XEN_EPERM;
}

/* A port in d for `remote`: a privileged caller or d may make ports for
 * anyone (the remote need not exist yet); an unprivileged d only for itself
 * or an existing privileged domain. */
static int silo_evtchn_unbound(struct domain *src, struct domain *d, domid_t remote)
{
    struct domain *r;
    int rc = self_or_privileged(src, d);

    if (rc || remote == d->domid || src->privileged || d->privileged)
        return rc;
    r = domain_get(remote);
    if (!r)
        return -XEN_EPERM; /* no such domain to talk to */
    rc = silo_talk(d, r);
    domain_put(r);
    return rc;
}

struct xsm_ops silo_ops = {
    .name = "silo",
    .memory_adjust_reservation = self_or_privileged,
    .memory_stat_reservation = self_or_privileged,
    .memory_map = self_or_privileged,
    .add_to_physmap = self_or_privileged,
    .remove_from_physmap = self_or_privileged,
    .map_gmfn_foreign = silo_map_gmfn_foreign,
    .hvm_getparam = self_or_privileged,
    .hvm_setparam = self_or_privileged,
    .vcpu_op = self_or_privileged,
    .grant_mapref = silo_grant_mapref,
    .grant_copy = with_privileged,
    .grant_setup = self_or_privileged,
    .grant_query_size = self_or_privileged,
    .evtchn_unbound = silo_evtchn_unbound,
    .evtchn_interdomain = silo_talk,
    .evtchn_send = silo_talk,
    .evtchn_status = self_or_privileged,
    .evtchn_reset = self_or_privileged,
    /* everything else: the dummy module's rules (xsm_register) */
};
