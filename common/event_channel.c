/*
 * event_channel_op (hypercall 32): Xen's event channels, 2-level ABI and
 * FIFO ABI (after init_control; rules in lib/evtchn_fifo.c); their
 * delivery (vcpu_info, pending bits, upcalls, wake-ups, SCHEDOP_poll); VIRQs
 * and the global VIRQ handler. The contract is in include/event.h, the
 * guest's view in docs/hypercalls.md ("event_channel_op").
 *
 * ABI facts (Xen's public event_channel.h, xen.h; docs/xen-abi.md; the bit
 * rules themselves are lib/evtchn_2l.c, host-tested): a port is
 * pending when its bit in shared_info's evtchn_pending[] is set; if it is not
 * masked in evtchn_mask[], the bit port / BITS_PER_WORD of the notified vCPU's
 * vcpu_info.evtchn_pending_sel is set, and if that was new,
 * evtchn_upcall_pending = 1 and the vCPU gets an upcall (an interrupt vector:
 * the run loop injects it, arch/x86/svm/intr.c) or is woken if it blocks.
 *
 * Locking (include/lock_order.h): evtchn_bind_lock (one, machine-wide) is
 * held around every close and every change of an interdomain binding, so
 * both ends of a channel change together; d->evtchn.lock guards d's ports,
 * VIRQ bindings and bitmaps. No CPU holds two domains' event locks at once
 * (the lock-order checker forbids two locks of one level): an interdomain
 * operation locks one end, releases it, then locks the other, and
 * evtchn_bind_lock keeps the pair consistent in between. A send locks the
 * sender, reads the peer, releases, locks the peer and checks that its port
 * still points back before setting it pending.
 */
#include "event.h"
#include "frame_ref.h"
#include "guest_time.h"
#include "guest_access.h"
#include "heap.h"
#include "compat/sched.h"
#include "hypercall.h"
#include "lib/evtchn_2l.h"
#include "lib/evtchn_fifo.h"
#include "lib/string.h"
#include "p2m/p2m_gfn.h"
#include "page_alloc.h"
#include "printk.h"
#include "public/errno.h"
#include "public/event_channel.h"
#include "public/hvm/params.h"
#include "public/sched.h"
#include "public/xen.h"
#include "schedule.h"
#include "timer.h"
#include "xsm.h"

/* The lowest vector an upcall may use (HVM_PARAM_CALLBACK_IRQ's vector
 * type, HVMOP_set_evtchn_upcall_vector): Xen refuses the ones below, where
 * the CPU's exceptions lie. */
#define UPCALL_VECTOR_MIN 0x10

static DEFINE_SPINLOCK(evtchn_bind_lock, LOCK_LEVEL_EVTCHN_BIND);

/* Global VIRQ delegation (XEN_DOMCTL_set_virq_handler): each entry holds a
 * reference on its domain, dropped when it is replaced or the domain dies.
 * With no entry, the privileged domain built first handles the VIRQ. */
static DEFINE_SPINLOCK(virq_handler_lock, LOCK_LEVEL_VIRQ_HANDLER);
static struct domain *virq_handler[NR_VIRQS];
static domid_t hardware_domid = DOMID_INVALID;

/* Xen's virq_is_global: these are per-vCPU, every other VIRQ is global. */
static bool virq_is_global(unsigned int virq)
{
    return virq != VIRQ_TIMER && virq != VIRQ_DEBUG && virq != VIRQ_XENOPROF && virq != VIRQ_XENPMU;
}

/* ---- the port table --------------------------------------------------------- */

/* d's port, or NULL if the port is not valid (beyond the limit, its bucket
 * never allocated, or d torn down). Under d's event lock. */
static struct evtchn *port_chan(struct domain *d, uint32_t port)
{
    struct evtchn *bucket;

    if (port >= EVTCHN_MAX_PORTS || d->evtchn.dead)
        return NULL;
    bucket = d->evtchn.bucket[port / EVTCHN_BUCKET_PORTS];
    return bucket ? &bucket[port % EVTCHN_BUCKET_PORTS] : NULL;
}

/* A free port of d (growing the table by a bucket if needed): the port, or
 * -ENOSPC (the limit), -ENOMEM. Under d's event lock. */
static long alloc_port(struct domain *d)
{
    for (unsigned int b = 0; b < EVTCHN_NR_BUCKETS; b++) {
        struct evtchn *bucket = d->evtchn.bucket[b];

        if (!bucket) {
            bucket = xzalloc(EVTCHN_BUCKET_PORTS * sizeof(*bucket));
            if (!bucket)
                return -XEN_ENOMEM;
            d->evtchn.bucket[b] = bucket;
        }
        for (unsigned int i = 0; i < EVTCHN_BUCKET_PORTS; i++) {
            if (bucket[i].state == ECS_FREE) {
                bucket[i].priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
                return (long)(b * EVTCHN_BUCKET_PORTS + i);
            }
        }
    }
    return -XEN_ENOSPC;
}

/* ---- the 2-level bitmaps (shared_info, vcpu_info) ---------------------------- */

static uint8_t *shinfo(struct domain *d)
{
    return frame_to_virt(d->shared_info);
}

/* d's bitmaps in its shared_info, in the layout it latched. */
static struct evtchn_2l layout(struct domain *d)
{
    bool b32 = d->evtchn.shinfo_32bit;

    return (struct evtchn_2l){
        .pending = shinfo(d) + SHINFO_EVTCHN_PENDING,
        .mask = shinfo(d) + (b32 ? SHINFO_EVTCHN_MASK_32 : SHINFO_EVTCHN_MASK_64),
        .word_bits = b32 ? 32 : 64,
    };
}

/* v's evtchn_pending_sel in its vcpu_info. */
static uint8_t *selector(struct domain *d, struct vcpu *v)
{
    return (uint8_t *)v->evtchn.vcpu_info +
           (d->evtchn.shinfo_32bit ? VCPU_INFO_PENDING_SEL_32 : VCPU_INFO_PENDING_SEL_64);
}

