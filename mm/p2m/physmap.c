/*
 * Changing a domain's physmap (see physmap.h).
 *
 * The pattern of every operation here:
 *   1. lock the domain, get its p2m (get_gfn / p2m_lock);
 *   2. validate everything; where a change could need p2m memory, make sure
 *      the only allocation happens before the first visible change (split
 *      first: a split changes no translation);
 *   3. change the p2m and the frames' bookkeeping;
 *   4. flush every vCPU's TLB (p2m_flush);
 *   5. drop the references of frames that left the p2m: a frame is freed
 *      only when nothing maps it and no CPU can still translate to it. Still
 *      under the locks: a frame the domain keeps (RAM only unmapped, a
 *      special frame) is audited under them (p2m_audit), and its count must
 *      change together with its mapping;
 *   6. put the p2m, unlock.
 * (decrease_reservation frees its frames after the unlock: they have left
 * the domain's page list by then, no audit of it sees them.)
 */
#include "p2m/physmap.h"
#include "assert.h"
#include "frame_owner.h"
#include "frame_ref.h"
#include "lib/string.h"
#include "p2m/p2m_gfn.h"
#include "page_alloc.h"
#include "public/errno.h"
#include "public/memory.h"

#define MAX_EXTENT_ORDER_GUEST 9
#define MAX_EXTENT_ORDER_PRIVILEGED 12

unsigned int physmap_max_extent_order(const struct domain *caller)
{
    return caller->privileged ? MAX_EXTENT_ORDER_PRIVILEGED : MAX_EXTENT_ORDER_GUEST;
}

/* Take d's lock if d is still live. A stopping or dying domain is refused
 * (-ESRCH): its memory is about to go, and teardown takes this same lock,
 * so it waits for an operation already in progress. */
static bool lock_live(struct domain *d)
{
    spin_lock(&d->lock);
    if (d->state < DOMAIN_SHUTDOWN)
        return true;
    spin_unlock(&d->lock);
    return false;
}

/* A p2m change that the validation above guarantees cannot fail (the
 * tables it needs exist): a failure would be a Mica bug. */
static void must_set(struct p2m *p2m, gfn_t gfn, mfn_t mfn, enum p2m_type t)
{
    int rc = p2m_set_entry(p2m, gfn, mfn, P2M_ORDER_4K, t);
    ASSERT(rc == 0);
}

/* A frame that left the p2m, and what must happen to it after the flush. */
struct departed {
    struct frame *frame;
    bool leaves_domain; /* RAM given up: also drop the allocation reference */
    bool foreign;       /* another domain's frame: a foreign reference */
};

/* After the flush, the locks still held: the departed frames lose their p2m
 * reference (and their allocation reference if they left the domain). */
static void drop_departed(struct departed *gone, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        if (gone[i].foreign) {
            frame_put_foreign(gone[i].frame);
            continue;
        }
        if (gone[i].leaves_domain)
            frame_put(gone[i].frame);
        frame_put(gone[i].frame);
    }
}

static bool gfn_range_ok(gfn_t gfn, uint64_t count)
{
    return gfn_x(gfn) <= P2M_MAX_GFN && count <= P2M_MAX_GFN + 1 - gfn_x(gfn);
}

/* The largest p2m order that fits at gfn (and mfn, unless INVALID_MFN)
 * within `left` pages. */
static unsigned int fitting_order(const struct p2m *p2m, gfn_t gfn, mfn_t mfn, uint64_t left)
{
    static const unsigned int orders[] = { P2M_ORDER_1G, P2M_ORDER_2M, P2M_ORDER_4K };

    for (unsigned int i = 0; i < ARRAY_SIZE(orders); i++) {
        uint64_t size = 1UL << orders[i];
        if (orders[i] <= p2m->max_order && !(gfn_x(gfn) & (size - 1)) && size <= left &&
            (mfn_eq(mfn, INVALID_MFN) || !(mfn_x(mfn) & (size - 1))))
            return orders[i];
    }
    return P2M_ORDER_4K;
}

