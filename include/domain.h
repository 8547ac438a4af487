/*
 * Domains and their vCPUs.
 *
 * Life of a domain:  CREATED --start--> RUNNING <--domctl pause/unpause--> PAUSED
 *                    (start: domain_start at boot; the first domctl unpause
 *                    of a domain a guest created, domain_create_requested)
 *                    RUNNING/PAUSED --shutdown(reason)--> SHUTDOWN
 *                    SHUTDOWN --last vCPU off its CPU--> DYING --> DEAD
 * While DYING, Mica returns every page, table page and vCPU; the struct
 * itself goes when the last reference is put.
 *
 * Lookup (domain_get) takes domlist_lock, finds the domain and takes a
 * counted reference before dropping the lock: a plain locked lookup rather
 * than RCU, because lookups are rare (hypercalls naming another domain) and
 * a lock is far easier to read and to check. A DYING domain cannot be looked
 * up, so no new reference appears once teardown begins.
 */
#ifndef MICA_DOMAIN_H
#define MICA_DOMAIN_H

#include "arch.h"
#include "event_types.h"
#include "guest_time.h"
#include "lib/list.h"
#include "p2m/p2m.h"
#include "runstate.h"
#include "spinlock.h"
#include "types.h"

typedef uint16_t domid_t;

#define MAX_VCPUS 8
#define DOMAIN_NAME_LEN 32
#define DOMAIN_CMDLINE_LEN 256
#define DOMAIN_LABEL_LEN 32
#define CONSOLE_LINE_LEN 128
/* Grant frames per domain (module option max_grant_frames=): the default
 * and the bound (Xen 4.17's default maximum is 64). */
#define DEFAULT_GRANT_FRAMES 4
#define MAX_GRANT_FRAMES 64

enum domain_state {
    DOMAIN_CREATED, /* built, not yet started */
    DOMAIN_RUNNING,
    DOMAIN_PAUSED,
    DOMAIN_SHUTDOWN, /* asked to stop (shutdown_reason says why); vCPUs stopping */
    DOMAIN_DYING,    /* resources being returned */
    DOMAIN_DEAD,     /* its memory is gone (set under lock); only the struct is left */
};

enum vcpu_state {
    VCPU_OFFLINE,  /* not started, taken down (VCPUOP_down), or its domain has stopped */
    VCPU_RUNNABLE, /* on the run queue */
    VCPU_RUNNING,  /* on a CPU right now (exactly one) */
    VCPU_BLOCKED,  /* waiting for an event (SCHEDOP_block, HLT) */
};

struct domain;
struct grant_table;

struct vcpu {
    struct domain *domain;
    unsigned int id;
    enum vcpu_state state;      /* under runq_lock */
    int processor;              /* the CPU running it, or -1 */
    struct list_head runq_link; /* run queue or blocked list */

    struct arch_vcpu arch; /* its processor state (include/x86/arch_domain.h) */

    /* Why the scheduler should take the vCPU off its CPU after this exit. */
    bool yield_requested;

    /* Has its register state been set? vCPU 0 by the builder (domain_start),
     * the others by VCPUOP_initialise, once. Under the domain's lock. */
    bool initialised;

    /* Event delivery: its vcpu_info, upcall vector, VIRQs, SCHEDOP_poll
     * (include/event_types.h, common/event_channel.c). */
    struct evtchn_vcpu evtchn;

    /* Its timers: singleshot, periodic, SCHEDOP_poll's timeout
     * (include/guest_time.h, common/guest_time.c). */
    struct vcpu_time time;

    /* Time in each run state, and the guest's registered copy
     * (include/runstate.h, common/runstate.c). */
    struct vcpu_runstate runstate;
};

#define DOMAIN_MEMMAP_MAX 4 /* RAM, the ACPI tables, RAM above 4 GiB, the console ring */