/* vcpu_mark_events_pending: evtchn_upcall_pending 0 -> 1 wakes or kicks v. */
static void mark_upcall_pending(struct vcpu *v)
{
    if (__atomic_exchange_n(&v->evtchn.vcpu_info->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
        return;
    arch_evtchn_inject(v);
    sched_wake_vcpu(v);
}

/* Wake the vCPUs of d polling this port (or several ports). */
static void check_pollers(struct domain *d, uint32_t port)
{
    uint32_t mask = __atomic_load_n(&d->evtchn.poll_mask, __ATOMIC_SEQ_CST);

    for (unsigned int i = 0; mask && i < d->nr_vcpus; i++) {
        if (mask & (1u << i))
            sched_wake_poller(d->vcpus[i], port);
    }
}

/* ---- the FIFO ABI (lib/evtchn_fifo.c) ----------------------------------------- */

/* Port's event word, or NULL (beyond the pages expand_array gave). */
static uint32_t *fifo_word(struct domain *d, uint32_t port)
{
    if (port >= d->evtchn.fifo_words)
        return NULL;
    return d->evtchn.fifo_array[port / EVTCHN_FIFO_WORDS_PER_PAGE] +
           port % EVTCHN_FIFO_WORDS_PER_PAGE;
}

/* Link port (its word just made LINKED) into its queue on v; a new ready
 * bit raises the upcall. Under d's event lock. */
static void fifo_link(struct domain *d, struct vcpu *v, struct evtchn *chan, uint32_t port)
{
    unsigned int prio = chan->priority;
    uint32_t *tail = &v->evtchn.fifo_tail[prio];
    uint32_t *ready = v->evtchn.fifo_ready;

    /* A queue (another priority or vCPU) whose last link was this port:
     * the guest has consumed it (it was not LINKED), so that queue is
     * empty; its next link must not follow the port here. */
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        uint32_t *t = d->vcpus[i]->evtchn.fifo_tail;
        for (unsigned int q = 0; q < EVTCHN_FIFO_QUEUES; q++) {
            if (t[q] == port && &t[q] != tail)
                t[q] = 0;
        }
    }
    if (evtchn_fifo_link(ready, ready + 2 + prio, prio, tail, fifo_word(d, *tail), port))
        mark_upcall_pending(v);
}

/* set_pending in FIFO mode: PENDING in the event word (or, without one, in
 * the port until expand_array gives it one), then the queue. */
static void fifo_set_pending(struct domain *d, struct vcpu *v, uint32_t port)
{
    struct evtchn *chan = port_chan(d, port);
    uint32_t *w = fifo_word(d, port);

    if (!chan)
        return;
    if (!w)
        chan->fifo_pending = true;
    else if (evtchn_fifo_set_pending(w, v->evtchn.fifo_ready != NULL))
        fifo_link(d, v, chan, port);
    check_pollers(d, port);
}

/* Is port pending (either ABI)? Under d's event lock. */
static bool port_pending(struct domain *d, uint32_t port)
{
    struct evtchn *chan;
    uint32_t *w;

    if (!d->evtchn.fifo)
        return evtchn_2l_test(shinfo(d) + SHINFO_EVTCHN_PENDING, port);
    w = fifo_word(d, port);
    if (w)
        return __atomic_load_n(w, __ATOMIC_SEQ_CST) & EVTCHN_FIFO_WORD_PENDING;
    chan = port_chan(d, port);
    return chan && chan->fifo_pending;
}

/* d's own ordinary writable RAM page at gfn with a reference held (counted
 * in hyp_refs, as a registered vcpu_info), or NULL. */
static struct frame *get_ram_page(struct domain *d, uint64_t gfn)
{
    struct frame *f = NULL;
    enum p2m_type t;
    unsigned int order;
    mfn_t mfn;

    if (gfn > P2M_MAX_GFN)
        return NULL; /* beyond the 48-bit guest-physical space */
    mfn = get_gfn(&d->p2m, _gfn(gfn), &t, &order);
    if (!mfn_eq(mfn, INVALID_MFN) && t == p2m_ram_rw && mfn_to_frame(mfn)->owner == d &&
        mfn_to_frame(mfn)->use == FRAME_DOMAIN) {
        f = mfn_to_frame(mfn);
        frame_get(f);
        __atomic_fetch_add(&f->hyp_refs, 1, __ATOMIC_ACQ_REL);
    }
    put_gfn(&d->p2m, _gfn(gfn));
    return f;
}

static void put_ram_page(struct frame *f)
{
    if (!f)
        return;
    __atomic_fetch_sub(&f->hyp_refs, 1, __ATOMIC_ACQ_REL);
    frame_put(f);
}

/* Port `port` of d becomes pending for vCPU `vcpu` (lib/evtchn_2l.c, or
 * the FIFO ABI's rules). Under d's event lock. */
static void set_pending(struct domain *d, unsigned int vcpu, uint32_t port)
{
    struct evtchn_2l l = layout(d);
    struct vcpu *v;
    enum evtchn_2l_result r;

    if (d->evtchn.dead || vcpu >= d->nr_vcpus)
        return;
    v = d->vcpus[vcpu];
    if (d->evtchn.fifo) {
        fifo_set_pending(d, v, port);
        return;
    }
    r = evtchn_2l_set_pending(&l, selector(d, v), port);
    if (r == EVTCHN_2L_COALESCED)
        return;
    if (r == EVTCHN_2L_UPCALL)
        mark_upcall_pending(v);
    check_pollers(d, port);
}

/* Free a port: state and pending bit (so a later binding starts clean, as
 * in Xen). Under d's event lock. */
static void free_chan(struct domain *d, struct evtchn *chan, uint32_t port)
{
    uint32_t *w = d->evtchn.fifo ? fifo_word(d, port) : NULL;

    memset(chan, 0, sizeof(*chan));
    evtchn_2l_test_and_clear(shinfo(d) + SHINFO_EVTCHN_PENDING, port);
    if (w)
        __atomic_fetch_and(w, ~EVTCHN_FIFO_WORD_PENDING, __ATOMIC_SEQ_CST);
}

/* ---- closing ------------------------------------------------------------------ */

/* Close d's port (evtchn_bind_lock held, d's event lock not): 0 or -EINVAL.
 * An interdomain peer's port becomes unbound, waiting for d again. */
static long close_port(struct domain *d, uint32_t port)
{
    struct evtchn *chan;
    struct domain *remote = NULL;
    uint32_t remote_port = 0;
    long rc = 0;

    spin_lock(&d->evtchn.lock);
    chan = port_chan(d, port);
    if (!chan || chan->state == ECS_FREE || chan->state == ECS_RESERVED) {
        rc = -XEN_EINVAL;
    } else {
        if (chan->state == ECS_VIRQ) {
            unsigned int vcpu = virq_is_global(chan->virq) ? 0 : chan->notify_vcpu;
            d->vcpus[vcpu]->evtchn.virq_port[chan->virq] = 0;
        } else if (chan->state == ECS_INTERDOMAIN) {
            remote = chan->remote;
            remote_port = chan->remote_port;
        }
        free_chan(d, chan, port);
    }
    spin_unlock(&d->evtchn.lock);

    if (remote) {
        /* The peer is alive: its teardown would have closed our end under
         * evtchn_bind_lock, which we hold. */
        spin_lock(&remote->evtchn.lock);
        chan = port_chan(remote, remote_port);
        if (chan && chan->state == ECS_INTERDOMAIN && chan->remote == d &&
            chan->remote_port == port) {
            chan->state = ECS_UNBOUND;
            chan->remote = NULL;
            chan->remote_port = 0;
            chan->remote_domid = d->domid;
        }
        spin_unlock(&remote->evtchn.lock);
    }
    return rc;
}

/* Close every port of d (reset, teardown); evtchn_bind_lock held. */
static void close_all_locked(struct domain *d)
{
    for (uint32_t port = 1; port < EVTCHN_MAX_PORTS; port++) {
        bool used;

        spin_lock(&d->evtchn.lock);
        struct evtchn *chan = port_chan(d, port);
        used = chan && chan->state != ECS_FREE && chan->state != ECS_RESERVED;
        spin_unlock(&d->evtchn.lock);
        if (used)
            close_port(d, port);
    }
}

static void close_all(struct domain *d)
{
    spin_lock(&evtchn_bind_lock);
    close_all_locked(d);
    spin_unlock(&evtchn_bind_lock);
}

/* ---- life of a domain ------------------------------------------------------------ */

void evtchn_domain_init(struct domain *d)
{
    spin_lock_init(&d->evtchn.lock, "event_lock", LOCK_LEVEL_EVENT);
    d->evtchn.bucket[0] = d->evtchn.bucket0;
    d->evtchn.bucket0[0].state = ECS_RESERVED; /* port 0, as in Xen */
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        d->vcpus[i]->evtchn.vcpu_info = (struct vcpu_info *)(shinfo(d) + i * VCPU_INFO_SIZE);
}

void evtchn_domain_published(struct domain *d)
{
    spin_lock(&virq_handler_lock);
    if (d->privileged && hardware_domid == DOMID_INVALID)
        hardware_domid = d->domid; /* the first privileged domain */
    spin_unlock(&virq_handler_lock);
}

void evtchn_domain_destroy(struct domain *d)
{
    unsigned int refs = 0;

    /* Delegations to d end: no domain is kept alive by one. */
    spin_lock(&virq_handler_lock);
    for (unsigned int virq = 0; virq < NR_VIRQS; virq++) {
        if (virq_handler[virq] == d) {
            virq_handler[virq] = NULL;
            refs++;
        }
    }
    if (hardware_domid == d->domid)
        hardware_domid = DOMID_INVALID;
    spin_unlock(&virq_handler_lock);
    while (refs--)
        domain_put(d); /* never the last: the domain list still holds one */

    /* Close everything and mark d dead in one hold of evtchn_bind_lock: a
     * port someone still makes in d meanwhile (a privileged alloc_unbound
     * with a reference taken before d began dying) can never be bound, so
     * no peer is left pointing at d. */
    spin_lock(&evtchn_bind_lock);
    close_all_locked(d);
    spin_lock(&d->evtchn.lock);
    d->evtchn.dead = true;
    for (unsigned int b = 1; b < EVTCHN_NR_BUCKETS; b++) {
        xfree(d->evtchn.bucket[b]);
        d->evtchn.bucket[b] = NULL;
    }
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct evtchn_vcpu *ev = &d->vcpus[i]->evtchn;
        struct frame *f = ev->vcpu_info_frame;

        ev->vcpu_info = (struct vcpu_info *)(shinfo(d) + i * VCPU_INFO_SIZE);
        ev->vcpu_info_frame = NULL;
        if (f) {
            __atomic_fetch_sub(&f->hyp_refs, 1, __ATOMIC_ACQ_REL);
            frame_put(f);
        }
        put_ram_page(ev->fifo_cb_frame); /* the FIFO control block */
        ev->fifo_cb_frame = NULL;
        ev->fifo_ready = NULL;
    }
    for (unsigned int i = 0; i < EVTCHN_FIFO_PAGES; i++) {
        put_ram_page(d->evtchn.fifo_array_frame[i]);
        d->evtchn.fifo_array_frame[i] = NULL;
        d->evtchn.fifo_array[i] = NULL;
    }
    d->evtchn.fifo_words = 0;
    spin_unlock(&d->evtchn.lock);
    spin_unlock(&evtchn_bind_lock);
}

