/*
 * The hypercall fuzzer's argument generators (tests/guest/fuzz/fuzz.c),
 * drawing from prng.h.
 *
 * The fuzzer must survive everything Mica does on its behalf, so each
 * argument is drawn from a *kind* that says what it may point at:
 *
 *   - Memory Mica may change (the gfns of populate, decrease, add, remove,
 *     grant and foreign maps, vcpu_info and FIFO pages): only the scratch
 *     regions below, which the fuzzer never reads or writes itself, and gfns
 *     beyond RAM. Never its image (code, data, stack, page tables), its
 *     control gfns or the edge blocks.
 *   - Memory Mica reads: only contents the fuzzer generated (the arena, the
 *     edge blocks), or addresses that fault. Scratch memory holds whatever
 *     Mica last wrote there: read as a domid or a gfn it could name the
 *     bystander domain or the fuzzer's own code.
 *   - Memory Mica writes through a pointer: the arena, an edge block, the
 *     scratch regions, or addresses that fault.
 *
 * Guest-physical layout of a fuzzer domain (gfns; the image is linked at
 * 1 MiB, identity-mapped; RAM is [0, ram_end)):
 *
 *   0x000 .. 0x100         scratch (low; start_info is copied out first)
 *   0x100 .. 0x300         the image (checked at start: it must end below)
 *   0x300 .. 0x400         control: grant frame 0 at CONTROL_GNT_GFN
 *   0x400 .. ram_end       scratch (main)
 *   ram_end .. 2^64        beyond RAM: scratch as well (the console ring of
 *                          an unprivileged domain sits at ram_end) ...
 *   RESERVED_LO .. _HI     ... but for this window, which nothing targets:
 *                          the edge blocks (RAM the fuzzer populates, each
 *                          followed by a hole) and addresses that always
 *                          fault;
 *   TOP_LO .. 0x100000     and the last MiB below 4 GiB, a hole for good too:
 *                          a structure there that wraps past 4 GiB (a 32-bit
 *                          guest's linear addresses wrap) faults on its first
 *                          byte rather than reading page 0.
 */
#ifndef GUEST_FUZZ_H
#define GUEST_FUZZ_H

#include "prng.h"
#include "test.h"
#include <stdbool.h>

#define FUZZ_PAGE 4096UL

/* ---- interesting numbers -------------------------------------------------------- */

/* Boundaries where validation tends to be wrong: signs, widths, page and
 * p2m limits (2^36 gfns: the 48-bit guest-physical space). */
static const uint64_t fuzz_edges[] = {
    0,
    1,
    2,
    7,
    8,
    0x3F,
    0x40,
    0x7F,
    0x80,
    0xFF,
    0x100,
    0x1FF,
    0x200,
    0x3FF,
    0x400,
    0xFFF,
    0x1000,
    0x7FFF,
    0x8000,
    0xFFFF,
    0x10000,
    0x7FFFFFFF,
    0x80000000,
    0xFFFFFFFF,
    0x100000000ull,
    (1ull << 36) - 1,
    1ull << 36,
    (1ull << 36) + 1,
    1ull << 40,
    (1ull << 48) - 1,
    1ull << 52,
    (1ull << 63) - 1,
    1ull << 63,
    ~0ull - 0x1000,
    ~0ull - 1,
    ~0ull,
};
#define FUZZ_NR_EDGES (sizeof(fuzz_edges) / sizeof(fuzz_edges[0]))

/* A number: small, an edge (give or take one), or any 64 bits. */
static inline uint64_t gen_number(struct prng *p)
{
    switch (prng_below(p, 4)) {
    case 0:
        return prng_below(p, 16);
    case 1:
        return fuzz_edges[prng_below(p, FUZZ_NR_EDGES)] + prng_below(p, 3) - 1;
    case 2:
        return prng_next(p) >> prng_below(p, 64);
    default:
        return fuzz_edges[prng_below(p, FUZZ_NR_EDGES)];
    }
}

