/*
 * The FLASK object classes and permissions Mica checks: one class per kind
 * of object, one permission per guarded operation. The policy compiler
 * (tools/policyc) and Mica both use this header, so a name means the same
 * bit in both. A class has at most 32 permissions. The grant class is
 * reserved for the grant-table issue to come; event is checked by the
 * event-channel hooks (xsm/flask.c).
 */
#ifndef MICA_PUBLIC_XSM_FLASK_CLASSES_H
#define MICA_PUBLIC_XSM_FLASK_CLASSES_H

enum flask_class {
    FLASK_CLASS_DOMAIN,     /* operations on a domain as a whole */
    FLASK_CLASS_MMU,        /* its memory: physmap, reservations, foreign maps */
    FLASK_CLASS_XEN,        /* the hypervisor itself: console, XSM control */
    FLASK_CLASS_GRANT,      /* reserved: grant tables */
    FLASK_CLASS_EVENT,      /* reserved: event channels */
    FLASK_NR_CLASSES
};

/* domain */
#define DOMAIN__CREATE        (1u << 0)
#define DOMAIN__DESTROY       (1u << 1)   /* XEN_DOMCTL_destroydomain */
#define DOMAIN__PAUSE         (1u << 2)
#define DOMAIN__GETPARAM      (1u << 3)   /* HVMOP_get_param */
#define DOMAIN__SETPARAM      (1u << 4)   /* HVMOP_set_param */
#define DOMAIN__VCPU          (1u << 5)   /* vcpu_op */
#define DOMAIN__UNPAUSE       (1u << 6)   /* XEN_DOMCTL_unpausedomain */
#define DOMAIN__GETDOMAININFO (1u << 7)   /* XEN_DOMCTL_getdomaininfo */
#define DOMAIN__SET_VIRQ_HANDLER (1u << 8) /* domctl set_virq_handler */
#define DOMAIN__SHUTDOWN      (1u << 9)   /* SCHEDOP_remote_shutdown */
#define DOMAIN__MAX_VCPUS     (1u << 10)  /* XEN_DOMCTL_max_vcpus */
#define DOMAIN__SETDOMAINMAXMEM (1u << 11) /* XEN_DOMCTL_max_mem */
#define DOMAIN__SETVCPUCONTEXT (1u << 12) /* XEN_DOMCTL_setvcpucontext */
/* mmu */
#define MMU__PHYSMAP          (1u << 0)   /* add_to_physmap(_batch), remove_from_physmap */
#define MMU__ADJUST           (1u << 1)   /* increase/decrease_reservation, populate_physmap */
#define MMU__STAT             (1u << 2)   /* current/maximum_reservation, maximum_gpfn */
#define MMU__MEMORYMAP        (1u << 3)   /* memory_map */
#define MMU__MAP_READ         (1u << 4)   /* map a frame of the target (gmfn_foreign) */
#define MMU__MAP_WRITE        (1u << 5)   /* ... writably */
/* xen (target: the hypervisor's own type, xen_t) */
#define XEN__WRITECONSOLE     (1u << 0)
#define XEN__READCONSOLE      (1u << 1)
#define XEN__MACHINE_MEMORY_MAP (1u << 2)
#define XEN__GETENFORCE       (1u << 3)
#define XEN__SETENFORCE       (1u << 4)
#define XEN__LOAD_POLICY      (1u << 5)
#define XEN__COMPUTE_AV       (1u << 6)
#define XEN__CHECK_CONTEXT    (1u << 7)   /* FLASK_CONTEXT_TO_SID, FLASK_SID_TO_CONTEXT
                                             (Xen: security:check_context) */
#define XEN__PHYSINFO         (1u << 8)   /* sysctl physinfo */
/* grant (reserved) */
#define GRANT__MAP_READ       (1u << 0)
#define GRANT__MAP_WRITE      (1u << 1)
#define GRANT__UNMAP          (1u << 2)
#define GRANT__SETUP          (1u << 3)
#define GRANT__COPY           (1u << 4)
#define GRANT__QUERY          (1u << 5)
/* event: bind_interdomain, send, status, alloc_unbound, close and reset */
#define EVENT__BIND           (1u << 0)
#define EVENT__SEND           (1u << 1)
#define EVENT__STATUS         (1u << 2)
#define EVENT__CREATE         (1u << 3)
#define EVENT__CLOSE          (1u << 4)

#define FLASK_MAX_PERMS 32

/* Names, for the compiler and for denial messages. Index = class; the
 * permission list is in bit order and ends with NULL. */
static const char *const flask_class_names[FLASK_NR_CLASSES] = {
    "domain", "mmu", "xen", "grant", "event",
};

static const char *const flask_perm_names[FLASK_NR_CLASSES][FLASK_MAX_PERMS + 1] = {
    [FLASK_CLASS_DOMAIN] = { "create", "destroy", "pause", "getparam", "setparam", "vcpu",
                             "unpause", "getdomaininfo", "set_virq_handler", "shutdown",
                             "max_vcpus", "setdomainmaxmem", "setvcpucontext", 0 },
    [FLASK_CLASS_MMU] = { "physmap", "adjust", "stat", "memorymap", "map_read", "map_write", 0 },
    [FLASK_CLASS_XEN] = { "writeconsole", "readconsole", "machine_memory_map", "getenforce",
                          "setenforce", "load_policy", "compute_av", "check_context", "physinfo",
                          0 },
    [FLASK_CLASS_GRANT] = { "map_read", "map_write", "unmap", "setup", "copy", "query", 0 },
    [FLASK_CLASS_EVENT] = { "bind", "send", "status", "create", "close", 0 },
};

/* The types Mica gives domains without a label=, and itself. A policy must
 * declare all three. */
#define FLASK_DEFAULT_PRIVILEGED_TYPE "dom0_t"
#define FLASK_DEFAULT_UNPRIVILEGED_TYPE "domU_t"
#define FLASK_HYPERVISOR_TYPE "xen_t"

#endif
