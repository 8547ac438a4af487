/*
 * The dummy XSM module: Xen's default privilege rules, one class per hook.
 * Every other module starts from these (xsm_register fills its missing hooks
 * from here). The table below is the whole policy.
 */
#include "xsm.h"
#include "public/errno.h"
#include "public/xen.h"

/* The dummy's decision for a class (Xen's xsm_default_action). */
int xsm_default_action(enum xsm_default action, struct domain *src, struct domain *tgt)
{
    if (!src)
        return 0;                                  /* Mica itself */
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
    }
    return -XEN_EPERM;
}

static int console_io(struct domain *src, unsigned int cmd)
{
    /* Writing is for everyone (XSM_HOOK); reading is XSM_PRIV. */
    return xsm_default_action(cmd == CONSOLEIO_write ? XSM_HOOK : XSM_PRIV, src, NULL);
}

#define DEFAULT2(hook, class)                                        \
    static int dummy_##hook(struct domain *src, struct domain *tgt)  \
    {                                                                \
        return xsm_default_action(class, src, tgt);                  \
    }

DEFAULT2(memory_adjust_reservation, XSM_TARGET)
DEFAULT2(memory_stat_reservation, XSM_TARGET)
DEFAULT2(memory_map, XSM_TARGET)
DEFAULT2(add_to_physmap, XSM_TARGET)
DEFAULT2(remove_from_physmap, XSM_TARGET)
DEFAULT2(domain_create, XSM_HOOK)
DEFAULT2(domain_destroy, XSM_PRIV)
DEFAULT2(domain_pause, XSM_PRIV)
DEFAULT2(hvm_getparam, XSM_TARGET)
DEFAULT2(hvm_setparam, XSM_TARGET)
DEFAULT2(vcpu_op, XSM_TARGET)

static int machine_memory_map(struct domain *src)
{
    return xsm_default_action(XSM_PRIV, src, NULL);
}

/* The mapping domain acts on the foreign one: XSM_TARGET (tgt is the domain
 * whose physmap changes; its own permission was checked by add_to_physmap). */
static int map_gmfn_foreign(struct domain *src, struct domain *tgt, struct domain *foreign)
{
    (void)src;
    return xsm_default_action(XSM_TARGET, tgt, foreign);
}

static int xsm_op(struct domain *src)
{
    return xsm_default_action(XSM_HOOK, src, NULL);
}

static long dummy_do_xsm_op(struct vcpu *v, const struct hypercall_args *a)
{
    (void)v;
    (void)a;
    return -XEN_ENOSYS;       /* the dummy module has nothing to configure */
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
    .console_io = console_io,                               /* HOOK write, PRIV read */
    .memory_adjust_reservation = dummy_memory_adjust_reservation, /* TARGET */
    .memory_stat_reservation = dummy_memory_stat_reservation,     /* TARGET */
    .memory_map = dummy_memory_map,                               /* TARGET */
    .machine_memory_map = machine_memory_map,               /* PRIV */
    .add_to_physmap = dummy_add_to_physmap,                       /* TARGET */
    .remove_from_physmap = dummy_remove_from_physmap,             /* TARGET */
    .map_gmfn_foreign = map_gmfn_foreign,                   /* TARGET (mapper on foreign) */
    .domain_create = dummy_domain_create,                         /* HOOK */
    .domain_destroy = dummy_domain_destroy,                       /* PRIV */
    .domain_pause = dummy_domain_pause,                           /* PRIV */
    .hvm_getparam = dummy_hvm_getparam,                           /* TARGET */
    .hvm_setparam = dummy_hvm_setparam,                           /* TARGET */
    .vcpu_op = dummy_vcpu_op,                                     /* TARGET */
    .xsm_op = xsm_op,                                       /* HOOK */
    .do_xsm_op = dummy_do_xsm_op,                                 /* -ENOSYS */
    .alloc_security_domain = alloc_security_domain,         /* nothing to do */
    .free_security_domain = free_security_domain,           /* nothing to do */
    .print_stats = print_stats,                             /* nothing to say */
};