/*
 * Set [gfn, gfn + count) to mfn.. (or remove it, t == p2m_invalid) using the
 * largest leaves that fit. For a naturally aligned range only the first
 * change can need a table page (every later piece lies in tables the first
 * one reached or made), so -ENOMEM means nothing changed.
 */
static int set_range(struct p2m *p2m, gfn_t gfn, mfn_t mfn, uint64_t count, enum p2m_type t)
{
    for (uint64_t done = 0; done < count;) {
        mfn_t m = t == p2m_invalid ? INVALID_MFN : mfn_add(mfn, done);
        unsigned int order = fitting_order(p2m, gfn_add(gfn, done), m, count - done);
        int rc = p2m_set_entry(p2m, gfn_add(gfn, done), t == p2m_invalid ? _mfn(0) : m, order, t);

        if (rc) {
            ASSERT(done == 0); /* see above: only the first piece allocates */
            return rc;
        }
        done += 1UL << order;
    }
    return 0;
}

int physmap_increase(struct domain *d, unsigned int order)
{
    int rc = 0;

    if (!lock_live(d))
        return -XEN_ESRCH;
    if (!frames_assign(d, order, FRAME_DOMAIN))
        rc = -XEN_ENOMEM;
    spin_unlock(&d->lock);
    return rc;
}

int physmap_populate(struct domain *d, gfn_t gfn, unsigned int order)
{
    uint64_t count = 1UL << order;
    struct frame *head = NULL;
    int rc = 0;

    if ((gfn_x(gfn) & (count - 1)) || !gfn_range_ok(gfn, count))
        return -XEN_EINVAL;

    if (!lock_live(d))
        return -XEN_ESRCH;
    p2m_lock(&d->p2m);
    /* Mica populates only empty gfns (Xen would replace the mapping and keep
     * the old frame, unreachable; docs/hypercalls.md). */
    for (uint64_t i = 0; i < count && !rc; i++) {
        enum p2m_type t;
        unsigned int leaf;
        if (!mfn_eq(get_gfn(&d->p2m, gfn_add(gfn, i), &t, &leaf), INVALID_MFN))
            rc = -XEN_EEXIST;
        put_gfn(&d->p2m, gfn_add(gfn, i));
    }
    if (!rc) {
        head = frames_assign(d, order, FRAME_DOMAIN);
        if (!head)
            rc = -XEN_ENOMEM;
    }
    if (!rc) {
        rc = set_range(&d->p2m, gfn, frame_to_mfn(head), count, p2m_ram_rw);
        if (rc)
            frames_unassign(d, head, order);
    }
    if (!rc) {
        for (uint64_t i = 0; i < count; i++) {
            head[i].gfn = gfn_add(gfn, i);
            frame_get(&head[i]); /* the p2m entry's reference */
        }
    }
    p2m_unlock(&d->p2m);
    spin_unlock(&d->lock);
    return rc;
}

/* Is gfn mapped as RAM to a frame of d's own: an ordinary RAM frame, or
 * (with special) also a special frame d mapped into its physmap (shared_info,
 * grant frames)? Not another domain's frame (foreign or grant). */
static bool is_own_frame(struct domain *d, gfn_t gfn, mfn_t *mfn, bool special)
{
    enum p2m_type t;
    unsigned int leaf;

    *mfn = get_gfn(&d->p2m, gfn, &t, &leaf);
    bool ok = !mfn_eq(*mfn, INVALID_MFN) && p2m_is_ram(t) && mfn_to_frame(*mfn)->owner == d &&
              (mfn_to_frame(*mfn)->use == FRAME_DOMAIN ||
               (special && mfn_to_frame(*mfn)->use == FRAME_SPECIAL));
    put_gfn(&d->p2m, gfn);
    return ok;
}

static bool is_own_ram(struct domain *d, gfn_t gfn, mfn_t *mfn)
{
    return is_own_frame(d, gfn, mfn, false);
}

/* decrease_reservation of a single gfn that maps another domain's frame:
 * as Xen, the mapping goes (its foreign reference after the flush) and the
 * extent counts as done; the caller's own pages do not change. d's lock and
 * p2m lock held; true if gfn was such a mapping. */
