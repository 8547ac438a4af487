/* The types of p2m entries: what a guest frame is and what the guest may do. */
#ifndef MICA_P2M_TYPES_H
#define MICA_P2M_TYPES_H

enum p2m_type {
    p2m_invalid = 0,      /* nothing mapped: an access is a #NPF */
    p2m_ram_rw = 1,       /* ordinary guest RAM */
    p2m_ram_ro = 2,       /* RAM the guest may read and execute, not write */
    p2m_grant_map_rw = 3, /* another domain's frame mapped by grant, writable */
    p2m_grant_map_ro = 4, /* the same, read-only */
    p2m_mmio_direct = 5,  /* a machine MMIO frame passed through, uncached */
    p2m_map_foreign = 6,  /* another domain's frame, mapped by a privileged domain
                             (add_to_physmap_batch, XENMAPSPACE_gmfn_foreign) */
};

#define P2M_NR_TYPES 7

/* Types whose frame belongs to the domain whose p2m maps it. */
static inline int p2m_is_ram(enum p2m_type t)
{
    return t == p2m_ram_rw || t == p2m_ram_ro;
}

/* Types that map another domain's frame (a foreign or a grant mapping):
 * each holds one reference on the frame, counted in frame.foreign_refs. */
static inline int p2m_is_foreign_map(enum p2m_type t)
{
    return t == p2m_map_foreign || t == p2m_grant_map_rw || t == p2m_grant_map_ro;
}

static inline int p2m_is_grant(enum p2m_type t)
{
    return t == p2m_grant_map_rw || t == p2m_grant_map_ro;
}

#endif
