/*
 * The FLASK module: type enforcement with a policy.
 *
 * Every domain has a label, a type of the policy (module option label=,
 * else dom0_t for privileged and domU_t for other domains). A hook becomes
 * one question to the security server: may the caller's type do these
 * permissions of this class on the target's type (or on xen_t, the
 * hypervisor, for the xen class)? The access vector cache answers repeated
 * questions without searching the policy. A denial logs one line,
 *     avc: denied { physmap } for source=stub_t target=domU_t tclass=mmu
 * and, when enforcing, the operation fails with -EPERM; in permissive mode
 * (flask=permissive) it is logged and allowed.
 *
 * The policy comes from a multiboot2 module holding a binary policy (see
 * xsm.h), else the built-in one compiled from xsm/policy/default.te; a
 * privileged, permitted domain may load another with xsm_op FLASK_LOAD.
 *
 * flask_lock guards the policy pointer, the AVC, the mode and the sequence
 * number; it is a leaf (nothing else is taken under it).
 */
#include "bootinfo.h"
#include "lib/cmdline.h"
#include "compat/xsm_op.h"
#include "flask.h"
#include "guest_access.h"
#include "heap.h"
#include "lib/string.h"
#include "printk.h"
#include "public/errno.h"
#include "public/grant_table.h"
#include "public/xen.h"
#include "public/xsm/flask_op.h"
#include "spinlock.h"
#include "lib/vsnprintf.h"
#include "arch.h"
#include "xsm.h"

/* The built-in policy (xsm/default_policy.asm includes build/policy.bin). */
extern const uint8_t flask_default_policy[], flask_default_policy_end[];

#define MAX_POLICY_SIZE (1024 * 1024)
#define MAX_CONTEXT_LEN 128

static DEFINE_SPINLOCK(flask_lock, LOCK_LEVEL_FLASK);
static struct flask_policy *policy;
static struct avc avc;
static bool enforcing = true;
static uint32_t seqno = 1; /* bumped by every policy load */
static uint32_t xen_type;  /* xen_t in the current policy */

static char flask_mode[16] = "enforcing";
STRING_PARAM("flask", flask_mode);

/* ---- labels ---------------------------------------------------------------- */

static const char *default_label(const struct domain *d)
{
    return d->privileged ? FLASK_DEFAULT_PRIVILEGED_TYPE : FLASK_DEFAULT_UNPRIVILEGED_TYPE;
}

/* FLASK's state of a domain, behind d->ssid. */
struct flask_domain {
    uint32_t type;  /* the label's type in the policy ... */
    uint32_t seqno; /* ... of this policy load (else look it up again) */
};

/* d's type in the current policy. flask_lock held. */
static uint32_t domain_type(struct domain *d)
{
    struct flask_domain *fd = d->ssid;

    if (!fd)
        return 0; /* no security state (yet): type 0 is allowed nothing */
    if (fd->seqno != seqno) {
        fd->type = flask_policy_type(policy, d->label);
        fd->seqno = seqno;
    }
    return fd->type;
}

static int flask_alloc_security_domain(struct domain *d)
{
    struct flask_domain *fd = xzalloc(sizeof(*fd));
    uint32_t type;
    unsigned long flags;

    if (!fd)
        return -XEN_ENOMEM;
    if (!d->label[0])
        snprintf(d->label, sizeof(d->label), "%s", default_label(d));
    flags = spin_lock_irqsave(&flask_lock);
    type = flask_policy_type(policy, d->label);
    fd->type = type;
    fd->seqno = seqno;
    d->ssid = fd;
    spin_unlock_irqrestore(&flask_lock, flags);
    if (!type) {
        pr_err("FLASK: d%u (%s): label '%s' is not a type of the policy\n", d->domid, d->name,
               d->label);
        return -XEN_EINVAL;
    }
    return 0;
}

/* createdomain's ssidref is a SID, the index of a type in the policy
 * (FLASK_CONTEXT_TO_SID gives it); 0 is the default label. Xen's FLASK
 * takes no SID 0; Mica gives it the meaning the dummy module gives every
 * ssidref. */