static bool decrease_foreign_locked(struct domain *d, gfn_t gfn, struct departed *gone)
{
    enum p2m_type t;
    unsigned int leaf;
    mfn_t mfn = get_gfn(&d->p2m, gfn, &t, &leaf);
    bool foreign = !mfn_eq(mfn, INVALID_MFN) && t == p2m_map_foreign &&
                   !p2m_prepare_4k(&d->p2m, gfn); /* foreign entries are 4K: no allocation */

    if (foreign) {
        *gone = (struct departed){ mfn_to_frame(mfn), false, true };
        must_set(&d->p2m, gfn, _mfn(0), p2m_invalid);
        p2m_flush(&d->p2m);
    }
    put_gfn(&d->p2m, gfn);
    return foreign;
}

int physmap_decrease(struct domain *d, gfn_t gfn, unsigned int order)
{
    uint64_t count = 1UL << order;
    struct list_head leaving = LIST_HEAD_INIT(leaving);
    struct list_head *pos, *tmp;
    struct departed gone[1];
    int rc = 0;

    if ((gfn_x(gfn) & (count - 1)) || !gfn_range_ok(gfn, count))
        return -XEN_EINVAL;

    if (!lock_live(d))
        return -XEN_ESRCH;
    p2m_lock(&d->p2m);
    /* Every page must be the domain's own RAM: not a hole, not shared_info
     * or a grant frame (never released), not another domain's frame (a
     * foreign mapping goes only as an extent of its own, above). Those
     * frames move to `leaving` as we check them. */
    for (uint64_t i = 0; i < count && !rc; i++) {
        mfn_t mfn;
        if (is_own_ram(d, gfn_add(gfn, i), &mfn)) {
            list_del(&mfn_to_frame(mfn)->list);
            list_add_tail(&mfn_to_frame(mfn)->list, &leaving);
        } else if (order == 0 && decrease_foreign_locked(d, gfn, gone)) {
            p2m_unlock(&d->p2m);
            spin_unlock(&d->lock);
            drop_departed(gone, 1);
            return 0;
        } else {
            rc = -XEN_EINVAL;
        }
    }
    if (!rc)
        rc = set_range(&d->p2m, gfn, INVALID_MFN, count, p2m_invalid);
    if (rc) {
        /* Nothing changed: the frames go back to the domain's list. */
        list_for_each_safe(pos, tmp, &leaving) {
            list_del(pos);
            list_add_tail(pos, &d->page_list);
        }
    } else {
        list_for_each(pos, &leaving) {
            struct frame *f = list_entry(pos, struct frame, list);
            f->gfn = INVALID_GFN;
            f->owner = NULL;
        }
        d->tot_pages -= count;
        p2m_flush(&d->p2m);
    }
    p2m_unlock(&d->p2m);
    spin_unlock(&d->lock);

    /* After the flush: each frame loses its p2m reference and its
     * allocation reference, and is freed. */
    list_for_each_safe(pos, tmp, &leaving) {
        struct frame *f = list_entry(pos, struct frame, list);
        list_del(&f->list);
        frame_put(f);
        frame_put(f);
    }
    return rc;
}

/*
 * Retire what gpfn maps now, because the caller is about to write a new entry
 * there: the bookkeeping of the old frame changes here, the entry itself is
 * replaced by the caller's single write, so another vCPU reading gpfn sees
 * the old frame or the new one, never a hole. The old frame's reference is
 * dropped after the flush (drop_departed). d->lock and the p2m held; gpfn
 * already prepared to 4 KiB. Returns how many departed (0 or 1, gone[0]),
 * or -EINVAL if gpfn is a grant mapping.
 *
 * A grant mapping is never replaced (-EINVAL, nothing changed): it leaves
 * only through grant_table_op's unmap, or its handle and the granter's pin
 * would be stranded (typed entries have their own API, XSA-378).
 */
