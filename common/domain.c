/*
 * Domains: creation, lookup with counted references, shutdown and teardown
 * (see domain.h for the life cycle and the locking).
 */
#include "domain.h"
#include "alloc_fail.h"
#include "arch.h"
#include "assert.h"
#include "end_of_run.h"
#include "event.h"
#include "frame_owner.h"
#include "frame_ref.h"
#include "grant_table.h"
#include "heap.h"
#include "lib/string.h"
#include "lib/vsnprintf.h"
#include "p2m/p2m_debug.h"
#include "p2m/p2m_domain.h"
#include "printk.h"
#include "public/errno.h"
#include "public/sched.h"
#include "public/xen.h"
#include "runstate.h"
#include "schedule.h"
#include "xsm.h"

static DEFINE_SPINLOCK(domlist_lock, LOCK_LEVEL_DOMLIST);
static struct list_head domlist = LIST_HEAD_INIT(domlist);
/* Domains created and not yet freed: a domain counts until its last
 * reference goes, because a reference held elsewhere (a hypercall from
 * another domain, the timeout sweep) keeps its vCPU structs allocated,
 * and the end-of-run leak check must not run before they are freed. */
static uint32_t nr_domains;

struct domain *current_domain(void)
{
    struct vcpu *v = current_vcpu();
    return v ? v->domain : NULL;
}

/* ---- references -------------------------------------------------------- */

static void free_vcpus(struct domain *d);

void domain_get_ref(struct domain *d)
{
    __atomic_fetch_add(&d->refcount, 1, __ATOMIC_ACQ_REL);
}

void domain_put(struct domain *d)
{
    if (__atomic_sub_fetch(&d->refcount, 1, __ATOMIC_ACQ_REL) == 0) {
        ASSERT(d->state == DOMAIN_DEAD);
        free_vcpus(d);
        grant_table_free(d);
        xsm->free_security_domain(d);
        xfree(d);
        /* Last: the end of the run may be declared once this reaches zero. */
        __atomic_fetch_sub(&nr_domains, 1, __ATOMIC_ACQ_REL);
    }
}

struct domain *domain_get(domid_t id)
{
    struct domain *found = NULL;
    struct list_head *pos;

    if (id == DOMID_SELF) {
        found = current_domain();
        if (found)
            domain_get_ref(found);
        return found;
    }
    spin_lock(&domlist_lock);
    list_for_each(pos, &domlist) {
        struct domain *d = list_entry(pos, struct domain, domlist_link);
        if (d->domid == id && d->state < DOMAIN_DYING) {
            domain_get_ref(d);
            found = d;
            break;
        }
    }
    spin_unlock(&domlist_lock);
    return found;
}

struct domain *domain_get_next(domid_t first)
{
    struct domain *found = NULL;
    struct list_head *pos;

    spin_lock(&domlist_lock);
    list_for_each(pos, &domlist) {
        struct domain *d = list_entry(pos, struct domain, domlist_link);
        if (d->domid >= first && d->state < DOMAIN_DYING && (!found || d->domid < found->domid))
            found = d;
    }
    if (found)
        domain_get_ref(found);
    spin_unlock(&domlist_lock);
    return found;
}

/* ---- creation ------------------------------------------------------------- */

/* Is domid taken? Called with domlist_lock held. */
static bool domid_in_use(int id)
{
    struct list_head *pos;

    list_for_each(pos, &domlist) {
        if (list_entry(pos, struct domain, domlist_link)->domid == id)
            return true;
    }
    return false;
}

/* The next domid not in use, counting on from the last one handed out (so
 * an id is not reused at once, as in Xen); from `lowest` (0 at boot, 1 for
 * XEN_DOMCTL_createdomain, which never gives 0, as Xen). Called with
 * domlist_lock held. */
static int allocate_domid(int lowest)
{
    static int next_domid;

    for (int n = 0; n < DOMID_FIRST_RESERVED; n++) {
        int id = (next_domid + n) % DOMID_FIRST_RESERVED;
        if (id >= lowest && !domid_in_use(id)) {
            next_domid = id + 1;
            return id;
        }
    }
    return -XEN_ENOSPC;
}

/* The special frames (shared_info, grant frames, console ring): owned by
 * d, not RAM. */
static void free_special_frames(struct domain *d)
{
    if (d->shared_info)
        frame_put(d->shared_info);
    d->shared_info = NULL;
    if (d->console.ring)
        frame_put(d->console.ring);
    d->console.ring = NULL;
    for (unsigned int i = 0; d->grant_frames && i < d->max_grant_frames; i++) {
        if (d->grant_frames[i])
            frame_put(d->grant_frames[i]);
    }
    xfree(d->grant_frames);
    d->grant_frames = NULL;
}