/* A count for a batch or an array: mostly small, sometimes huge. */
static inline uint64_t gen_count(struct prng *p)
{
    switch (prng_below(p, 8)) {
    case 0:
        return 0;
    case 1:
    case 2:
        return 1;
    case 3:
    case 4:
        return 1 + prng_below(p, 8);
    case 5:
        return 1 + prng_below(p, 600);
    default:
        return gen_number(p);
    }
}

/* An extent order: the useful ones, the limits (9 unprivileged, 12
 * privileged), one beyond, and nonsense. */
static inline uint32_t gen_order(struct prng *p)
{
    switch (prng_below(p, 8)) {
    case 0:
    case 1:
    case 2:
        return 0;
    case 3:
        return 1 + prng_below(p, 4);
    case 4:
        return 9;
    case 5:
        return 8 + prng_below(p, 6); /* 8..13 */
    case 6:
        return prng_below(p, 64);
    default:
        return (uint32_t)gen_number(p);
    }
}

/* ---- the world the fuzzer lives in ------------------------------------------------- */

#define SCRATCH_LOW_END 0x100UL
#define IMAGE_LIMIT 0x300UL /* the image must end below (checked at start) */
#define CONTROL_GNT_GFN 0x300UL
#define SCRATCH_MAIN 0x400UL
#define RESERVED_LO 0xC0000UL
#define RESERVED_HI 0xE0000UL
/* Edge blocks: EDGE_PAGES of RAM ending at EDGE_END(i), a hole after. */
#define EDGE_BLOCKS 3
#define EDGE_PAGES 8UL
#define EDGE_END(i) (0xC8000UL + (uint64_t)(i)*0x1000UL)
/* Gfns that stay holes for good (addresses there always fault). */
#define FAULT_GFN 0xD8000UL
#define TOP_LO 0xFFF00UL
#define TOP_HI 0x100000UL

struct fuzz_world {
    int privileged;
    domid_t self, peer, bystander; /* DOMID_INVALID if none */
    domid_t victim;                /* a fuzzer destroyed mid-run, or DOMID_INVALID */
    uint64_t ram_end;              /* gfn */
    unsigned int nr_vcpus;
    /* Recent gfns where something interesting was mapped (special frames:
     * shared_info, grant frames, vcpu_info and FIFO pages Mica keeps
     * mapped; foreign and grant mappings; fresh RAM): all from
     * gen_target_gfn. */
    uint64_t recent[16];
    unsigned int nr_recent;
};

extern struct fuzz_world fw;

/* Every fuzzing vCPU remembers (a lost update only loses a hint). */
static inline void remember_gfn(uint64_t gfn)
{
    fw.recent[__atomic_fetch_add(&fw.nr_recent, 1, __ATOMIC_RELAXED) % 16] = gfn;
}

/* [gfn, gfn + count) lies where Mica may change things: not the image, the
 * control gfns or the two windows of holes, and it does not wrap. */
static inline int target_is_safe(uint64_t gfn, uint64_t count)
{
    uint64_t end = gfn + count;

    if (!count || end < gfn)
        return 0;
    if (gfn < SCRATCH_MAIN && end > SCRATCH_LOW_END)
        return 0;
    if (gfn < RESERVED_HI && end > RESERVED_LO)
        return 0;
    if (gfn < TOP_HI && end > TOP_LO)
        return 0;
    return 1;
}

/*
 * A gfn for an operation that changes [gfn, gfn + count): scratch RAM (most
 * often), the last interesting gfns, the edges of RAM, beyond RAM up to the
 * p2m's limit and far past it. `bits` is the width the ABI gives the field
 * (32 for a 32-bit guest's xen_pfn_t): the value is checked as Mica will
 * see it. aligned: a multiple of count (count a power of two), else
 * sometimes off by a page (Mica must refuse it whole).
 */