static int retire_old(struct domain *d, gfn_t gpfn, struct departed *gone)
{
    enum p2m_type t;
    unsigned int leaf;
    mfn_t mfn = get_gfn(&d->p2m, gpfn, &t, &leaf);
    int n = 0;

    if (!mfn_eq(mfn, INVALID_MFN)) {
        struct frame *f = mfn_to_frame(mfn);
        gone[0] = (struct departed){ f, false, t == p2m_map_foreign };
        n = 1;
        if (p2m_is_ram(t) && f->use == FRAME_DOMAIN) {
            /* Replaced RAM leaves the domain (freed if nothing else holds it). */
            list_del(&f->list);
            f->owner = NULL;
            d->tot_pages--;
            gone[0].leaves_domain = true;
            f->gfn = INVALID_GFN;
        } else if (t == p2m_map_foreign) {
            /* its foreign reference goes after the flush (drop_departed) */
        } else if (p2m_is_grant(t)) {
            n = -XEN_EINVAL; /* nothing changed */
        } else {
            f->gfn = INVALID_GFN; /* a special frame: just unmapped */
        }
    }
    put_gfn(&d->p2m, gpfn);
    return n;
}

/* The frame a space/idx names, its current gfn (INVALID_GFN if unmapped)
 * and the type to map it with. -EINVAL for a bad index. */
static int source_frame(struct domain *d, unsigned int space, uint64_t idx, struct frame **f,
                        gfn_t *src_gfn, enum p2m_type *t)
{
    switch (space) {
    case XENMAPSPACE_shared_info:
        if (idx != 0)
            return -XEN_EINVAL;
        *f = d->shared_info;
        break;
    case XENMAPSPACE_grant_table:
        /* Grant table v1 frames only: no status frames. */
        if ((idx & XENMAPIDX_grant_table_status) || idx >= d->max_grant_frames)
            return -XEN_EINVAL;
        *f = d->grant_frames[idx];
        break;
    case XENMAPSPACE_gmfn: {
        mfn_t mfn;
        /* Only the domain's own RAM moves: special frames never do. */
        if (idx > P2M_MAX_GFN || !is_own_ram(d, _gfn(idx), &mfn))
            return -XEN_EINVAL;
        *f = mfn_to_frame(mfn);
        *t = p2m_ram_rw;
        *src_gfn = _gfn(idx);
        return 0;
    }
    default:
        return -XEN_EINVAL;
    }
    *t = p2m_ram_rw;
    *src_gfn = (*f)->gfn;
    return 0;
}

/* Map f (d's, now at src_gfn or nowhere) at gpfn as type t; d's lock and
 * p2m lock held. On success the departed entry is in gone[0]. */
static int map_frame_locked(struct domain *d, struct frame *f, gfn_t src_gfn, enum p2m_type t,
                            gfn_t gpfn, struct departed *gone, unsigned int *nr_gone)
{
    int rc, n;

    if (gfn_eq(src_gfn, gpfn))
        return 0; /* already there */
    /* The only allocations: split both gfns to 4 KiB (no translation changes). */
    rc = p2m_prepare_4k(&d->p2m, gpfn);
    if (!rc && !gfn_eq(src_gfn, INVALID_GFN))
        rc = p2m_prepare_4k(&d->p2m, src_gfn);
    if (rc)
        return rc;
    n = retire_old(d, gpfn, gone);
    if (n < 0)
        return n;
    *nr_gone = (unsigned int)n;

    must_set(&d->p2m, gpfn, frame_to_mfn(f), t);
    if (!gfn_eq(src_gfn, INVALID_GFN)) /* moved: the old gfn's reference moves too */
        must_set(&d->p2m, src_gfn, _mfn(0), p2m_invalid);
    else
        frame_get(f); /* a new p2m entry's reference */
    f->gfn = gpfn;
    p2m_flush(&d->p2m);
    return 0;
}