/* ---- VIRQs -------------------------------------------------------------------------- */

/* Raise virq on v's binding (global VIRQs: vCPU 0's). */
static void raise_virq(struct vcpu *v, unsigned int virq)
{
    struct domain *d = v->domain;

    spin_lock(&d->evtchn.lock);
    uint32_t port = v->evtchn.virq_port[virq];
    struct evtchn *chan = port ? port_chan(d, port) : NULL;
    if (chan)
        set_pending(d, chan->notify_vcpu, port);
    spin_unlock(&d->evtchn.lock);
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    if (virq < NR_VIRQS && !virq_is_global(virq))
        raise_virq(v, virq);
}

void send_global_virq(unsigned int virq)
{
    struct domain *d;
    domid_t fallback;

    if (virq >= NR_VIRQS || !virq_is_global(virq))
        return;
    spin_lock(&virq_handler_lock);
    d = virq_handler[virq];
    if (d)
        domain_get_ref(d);
    fallback = hardware_domid;
    spin_unlock(&virq_handler_lock);
    if (!d && fallback != DOMID_INVALID)
        d = domain_get(fallback);
    if (!d)
        return;
    raise_virq(d->vcpus[0], virq);
    domain_put(d);
}

long evtchn_alloc_mica_port(struct domain *d, void (*notify)(struct domain *d))
{
    long port;

    spin_lock(&d->evtchn.lock);
    port = alloc_port(d);
    if (port > 0) {
        struct evtchn *chan = port_chan(d, (uint32_t)port);
        chan->state = ECS_MICA;
        chan->mica_notify = notify;
    }
    spin_unlock(&d->evtchn.lock);
    return port;
}