static int alloc_special_frames(struct domain *d)
{
    d->shared_info = frames_assign(d, 0, FRAME_SPECIAL);
    if (!d->shared_info)
        return -XEN_ENOMEM;
    d->grant_frames = xzalloc(d->max_grant_frames * sizeof(*d->grant_frames));
    if (!d->grant_frames)
        return -XEN_ENOMEM;
    for (unsigned int i = 0; i < d->max_grant_frames; i++) {
        d->grant_frames[i] = frames_assign(d, 0, FRAME_SPECIAL);
        if (!d->grant_frames[i])
            return -XEN_ENOMEM;
    }
    return 0;
}

/* The vCPU structs live as long as the domain struct: code holding a
 * reference to the domain (a TLB shootdown, a pause) may still look at
 * their state. Their VMCBs go at teardown (arch_vcpu_destroy). */
static void free_vcpus(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        if (d->vcpus[i]) {
            arch_vcpu_destroy(d->vcpus[i]);
            xfree(d->vcpus[i]);
            d->vcpus[i] = NULL;
        }
    }
}

static int alloc_vcpus(struct domain *d, unsigned int nr_vcpus)
{
    d->nr_vcpus = nr_vcpus;
    for (unsigned int i = 0; i < nr_vcpus; i++) {
        struct vcpu *v = xzalloc(sizeof(*v));
        if (!v)
            return -XEN_ENOMEM;
        v->domain = d;
        v->id = i;
        v->processor = -1;
        v->state = VCPU_OFFLINE;
        list_init(&v->runq_link);
        runstate_init(v);
        d->vcpus[i] = v;
    }
    return 0;
}

/* Give d a domid (`wanted`, or if that is DOMID_INVALID the next free one
 * from `lowest`), a name if it has none ("dN"), and put it on the domain
 * list. -EEXIST if the wanted domid is taken, -ENOSPC if none is free. */
static int publish(struct domain *d, domid_t wanted, int lowest)
{
    int domid;

    spin_lock(&domlist_lock);
    if (wanted != DOMID_INVALID)
        domid = domid_in_use(wanted) ? -XEN_EEXIST : wanted;
    else
        domid = allocate_domid(lowest);
    if (domid >= 0) {
        d->domid = (domid_t)domid;
        if (!d->name[0])
            snprintf(d->name, sizeof(d->name), "d%d", domid);
        list_add_tail(&d->domlist_link, &domlist);
        __atomic_fetch_add(&nr_domains, 1, __ATOMIC_ACQ_REL);
    }
    spin_unlock(&domlist_lock);
    return domid < 0 ? domid : 0;
}

/* A requested domain's label and XSM's state for it (-EINVAL: a label
 * the module does not know, -ENOMEM). */
static int security_state(struct domain *d, const struct domain_request *req)
{
    snprintf(d->label, sizeof(d->label), "%s", req->label);
    return xsm->alloc_security_domain(d);
}

/* Every vCPU's hardware state, no start state: vCPU 0 gets one from
 * XEN_DOMCTL_setvcpucontext, the others from it or VCPUOP_initialise. */
static int init_vcpus_unstarted(struct domain *d)
{
    int rc = 0;

    for (unsigned int i = 0; i < d->nr_vcpus && !rc; i++)
        rc = arch_vcpu_init(d->vcpus[i], 0, 0);
    return rc;
}

/* domain_create, and with req (domain_create_requested) XSM's state and
 * the vCPUs' hardware state before the domain is published. */
static int create(const char *name, bool privileged, unsigned int nr_vcpus, uint64_t max_pages,
                  unsigned int max_grant_frames, const struct domain_request *req,
                  struct domain **created)
{
    struct domain *d;
    int rc;

    if (nr_vcpus == 0 || nr_vcpus > MAX_VCPUS)
        return -XEN_EINVAL;
    if (max_grant_frames == 0 || max_grant_frames > MAX_GRANT_FRAMES)
        return -XEN_EINVAL;
    d = xzalloc(sizeof(*d));
    if (!d)
        return -XEN_ENOMEM;
    snprintf(d->name, sizeof(d->name), "%s", name);
    d->privileged = privileged;
    d->max_pages = max_pages;
    d->max_grant_frames = max_grant_frames;
    d->state = DOMAIN_CREATED;
    /* The domain list's reference, and for a requested domain its
     * creator's: once published it may be destroyed at any time (a remote
     * shutdown, Mica's timeout), and the creator still reads it. */
    d->refcount = req ? 2 : 1;
    spin_lock_init(&d->lock, "domain_lock", LOCK_LEVEL_DOMAIN);
    spin_lock_init(&d->console.lock, "console_ring_lock", LOCK_LEVEL_CONSOLE_RING);
    list_init(&d->page_list);
    list_init(&d->domlist_link);
    d->target = DOMID_INVALID;
    if (req) {
        d->xenstore = req->xenstore;
        memcpy(d->handle, req->handle, sizeof(d->handle));
    }