static inline uint64_t gen_target_gfn(struct prng *p, uint64_t count, unsigned int bits,
                                      int aligned)
{
    uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;

    for (unsigned int tries = 0; tries < 16; tries++) {
        uint64_t g;
        uint32_t main_pages = (uint32_t)(fw.ram_end - SCRATCH_MAIN);

        switch (prng_below(p, 16)) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4:
        case 5:
            g = SCRATCH_MAIN + prng_below(p, main_pages);
            break;
        case 6:
            g = prng_below(p, SCRATCH_LOW_END);
            break;
        case 7:
        case 8:
            g = fw.nr_recent ? fw.recent[prng_below(p, fw.nr_recent < 16 ? fw.nr_recent : 16)]
                             : SCRATCH_MAIN;
            break;
        case 9: {
            static const uint64_t near[] = { 0, 0xFF, SCRATCH_MAIN };
            g = prng_one_in(p, 2) ? near[prng_below(p, 3)] : fw.ram_end - 1 + prng_below(p, 3);
            break;
        }
        case 10:
            g = SCRATCH_MAIN + prng_below(p, 64); /* a small set: collisions */
            break;
        case 11:
        case 12:
            g = fw.ram_end + prng_below(p, 0x400);
            break;
        case 13:
            /* The p2m's last gfns, and anywhere at all: rarely, since each
             * new region costs table pages (64 + 2 per 2 MiB of RAM). */
            g = prng_one_in(p, 4) ? ((1ull << 36) - 1) - prng_below(p, 16) : gen_number(p);
            break;
        default:
            g = SCRATCH_MAIN + prng_below(p, main_pages);
            break;
        }
        if (aligned && count > 1)
            g &= ~(count - 1);
        else if (!aligned && count > 1)
            g |= 1;
        g &= mask;
        if (target_is_safe(g, count))
            return g;
    }
    /* Nothing fitted: just past the windows (aligned, for a power of two),
     * or, for a 20-bit field (a pointer's page number), scratch page 0. */
    uint64_t g = (TOP_HI + count - 1) & ~(count - 1) & mask;
    return target_is_safe(g, count) ? g : 0;
}

/* A gfn that Mica only reads from (a foreign map's source, a read-only
 * grant): anything at all. */
static inline uint64_t gen_any_gfn(struct prng *p)
{
    switch (prng_below(p, 4)) {
    case 0:
        return prng_below(p, (uint32_t)fw.ram_end);
    case 1:
        return gen_target_gfn(p, 1, 64, 1);
    case 2:
        return 0x100 + prng_below(p, 0x200); /* the image */
    default:
        return gen_number(p);
    }
}

/* Domain ids, by what the operation may do to the domain. */
enum domid_use {
    DOM_LOOK,   /* only reads: any domain, the bystander too */
    DOM_CHANGE, /* may change it: the fuzzers (self, peer, victim), never the bystander */
};

static inline domid_t gen_domid(struct prng *p, enum domid_use use)
{
    static const domid_t reserved[] = { DOMID_SELF, DOMID_IO, DOMID_XEN, DOMID_COW, DOMID_INVALID,
                                        DOMID_IDLE, 0x7FEF,   0x7FFE,    0x8000,    0xFFFF };
    domid_t d;

    switch (prng_below(p, 10)) {
    case 0:
    case 1:
    case 2:
        d = DOMID_SELF;
        break;
    case 3:
        d = fw.self;
        break;
    case 4:
    case 5:
        d = fw.peer;
        break;
    case 6:
        d = prng_one_in(p, 2) ? fw.bystander : fw.victim;
        break;
    case 7:
        d = reserved[prng_below(p, sizeof(reserved) / sizeof(reserved[0]))];
        break;
    case 8:
        d = (domid_t)prng_below(p, 16);
        break;
    default:
        d = (domid_t)prng_next(p);
        break;
    }
    /* Anything not known to be a fuzzer stands in for "no such domain"
     * when the call may change its target. */
    if (use == DOM_CHANGE && d != DOMID_SELF && d != fw.self && d != fw.peer && d != fw.victim &&
        d < 0x100)
        d = DOMID_INVALID;
    return d;
}

#endif /* GUEST_FUZZ_H */