static int flask_ssidref_to_label(uint32_t ssidref, char *label, size_t size)
{
    unsigned long flags;
    int rc = 0;

    flags = spin_lock_irqsave(&flask_lock);
    if (ssidref >= policy->nr_types)
        rc = -XEN_EINVAL;
    else
        snprintf(label, size, "%s", ssidref ? policy->type_names[ssidref] : "");
    spin_unlock_irqrestore(&flask_lock, flags);
    return rc;
}

static void flask_free_security_domain(struct domain *d)
{
    xfree(d->ssid);
    d->ssid = NULL;
}

/* ---- the access check ------------------------------------------------------- */

static void log_denial(uint32_t denied, uint32_t tclass, const char *src, const char *tgt)
{
    char perms[192];
    int len = 0;

    for (unsigned int i = 0; i < FLASK_MAX_PERMS && flask_perm_names[tclass][i]; i++) {
        if (denied & (1u << i))
            len += snprintf(perms + len, sizeof(perms) - (size_t)len, " %s",
                            flask_perm_names[tclass][i]);
        if (len >= (int)sizeof(perms))
            break;
    }
    printk("avc: denied {%s } for source=%s target=%s tclass=%s\n", perms, src, tgt,
           flask_class_names[tclass]);
}

/* May src do perms of tclass on the domain tgt, or if tgt is NULL on a
 * domain yet to be created with the label new_label ("": the default of an
 * unprivileged one), or if that is NULL too on the hypervisor? Mica itself
 * (src NULL) always may. */
static int has_perm_on(struct domain *src, struct domain *tgt, const char *new_label,
                       uint32_t tclass, uint32_t perms)
{
    char src_name[FLASK_POLICY_MAX_NAME], tgt_name[FLASK_POLICY_MAX_NAME];
    uint32_t allowed, denied;
    bool enforce;
    unsigned long flags;

    if (!src)
        return 0;
    flags = spin_lock_irqsave(&flask_lock);
    uint32_t s = domain_type(src), t = xen_type;
    if (tgt)
        t = domain_type(tgt);
    else if (new_label)
        t = flask_policy_type(policy, new_label[0] ? new_label : FLASK_DEFAULT_UNPRIVILEGED_TYPE);
    allowed = avc_lookup(&avc, policy, s, t, tclass);
    denied = perms & ~allowed;
    enforce = enforcing;
    if (denied) {
        snprintf(src_name, sizeof(src_name), "%s", s ? policy->type_names[s] : "unlabeled");
        snprintf(tgt_name, sizeof(tgt_name), "%s", t ? policy->type_names[t] : "unlabeled");
    }
    spin_unlock_irqrestore(&flask_lock, flags);

    if (!denied)
        return 0;
    log_denial(denied, tclass, src_name, tgt_name);
    return enforce ? -XEN_EPERM : 0;
}

/* May src do perms of tclass on the domain tgt (on the hypervisor when tgt
 * is NULL)? */
static int has_perm(struct domain *src, struct domain *tgt, uint32_t tclass, uint32_t perms)
{
    return has_perm_on(src, tgt, NULL, tclass, perms);
}

/* ---- the hooks ---------------------------------------------------------------- */

static int flask_console_io(struct domain *src, unsigned int cmd)
{
    return has_perm(src, NULL, FLASK_CLASS_XEN,
                    cmd == CONSOLEIO_write ? XEN__WRITECONSOLE : XEN__READCONSOLE);
}

#define MMU_HOOK(hook, perm)                                        \
    static int flask_##hook(struct domain *src, struct domain *tgt) \
    {                                                               \
        return has_perm(src, tgt, FLASK_CLASS_MMU, perm);           \
    }
MMU_HOOK(memory_adjust_reservation, MMU__ADJUST)
MMU_HOOK(memory_stat_reservation, MMU__STAT)
MMU_HOOK(memory_map, MMU__MEMORYMAP)
MMU_HOOK(add_to_physmap, MMU__PHYSMAP)
MMU_HOOK(remove_from_physmap, MMU__PHYSMAP)

#define DOMAIN_HOOK(hook, perm)                                     \
    static int flask_##hook(struct domain *src, struct domain *tgt) \
    {                                                               \
        return has_perm(src, tgt, FLASK_CLASS_DOMAIN, perm);        \
    }
