/*
 * Grant tables v1 (common/grant_table.c): a domain's grant entries, the pins
 * other domains hold on them, and the handles of the mappings it made.
 *
 * Each domain has a v1 table of max_grant_frames frames (the special frames
 * d->grant_frames, 512 entries each) that it maps with
 * add_to_physmap(XENMAPSPACE_grant_table) and writes itself. Mica reads an
 * entry, and sets GTF_reading/GTF_writing in it with an atomic cmpxchg of
 * its {flags, domid} word while a mapping or copy uses it.
 *
 * Locks: each domain's grant_table lock (LOCK_LEVEL_GRANT, 35) covers its
 * pin counts, its handle table and `dead`; under it Mica may take that same
 * domain's p2m (40). A CPU never holds two grant locks, nor two p2m locks:
 * a map takes the granter's grant lock (and p2m) to pin and hold the frame,
 * lets both go, then the mapper's domain lock and p2m to insert it, then
 * the mapper's grant lock to record the handle.
 *
 * Every function returning int16_t returns a GNTST_* status.
 */
#ifndef MICA_GRANT_TABLE_H
#define MICA_GRANT_TABLE_H

#include "domain.h"
#include "public/grant_table.h"

/* Most mappings one domain may hold at once (its handles 0..N-1). */
#define GRANT_MAPTRACK_ENTRIES 1024

/* At creation (-ENOMEM) and when the last reference goes. */
int grant_table_init(struct domain *d);
void grant_table_free(struct domain *d);

/* At teardown, before the memory goes: undo every mapping d made, and let
 * nobody pin d's grants any more. */
void grant_table_teardown(struct domain *d);

/* Number of v1 entries of d. */
unsigned int grant_table_entries(const struct domain *d);

/* Map rd's grant ref (granted to ld) at gfn of ld; *handle on success. */
int16_t grant_map(struct domain *ld, struct domain *rd, grant_ref_t ref, gfn_t gfn, bool readonly,
                  grant_handle_t *handle);

/* The granting domain of ld's mapping `handle` (a counted reference, to be
 * put), or NULL if there is no such mapping. */
struct domain *grant_handle_granter(struct domain *ld, grant_handle_t handle);

/* Undo ld's mapping `handle`; host_addr 0 leaves it in place (as Xen). */
int16_t grant_unmap(struct domain *ld, grant_handle_t handle, uint64_t host_addr);

/* A copy's use of rd's grant ref for ld: pin it (GTF_reading, and
 * GTF_writing if write) and hold its frame; release undoes both. */
int16_t grant_acquire_for_copy(struct domain *ld, struct domain *rd, grant_ref_t ref, bool write,
                               struct frame **f);
void grant_release_copy(struct domain *rd, grant_ref_t ref, bool write, struct frame *f);

#endif
