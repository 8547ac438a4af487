/*
 * The dummy XSM module: Xen's default privilege rules, one class per hook.
 * Every other module starts from these (xsm_register fills its missing hooks
 * from here). The class of each hook a hypercall asks is declared with the
 * hypercall (include/hypercall_defs.h); the table below is the rest.
 */
#include "xsm.h"
#include "public/errno.h"
#include "public/xen.h"

/* The dummy's decision for a class (Xen's xsm_default_action). */
int xsm_default_action(enum xsm_default action, struct domain *src, struct domain *tgt)
{
    if (!src)
        return 0; /* Mica itself */
    switch (action) {
    case XSM_HOOK:
        return 0;
    case XSM_TARGET:
        if (src == tgt)
            return 0;
        /* fall through */
    case XSM_DM_PRIV:
        if (tgt && src->target == tgt->domid && src->target != DOMID_INVALID)
            return 0;
        /* fall through */
    case XSM_PRIV:
        return src->privileged ? 0 : -XEN_EPERM;
    case XSM_XS_PRIV:
        return src->privileged || src->xenstore ? 0 : -XEN_EPERM;
    }
    return -XEN_EPERM;
}

/* Each hypercall's hooks and their classes are declared with the hypercall
 * (include/hypercall_defs.h): xsm_default_HOOK is the class ... */
#define HYPERCALL_XSM(call, hook, class, shape, what) \
    static const enum xsm_default xsm_default_##hook = XSM_##class;
#include "hypercall_defs.h"

/* ... and a hook of shape src_tgt or src is that class, no more. */
#define DUMMY_src_tgt(hook)                                         \
    static int dummy_##hook(struct domain *src, struct domain *tgt) \
    {                                                               \
        return xsm_default_action(xsm_default_##hook, src, tgt);    \
    }
#define DUMMY_src(hook)                                           \
    static int dummy_##hook(struct domain *src)                   \
    {                                                             \
        return xsm_default_action(xsm_default_##hook, src, NULL); \
    }
#define DUMMY_own(hook) /* written below */
#define HYPERCALL_XSM(call, hook, class, shape, what) DUMMY_##shape(hook)
#include "hypercall_defs.h"

static int dummy_console_io(struct domain *src, unsigned int cmd)
{
    /* Writing is for everyone (XSM_HOOK); reading is XSM_PRIV. */
    return xsm_default_action(cmd == CONSOLEIO_write ? xsm_default_console_io : XSM_PRIV, src,
                              NULL);
}

/* The mapping domain acts on the foreign one: XSM_TARGET (tgt is the domain
 * whose physmap changes; its own permission was checked by add_to_physmap). */
static int dummy_map_gmfn_foreign(struct domain *src, struct domain *tgt, struct domain *foreign)
{
    (void)src;
    return xsm_default_action(xsm_default_map_gmfn_foreign, tgt, foreign);
}

/* Mapping a grant: XSM_HOOK whatever the flags (the grant entry itself
 * says who may map it). */
static int dummy_grant_mapref(struct domain *src, struct domain *tgt, uint32_t flags)
{
    (void)flags;
    return xsm_default_action(xsm_default_grant_mapref, src, tgt);
}

/* alloc_unbound: XSM_TARGET, the caller on the domain the port is made in
 * (the remote domain is only a domid; SILO looks at it). */
static int dummy_evtchn_unbound(struct domain *src, struct domain *d, domid_t remote)
{
    (void)remote;
    return xsm_default_action(xsm_default_evtchn_unbound, src, d);
}

/* Creating a domain: its class, whatever the new domain's label. */
static int dummy_domain_create(struct domain *src, const char *label)
{
    (void)label;
    return xsm_default_action(xsm_default_domain_create, src, NULL);
}

/* createdomain's ssidref means nothing to the dummy module (as Xen's). */
static int ssidref_to_label(uint32_t ssidref, char *label, size_t size)
{
    (void)ssidref;
    if (size)
        label[0] = '\0';
    return 0;
}

static long dummy_do_xsm_op(struct vcpu *v, const struct hypercall_args *a)
{
    (void)v;
    (void)a;
    return -XEN_ENOSYS; /* the dummy module has nothing to configure */
}

static int alloc_security_domain(struct domain *d)
{
    (void)d;
    return 0;
}

static void free_security_domain(struct domain *d)
{
    (void)d;
}

static void print_stats(void)
{
}

const struct xsm_ops xsm_dummy_ops = {
    .name = "dummy",
/* every hook of include/hypercall_defs.h: its class there */
#define HYPERCALL_XSM(call, hook, class, shape, what) .hook = dummy_##hook,
#include "hypercall_defs.h"
    .do_xsm_op = dummy_do_xsm_op,                   /* -ENOSYS */
    .ssidref_to_label = ssidref_to_label,           /* the default label */
    .alloc_security_domain = alloc_security_domain, /* nothing to do */
    .free_security_domain = free_security_domain,   /* nothing to do */
    .print_stats = print_stats,                     /* nothing to say */
};
