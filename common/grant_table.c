/*
 * Grant tables v1: the entries' flags, the pins on them, the handles of the
 * mappings a domain made, and their teardown (see grant_table.h; the
 * hypercall is common/grant_table_op.c).
 *
 * Facts of Xen's ABI followed here (xen/include/public/grant_table.h and
 * docs/xen-abi.md): an entry is {u16 flags, u16 domid, u32 frame}; the
 * granter writes domid and frame, then flags = GTF_permit_access (plus
 * GTF_readonly); the hypervisor sets GTF_reading while the entry is mapped
 * or copied from and GTF_writing while it is mapped writable or copied to,
 * and clears each when its last user goes. The granter revokes an entry by
 * a cmpxchg of flags to 0 that fails while GTF_reading/GTF_writing are set.
 */
#include "grant_table.h"
#include "assert.h"
#include "heap.h"
#include "lib/string.h"
#include "p2m/physmap.h"
#include "page_alloc.h"
#include "public/errno.h"
#include "spinlock.h"

/* How often Mica retries the cmpxchg of an entry the granter keeps changing
 * before it gives up with GNTST_general_error (Xen: 4). */
#define ENTRY_RETRIES 4

/* The pins on one entry of the granting domain. */
struct grant_active {
    uint32_t readers; /* read-only mappings and copies from the frame */
    uint32_t writers; /* writable mappings and copies to the frame */
};

enum maptrack_state {
    MAPTRACK_FREE = 0,
    MAPTRACK_BUSY, /* being made or undone: no other operation may use it */
    MAPTRACK_MAPPED,
};

/* One mapping this domain made; its handle is its index. */
struct grant_mapping {
    uint8_t state; /* enum maptrack_state */
    bool readonly;
    grant_ref_t ref;
    struct domain *granter; /* a counted reference while not FREE */
    struct frame *frame;    /* held (physmap_hold_frame) while MAPPED */
    gfn_t gfn;              /* where the mapper's p2m maps it */
};

struct grant_table {
    spinlock_t lock;                /* everything below */
    bool dead;                      /* torn down: no new pins, and the entries
                                       (in frames about to be freed) are no
                                       longer touched */
    unsigned int nr_entries;        /* max_grant_frames * 512 */
    struct grant_active *active;    /* [nr_entries] */
    struct grant_mapping *maptrack; /* [GRANT_MAPTRACK_ENTRIES], at the first map */
};

int grant_table_init(struct domain *d)
{
    struct grant_table *gt = xzalloc(sizeof(*gt));

    if (!gt)
        return -XEN_ENOMEM;
    spin_lock_init(&gt->lock, "grant_lock", LOCK_LEVEL_GRANT);
    gt->nr_entries = d->max_grant_frames * GRANT_ENTRIES_PER_FRAME;
    gt->active = xzalloc(gt->nr_entries * sizeof(*gt->active));
    if (!gt->active) {
        xfree(gt);
        return -XEN_ENOMEM;
    }
    d->grant_table = gt;
    return 0;
}

void grant_table_free(struct domain *d)
{
    struct grant_table *gt = d->grant_table;

    if (!gt)
        return;
    xfree(gt->maptrack);
    xfree(gt->active);
    xfree(gt);
    d->grant_table = NULL;
}

unsigned int grant_table_entries(const struct domain *d)
{
    return d->grant_table->nr_entries;
}

/* The {flags, domid} word of entry ref: the first 4 bytes, little-endian,
 * so flags is its low half. gt->lock held and gt not dead (the frames
 * exist). */
static uint32_t *entry_header(struct domain *d, grant_ref_t ref)
{
    uint8_t *frame = frame_to_virt(d->grant_frames[ref / GRANT_ENTRIES_PER_FRAME]);
    return (uint32_t *)(frame + (ref % GRANT_ENTRIES_PER_FRAME) * sizeof(struct grant_entry_v1));
}

static uint32_t entry_frame(struct domain *d, grant_ref_t ref)
{
    const struct grant_entry_v1 *e = (const void *)entry_header(d, ref);
    return __atomic_load_n(&e->frame, __ATOMIC_ACQUIRE);
}

/*
 * Check entry ref for a use by domain `user` and set GTF_reading (and
 * GTF_writing if write), atomically with the check: one cmpxchg of the
 * whole {flags, domid} word, so the granter, which may rewrite its entry
 * at any moment from another vCPU, cannot change the type, the domid or
 * GTF_readonly between the check and the setting. A failed cmpxchg means
 * it did: check again.
 */