/* domain: create, on the type the new domain's label names (Xen's FLASK
 * asks it with the ssidref before the domain exists). */
static int flask_domain_create(struct domain *src, const char *label)
{
    return has_perm_on(src, NULL, label, FLASK_CLASS_DOMAIN, DOMAIN__CREATE);
}

DOMAIN_HOOK(domain_max_vcpus, DOMAIN__MAX_VCPUS)
DOMAIN_HOOK(domain_set_max_mem, DOMAIN__SETDOMAINMAXMEM)
DOMAIN_HOOK(domain_set_vcpu_context, DOMAIN__SETVCPUCONTEXT)
DOMAIN_HOOK(schedop_shutdown, DOMAIN__SHUTDOWN)
DOMAIN_HOOK(domain_pause, DOMAIN__PAUSE)
DOMAIN_HOOK(domain_unpause, DOMAIN__UNPAUSE)
DOMAIN_HOOK(domain_kill, DOMAIN__DESTROY)
DOMAIN_HOOK(getdomaininfo, DOMAIN__GETDOMAININFO)
DOMAIN_HOOK(hvm_getparam, DOMAIN__GETPARAM)
DOMAIN_HOOK(hvm_setparam, DOMAIN__SETPARAM)
DOMAIN_HOOK(vcpu_op, DOMAIN__VCPU)

/* grant: map_read (and map_write unless GNTMAP_readonly), unmap, setup,
 * copy (the source domain on the destination domain), query. */
static int flask_grant_mapref(struct domain *src, struct domain *tgt, uint32_t flags)
{
    uint32_t perms = GRANT__MAP_READ | (flags & GNTMAP_readonly ? 0 : GRANT__MAP_WRITE);
    return has_perm(src, tgt, FLASK_CLASS_GRANT, perms);
}

#define GRANT_HOOK(hook, perm)                                      \
    static int flask_##hook(struct domain *src, struct domain *tgt) \
    {                                                               \
        return has_perm(src, tgt, FLASK_CLASS_GRANT, perm);         \
    }
GRANT_HOOK(grant_unmapref, GRANT__UNMAP)
GRANT_HOOK(grant_setup, GRANT__SETUP)
GRANT_HOOK(grant_copy, GRANT__COPY)
GRANT_HOOK(grant_query_size, GRANT__QUERY)

DOMAIN_HOOK(set_virq_handler, DOMAIN__SET_VIRQ_HANDLER)

/* Event channels: the reserved `event` class (include/public/xsm/flask_classes.h). */
#define EVENT_HOOK(hook, perm)                                      \
    static int flask_##hook(struct domain *src, struct domain *tgt) \
    {                                                               \
        return has_perm(src, tgt, FLASK_CLASS_EVENT, perm);         \
    }
EVENT_HOOK(evtchn_interdomain, EVENT__BIND)
EVENT_HOOK(evtchn_send, EVENT__SEND)
EVENT_HOOK(evtchn_status, EVENT__STATUS)
EVENT_HOOK(evtchn_close, EVENT__CLOSE)
EVENT_HOOK(evtchn_reset, EVENT__CLOSE)

/* alloc_unbound: creating a port in d (the remote is only a domid yet; the
 * bind it later makes is checked by evtchn_interdomain). */
static int flask_evtchn_unbound(struct domain *src, struct domain *d, domid_t remote)
{
    (void)remote;
    return has_perm(src, d, FLASK_CLASS_EVENT, EVENT__CREATE);
}

static int flask_machine_memory_map(struct domain *src)
{
    return has_perm(src, NULL, FLASK_CLASS_XEN, XEN__MACHINE_MEMORY_MAP);
}

static int flask_sysctl_physinfo(struct domain *src)
{
    return has_perm(src, NULL, FLASK_CLASS_XEN, XEN__PHYSINFO);
}

/* The domain whose physmap receives the mapping must be allowed to map
 * (read and write) the foreign domain's memory. */
static int flask_map_gmfn_foreign(struct domain *src, struct domain *tgt, struct domain *foreign)
{
    (void)src;
    return has_perm(tgt, foreign, FLASK_CLASS_MMU, MMU__MAP_READ | MMU__MAP_WRITE);
}

