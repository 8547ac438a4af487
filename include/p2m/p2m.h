/*
 * The p2m: a domain's guest-physical to machine translation, kept directly in
 * the nested page tables the CPU walks (there is no second copy).
 *
 * Every operation works on a naturally aligned range: (gfn, order) with
 * order 0 (4 KiB), 9 (2 MiB) or 18 (1 GiB), gfn a multiple of 2^order.
 * Changing part of a superpage splits it. A change either completes or
 * leaves the p2m exactly as it was (table pages are reserved before the
 * first write).
 *
 * Locking: p2m->lock covers the whole table of one domain (every gfn), not a
 * single gfn. Callers hold it around p2m_set_entry/p2m_get_entry.
 *
 * TLBs: after an entry loses or changes a mapping, CPUs may still hold the
 * old translation. p2m_set_entry records that (flush_needed) and parks
 * table pages it unhooked; p2m_flush() shoots the translations down on every
 * CPU running the domain and only then frees those pages.
 */
#ifndef MICA_P2M_H
#define MICA_P2M_H

#include "lib/list.h"
#include "p2m/p2m_types.h"
#include "spinlock.h"
#include "types.h"
#include "x86/npt.h"

#define P2M_ORDER_4K PT_LEVEL_ORDER(0)
#define P2M_ORDER_2M PT_LEVEL_ORDER(1)
#define P2M_ORDER_1G PT_LEVEL_ORDER(2)

/* Guest-physical addresses Mica accepts: 4-level NPT, 48 bits (APM §15.25). */
#define P2M_GFN_BITS PT_LEVEL_ORDER(PT_LEVELS)
#define P2M_MAX_GFN ((1UL << P2M_GFN_BITS) - 1)

struct p2m {
    spinlock_t lock;
    mfn_t root;                          /* level-3 table (PML4): the VMCB's N_CR3 */
    unsigned int max_order;              /* 18 where the CPU has 1 GiB pages, else 9 */
    uint64_t table_pages;                /* table pages in use, the root included */
    struct list_head tables;             /* those pages (frame.list) */
    struct list_head free_after_flush;   /* unhooked table pages waiting for a flush */
    bool flush_needed;                   /* a mapping was removed or changed */
    gfn_t max_mapped_gfn;                /* highest gfn ever mapped (XENMEM_maximum_gpfn) */
    uint64_t table_limit;                /* most table pages it may use (0: no limit):
                                       a guest cannot grow Mica's memory use at will */
    void (*flush_tlbs)(struct p2m *p2m); /* shoots down every CPU's translations */
};

/* Allocate the root. Returns 0 or -ENOMEM (Xen errno values, negative). */
int p2m_init(struct p2m *p2m, unsigned int max_order, void (*flush_tlbs)(struct p2m *));

/* Free every table page. The caller has already dealt with mapped frames
 * (p2m_for_each_leaf) and flushed. */
void p2m_teardown(struct p2m *p2m);

/* Map [gfn, gfn + 2^order) to [mfn, ...) with type t (p2m_invalid removes).
 * -EINVAL for a bad order or misaligned gfn/mfn or a gfn out of range,
 * -ENOMEM if a needed table page cannot be had (nothing changed then). */
int p2m_set_entry(struct p2m *p2m, gfn_t gfn, mfn_t mfn, unsigned int order, enum p2m_type t);

/* The machine frame behind gfn (INVALID_MFN if none), its type and the order
 * of the leaf that maps it. */
mfn_t p2m_get_entry(struct p2m *p2m, gfn_t gfn, enum p2m_type *t, unsigned int *order);

/* Make sure a 4 KiB entry for gfn exists in the tables: create missing
 * tables and split any superpage above it, changing no translation. After
 * this, any 4 KiB change at gfn needs no memory. 0, -EINVAL or -ENOMEM
 * (nothing changed then). */
int p2m_prepare_4k(struct p2m *p2m, gfn_t gfn);

/* Make every CPU forget removed translations, then free parked table pages. */
void p2m_flush(struct p2m *p2m);

/* Visit every leaf in gfn order. */
typedef void (*p2m_leaf_fn)(gfn_t gfn, mfn_t mfn, unsigned int order, enum p2m_type t, void *arg);
void p2m_for_each_leaf(struct p2m *p2m, p2m_leaf_fn fn, void *arg);

/* Visit every table page reachable from the root, with its level (3 = root). */
typedef void (*p2m_table_fn)(mfn_t table, unsigned int level, void *arg);
void p2m_for_each_table(struct p2m *p2m, p2m_table_fn fn, void *arg);

#endif