static int16_t set_entry_flags(uint32_t *hdr, domid_t user, bool write)
{
    for (unsigned int i = 0; i < ENTRY_RETRIES; i++) {
        uint32_t old = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
        uint16_t flags = (uint16_t)old;
        domid_t domid = (domid_t)(old >> 16);

        if ((flags & (GTF_type_mask | GTF_sub_page)) != GTF_permit_access || domid != user)
            return GNTST_general_error;
        if (write && (flags & GTF_readonly))
            return GNTST_general_error; /* a write use of a read-only grant */
        uint32_t new = old | GTF_reading | (write ? GTF_writing : 0);
        if (new == old ||
            __atomic_compare_exchange_n(hdr, &old, new, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return GNTST_okay;
    }
    return GNTST_general_error; /* the entry keeps changing under us */
}

/* Clear the flags no pin needs any more. gt->lock held. */
static void clear_entry_flags(struct domain *d, grant_ref_t ref)
{
    const struct grant_active *act = &d->grant_table->active[ref];
    uint32_t clear = 0;

    if (d->grant_table->dead)
        return; /* the entries' frames are going: nothing to tell the granter */
    if (!act->writers)
        clear |= GTF_writing;
    if (!act->writers && !act->readers)
        clear |= GTF_reading;
    if (clear)
        __atomic_fetch_and(entry_header(d, ref), ~clear, __ATOMIC_ACQ_REL);
}

/* Pin entry ref of rd for user and hold its frame (one reference, counted in
 * frame.foreign_refs, taken under rd's p2m lock). */
static int16_t pin(struct domain *rd, grant_ref_t ref, domid_t user, bool write, struct frame **f)
{
    struct grant_table *gt = rd->grant_table;
    int16_t st;

    spin_lock(&gt->lock);
    if (gt->dead) {
        st = GNTST_bad_domain;
    } else if (ref >= gt->nr_entries) {
        st = GNTST_bad_gntref;
    } else {
        st = set_entry_flags(entry_header(rd, ref), user, write);
        /* The frame is read after the flags are set: from here on a granter
         * that follows the protocol leaves the entry alone. It must be rd's
         * own RAM (writable for a write use). */
        if (!st && physmap_hold_frame(rd, _gfn(entry_frame(rd, ref)), write, f))
            st = GNTST_bad_page;
        if (!st) {
            if (write)
                gt->active[ref].writers++;
            else
                gt->active[ref].readers++;
        } else if (st == GNTST_bad_page) {
            clear_entry_flags(rd, ref); /* ours, unless other pins need them */
        }
    }
    spin_unlock(&gt->lock);
    return st;
}

static void unpin(struct domain *rd, grant_ref_t ref, bool write)
{
    struct grant_table *gt = rd->grant_table;

    spin_lock(&gt->lock);
    if (write) {
        ASSERT(gt->active[ref].writers);
        gt->active[ref].writers--;
    } else {
        ASSERT(gt->active[ref].readers);
        gt->active[ref].readers--;
    }
    clear_entry_flags(rd, ref);
    spin_unlock(&gt->lock);
}

/* ---- handles ---------------------------------------------------------------- */

/* A free handle of ld, now BUSY; -1 if none (or no memory for the table). */
static int maptrack_reserve(struct domain *ld)
{
    struct grant_table *gt = ld->grant_table;
    int h = -1;

    spin_lock(&gt->lock);
    if (!gt->maptrack)
        gt->maptrack = xzalloc(GRANT_MAPTRACK_ENTRIES * sizeof(*gt->maptrack));
    for (unsigned int i = 0; gt->maptrack && i < GRANT_MAPTRACK_ENTRIES; i++) {
        if (gt->maptrack[i].state == MAPTRACK_FREE) {
            gt->maptrack[i].state = MAPTRACK_BUSY;
            h = (int)i;
            break;
        }
    }
    spin_unlock(&gt->lock);
    return h;
}

static void maptrack_set(struct domain *ld, grant_handle_t h, const struct grant_mapping *m)
{
    spin_lock(&ld->grant_table->lock);
    ld->grant_table->maptrack[h] = *m;
    spin_unlock(&ld->grant_table->lock);
}

/* ---- map, unmap, copy ---------------------------------------------------------- */

int16_t grant_map(struct domain *ld, struct domain *rd, grant_ref_t ref, gfn_t gfn, bool readonly,
                  grant_handle_t *handle)
{
    struct frame *f;
    int h = maptrack_reserve(ld);
    int16_t st;

    if (h < 0)
        return GNTST_no_device_space;
    st = pin(rd, ref, ld->domid, !readonly, &f);
    if (!st) {
        int rc = physmap_add_grant(ld, gfn, f, readonly);
        if (rc) {
            physmap_release_frame(rd, f);
            unpin(rd, ref, !readonly);
            /* Not a hole, or beyond the guest-physical space: the address;
             * out of table pages: a general error. */
            st = rc == -XEN_EEXIST || rc == -XEN_EINVAL ? GNTST_bad_virt_addr : GNTST_general_error;
        }
    }
    if (st) {
        maptrack_set(ld, (grant_handle_t)h, &(struct grant_mapping){ .state = MAPTRACK_FREE });
        return st;
    }
    /* The handle keeps rd's struct (its pins, its p2m lock) alive until the
     * mapping goes, even if rd dies first. */
    domain_get_ref(rd);
    maptrack_set(ld, (grant_handle_t)h,
                 &(struct grant_mapping){ MAPTRACK_MAPPED, readonly, ref, rd, f, gfn });
    *handle = (grant_handle_t)h;
    return GNTST_okay;
}

struct domain *grant_handle_granter(struct domain *ld, grant_handle_t handle)
{
    struct grant_table *gt = ld->grant_table;
    struct domain *rd = NULL;

    spin_lock(&gt->lock);
    if (gt->maptrack && handle < GRANT_MAPTRACK_ENTRIES &&
        gt->maptrack[handle].state == MAPTRACK_MAPPED) {
        rd = gt->maptrack[handle].granter;
        domain_get_ref(rd);
    }
    spin_unlock(&gt->lock);
    return rd;
}

/* Undo mapping m of ld (its handle is BUSY): the p2m entry goes and ld's
 * TLBs are flushed before the frame's reference is dropped. */
static int16_t undo_mapping(struct domain *ld, grant_handle_t h, const struct grant_mapping *m)
{
    if (physmap_remove_grant(ld, m->gfn, m->frame)) {
        /* Cannot happen: a grant entry leaves the p2m only here. Leave the
         * mapping as it is rather than drop a reference twice. */
        maptrack_set(ld, h, m);
        return GNTST_general_error;
    }
    physmap_release_frame(m->granter, m->frame);
    unpin(m->granter, m->ref, !m->readonly);
    maptrack_set(ld, h, &(struct grant_mapping){ .state = MAPTRACK_FREE });
    domain_put(m->granter);
    return GNTST_okay;
}

int16_t grant_unmap(struct domain *ld, grant_handle_t handle, uint64_t host_addr)
{
    struct grant_table *gt = ld->grant_table;
    struct grant_mapping m = { .state = MAPTRACK_FREE };
    int16_t st = GNTST_okay;

    spin_lock(&gt->lock);
    if (!gt->maptrack || handle >= GRANT_MAPTRACK_ENTRIES ||
        gt->maptrack[handle].state != MAPTRACK_MAPPED) {
        st = GNTST_bad_handle;
    } else if (host_addr && host_addr >> PAGE_SHIFT != gfn_x(gt->maptrack[handle].gfn)) {
        st = GNTST_general_error; /* not where this handle's mapping is (as Xen) */
    } else if (host_addr) {
        m = gt->maptrack[handle];
        gt->maptrack[handle].state = MAPTRACK_BUSY;
    }
    spin_unlock(&gt->lock);
    /* host_addr 0: nothing to undo for the host mapping (as Xen). */
    if (st || !host_addr)
        return st;
    return undo_mapping(ld, handle, &m);
}

int16_t grant_acquire_for_copy(struct domain *ld, struct domain *rd, grant_ref_t ref, bool write,
                               struct frame **f)
{
    return pin(rd, ref, ld->domid, write, f);
}

void grant_release_copy(struct domain *rd, grant_ref_t ref, bool write, struct frame *f)
{
    physmap_release_frame(rd, f);
    unpin(rd, ref, write);
}

/* ---- teardown -------------------------------------------------------------------- */

void grant_table_teardown(struct domain *d)
{
    struct grant_table *gt = d->grant_table;

    /* d is dying: none of its vCPUs runs, so no operation of its own is in
     * progress and no handle is BUSY. */
    for (unsigned int h = 0; gt->maptrack && h < GRANT_MAPTRACK_ENTRIES; h++) {
        struct grant_mapping m;
        bool mapped;

        spin_lock(&gt->lock);
        m = gt->maptrack[h];
        mapped = m.state == MAPTRACK_MAPPED;
        if (mapped)
            gt->maptrack[h].state = MAPTRACK_BUSY;
        spin_unlock(&gt->lock);
        if (mapped)
            undo_mapping(d, (grant_handle_t)h, &m);
    }
    /* Mappings others hold of d's frames stay (each holds its frame) until
     * they unmap or die; their unpins no longer touch d's entries. */
    spin_lock(&gt->lock);
    gt->dead = true;
    spin_unlock(&gt->lock);
}