/* Anyone may call xsm_op; each command checks its own permission. */
static int flask_xsm_op(struct domain *src)
{
    (void)src;
    return 0;
}

/* ---- policy loading ------------------------------------------------------------ */

struct label_check {
    const struct flask_policy *candidate;
    unsigned int missing;
};

static void check_label(struct domain *d, void *arg)
{
    struct label_check *c = arg;

    if (!flask_policy_type(c->candidate, d->label)) {
        pr_err("FLASK: new policy lacks type '%s' of d%u (%s)\n", d->label, d->domid, d->name);
        c->missing++;
    }
}

/* Check and install a binary policy; the old one stays on any failure. */
static int load_policy(const void *buf, size_t len, const char *from)
{
    struct flask_policy *p, *old;
    struct label_check check;
    unsigned long flags;
    int rc = flask_policy_parse(buf, len, &p);

    if (rc) {
        pr_err("FLASK: policy from %s refused: %s\n", from,
               rc == -XEN_ENOMEM ? "out of memory" : "malformed");
        return rc;
    }
    check = (struct label_check){ p, 0 };
    if (!flask_policy_type(p, FLASK_HYPERVISOR_TYPE) ||
        !flask_policy_type(p, FLASK_DEFAULT_PRIVILEGED_TYPE) ||
        !flask_policy_type(p, FLASK_DEFAULT_UNPRIVILEGED_TYPE)) {
        pr_err("FLASK: policy from %s refused: it must declare %s, %s and %s\n", from,
               FLASK_HYPERVISOR_TYPE, FLASK_DEFAULT_PRIVILEGED_TYPE,
               FLASK_DEFAULT_UNPRIVILEGED_TYPE);
        check.missing++;
    }
    domain_for_each(check_label, &check);
    if (check.missing) {
        flask_policy_free(p);
        return -XEN_EINVAL;
    }

    flags = spin_lock_irqsave(&flask_lock);
    old = policy;
    policy = p;
    xen_type = flask_policy_type(p, FLASK_HYPERVISOR_TYPE);
    seqno++;
    avc_flush(&avc); /* no decision of the old policy survives */
    spin_unlock_irqrestore(&flask_lock, flags);
    flask_policy_free(old);
    printk("FLASK: policy from %s loaded: %u types, %u rules (load %u)\n", from, p->nr_types - 1,
           p->nr_rules, seqno);
    return 0;
}

bool flask_init(void)
{
    bool loaded = false;

    if (!strcmp(flask_mode, "permissive"))
        enforcing = false;
    else if (strcmp(flask_mode, "enforcing"))
        pr_warn("FLASK: unknown mode flask=%s, enforcing\n", flask_mode);
    for (unsigned int i = 0; i < boot_info.nr_modules && !loaded; i++) {
        if (xsm_module_is_policy(i)) {
            char from[32];
            const struct boot_module *m = &boot_info.modules[i];
            snprintf(from, sizeof(from), "module %u", i);
            loaded = !load_policy(phys_to_virt(m->start), m->end - m->start, from);
        }
    }
    if (!loaded) {
        /* Bounds of the built-in policy's bytes (xsm/default_policy.asm). */
        // cppcheck-suppress comparePointers
        size_t size = (size_t)(flask_default_policy_end - flask_default_policy);
        loaded = !load_policy(flask_default_policy, size, "the built-in default");
    }
    printk("XSM: module flask, %s mode\n", enforcing ? "enforcing" : "permissive");
    return loaded;
}

/* ---- xsm_op --------------------------------------------------------------------- */

static long op_load(struct vcpu *v, const struct flask_request *r)
{
    char from[48];
    void *buf;
    long rc;

    if (!v->domain->privileged)
        return -XEN_EPERM;
    rc = has_perm(v->domain, NULL, FLASK_CLASS_XEN, XEN__LOAD_POLICY);
    if (rc)
        return rc;
    if (r->size == 0 || r->size > MAX_POLICY_SIZE)
        return -XEN_EINVAL;
    buf = xmalloc(r->size);
    if (!buf)
        return -XEN_ENOMEM;
    rc = copy_from_guest(v, buf, r->buffer, r->size) ? -XEN_EFAULT : 0;
    snprintf(from, sizeof(from), "d%u (%s)", v->domain->domid, v->domain->name);
    if (!rc)
        rc = load_policy(buf, r->size, from);
    xfree(buf);
    return rc;
}