void evtchn_send_from_mica(struct domain *d, uint32_t port)
{
    struct evtchn *chan;

    spin_lock(&d->evtchn.lock);
    chan = port_chan(d, port);
    /* The guest may have closed (or reset) it: then the event goes nowhere. */
    if (chan && chan->state == ECS_MICA)
        set_pending(d, chan->notify_vcpu, port);
    spin_unlock(&d->evtchn.lock);
}

int evtchn_set_virq_handler(struct domain *d, unsigned int virq)
{
    struct domain *old;

    if (virq >= NR_VIRQS || !virq_is_global(virq))
        return -XEN_EINVAL;
    spin_lock(&virq_handler_lock);
    /* A dying domain's teardown may already have cleared its delegations:
     * installing one now would keep it alive for ever. Teardown moves the
     * domain to DYING before it takes this lock. */
    if (__atomic_load_n(&d->state, __ATOMIC_ACQUIRE) >= DOMAIN_DYING) {
        spin_unlock(&virq_handler_lock);
        return -XEN_ESRCH;
    }
    domain_get_ref(d);
    old = virq_handler[virq];
    virq_handler[virq] = d;
    spin_unlock(&virq_handler_lock);
    if (old)
        domain_put(old);
    return 0;
}

/* ---- delivery set-up ------------------------------------------------------------------ */

void evtchn_latch_shinfo_size(struct domain *d, bool compat)
{
    spin_lock(&d->evtchn.lock);
    d->evtchn.shinfo_32bit = compat;
    /* The wallclock moves with the layout (as in Xen's latch). */
    guest_time_wallclock_update(d, compat);
    spin_unlock(&d->evtchn.lock);
}

long evtchn_register_vcpu_info(struct vcpu *v, uint64_t gfn, uint32_t offset)
{
    struct domain *d = v->domain;
    struct vcpu_info *old, *new;
    enum p2m_type t;
    unsigned int order;
    struct frame *f;
    mfn_t mfn;
    long rc = 0;

    if (offset > PAGE_SIZE - VCPU_INFO_SIZE)
        return -XEN_EINVAL; /* it would cross the page */
    if (v != current_vcpu() && sched_vcpu_is_up(v))
        return -XEN_EINVAL; /* the caller itself, or an offline vCPU (Xen) */

    if (gfn > P2M_MAX_GFN)
        return -XEN_EINVAL; /* beyond the 48-bit guest-physical space */

    spin_lock(&d->evtchn.lock);
    if (v->evtchn.vcpu_info_frame || d->evtchn.dead) {
        spin_unlock(&d->evtchn.lock);
        return -XEN_EINVAL; /* once per vCPU */
    }
    mfn = get_gfn(&d->p2m, _gfn(gfn), &t, &order);
    if (mfn_eq(mfn, INVALID_MFN) || t != p2m_ram_rw || mfn_to_frame(mfn)->owner != d ||
        mfn_to_frame(mfn)->use != FRAME_DOMAIN) {
        rc = -XEN_EINVAL; /* not the domain's own writable RAM (shared_info is not) */
    } else {
        bool b32 = d->evtchn.shinfo_32bit;

        f = mfn_to_frame(mfn);
        frame_get(f); /* held while registered: the page cannot be freed */
        __atomic_fetch_add(&f->hyp_refs, 1, __ATOMIC_ACQ_REL);
        old = v->evtchn.vcpu_info;
        new = (struct vcpu_info *)((uint8_t *)mfn_to_virt(mfn) + offset);
        memcpy(new, old, VCPU_INFO_SIZE);
        /* As Xen: mark everything pending so nothing is lost in the move. */
        memset((uint8_t *)new + (b32 ? VCPU_INFO_PENDING_SEL_32 : VCPU_INFO_PENDING_SEL_64), 0xFF,
               b32 ? 4 : 8);
        new->evtchn_upcall_pending = 1;
        v->evtchn.vcpu_info_frame = f;
        __atomic_store_n(&v->evtchn.vcpu_info, new, __ATOMIC_RELEASE);
        arch_evtchn_inject(v); /* the caller itself, or offline: no wake-up */
    }
    put_gfn(&d->p2m, _gfn(gfn));
    spin_unlock(&d->evtchn.lock);
    return rc;
}

long evtchn_set_callback_param(struct domain *d, uint64_t value)
{
    unsigned int type = (unsigned int)(value >> HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT);
    uint8_t vector = (uint8_t)value;

    /* The other types (a GSI, a PCI INTx) go through an emulated IO-APIC
     * or PIC, which a PVH domain does not have: Xen 4.17 then keeps the
     * value and delivers nothing (hvm_set_callback_via returns early), and
     * so does Mica. Linux sets GSI 1 ("to trick the toolstack") after its
     * per-vCPU upcall vector, and uses that vector only if this succeeds. */
    if (type == HVM_PARAM_CALLBACK_TYPE_VECTOR && vector < UPCALL_VECTOR_MIN)
        return -XEN_EINVAL; /* exceptions, not interrupts */
    spin_lock(&d->evtchn.lock);
    d->evtchn.callback_param = value;
    d->evtchn.callback_vector = type == HVM_PARAM_CALLBACK_TYPE_VECTOR ? vector : 0;
    spin_unlock(&d->evtchn.lock);
    return 0;
}