    /* The first step that can fail is the p2m's set-up: from here on the
     * one unwind below copes with whatever exists. */
    rc = p2m_domain_init(d);
    if (!rc && req)
        rc = security_state(d, req);
    if (!rc)
        rc = alloc_special_frames(d);
    if (!rc)
        rc = grant_table_init(d);
    if (!rc)
        rc = alloc_vcpus(d, nr_vcpus);
    if (!rc) {
        evtchn_domain_init(d);     /* needs shared_info and the vCPUs */
        guest_time_domain_init(d); /* likewise */
    }
    if (!rc && req)
        rc = init_vcpus_unstarted(d);
    if (!rc)
        rc = req ? publish(d, req->domid, 1) : publish(d, DOMID_INVALID, 0);
    if (rc) {
        free_vcpus(d);
        grant_table_free(d);
        free_special_frames(d);
        p2m_teardown(&d->p2m);
        xsm->free_security_domain(d);
        xfree(d);
        return rc;
    }
    evtchn_domain_published(d);
    *created = d;
    return 0;
}

int domain_create(const char *name, bool privileged, unsigned int nr_vcpus, uint64_t max_pages,
                  unsigned int max_grant_frames, struct domain **created)
{
    return create(name, privileged, nr_vcpus, max_pages, max_grant_frames, NULL, created);
}

int domain_create_requested(const struct domain_request *req, struct domain **created)
{
    return create("", false, req->nr_vcpus, 0, req->max_grant_frames, req, created);
}

/* Teardown's half of a domain's memory. Each RAM frame holds two references
 * while mapped: its allocation's and its p2m entry's. The p2m's go first
 * (after the p2m is flushed and gone), then the allocation's; a frame is
 * freed when its count reaches zero, so a mapped frame is never freed. */
static void relinquish_memory(struct domain *d)
{
    struct list_head *pos, *tmp;

    p2m_domain_teardown(d);
    /* The allocation references. A frame another domain still maps
     * (foreign mapping) lives on, ownerless, until that mapping goes. */
    list_for_each_safe(pos, tmp, &d->page_list) {
        struct frame *f = list_entry(pos, struct frame, list);
        list_del(&f->list);
        f->owner = NULL;
        frame_put(f);
    }
    free_special_frames(d);
    d->tot_pages = 0;
}

/* ---- shutdown and teardown ------------------------------------------------ */

static const char *const reason_names[] = {
    [SHUTDOWN_poweroff] = "powered off", [SHUTDOWN_reboot] = "rebooted",
    [SHUTDOWN_suspend] = "suspended",    [SHUTDOWN_crash] = "crashed",
    [SHUTDOWN_watchdog] = "watchdog",    [SHUTDOWN_soft_reset] = "soft reset",
};

const char *shutdown_reason_name(unsigned int reason)
{
    if (reason == SHUTDOWN_destroyed)
        return "destroyed";
    return reason < ARRAY_SIZE(reason_names) ? reason_names[reason] : "unknown";
}

#define MAX_PAUSE_COUNT 255

int domain_pause(struct domain *d)
{
    int rc = 0;
    bool first;

    spin_lock(&d->lock);
    if (d->state != DOMAIN_RUNNING && d->state != DOMAIN_PAUSED)
        rc = -XEN_EINVAL;
    else if (d->pause_count == MAX_PAUSE_COUNT)
        rc = -XEN_EOVERFLOW;
    first = !rc && d->pause_count++ == 0;
    if (first)
        d->state = DOMAIN_PAUSED;
    spin_unlock(&d->lock);
    if (first) {
        sched_pause_domain(d);
        printk("Domain d%u (%s): paused\n", d->domid, d->name); /* and off every CPU */
    }
    return rc;
}

/* The first unpause of a domain a domain created (domain_create_requested; the
 * builder's domains are started by domain_start before anyone can name
 * them): vCPU 0 starts from the state XEN_DOMCTL_setvcpucontext gave it.
 * Called with d's lock held. */
static int start_created(struct domain *d)
{
    if (!d->vcpus[0]->initialised)
        return -XEN_EINVAL; /* nothing could ever start a vCPU of it */
    d->state = DOMAIN_RUNNING;
    sched_start_vcpu(d->vcpus[0]);
    return 0;
}