static long op_setenforce(struct vcpu *v, const struct flask_request *r)
{
    unsigned long flags;
    long rc;

    if (!v->domain->privileged)
        return -XEN_EPERM;
    rc = has_perm(v->domain, NULL, FLASK_CLASS_XEN, XEN__SETENFORCE);
    if (rc)
        return rc;
    if (r->enforcing > 1)
        return -XEN_EINVAL;
    flags = spin_lock_irqsave(&flask_lock);
    enforcing = r->enforcing;
    avc_flush(&avc); /* as Xen: a mode change empties the cache */
    spin_unlock_irqrestore(&flask_lock, flags);
    printk("FLASK: %s mode (set by d%u)\n", r->enforcing ? "enforcing" : "permissive",
           v->domain->domid);
    return 0;
}

static long op_context_to_sid(struct vcpu *v, const struct hypercall_args *a,
                              const struct flask_request *r)
{
    char context[MAX_CONTEXT_LEN + 1];
    const char *type;
    uint32_t sid;
    unsigned long flags;
    long rc;

    /* The policy's type names are for those it lets see them (Xen's
     * security:check_context). */
    rc = has_perm(v->domain, NULL, FLASK_CLASS_XEN, XEN__CHECK_CONTEXT);
    if (rc)
        return rc;
    if (r->size == 0 || r->size > MAX_CONTEXT_LEN)
        return -XEN_EINVAL;
    if (copy_from_guest(v, context, r->buffer, r->size))
        return -XEN_EFAULT;
    context[r->size] = '\0';
    /* "USER:ROLE:TYPE" or "TYPE": only the type counts in Mica. */
    type = context;
    for (const char *c = context; *c; c++) {
        if (*c == ':')
            type = c + 1;
    }
    flags = spin_lock_irqsave(&flask_lock);
    sid = flask_policy_type(policy, type);
    spin_unlock_irqrestore(&flask_lock, flags);
    if (!sid)
        return -XEN_EINVAL;
    return xlat_flask_op_u_out(v, a->arg[0], &sid, sizeof(sid));
}

static long op_sid_to_context(struct vcpu *v, const struct hypercall_args *a,
                              const struct flask_request *r)
{
    char context[MAX_CONTEXT_LEN];
    uint32_t out[2];
    unsigned long flags;
    int len = -1;
    long rc = has_perm(v->domain, NULL, FLASK_CLASS_XEN, XEN__CHECK_CONTEXT);

    if (rc)
        return rc;
    flags = spin_lock_irqsave(&flask_lock);
    if (r->sid && r->sid < policy->nr_types)
        len = snprintf(context, sizeof(context), "system_u:system_r:%s",
                       policy->type_names[r->sid]);
    spin_unlock_irqrestore(&flask_lock, flags);
    if (len < 0)
        return -XEN_EINVAL;
    out[0] = r->sid;
    out[1] = (uint32_t)len + 1;
    if ((uint32_t)len + 1 > r->size) {
        xlat_flask_op_u_out(v, a->arg[0], out, sizeof(out)); /* tell the size needed */
        return -XEN_ERANGE;
    }
    if (copy_to_guest(v, r->buffer, context, (size_t)len + 1))
        return -XEN_EFAULT;
    return xlat_flask_op_u_out(v, a->arg[0], out, sizeof(out));
}

static long op_access(struct vcpu *v, const struct hypercall_args *a, struct flask_request *r)
{
    struct xen_flask_access *q = &r->access;
    unsigned long flags;
    long rc = has_perm(v->domain, NULL, FLASK_CLASS_XEN, XEN__COMPUTE_AV);

    if (rc)
        return rc;
    flags = spin_lock_irqsave(&flask_lock);
    bool valid = q->ssid && q->ssid < policy->nr_types && q->tsid && q->tsid < policy->nr_types &&
                 q->tclass < FLASK_NR_CLASSES;
    if (valid) {
        q->allowed = avc_lookup(&avc, policy, q->ssid, q->tsid, q->tclass);
        q->seqno = seqno;
    }
    spin_unlock_irqrestore(&flask_lock, flags);
    if (!valid)
        return -XEN_EINVAL;
    q->audit_allow = 0;
    q->audit_deny = q->req & ~q->allowed;
    return xlat_flask_op_u_out(v, a->arg[0], q, sizeof(*q));
}