uint64_t evtchn_get_callback_param(struct domain *d)
{
    return __atomic_load_n(&d->evtchn.callback_param, __ATOMIC_ACQUIRE);
}

long evtchn_set_upcall_vector(struct vcpu *v, uint8_t vector)
{
    if (vector < UPCALL_VECTOR_MIN)
        return -XEN_EINVAL;
    __atomic_store_n(&v->evtchn.upcall_vector, vector, __ATOMIC_RELEASE);
    /* An upcall already pending arrives on the new vector (Xen asserts it
     * unconditionally; only a pending one is not spurious). */
    if (__atomic_load_n(
            &__atomic_load_n(&v->evtchn.vcpu_info, __ATOMIC_ACQUIRE)->evtchn_upcall_pending,
            __ATOMIC_SEQ_CST)) {
        arch_evtchn_inject(v);
        sched_wake_vcpu(v);
    }
    return 0;
}

bool evtchn_vcpu_wants_upcall(const struct vcpu *v)
{
    const struct vcpu_info *vi = __atomic_load_n(&v->evtchn.vcpu_info, __ATOMIC_ACQUIRE);

    return __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST) &&
           !__atomic_load_n(&vi->evtchn_upcall_mask, __ATOMIC_SEQ_CST);
}

unsigned int evtchn_upcall_vector(const struct vcpu *v)
{
    unsigned int vector = __atomic_load_n(&v->evtchn.upcall_vector, __ATOMIC_ACQUIRE);

    return vector ? vector : __atomic_load_n(&v->domain->evtchn.callback_vector, __ATOMIC_ACQUIRE);
}

/* ---- SCHEDOP_poll ----------------------------------------------------------------------- */

long evtchn_poll(struct vcpu *v, const struct schedop_poll *p)
{
    struct domain *d = v->domain;
    uint32_t ports[SCHEDOP_POLL_MAX_PORTS];
    uint32_t nr = p->nr_ports;
    bool pending = false;

    if (nr > SCHEDOP_POLL_MAX_PORTS)
        return -XEN_EINVAL;
    if (nr && copy_from_guest(v, ports, p->ports, nr * sizeof(ports[0])))
        return -XEN_EFAULT;

    for (uint32_t i = 0; i < nr; i++) {
        if (ports[i] >= EVTCHN_MAX_PORTS)
            return -XEN_EINVAL;
    }

    /* Announce the poll before looking at the bits: a sender sets its bit
     * and then reads poll_mask (both full barriers), so either it sees us
     * or we see its bit. */
    sched_poll_begin(v, nr == 1 ? ports[0] : 0, p->timeout);
    __atomic_fetch_or(&d->evtchn.poll_mask, 1u << v->id, __ATOMIC_SEQ_CST);
    if (d->evtchn.fifo) {
        spin_lock(&d->evtchn.lock);
        for (uint32_t i = 0; i < nr; i++)
            pending |= port_pending(d, ports[i]);
        spin_unlock(&d->evtchn.lock);
    } else {
        for (uint32_t i = 0; i < nr; i++)
            pending |= evtchn_2l_test(shinfo(d) + SHINFO_EVTCHN_PENDING, ports[i]);
    }
    if (pending || (p->timeout && p->timeout <= system_time_ns()))
        sched_wake_vcpu(v); /* nothing to wait for */
    else if (p->timeout)
        vcpu_time_poll_timeout(v, p->timeout); /* a timer ends the wait on time */
    return 0;
}

bool evtchn_poll_expired(const struct vcpu *v)
{
    return v->evtchn.poll_deadline && v->evtchn.poll_deadline <= system_time_ns();
}

/* ---- the hypercall ------------------------------------------------------------------- */

/* Read the argument, and check the guest can take the result back before
 * anything changes (validate first, then commit). */
static int read_arg(struct vcpu *v, uint64_t arg, void *op, size_t len, bool out)
{
    if (copy_from_guest(v, op, arg, len))
        return -XEN_EFAULT;
    if (out && copy_to_guest(v, arg, op, len))
        return -XEN_EFAULT;
    return 0;
}