int domain_unpause(struct domain *d)
{
    int rc = 0;
    bool last = false, started = false;

    spin_lock(&d->lock);
    if (d->state == DOMAIN_CREATED) {
        rc = start_created(d);
        started = !rc;
    } else if (d->state != DOMAIN_PAUSED) {
        rc = -XEN_EINVAL;
    } else {
        last = --d->pause_count == 0;
        if (last)
            d->state = DOMAIN_RUNNING;
    }
    spin_unlock(&d->lock);
    if (started)
        printk("Domain d%u (%s): started\n", d->domid, d->name);
    if (last) {
        printk("Domain d%u (%s): unpaused\n", d->domid, d->name);
        sched_unpause_domain(d);
    }
    return rc;
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
    spin_lock(&d->lock);
    if (d->state >= DOMAIN_SHUTDOWN) {
        spin_unlock(&d->lock);
        return; /* the first reason stands */
    }
    d->state = DOMAIN_SHUTDOWN;
    d->shutdown_reason = reason;
    spin_unlock(&d->lock);

    printk("Domain d%u (%s): %s\n", d->domid, d->name, shutdown_reason_name(reason));
    send_global_virq(VIRQ_DOM_EXC); /* the domain's handler learns of it */
    if (sched_stop_domain(d))
        domain_destroy(d);
}

void domain_kill(struct domain *d)
{
    domain_shutdown(d, SHUTDOWN_destroyed);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
    char why[384];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    pr_err("%s\n", why);
    domain_shutdown(d, SHUTDOWN_crash);
}

void domain_start(struct domain *d)
{
    spin_lock(&d->lock);
    ASSERT(d->state == DOMAIN_CREATED);
    if (d->start_paused) {
        /* Its vCPU starts parked until an unpause (sched_start_vcpu). */
        d->state = DOMAIN_PAUSED;
        d->pause_count = 1;
        printk("Domain d%u (%s): started paused\n", d->domid, d->name);
    } else {
        d->state = DOMAIN_RUNNING;
    }
    d->vcpus[0]->initialised = true; /* the builder set its PVH entry state */
    spin_unlock(&d->lock);
    sched_start_vcpu(d->vcpus[0]);
}

void domain_destroy(struct domain *d)
{
    ASSERT(d->state == DOMAIN_DYING);
    alloc_forbid_begin(); /* teardown cannot fail, so it frees and never allocates */
    p2m_debug_domain_ending(d);

    spin_lock(&domlist_lock);
    list_del(&d->domlist_link);
    spin_unlock(&domlist_lock);

    /* No timer of its vCPUs runs any more; then its ports (peers see them
     * unbound), while its memory is there. */
    guest_time_domain_destroy(d);
    evtchn_domain_destroy(d);
    /* Before the memory goes: the grant mappings d made are undone, and
     * nobody may use d's grants any more (common/grant_table.c). */
    grant_table_teardown(d);

    /* Under the domain lock: an operation another domain started on d
     * before it began dying finishes first, and any later one sees DYING
     * (physmap.c checks the state under this lock). */
    spin_lock(&d->lock);
    relinquish_memory(d);
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        arch_vcpu_destroy(d->vcpus[i]);
    /* DEAD under the lock, as the memory goes: whoever holds a reference
     * and takes the lock (the p2m audit and dump, getdomaininfo) finds the
     * domain either whole or DEAD, never half torn down. */
    d->state = DOMAIN_DEAD;
    spin_unlock(&d->lock);
    end_of_run_record(d->domid, d->name, d->shutdown_reason);
    domain_put(d);                  /* the domain list's reference */
    send_global_virq(VIRQ_DOM_EXC); /* ... and that it is gone */
    alloc_forbid_end();
}

void domain_for_each(void (*fn)(struct domain *d, void *arg), void *arg)
{
    struct domain *found[64];
    unsigned int n = 0;
    struct list_head *pos;

    spin_lock(&domlist_lock);
    list_for_each(pos, &domlist) {
        struct domain *d = list_entry(pos, struct domain, domlist_link);
        if (d->state < DOMAIN_DYING && n < ARRAY_SIZE(found)) {
            domain_get_ref(d);
            found[n++] = d;
        }
    }
    spin_unlock(&domlist_lock);
    for (unsigned int i = 0; i < n; i++) {
        fn(found[i], arg);
        domain_put(found[i]);
    }
}

domid_t domain_find_by_name(const char *name)
{
    domid_t id = DOMID_INVALID;
    struct list_head *pos;

    spin_lock(&domlist_lock);
    list_for_each(pos, &domlist) {
        struct domain *d = list_entry(pos, struct domain, domlist_link);
        if (d->state < DOMAIN_DYING && !strcmp(d->name, name)) {
            id = d->domid;
            break;
        }
    }
    spin_unlock(&domlist_lock);
    return id;
}

unsigned int domains_alive(void)
{
    return __atomic_load_n(&nr_domains, __ATOMIC_ACQUIRE);
}