static long flask_do_xsm_op(struct vcpu *v, const struct hypercall_args *a)
{
    struct flask_request r;
    long rc = xlat_flask_op_in(v, a, a->arg[0], &r);

    if (rc)
        return rc;
    if (r.version != XEN_FLASK_INTERFACE_VERSION)
        return -XEN_ENOSYS;
    switch (r.cmd) {
    case FLASK_LOAD:
        return op_load(v, &r);
    case FLASK_GETENFORCE:
        rc = has_perm(v->domain, NULL, FLASK_CLASS_XEN, XEN__GETENFORCE);
        return rc ? rc : __atomic_load_n(&enforcing, __ATOMIC_RELAXED);
    case FLASK_SETENFORCE:
        return op_setenforce(v, &r);
    case FLASK_CONTEXT_TO_SID:
        return op_context_to_sid(v, a, &r);
    case FLASK_SID_TO_CONTEXT:
        return op_sid_to_context(v, a, &r);
    case FLASK_ACCESS:
        return op_access(v, a, &r);
    default:
        return -XEN_ENOSYS;
    }
}

static void flask_print_stats(void)
{
    unsigned long flags = spin_lock_irqsave(&flask_lock);
    uint64_t hits = avc.hits, misses = avc.misses;
    bool enforce = enforcing;
    spin_unlock_irqrestore(&flask_lock, flags);
    printk("FLASK: %s, AVC %lu hits, %lu misses\n", enforce ? "enforcing" : "permissive", hits,
           misses);
}

struct xsm_ops flask_ops = {
    .name = "flask",
    .console_io = flask_console_io,
    .memory_adjust_reservation = flask_memory_adjust_reservation,
    .memory_stat_reservation = flask_memory_stat_reservation,
    .memory_map = flask_memory_map,
    .machine_memory_map = flask_machine_memory_map,
    .sysctl_physinfo = flask_sysctl_physinfo,
    .add_to_physmap = flask_add_to_physmap,
    .remove_from_physmap = flask_remove_from_physmap,
    .map_gmfn_foreign = flask_map_gmfn_foreign,
    .grant_mapref = flask_grant_mapref,
    .grant_unmapref = flask_grant_unmapref,
    .grant_setup = flask_grant_setup,
    .grant_copy = flask_grant_copy,
    .grant_query_size = flask_grant_query_size,
    .domain_create = flask_domain_create,
    .domain_max_vcpus = flask_domain_max_vcpus,
    .domain_set_max_mem = flask_domain_set_max_mem,
    .domain_set_vcpu_context = flask_domain_set_vcpu_context,
    .ssidref_to_label = flask_ssidref_to_label,
    .schedop_shutdown = flask_schedop_shutdown,
    .domain_pause = flask_domain_pause,
    .domain_unpause = flask_domain_unpause,
    .domain_kill = flask_domain_kill,
    .getdomaininfo = flask_getdomaininfo,
    .hvm_getparam = flask_hvm_getparam,
    .hvm_setparam = flask_hvm_setparam,
    .vcpu_op = flask_vcpu_op,
    .evtchn_unbound = flask_evtchn_unbound,
    .evtchn_interdomain = flask_evtchn_interdomain,
    .evtchn_send = flask_evtchn_send,
    .evtchn_status = flask_evtchn_status,
    .evtchn_close = flask_evtchn_close,
    .evtchn_reset = flask_evtchn_reset,
    .set_virq_handler = flask_set_virq_handler,
    .xsm_op = flask_xsm_op,
    .do_xsm_op = flask_do_xsm_op,
    .alloc_security_domain = flask_alloc_security_domain,
    .free_security_domain = flask_free_security_domain,
    .print_stats = flask_print_stats,
};
