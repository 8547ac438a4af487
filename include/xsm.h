/*
 * XSM: the permission layer every operation on a domain passes through.
 *
 * One table of hooks (struct xsm_ops), one hook per guarded operation. A call
 * site asks `xsm_HOOK(current domain, target domain, ...)` and returns
 * -EPERM when the answer is not 0. The module in force is chosen at boot
 * (`xsm=dummy|flask|silo`, docs/xsm.md); a module may implement only some
 * hooks: xsm_register fills the rest from the dummy module, so no hook is
 * ever NULL.
 *
 * `src` is the domain asking (NULL means Mica itself, e.g. the domain
 * builder at boot, which is always allowed).
 */
#ifndef MICA_XSM_H
#define MICA_XSM_H

#include "domain.h"
#include "hypercall.h"

/* The dummy module's default classes (Xen's XSM_HOOK, XSM_TARGET, XSM_DM_PRIV,
 * XSM_PRIV), shown per hook in xsm/dummy.c and docs/xsm.md. */
enum xsm_default {
    XSM_HOOK,    /* always allowed */
    XSM_TARGET,  /* the domain itself, a privileged domain, or the domain
                      whose `target` (device model / stub domain) it is */
    XSM_DM_PRIV, /* a privileged domain, or the target's device model */
    XSM_PRIV,    /* privileged domains only */
    XSM_XS_PRIV, /* a privileged domain or the xenstore domain */
};

struct xsm_ops {
    const char *name;
    /* console_io: write (XSM_HOOK) and read (XSM_PRIV) */
    int (*console_io)(struct domain *src, unsigned int cmd);
    /* memory_op */
    int (*memory_adjust_reservation)(struct domain *src,
                                     struct domain *tgt); /* increase/decrease/populate */
    int (*memory_stat_reservation)(
        struct domain *src, struct domain *tgt); /* current/maximum reservation, maximum_gpfn */
    int (*memory_map)(struct domain *src, struct domain *tgt); /* memory_map */
    int (*machine_memory_map)(struct domain *src);             /* machine_memory_map */
    int (*add_to_physmap)(struct domain *src, struct domain *tgt);
    int (*remove_from_physmap)(struct domain *src, struct domain *tgt);
    int (*map_gmfn_foreign)(struct domain *src, struct domain *tgt, struct domain *foreign);
    /* grant_table_op (Xen's xsm_grant_*): src maps, unmaps, copies from or
     * asks about tgt's grants */
    int (*grant_mapref)(struct domain *src, struct domain *tgt, uint32_t flags);
    int (*grant_unmapref)(struct domain *src, struct domain *tgt);
    int (*grant_setup)(struct domain *src, struct domain *tgt);
    int (*grant_copy)(struct domain *src, struct domain *tgt); /* source domain, dest domain */
    int (*grant_query_size)(struct domain *src, struct domain *tgt);
    /* domains: may src create a domain labelled `label` ("": the default
     * label of an unprivileged domain)? Asked before anything of it exists
     * (domctl createdomain, as Xen's FLASK asks with the ssidref first;
     * NULL src: Mica's builder at boot) ... */
    int (*domain_create)(struct domain *src, const char *label);
    /* ... and builds it: domctl max_vcpus, max_mem, setvcpucontext */
    int (*domain_max_vcpus)(struct domain *src, struct domain *tgt);
    int (*domain_set_max_mem)(struct domain *src, struct domain *tgt);
    int (*domain_set_vcpu_context)(struct domain *src, struct domain *tgt);
    int (*schedop_shutdown)(struct domain *src, struct domain *tgt); /* remote shutdown */
    int (*domain_pause)(struct domain *src, struct domain *tgt);
    int (*domain_unpause)(struct domain *src, struct domain *tgt);
    int (*domain_kill)(struct domain *src, struct domain *tgt); /* destroydomain */
    int (*getdomaininfo)(struct domain *src, struct domain *tgt);
    /* sysctl physinfo: the machine's CPUs and memory */
    int (*sysctl_physinfo)(struct domain *src);
    /* hvm_op */
    int (*hvm_getparam)(struct domain *src, struct domain *tgt);
    int (*hvm_setparam)(struct domain *src, struct domain *tgt);
    /* vcpu_op */
    int (*vcpu_op)(struct domain *src, struct domain *tgt);
    /* event_channel_op: src makes a port in d for domain `remote` ... */
    int (*evtchn_unbound)(struct domain *src, struct domain *d, domid_t remote);
    /* ... binds to tgt's port, sends to its peer tgt, asks a port's status
     * in tgt, closes its own port, resets tgt's ports */
    int (*evtchn_interdomain)(struct domain *src, struct domain *tgt);
    int (*evtchn_send)(struct domain *src, struct domain *tgt);
    int (*evtchn_status)(struct domain *src, struct domain *tgt);
    int (*evtchn_close)(struct domain *src, struct domain *tgt);
    int (*evtchn_reset)(struct domain *src, struct domain *tgt);
    /* domctl set_virq_handler: src makes tgt a global VIRQ's handler */
    int (*set_virq_handler)(struct domain *src, struct domain *tgt);
    /* xsm_op itself: may src call it at all ... */
    int (*xsm_op)(struct domain *src);
    /* ... and the module's own commands (dummy, SILO: -ENOSYS). */
    long (*do_xsm_op)(struct vcpu *v, const struct hypercall_args *a);
    /* The label createdomain's ssidref names, into label (size bytes):
     * "" for XSM's default. 0, or -EINVAL for an ssidref the module does
     * not know (FLASK: a SID; the dummy and SILO ignore it, as Xen's
     * dummy module does). */
    int (*ssidref_to_label)(uint32_t ssidref, char *label, size_t size);
    /* A new domain gets its security state in d->ssid (FLASK: its
     * label's type); -EINVAL refuses the domain, -ENOMEM. */
    int (*alloc_security_domain)(struct domain *d);
    /* ... and loses it when the domain struct goes (d->ssid may be NULL:
     * alloc was never called or failed). */
    void (*free_security_domain)(struct domain *d);
    /* Print the module's statistics (end of run, debug key x). */
    void (*print_stats)(void);
};

extern const struct xsm_ops *xsm;

/* The dummy module (xsm/dummy.c): Xen's default privilege rules. */
extern const struct xsm_ops xsm_dummy_ops;
int xsm_default_action(enum xsm_default action, struct domain *src, struct domain *tgt);

/* Install a module: every NULL hook is taken from the dummy module. */
void xsm_register(struct xsm_ops *ops);

/* Pick the module named by `xsm=` (boot). A multiboot2 module that holds
 * a binary FLASK policy (its magic, or the command line `flask-policy`) is
 * taken by XSM, never built as a guest: xsm_module_is_policy says which. */
void xsm_init(void);
bool xsm_module_is_policy(unsigned int index);

/* The modules (xsm/flask.c, xsm/silo.c). */
extern struct xsm_ops flask_ops;
extern struct xsm_ops silo_ops;
/* FLASK's set-up: load the boot policy (module or built-in); false if none
 * could be loaded. */
bool flask_init(void);

#define XSM_CALL(hook, ...) (xsm->hook(__VA_ARGS__))

#endif