struct domain {
    domid_t domid;
    char name[DOMAIN_NAME_LEN];
    uint32_t refcount;            /* atomic; the domain list holds one */
    enum domain_state state;      /* to SHUTDOWN under lock; SHUTDOWN to DYING
                                       under runq_lock, by exactly one CPU */
    unsigned int shutdown_reason; /* SHUTDOWN_* when state >= SHUTDOWN */
    unsigned int pause_count;     /* domctl pauses in force (under lock) */
    unsigned long vm_assist;      /* VMASST_TYPE_* bits the guest turned on (atomic) */
    spinlock_t lock;              /* state, page list, tot_pages */
    bool privileged;
    bool xenstore;                    /* the xenstore domain (module option `xenstore`):
                                         XSM's XS_PRIV class lets it inspect domains */
    bool trace_hypercalls;            /* trace=hypercalls (hypercall_trace.h) */
    bool start_paused;                /* module option `paused`: started paused, for a
                                         builder to unpause (XEN_DOMCTL_unpausedomain) */
    bool npf_crash;                   /* module option `npf=crash`: a nested page fault
                                         crashes it instead of being emulated
                                         (arch/x86/svm/npf.c, docs/platform.md) */
    domid_t target;                   /* the domain this one manages (device model,
                                       stub domain), or DOMID_INVALID */
    uint8_t handle[16];               /* its toolstack's UUID (xen_domain_handle_t,
                                         XEN_DOMCTL_createdomain), zero at boot */
    char label[DOMAIN_LABEL_LEN];     /* security label (XSM); FLASK fills in the default */
    void *ssid;                       /* the XSM module's own state for this domain:
                                       only that module reads or writes it */
    char cmdline[DOMAIN_CMDLINE_LEN]; /* the guest's own command line: the module's
                                         after " -- " */

    /* Special frames (owned, never in the page list, never counted in
     * tot_pages, never released by decrease_reservation or moved): */
    struct frame *shared_info;       /* XENMAPSPACE_shared_info */
    struct frame **grant_frames;     /* XENMAPSPACE_grant_table: the v1 grant
                                       table, max_grant_frames of them */
    unsigned int max_grant_frames;   /* 1..MAX_GRANT_FRAMES, fixed at creation */
    struct grant_table *grant_table; /* grant state (common/grant_table.c) */
    struct {
        spinlock_t lock;    /* the ring's indices as Mica moves them */
        struct frame *ring; /* its xencons_interface page (unprivileged
                               domains only), mapped just after RAM */
        uint32_t port;      /* its event channel, bound to Mica */
    } console;              /* the PV console (common/console_ring.c) */

    uint64_t ram_end; /* its RAM: [0, ram_end) (the builder's) */
    /* Its memory map as the builder wrote it, E820 types (XEN_HVM_MEMMAP_TYPE_*,
     * the same numbers): given in hvm_start_info and by XENMEM_memory_map. */
    struct domain_memmap_entry {
        uint64_t addr, size;
        uint32_t type;
    } memmap[DOMAIN_MEMMAP_MAX];
    unsigned int nr_memmap;
    uint64_t max_pages;         /* the most RAM pages it may own */
    uint64_t tot_pages;         /* RAM pages it owns now */
    struct list_head page_list; /* those pages (frame.list) */

    struct vcpu *vcpus[MAX_VCPUS];
    unsigned int nr_vcpus;
    uint32_t vcpus_on_cpu; /* atomic: vCPUs currently RUNNING */

    struct p2m p2m;
    struct arch_domain arch; /* its x86 state (include/x86/arch_domain.h) */

    char console_line[CONSOLE_LINE_LEN]; /* port 0xe9 / console_io line buffer */
    unsigned int console_len;
    uint64_t console_second;      /* rate limit: the second being counted */
    unsigned int console_lines;   /* lines printed in that second */
    unsigned int console_dropped; /* lines dropped in that second */

    struct list_head domlist_link;

    /* Event channels: ports, callback, shared_info layout
     * (include/event_types.h, common/event_channel.c). */
    struct evtchn_domain evtchn;
};

/* Create a domain with nr_vcpus vCPUs, room for max_pages pages (but no
 * memory yet) and max_grant_frames grant frames, and store it in *created.
 * -EINVAL for a vCPU count outside 1..MAX_VCPUS or a grant frame count
 * outside 1..MAX_GRANT_FRAMES, -ENOMEM, -ENOSPC (no free domid): nothing
 * is left behind. */