int physmap_add(struct domain *d, unsigned int space, uint64_t idx, gfn_t gpfn)
{
    struct departed gone[1];
    unsigned int nr_gone = 0;
    struct frame *f = NULL;
    gfn_t src_gfn = INVALID_GFN;
    enum p2m_type t = p2m_ram_rw;
    int rc;

    if (gfn_x(gpfn) > P2M_MAX_GFN)
        return -XEN_EINVAL;

    if (!lock_live(d))
        return -XEN_ESRCH;
    p2m_lock(&d->p2m);
    rc = source_frame(d, space, idx, &f, &src_gfn, &t);
    if (!rc)
        rc = map_frame_locked(d, f, src_gfn, t, gpfn, gone, &nr_gone);
    drop_departed(gone, nr_gone);
    p2m_unlock(&d->p2m);
    spin_unlock(&d->lock);
    return rc;
}

int physmap_add_special(struct domain *d, struct frame *f, gfn_t gpfn)
{
    struct departed gone[1];
    unsigned int nr_gone = 0;
    int rc;

    if (gfn_x(gpfn) > P2M_MAX_GFN)
        return -XEN_EINVAL;
    if (!lock_live(d))
        return -XEN_ESRCH;
    p2m_lock(&d->p2m);
    rc = map_frame_locked(d, f, f->gfn, p2m_ram_rw, gpfn, gone, &nr_gone);
    drop_departed(gone, nr_gone);
    p2m_unlock(&d->p2m);
    spin_unlock(&d->lock);
    return rc;
}

int physmap_add_foreign(struct domain *d, struct domain *foreign, gfn_t idx, gfn_t gpfn)
{
    struct departed gone[1];
    unsigned int nr_gone = 0;
    struct frame *f;
    mfn_t mfn;
    int rc;

    if (d == foreign || gfn_x(idx) > P2M_MAX_GFN || gfn_x(gpfn) > P2M_MAX_GFN)
        return -XEN_EINVAL;
    /* First the foreign frame, with a reference of our own taken while its
     * p2m is still held (so it cannot be freed in between), and that p2m put
     * back: a CPU never holds two domains' p2ms (p2m_gfn.h). */
    if (!lock_live(foreign))
        return -XEN_ESRCH;
    p2m_lock(&foreign->p2m);
    /* A special frame the foreign domain has mapped may be mapped too: that
     * is how a builder reaches a translated guest's grant table (it maps
     * the table into the guest's physmap first; docs/stubdom-seeding.md). */
    if (is_own_frame(foreign, idx, &mfn, true)) {
        f = mfn_to_frame(mfn);
        frame_get_foreign(f);
    } else {
        f = NULL;
    }
    p2m_unlock(&foreign->p2m);
    spin_unlock(&foreign->lock);
    if (!f)
        return -XEN_EINVAL;

    if (lock_live(d)) {
        p2m_lock(&d->p2m);
        rc = p2m_prepare_4k(&d->p2m, gpfn);
        if (!rc)
            rc = retire_old(d, gpfn, gone);
        if (rc >= 0) {
            nr_gone = (unsigned int)rc;
            rc = 0;
            must_set(&d->p2m, gpfn, mfn, p2m_map_foreign);
            p2m_flush(&d->p2m);
            drop_departed(gone, nr_gone);
        }
        p2m_unlock(&d->p2m);
        spin_unlock(&d->lock);
    } else {
        rc = -XEN_ESRCH;
    }
    if (rc)
        frame_put_foreign(f);
    return rc;
}

int physmap_remove(struct domain *d, gfn_t gpfn)
{
    struct departed gone[1];
    unsigned int nr_gone = 0;
    enum p2m_type t;
    unsigned int leaf;
    int rc = 0;

    if (gfn_x(gpfn) > P2M_MAX_GFN)
        return -XEN_EINVAL;
    if (!lock_live(d))
        return -XEN_ESRCH;
    /* LAB remove_from_physmap: BEGIN */
    /* LAB remove_from_physmap: STUB (void)gone, (void)nr_gone, (void)t, (void)leaf; */
    /* LAB remove_from_physmap: STUB rc = -XEN_ENOSYS; */
    /* LAB remove_from_physmap: STUB spin_unlock(&d->lock); */
    mfn_t mfn = get_gfn(&d->p2m, gpfn, &t, &leaf);
    if (mfn_eq(mfn, INVALID_MFN))
        rc = -XEN_ENOENT;
    else if (!p2m_is_ram(t) && t != p2m_map_foreign)
        rc = -XEN_EINVAL; /* typed entries go through their own API */
    else
        rc = p2m_prepare_4k(&d->p2m, gpfn);
    if (!rc) {
        struct frame *f = mfn_to_frame(mfn);
        /* The frame stays the domain's (as in Xen); only the mapping goes. */
        gone[0] = (struct departed){ f, false, t == p2m_map_foreign };
        nr_gone = 1;
        if (t != p2m_map_foreign)
            f->gfn = INVALID_GFN;
        must_set(&d->p2m, gpfn, _mfn(0), p2m_invalid);
        p2m_flush(&d->p2m);
        drop_departed(gone, nr_gone);
    }
    put_gfn(&d->p2m, gpfn);
    spin_unlock(&d->lock);
    /* LAB remove_from_physmap: END */
    return rc;
}