static long op_alloc_unbound(struct vcpu *v, uint64_t arg)
{
    struct evtchn_alloc_unbound op;
    struct domain *d;
    long port;
    int rc = read_arg(v, arg, &op, sizeof(op), true);

    if (rc)
        return rc;
    d = domain_get(op.dom);
    if (!d)
        return -XEN_ESRCH;
    if (op.remote_dom == DOMID_SELF)
        op.remote_dom = v->domain->domid;
    if (XSM_CALL(evtchn_unbound, v->domain, d, op.remote_dom)) {
        domain_put(d);
        return -XEN_EPERM;
    }
    spin_lock(&d->evtchn.lock);
    port = d->evtchn.dead ? -XEN_ESRCH : alloc_port(d);
    if (port > 0) {
        struct evtchn *chan = port_chan(d, (uint32_t)port);
        chan->state = ECS_UNBOUND;
        chan->remote_domid = op.remote_dom;
    }
    spin_unlock(&d->evtchn.lock);
    domain_put(d);
    if (port < 0)
        return port;
    op.port = (uint32_t)port;
    return copy_to_guest(v, arg, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

static long op_bind_interdomain(struct vcpu *v, uint64_t arg)
{
    struct evtchn_bind_interdomain op;
    struct domain *ld = v->domain, *rd;
    struct evtchn *chan;
    long rc = read_arg(v, arg, &op, sizeof(op), true), lport = 0;

    if (rc)
        return rc;
    rd = domain_get(op.remote_dom == DOMID_SELF ? ld->domid : op.remote_dom);
    if (!rd)
        return -XEN_ESRCH;
    if (XSM_CALL(evtchn_interdomain, ld, rd)) {
        domain_put(rd);
        return -XEN_EPERM;
    }

    spin_lock(&evtchn_bind_lock);
    /* The remote port must be unbound and waiting for us; under
     * evtchn_bind_lock it stays so until we bind it. */
    spin_lock(&rd->evtchn.lock);
    chan = port_chan(rd, op.remote_port);
    if (!chan || chan->state != ECS_UNBOUND || chan->remote_domid != ld->domid)
        rc = -XEN_EINVAL;
    spin_unlock(&rd->evtchn.lock);

    if (!rc) {
        spin_lock(&ld->evtchn.lock);
        lport = alloc_port(ld);
        if (lport > 0) {
            chan = port_chan(ld, (uint32_t)lport);
            chan->state = ECS_INTERDOMAIN;
            chan->remote = rd;
            chan->remote_port = op.remote_port;
        } else {
            rc = lport;
        }
        spin_unlock(&ld->evtchn.lock);
    }
    if (!rc) {
        spin_lock(&rd->evtchn.lock);
        chan = port_chan(rd, op.remote_port);
        chan->state = ECS_INTERDOMAIN;
        chan->remote = ld;
        chan->remote_port = (uint32_t)lport;
        spin_unlock(&rd->evtchn.lock);
        /* As Xen: a notification the remote sent while unbound may be lost,
         * so the new local port starts pending. */
        spin_lock(&ld->evtchn.lock);
        set_pending(ld, 0, (uint32_t)lport);
        spin_unlock(&ld->evtchn.lock);
    }
    spin_unlock(&evtchn_bind_lock);
    domain_put(rd);
    if (rc)
        return rc;
    op.local_port = (uint32_t)lport;
    return copy_to_guest(v, arg, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

static long op_bind_virq(struct vcpu *v, uint64_t arg)
{
    struct evtchn_bind_virq op;
    struct domain *d = v->domain;
    struct vcpu *target;
    long rc = read_arg(v, arg, &op, sizeof(op), true);

    if (rc)
        return rc;
    if (op.virq >= NR_VIRQS || op.virq >= ARRAY_SIZE(v->evtchn.virq_port))
        return -XEN_EINVAL;
    if (virq_is_global(op.virq) && op.vcpu != 0)
        return -XEN_EINVAL; /* a global VIRQ is bound on vCPU 0 */
    if (op.vcpu >= d->nr_vcpus)
        return -XEN_ENOENT;
    target = d->vcpus[op.vcpu];
    spin_lock(&d->evtchn.lock);
    if (target->evtchn.virq_port[op.virq]) {
        rc = -XEN_EEXIST;
    } else {
        rc = alloc_port(d);
        if (rc > 0) {
            struct evtchn *chan = port_chan(d, (uint32_t)rc);
            chan->state = ECS_VIRQ;
            chan->virq = (uint16_t)op.virq;
            chan->notify_vcpu = (uint8_t)op.vcpu;
            target->evtchn.virq_port[op.virq] = (uint16_t)rc;
        }
    }
    spin_unlock(&d->evtchn.lock);
    if (rc < 0)
        return rc;
    op.port = (uint32_t)rc;
    return copy_to_guest(v, arg, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

static long op_bind_ipi(struct vcpu *v, uint64_t arg)
{
    struct evtchn_bind_ipi op;
    struct domain *d = v->domain;
    long rc = read_arg(v, arg, &op, sizeof(op), true);

    if (rc)
        return rc;
    if (op.vcpu >= d->nr_vcpus)
        return -XEN_ENOENT;
    spin_lock(&d->evtchn.lock);
    rc = alloc_port(d);
    if (rc > 0) {
        struct evtchn *chan = port_chan(d, (uint32_t)rc);
        chan->state = ECS_IPI;
        chan->notify_vcpu = (uint8_t)op.vcpu;
    }
    spin_unlock(&d->evtchn.lock);
    if (rc < 0)
        return rc;
    op.port = (uint32_t)rc;
    return copy_to_guest(v, arg, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

static long op_close(struct vcpu *v, uint64_t arg)
{
    struct evtchn_close op;
    long rc = read_arg(v, arg, &op, sizeof(op), false);

    if (rc)
        return rc;
    if (XSM_CALL(evtchn_close, v->domain, v->domain))
        return -XEN_EPERM;
    spin_lock(&evtchn_bind_lock);
    rc = close_port(v->domain, op.port);
    spin_unlock(&evtchn_bind_lock);
    return rc;
}

static long op_send(struct vcpu *v, uint64_t arg)
{
    struct evtchn_send op;
    struct domain *d = v->domain, *rd = NULL;
    struct evtchn *chan;
    void (*mica_notify)(struct domain * d) = NULL;
    uint32_t rport = 0;
    long rc = read_arg(v, arg, &op, sizeof(op), false);

    if (rc)
        return rc;
    spin_lock(&d->evtchn.lock);
    chan = port_chan(d, op.port);
    if (!chan) {
        rc = -XEN_EINVAL;
    } else if (chan->state == ECS_INTERDOMAIN) {
        rd = chan->remote; /* alive while our end points to it (see close_port) */
        rport = chan->remote_port;
        domain_get_ref(rd);
    } else if (chan->state == ECS_IPI) {
        rc = XSM_CALL(evtchn_send, d, d) ? -XEN_EPERM : 0;
        if (!rc)
            set_pending(d, chan->notify_vcpu, op.port);
    } else if (chan->state == ECS_MICA) {
        mica_notify = chan->mica_notify;
    } else if (chan->state != ECS_UNBOUND) {
        rc = -XEN_EINVAL; /* free, reserved or a VIRQ: nothing to send on */
    }                     /* unbound: dropped silently, as Xen */
    spin_unlock(&d->evtchn.lock);
    if (mica_notify)
        mica_notify(d); /* outside the lock: the service may send back */
    if (!rd)
        return rc;

    if (XSM_CALL(evtchn_send, d, rd)) {
        rc = -XEN_EPERM;
    } else {
        spin_lock(&rd->evtchn.lock);
        chan = port_chan(rd, rport);
        /* Still our peer? (It may have closed meanwhile: then the event
         * goes nowhere, as it would have a moment later.) */
        if (chan && chan->state == ECS_INTERDOMAIN && chan->remote == d &&
            chan->remote_port == op.port)
            set_pending(rd, chan->notify_vcpu, rport);
        spin_unlock(&rd->evtchn.lock);
    }
    domain_put(rd);
    return rc;
}

static long op_status(struct vcpu *v, uint64_t arg)
{
    struct evtchn_status op;
    struct domain *d;
    struct evtchn *chan;
    long rc = read_arg(v, arg, &op, sizeof(op), true);

    if (rc)
        return rc;
    d = domain_get(op.dom);
    if (!d)
        return -XEN_ESRCH;
    if (XSM_CALL(evtchn_status, v->domain, d)) {
        domain_put(d);
        return -XEN_EPERM;
    }
    memset(&op.status, 0, sizeof(op) - offsetof(struct evtchn_status, status));
    spin_lock(&d->evtchn.lock);
    chan = port_chan(d, op.port);
    if (!chan) {
        rc = -XEN_EINVAL;
    } else {
        op.vcpu = chan->notify_vcpu;
        switch (chan->state) {
        case ECS_UNBOUND:
            op.status = EVTCHNSTAT_unbound;
            op.u.unbound.dom = chan->remote_domid;
            break;
        case ECS_INTERDOMAIN:
            op.status = EVTCHNSTAT_interdomain;
            op.u.interdomain.dom = chan->remote->domid;
            op.u.interdomain.port = chan->remote_port;
            break;
        case ECS_VIRQ:
            op.status = EVTCHNSTAT_virq;
            op.u.virq = chan->virq;
            break;
        case ECS_IPI:
            op.status = EVTCHNSTAT_ipi;
            break;
        case ECS_MICA:
            op.status = EVTCHNSTAT_interdomain;
            op.u.interdomain.dom = DOMID_XEN;
            break;
        default:
            op.status = EVTCHNSTAT_closed;
            break;
        }
    }
    spin_unlock(&d->evtchn.lock);
    domain_put(d);
    if (rc)
        return rc;
    return copy_to_guest(v, arg, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

static long op_bind_vcpu(struct vcpu *v, uint64_t arg)
{
    struct evtchn_bind_vcpu op;
    struct domain *d = v->domain;
    struct evtchn *chan;
    long rc = read_arg(v, arg, &op, sizeof(op), false);

    if (rc)
        return rc;
    if (op.vcpu >= d->nr_vcpus)
        return -XEN_ENOENT;
    spin_lock(&d->evtchn.lock);
    chan = port_chan(d, op.port);
    if (!chan)
        rc = -XEN_EINVAL;
    else if (chan->state == ECS_UNBOUND || chan->state == ECS_INTERDOMAIN ||
             chan->state == ECS_MICA || (chan->state == ECS_VIRQ && virq_is_global(chan->virq)))
        chan->notify_vcpu = (uint8_t)op.vcpu; /* a Mica port is interdomain to the guest */
    else
        rc = -XEN_EINVAL; /* free, reserved, IPI, per-vCPU VIRQ */
    spin_unlock(&d->evtchn.lock);
    return rc;
}

static long op_unmask(struct vcpu *v, uint64_t arg)
{
    struct evtchn_unmask op;
    struct domain *d = v->domain;
    struct evtchn *chan;
    long rc = read_arg(v, arg, &op, sizeof(op), false);

    if (rc)
        return rc;
    spin_lock(&d->evtchn.lock);
    chan = port_chan(d, op.port);
    if (!chan) {
        rc = -XEN_EINVAL;
    } else if (d->evtchn.fifo) {
        struct vcpu *target = d->vcpus[chan->notify_vcpu];
        uint32_t *w = fifo_word(d, op.port);
        if (w && evtchn_fifo_unmask(w, target->evtchn.fifo_ready != NULL))
            fifo_link(d, target, chan, op.port);
    } else {
        struct evtchn_2l l = layout(d);
        struct vcpu *target = d->vcpus[chan->notify_vcpu];
        if (evtchn_2l_unmask(&l, selector(d, target), op.port))
            mark_upcall_pending(target);
    }
    spin_unlock(&d->evtchn.lock);
    return rc;
}

static long op_reset(struct vcpu *v, uint64_t arg)
{
    struct evtchn_reset op;
    struct domain *d;
    long rc = read_arg(v, arg, &op, sizeof(op), false);

    if (rc)
        return rc;
    d = domain_get(op.dom);
    if (!d)
        return -XEN_ESRCH;
    if (XSM_CALL(evtchn_reset, v->domain, d))
        rc = -XEN_EPERM;
    else
        close_all(d);
    domain_put(d);
    return rc;
}

/* init_control: v's control block; the domain's first switches it to the
 * FIFO ABI (its bound ports keep their pending state, delivered once
 * expand_array gives them event words). Xen's errors: -ENOENT (no such
 * vCPU), -EINVAL (offset crossing the page or not 8-aligned, gfn not the
 * domain's ordinary RAM, vCPU already set up). */
static long op_init_control(struct vcpu *v, uint64_t arg)
{
    struct evtchn_init_control op;
    struct domain *d = v->domain;
    struct vcpu *target;
    struct frame *f;
    long rc = read_arg(v, arg, &op, sizeof(op), true);

    if (rc)
        return rc;
    op.link_bits = EVTCHN_FIFO_LINK_BITS;
    if (op.vcpu >= d->nr_vcpus)
        return -XEN_ENOENT;
    if (op.offset > PAGE_SIZE - sizeof(struct evtchn_fifo_control_block) || (op.offset & 7))
        return -XEN_EINVAL;
    target = d->vcpus[op.vcpu];
    spin_lock(&d->evtchn.lock);
    if (d->evtchn.dead || target->evtchn.fifo_cb_frame) {
        rc = -XEN_EINVAL;
    } else if (!(f = get_ram_page(d, op.control_gfn))) {
        rc = -XEN_EINVAL;
    } else {
        target->evtchn.fifo_cb_frame = f;
        target->evtchn.fifo_ready = (uint32_t *)((uint8_t *)frame_to_virt(f) + op.offset);
        memset(target->evtchn.fifo_tail, 0, sizeof(target->evtchn.fifo_tail));
        if (!d->evtchn.fifo) {
            /* The switch: 2-level pending bits move into the ports. */
            for (uint32_t port = 1; port < EVTCHN_MAX_PORTS; port++) {
                struct evtchn *chan = port_chan(d, port);
                if (chan && evtchn_2l_test(shinfo(d) + SHINFO_EVTCHN_PENDING, port))
                    chan->fifo_pending = true;
            }
            d->evtchn.fifo = true;
        }
    }
    spin_unlock(&d->evtchn.lock);
    if (rc)
        return rc;
    return copy_to_guest(v, arg, &op, sizeof(op)) ? -XEN_EFAULT : 0;
}

/* expand_array: one more page of event words; ports pending meanwhile are
 * raised. -EOPNOTSUPP (2-level), -ENOSPC (every port has a word), -EINVAL
 * (gfn not the domain's ordinary RAM). */
static long op_expand_array(struct vcpu *v, uint64_t arg)
{
    struct evtchn_expand_array op;
    struct domain *d = v->domain;
    struct frame *f;
    unsigned int slot, first;
    long rc = read_arg(v, arg, &op, sizeof(op), false);

    if (rc)
        return rc;
    spin_lock(&d->evtchn.lock);
    first = d->evtchn.fifo_words;
    slot = first / EVTCHN_FIFO_WORDS_PER_PAGE;
    if (!d->evtchn.fifo || d->evtchn.dead) {
        rc = -XEN_EOPNOTSUPP;
    } else if (slot >= EVTCHN_FIFO_PAGES) {
        rc = -XEN_ENOSPC;
    } else if (!(f = get_ram_page(d, op.array_gfn))) {
        rc = -XEN_EINVAL;
    } else {
        d->evtchn.fifo_array_frame[slot] = f;
        d->evtchn.fifo_array[slot] = frame_to_virt(f);
        d->evtchn.fifo_words = first + EVTCHN_FIFO_WORDS_PER_PAGE;
        for (uint32_t port = first; port < d->evtchn.fifo_words; port++) {
            struct evtchn *chan = port_chan(d, port);
            if (chan && chan->fifo_pending) {
                chan->fifo_pending = false;
                set_pending(d, chan->notify_vcpu, port);
            }
        }
    }
    spin_unlock(&d->evtchn.lock);
    return rc;
}

/* set_priority: the port's queue from its next link on. -EINVAL (invalid
 * port, priority beyond 15), -ENOSYS (2-level, as Xen). */
static long op_set_priority(struct vcpu *v, uint64_t arg)
{
    struct evtchn_set_priority op;
    struct domain *d = v->domain;
    struct evtchn *chan;
    long rc = read_arg(v, arg, &op, sizeof(op), false);

    if (rc)
        return rc;
    spin_lock(&d->evtchn.lock);
    chan = port_chan(d, op.port);
    if (!chan)
        rc = -XEN_EINVAL;
    else if (!d->evtchn.fifo)
        rc = -XEN_ENOSYS;
    else if (op.priority > EVTCHN_FIFO_PRIORITY_MIN)
        rc = -XEN_EINVAL;
    else
        chan->priority = (uint8_t)op.priority;
    spin_unlock(&d->evtchn.lock);
    return rc;
}

long do_event_channel_op(struct vcpu *v, const struct hypercall_args *a)
{
    uint64_t arg = a->arg[1];

    /* Xen declares the command `int`: only the low 32 bits count. */
    switch ((uint32_t)a->arg[0]) {
    case EVTCHNOP_alloc_unbound:
        return op_alloc_unbound(v, arg);
    case EVTCHNOP_bind_interdomain:
        return op_bind_interdomain(v, arg);
    case EVTCHNOP_bind_virq:
        return op_bind_virq(v, arg);
    case EVTCHNOP_bind_ipi:
        return op_bind_ipi(v, arg);
    case EVTCHNOP_bind_vcpu:
        return op_bind_vcpu(v, arg);
    case EVTCHNOP_close:
        return op_close(v, arg);
    case EVTCHNOP_send:
        return op_send(v, arg);
    case EVTCHNOP_status:
        return op_status(v, arg);
    case EVTCHNOP_unmask:
        return op_unmask(v, arg);
    case EVTCHNOP_reset:
        return op_reset(v, arg);
    case EVTCHNOP_init_control:
        return op_init_control(v, arg);
    case EVTCHNOP_expand_array:
        return op_expand_array(v, arg);
    case EVTCHNOP_set_priority:
        return op_set_priority(v, arg);
    default:
        /* bind_pirq (no physical IRQs for guests), reset_cont, unknown
         * commands. */
        return -XEN_ENOSYS;
    }
}

/* ---- debug key 'e' ------------------------------------------------------------------- */

static const char *const state_names[] = {
    [ECS_FREE] = "free",       [ECS_RESERVED] = "reserved",
    [ECS_UNBOUND] = "unbound", [ECS_INTERDOMAIN] = "interdomain",
    [ECS_VIRQ] = "virq",       [ECS_IPI] = "ipi",
    [ECS_MICA] = "mica",
};

static void dump_domain(struct domain *d, void *arg)
{
    unsigned int used = 0;

    (void)arg;
    spin_lock(&d->evtchn.lock);
    for (uint32_t port = 1; port < EVTCHN_MAX_PORTS; port++) {
        struct evtchn *chan = port_chan(d, port);
        if (!chan || chan->state == ECS_FREE)
            continue;
        if (used++ < 16)
            printk("  d%u port %u: %s, vCPU %u, pending %d\n", d->domid, port,
                   state_names[chan->state], chan->notify_vcpu, port_pending(d, port));
    }
    spin_unlock(&d->evtchn.lock);
    printk("d%u (%s): %u port(s) in use, %lu upcall(s) injected to vCPU 0\n", d->domid, d->name,
           used, d->vcpus[0]->evtchn.upcalls);
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        send_guest_vcpu_virq(d->vcpus[i], VIRQ_DEBUG);
}

void evtchn_key_dump(void)
{
    printk("event channels (VIRQ_DEBUG sent to every vCPU):\n");
    domain_for_each(dump_domain, NULL);
}