int domain_create(const char *name, bool privileged, unsigned int nr_vcpus, uint64_t max_pages,
                  unsigned int max_grant_frames, struct domain **created);

/* What a domain asks for when it creates another (XEN_DOMCTL_createdomain,
 * common/domctl_build.c, which validates it and asks XSM first). */
struct domain_request {
    domid_t domid;         /* the domid wanted, or DOMID_INVALID: any but 0 */
    const char *label;     /* its security label; "": XSM's default */
    unsigned int nr_vcpus; /* 1..MAX_VCPUS */
    unsigned int max_grant_frames;
    bool xenstore;         /* the xenstore domain */
    const uint8_t *handle; /* 16 bytes: the toolstack's UUID */
};

/* Create the domain a domain asked for (XEN_DOMCTL_createdomain):
 * unprivileged, named dN, with no memory yet (max_pages 0) and its vCPUs'
 * hardware state but no start state (XEN_DOMCTL_setvcpucontext gives one);
 * it stays CREATED (getdomaininfo: paused) until its first domain_unpause.
 * XSM gives it its security state before it can be seen. *created comes
 * with a counted reference for the caller to put. -EINVAL (as
 * domain_create, or a label XSM refuses), -EEXIST (that domid is in use),
 * -ENOSPC (none free), -ENOMEM: nothing is left behind. */
int domain_create_requested(const struct domain_request *req, struct domain **created);

/* A counted reference to domain id (DOMID_SELF: the caller's own), or NULL
 * if there is none or it is dying. */
struct domain *domain_get(domid_t id);
void domain_get_ref(struct domain *d);
/* A counted reference to the live domain with the smallest id >= first, or
 * NULL if there is none. */
struct domain *domain_get_next(domid_t first);
void domain_put(struct domain *d);

/* The domain running on this CPU (NULL when idle). */
struct domain *current_domain(void);

/* Start vCPU 0 of a built domain. */
void domain_start(struct domain *d);

/* Pause a running domain (pauses nest, up to 255: -EOVERFLOW) / undo one
 * pause (-EINVAL if it is not paused). Returns once none of its vCPUs runs.
 * -EINVAL for a domain that is not running or paused. The first unpause of
 * a domain created by domain_create_requested starts its vCPU 0, which must have
 * a start state (-EINVAL otherwise). */
int domain_pause(struct domain *d);
int domain_unpause(struct domain *d);

/* Stop a domain for good with reason SHUTDOWN_*; its vCPUs leave their CPUs
 * at their next exit, and the last one tears the domain down. */
void domain_shutdown(struct domain *d, unsigned int reason);

/* A reason of Mica's own beside Xen's SHUTDOWN_*: another domain destroyed
 * this one (XEN_DOMCTL_destroydomain). A clean end, like a power-off. */
#define SHUTDOWN_destroyed 0x100

/* XEN_DOMCTL_destroydomain: stop d for good whatever it is doing; its
 * vCPUs leave their CPUs and the last one tears it down (as a shutdown). */
void domain_kill(struct domain *d);

/* Crash a domain: log why (printf-style) and shut it down as crashed. */
void domain_crash(struct domain *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Return everything a DYING domain holds (its vCPUs are all off their CPUs)
 * and drop the domain list's reference. Called once, by whoever moved the
 * domain from SHUTDOWN to DYING (see sched_stop_domain). */
void domain_destroy(struct domain *d);

/* Call fn on every domain that is not dying (each with a reference held,
 * no lock held). */
void domain_for_each(void (*fn)(struct domain *d, void *arg), void *arg);

/* The domid of the live domain called name, or DOMID_INVALID. */
domid_t domain_find_by_name(const char *name);

/* How many domains exist: created and not yet freed (see domain.c). */
unsigned int domains_alive(void);

/* "powered off", "crashed", ... for a SHUTDOWN_* reason. */
const char *shutdown_reason_name(unsigned int reason);

#endif