/* ---- grant tables (common/grant_table.c) ----------------------------------- */

int physmap_hold_frame(struct domain *d, gfn_t gfn, bool writable, struct frame **held)
{
    enum p2m_type t;
    unsigned int leaf;
    int rc = -XEN_EINVAL;

    if (gfn_x(gfn) > P2M_MAX_GFN)
        return rc;
    mfn_t mfn = get_gfn(&d->p2m, gfn, &t, &leaf);
    if (!mfn_eq(mfn, INVALID_MFN) && p2m_is_ram(t) && (!writable || t == p2m_ram_rw)) {
        struct frame *f = mfn_to_frame(mfn);
        /* Only the domain's own RAM: not shared_info or a grant frame, not
         * a frame it maps from another domain. */
        if (f->owner == d && f->use == FRAME_DOMAIN) {
            frame_get_foreign(f);
            *held = f;
            rc = 0;
        }
    }
    put_gfn(&d->p2m, gfn);
    return rc;
}

void physmap_release_frame(struct domain *owner, struct frame *f)
{
    /* owner may be dead: its p2m lock still exists (the caller holds a
     * reference to the domain), and the frame is freed here if this was its
     * last reference. */
    p2m_lock(&owner->p2m);
    frame_put_foreign(f);
    p2m_unlock(&owner->p2m);
}

int physmap_add_grant(struct domain *d, gfn_t gpfn, struct frame *f, bool readonly)
{
    enum p2m_type t;
    unsigned int leaf;
    int rc;

    if (gfn_x(gpfn) > P2M_MAX_GFN)
        return -XEN_EINVAL;
    if (!lock_live(d))
        return -XEN_ESRCH;
    /* Only into a hole (Xen would replace RAM there and keep the frame
     * allocated but unmapped; docs/hypercalls.md). */
    if (!mfn_eq(get_gfn(&d->p2m, gpfn, &t, &leaf), INVALID_MFN))
        rc = -XEN_EEXIST;
    else
        rc = p2m_prepare_4k(&d->p2m, gpfn); /* the only allocation */
    if (!rc)
        must_set(&d->p2m, gpfn, frame_to_mfn(f), readonly ? p2m_grant_map_ro : p2m_grant_map_rw);
    put_gfn(&d->p2m, gpfn);
    spin_unlock(&d->lock);
    return rc;
}

int physmap_remove_grant(struct domain *d, gfn_t gpfn, struct frame *f)
{
    enum p2m_type t;
    unsigned int leaf;
    int rc = 0;

    /* No liveness check: a dying domain's grant mappings are removed this
     * way too (grant_table_teardown), and removing is always allowed. */
    spin_lock(&d->lock);
    mfn_t mfn = get_gfn(&d->p2m, gpfn, &t, &leaf);
    if (!p2m_is_grant(t) || !mfn_eq(mfn, frame_to_mfn(f))) {
        rc = -XEN_EINVAL;
    } else {
        must_set(&d->p2m, gpfn, _mfn(0), p2m_invalid);
        p2m_flush(&d->p2m);
    }
    put_gfn(&d->p2m, gpfn);
    spin_unlock(&d->lock);
    return rc;
}
