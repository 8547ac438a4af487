/*
 * The hypercall fuzzer: random and structure-aware calls to every hypercall
 * and subop Mica has (include/hypercall_defs.h, docs/hypercalls.md), with
 * arguments from fuzz.h's generators (which also say what the fuzzer may let
 * Mica touch, so it survives its own calls).
 *
 * Module arguments (after " -- "):
 *   seed=N        the PRNG seed (printed at start: "fuzz: seed 0x...")
 *   calls=N       how many fuzzed calls, all vCPUs together (default 10000)
 *   peer=D        the other fuzzer's domid (its scratch memory is fair game)
 *   bystander=D   a domain that must not be harmed (only looked at)
 *   victim=D      another fuzzer (of the same layout) that this one, if
 *                 privileged, destroys after half its calls: a teardown
 *                 while the domains around it map its frames and grants,
 *                 hold its event channels, and act on its memory
 *   trace=N       print each call from the N-th on (throttled: for replays)
 *
 * A run is replayable: each vCPU's calls depend only on the seed and on
 * what Mica answered; alone on one CPU under -icount a run repeats exactly.
 *
 * The 64-bit flavour fuzzes from two vCPUs at once (a lane each: its own
 * random stream, arena and edge blocks; vCPU 1 is also taken down and
 * brought up by the fuzzed vcpu_op calls). vCPU 0 runs with interrupts on
 * and an event upcall pending: when a preemptible call (memory_op
 * reservations, gmfn_range, add_to_physmap_batch, grant batches) is
 * preempted, Mica returns to the guest with RIP still on VMMCALL, the
 * upcall arrives there, and the interrupt handler sometimes rewrites the
 * registers (and the argument structures) before the call resumes: a
 * continuation re-executed with changed arguments.
 *
 * What it checks itself: every result is 0, a count, or a Xen errno (never
 * a value outside them), and a few answers that cannot change
 * (XENVER_version). What the test checks: no Mica fault or panic, every
 * p2m audit clean, no frame leaked, the bystander's own verdict.
 */
#include "args.h"
#include "evtchn.h"
#include "fuzz.h"
#include <public/domctl.h>
#include <public/sysctl.h>
#include <public/xsm/flask_op.h>
#include <public/xsm/flask_policy.h>

TEST_NAME("fuzz");

struct fuzz_world fw;

extern char __image_start[], __text_end[], __image_end[]; /* guest.ld */

#ifdef __x86_64__
#define FLAVOUR_64 1
#else
#define FLAVOUR_64 0
#endif
/* Widths the ABI gives a gfn field (xen_pfn_t, xen_ulong_t) and a pointer's
 * page number, so generated values are checked as Mica will see them. */
#define PFN_BITS ((unsigned int)(sizeof(xen_pfn_t) * 8))
#define PTR_GFN_BITS ((unsigned int)(sizeof(void *) * 8 - 12))

/* Xen's errnos run up to 133 (EHWPOISON); anything below is not one. */
#define ERRNO_MIN (-133)

static unsigned long opt_calls = 10000, opt_trace_from = ~0UL;
static uint64_t opt_seed = 1;

/* Fuzzed calls made so far, by both lanes. */
static unsigned long calls_made;

/* ---- lanes: where arguments go ---------------------------------------------------------- */

/* Structures Mica reads and writes: generated in a lane's arena for each
 * call. */
#define ARENA_BYTES (4 * FUZZ_PAGE)

/* The edge blocks (fuzz.h), EDGE_KINDS per lane: arrays end exactly at a
 * block's end, so Mica reading past the elements written reaches the hole
 * and stops. */
enum edge_block {
    EDGE_LIST,   /* extents, idxs, grant operations, poll ports */
    EDGE_GPFNS,  /* add_to_physmap_batch's gpfns */
    EDGE_ERRS,   /* its errs */
    EDGE_STRUCT, /* structures straddling into the hole */
    EDGE_KINDS,
};
#define EDGE_BYTES (EDGE_PAGES * FUZZ_PAGE)

/* Counts of one kind of call in one lane. */
struct op_stats {
    unsigned long calls, ok;
    uint64_t tsc; /* time spent in the calls (TSC ticks) */
};

#define MAX_OPS 32

/*
 * A lane: what one vCPU fuzzes with (vCPU 0 and, in the 64-bit flavour,
 * vCPU 1, concurrently): its random stream, its arena, its edge blocks,
 * its counts. The interrupt handler, rewriting vCPU 0's calls, has a
 * stream of its own over lane 0's memory.
 */
struct lane {
    struct prng prng;
    unsigned int id; /* its vCPU */
    uint8_t *arena;
    unsigned int first_edge;
    struct op_stats stats[MAX_OPS];
};

static uint8_t arenas[2][ARENA_BYTES] __attribute__((aligned(4096)));
static struct lane lanes[2], irq_lane;

static uint64_t edge_end(const struct lane *l, enum edge_block b)
{
    return EDGE_END(l->first_edge + b) * FUZZ_PAGE;
}

/* Room for `bytes` of array ending at block b's end. */
static void *edge_array(const struct lane *l, enum edge_block b, size_t bytes)
{
    return (void *)(uintptr_t)(edge_end(l, b) - bytes);
}

/* A pointer that faults whatever Mica does with it (in 64-bit mode: also
 * page 0 and what the guest's page tables do not map, non-canonical
 * addresses and ones that wrap). */
static uint64_t gen_fault_ptr(struct prng *p)
{
#ifdef __x86_64__
    static const uint64_t bad[] = {
        0,          8,
        0xFF8,      (1ull << 32) - 8,
        1ull << 32, (1ull << 47) - 8,
        1ull << 47, 0xFFFF800000000000ull,
        ~0ull - 7,  ~0ull - 0xFFF,
    };
    if (prng_one_in(p, 2))
        return bad[prng_below(p, sizeof(bad) / sizeof(bad[0]))];
#endif
    if (prng_one_in(p, 4))
        return 0xFFFFF000u + prng_below(p, 0x1000); /* the last page below 4 GiB */
    return FAULT_GFN * FUZZ_PAGE + (prng_next(p) & 0xFFFFF);
}

/* An arena offset for size bytes: page-aligned, a little past, or across the
 * boundary between two arena pages. */
static size_t arena_offset(struct prng *p, size_t size)
{
    size_t off;

    if (size > 1 && prng_one_in(p, 4))
        off = 2 * FUZZ_PAGE - 1 - prng_below(p, (uint32_t)size - 1);
    else
        off = prng_below(p, 4) * FUZZ_PAGE + (prng_one_in(p, 2) ? 0 : prng_below(p, 64) * 8);
    return off + size > ARENA_BYTES ? 0 : off;
}

/*
 * Put a structure where Mica will read it: in the arena (*back then points
 * at it, for reading results), straddling an edge block's end (Mica gets a
 * prefix, then a fault), at an address that faults, or, junk_ok (Mica only
 * reads it, and no value there can do harm), in the fuzzer's own image.
 */
static uint64_t place(struct lane *l, const void *obj, size_t size, int junk_ok, void **back)
{
    struct prng *p = &l->prng;
    uint32_t r = prng_below(p, 32);

    *back = NULL;
    if (r < 26) {
        size_t off = arena_offset(p, size);
        memcpy(l->arena + off, obj, size);
        *back = l->arena + off;
        return (uintptr_t)(l->arena + off);
    }
    if (r < 28 && size > 1) {
        size_t cut = 1 + prng_below(p, (uint32_t)size - 1);
        uint64_t a = edge_end(l, EDGE_STRUCT) - cut;
        memcpy((void *)(uintptr_t)a, obj, cut);
        return a;
    }
    if (r < 30 && junk_ok)
        return 0x100000 + prng_below(p, (uint32_t)((uintptr_t)__image_end - 0x100000));
    return gen_fault_ptr(p);
}

/* A pointer Mica only writes to (size bytes): the arena, scratch memory, an
 * edge block's end, or a fault. */
static uint64_t gen_out_ptr(struct lane *l, size_t size, void **back)
{
    struct prng *p = &l->prng;
    uint32_t r = prng_below(p, 32);

    *back = NULL;
    if (r < 20) {
        size_t off = arena_offset(p, size);
        *back = l->arena + off;
        return (uintptr_t)(l->arena + off);
    }
    if (r < 25) /* two pages of scratch: size <= 4096 stays inside */
        return gen_target_gfn(p, 2, PTR_GFN_BITS, 1) * FUZZ_PAGE + prng_below(p, FUZZ_PAGE);
    if (r < 28)
        return edge_end(l, EDGE_STRUCT) - 1 - prng_below(p, (uint32_t)(size ? size : 1));
    return gen_fault_ptr(p);
}

/* How many elements of a count to write at a block's end: all of them
 * up to the block's capacity now and then, else at most 32 (the rest of
 * the count faults at the hole; long batches would take most of the run). */
static size_t elements(struct prng *p, uint64_t count, size_t elem)
{
    size_t cap = prng_one_in(p, 16) ? EDGE_BYTES / elem : 32;

    return count < cap ? (size_t)count : cap;
}

/* An array of n elements at the end of block b, or (rarely) a fault. */
static uint64_t array_ptr(struct lane *l, enum edge_block b, size_t bytes)
{
    if (prng_one_in(&l->prng, 16))
        return gen_fault_ptr(&l->prng);
    return edge_end(l, b) - bytes;
}

/* ---- calls ---------------------------------------------------------------------------- */

struct call;

/* What a result may be. */
enum result_kind {
    RC_ZERO_OR_ERRNO, /* 0 or -errno */
    RC_VALUE,         /* a value >= 0 or -errno */
};

struct op {
    const char *name;
    unsigned int weight;
    void (*gen)(struct lane *l, struct call *c);
    void (*post)(struct call *c, long rc); /* bookkeeping; may be NULL */
    bool preemptible;                      /* the interrupt may rewrite it */
    enum result_kind result;
};

struct call {
    const struct op *op;
    struct lane *lane;
    unsigned long nr;
    uint64_t arg[5];
    void *back;       /* the main structure in the arena, or NULL */
    uint64_t info[2]; /* what post needs */
};

/* The call lane 0 is making, for the interrupt handler. */
static struct call *volatile active_call;

static unsigned long mutations, interrupts, bookkeeping_calls, bad_results;

static void set_call(struct call *c, unsigned long nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
    c->nr = nr;
    c->arg[0] = a0;
    c->arg[1] = a1;
    c->arg[2] = a2;
    c->arg[3] = 0;
    c->arg[4] = 0;
}

/*
 * VMMCALL with the call's registers, at a known address (fuzz_vmmcall_insn)
 * so the interrupt handler recognises a preempted call. Not through the
 * hypercall page: nr may be any number.
 */
static __attribute__((noinline, noclone)) long do_call(const struct call *c)
{
#ifdef __x86_64__
    register uint64_t r10 __asm__("r10") = c->arg[3];
    register uint64_t r8 __asm__("r8") = c->arg[4];
    uint64_t rax = c->nr, rdi = c->arg[0], rsi = c->arg[1], rdx = c->arg[2];

    __asm__ volatile(".globl fuzz_vmmcall_insn\n"
                     "fuzz_vmmcall_insn: vmmcall"
                     : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8)
                     :
                     : "memory");
    return (long)rax;
#else
    uint32_t eax = (uint32_t)c->nr, ebx = (uint32_t)c->arg[0], ecx = (uint32_t)c->arg[1];
    uint32_t edx = (uint32_t)c->arg[2], esi = (uint32_t)c->arg[3], edi = (uint32_t)c->arg[4];

    __asm__ volatile("vmmcall"
                     : "+a"(eax), "+b"(ebx), "+c"(ecx), "+d"(edx), "+S"(esi), "+D"(edi)
                     :
                     : "memory");
    return (long)(int32_t)eax;
#endif
}

/* A bookkeeping call (through the hypercall page, never rewritten). */
static long book(long rc)
{
    __atomic_fetch_add(&bookkeeping_calls, 1, __ATOMIC_RELAXED);
    return rc;
}

/* ---- small generators ------------------------------------------------------------------ */

/* Ports the fuzzer was given (and ones it may have): from results. */
static uint32_t ports[32];
static unsigned int nr_ports;

/* Both lanes remember (a lost update only loses a hint). */
static void remember_port(uint32_t port)
{
    ports[__atomic_fetch_add(&nr_ports, 1, __ATOMIC_RELAXED) % 32] = port;
}

static uint32_t gen_port(struct prng *p)
{
    switch (prng_below(p, 6)) {
    case 0:
    case 1:
        return nr_ports ? ports[prng_below(p, nr_ports < 32 ? nr_ports : 32)] : 1;
    case 2:
        return prng_below(p, 64);
    case 3:
        return prng_below(p, 1100);
    default:
        return (uint32_t)gen_number(p);
    }
}

static uint32_t gen_vcpu(struct prng *p)
{
    return prng_one_in(p, 4) ? (uint32_t)gen_number(p) : prng_below(p, fw.nr_vcpus + 2);
}

/* An upcall vector: anything from 0 (refused below 0x10) to 255, except
 * 17, 21, 29 and 30: taken as interrupts they would meet exception stubs
 * that pop an error code the interrupt did not push. */
static uint8_t gen_vector(struct prng *p)
{
    for (;;) {
        uint8_t v = (uint8_t)(prng_one_in(p, 2) ? 0x20 + prng_below(p, 0xE0) : prng_next(p));
        if (v != 17 && v != 21 && v != 29 && v != 30)
            return v;
    }
}

/* A command register: cmd, sometimes with garbage above the 32 bits Xen
 * reads (the handler must truncate). */
static uint64_t with_high_bits(struct prng *p, uint32_t cmd)
{
    return prng_one_in(p, 8) ? cmd | (prng_next(p) << 32) : cmd;
}

/* ---- memory_op (12) ---------------------------------------------------------------------- */

static void gen_memop_reservation(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    static const unsigned int cmds[] = { XENMEM_increase_reservation, XENMEM_decrease_reservation,
                                         XENMEM_populate_physmap };
    unsigned int cmd = cmds[prng_below(p, 3)];
    uint32_t order = gen_order(p);
    uint64_t nr = gen_count(p), start = prng_one_in(p, 8) ? gen_number(p) : 0;
    /* Each extent is safe for its whole order (orders beyond 20 do nothing). */
    uint64_t pages = 1ull << (order < 20 ? order : 20);
    size_t n = elements(p, nr, sizeof(xen_pfn_t));
    xen_pfn_t *ext = edge_array(l, EDGE_LIST, n * sizeof(xen_pfn_t));
    struct xen_memory_reservation r = {
        .nr_extents = (xen_ulong_t)nr,
        .extent_order = order,
        .mem_flags = prng_one_in(p, 8) ? (uint32_t)gen_number(p) : 0,
        .domid = gen_domid(p, DOM_CHANGE),
    };

    for (size_t i = 0; i < n; i++)
        ext[i] = (xen_pfn_t)gen_target_gfn(p, pages, PFN_BITS, !prng_one_in(p, 8));
    c->info[0] = cmd == XENMEM_populate_physmap && start == 0 && n ? ext[0] : 0;
    if (cmd == XENMEM_increase_reservation && prng_one_in(p, 2))
        set_xen_guest_handle(r.extent_start, NULL);
    else
        set_xen_guest_handle(r.extent_start,
                             (xen_pfn_t *)(uintptr_t)array_ptr(l, EDGE_LIST, n * sizeof(*ext)));
    set_call(c, __HYPERVISOR_memory_op, cmd | (start << MEMOP_EXTENT_SHIFT),
             place(l, &r, sizeof(r), 0, &c->back), 0);
}

/* Fresh RAM, the first extent of a populate that did some. */
static void post_memop_reservation(struct call *c, long rc)
{
    if (c->info[0] && rc > 0)
        remember_gfn(c->info[0]);
}

static void gen_memop_query(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    static const unsigned int cmds[] = {
        XENMEM_current_reservation, XENMEM_maximum_reservation, XENMEM_maximum_gpfn,
        XENMEM_maximum_ram_page,    XENMEM_machphys_mfn_list,   XENMEM_machphys_mapping,
        XENMEM_set_memory_map,      XENMEM_set_pod_target,      XENMEM_get_pod_target,
        XENMEM_claim_pages,         XENMEM_get_vnumainfo,       XENMEM_acquire_resource,
    };
    domid_t d = gen_domid(p, DOM_LOOK);
    unsigned int cmd = cmds[prng_below(p, prng_one_in(p, 4) ? 12 : 4)];

    set_call(c, __HYPERVISOR_memory_op, cmd, place(l, &d, sizeof(d), 1, &c->back), 0);
}

static void gen_memop_memory_map(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    struct xen_memory_map m = { .nr_entries = (unsigned int)gen_count(p) };
    void *out;
    size_t room = (m.nr_entries < 32 ? m.nr_entries : 32) * sizeof(struct xen_e820_entry);

    set_xen_guest_handle(m.buffer, (void *)(uintptr_t)gen_out_ptr(l, room, &out));
    set_call(c, __HYPERVISOR_memory_op,
             prng_one_in(p, 2) ? XENMEM_memory_map : XENMEM_machine_memory_map,
             place(l, &m, sizeof(m), 0, &c->back), 0);
}

/* The space of an add_to_physmap, and an idx for it. */
static unsigned int gen_space(struct prng *p)
{
    static const unsigned int spaces[] = {
        XENMAPSPACE_shared_info, XENMAPSPACE_grant_table,  XENMAPSPACE_gmfn,     XENMAPSPACE_gmfn,
        XENMAPSPACE_gmfn_range,  XENMAPSPACE_gmfn_foreign, XENMAPSPACE_dev_mmio,
    };
    return prng_one_in(p, 16) ? (unsigned int)gen_number(p) : spaces[prng_below(p, 7)];
}

static uint64_t gen_idx(struct prng *p, unsigned int space, uint64_t size)
{
    switch (space) {
    case XENMAPSPACE_shared_info:
        return prng_one_in(p, 4) ? gen_number(p) : 0;
    case XENMAPSPACE_grant_table: {
        /* Never frame 0: it stays at CONTROL_GNT_GFN, where the fuzzer
         * writes its grants (from either vCPU at any time). */
        uint64_t idx = prng_one_in(p, 4) ? gen_number(p) : 1 + prng_below(p, 5);
        if ((xen_ulong_t)idx == 0) /* as the ABI's field holds it */
            idx = 1;
        return prng_one_in(p, 8) ? idx | XENMAPIDX_grant_table_status : idx;
    }
    case XENMAPSPACE_gmfn_foreign:
        return gen_any_gfn(p); /* read from the foreign domain only */
    default:
        /* gmfn, gmfn_range and unknown spaces: the source moves away. */
        return gen_target_gfn(p, size, PFN_BITS, 1);
    }
}

/* Another domain's shared_info and grant frames are never moved: the peer
 * writes its grant entries through its control gfn. */
static domid_t own_frames_target(struct prng *p, unsigned int space)
{
    domid_t d = gen_domid(p, DOM_CHANGE);

    if ((space == XENMAPSPACE_shared_info || space == XENMAPSPACE_grant_table) &&
        (d == fw.peer || d == fw.victim))
        return DOMID_SELF;
    return d;
}

static void gen_add_to_physmap(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    unsigned int space = gen_space(p);
    uint16_t size = (uint16_t)(prng_one_in(p, 2) ? prng_below(p, 64) : gen_number(p));
    uint64_t pages = space == XENMAPSPACE_gmfn_range ? (size ? size : 1) : 1;
    struct xen_add_to_physmap x = {
        .domid = own_frames_target(p, space),
        .size = size,
        .space = space,
        .idx = (xen_ulong_t)gen_idx(p, space, pages),
        .gpfn = (xen_pfn_t)gen_target_gfn(p, pages, PFN_BITS, 1),
    };

    c->info[0] = x.gpfn;
    set_call(c, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, place(l, &x, sizeof(x), 0, &c->back),
             0);
}

static void post_add_to_physmap(struct call *c, long rc)
{
    if (rc == 0)
        remember_gfn(c->info[0]);
}

static void gen_add_to_physmap_batch(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    /* As the 16-bit field holds it: a random space may become grant_table. */
    uint16_t space = (uint16_t)(prng_one_in(p, 2) ? XENMAPSPACE_gmfn_foreign : gen_space(p));
    uint16_t size = (uint16_t)gen_count(p);
    size_t n = elements(p, size, sizeof(xen_pfn_t));
    xen_ulong_t *idxs = edge_array(l, EDGE_LIST, n * sizeof(*idxs));
    xen_pfn_t *gpfns = edge_array(l, EDGE_GPFNS, n * sizeof(*gpfns));
    int *errs = edge_array(l, EDGE_ERRS, n * sizeof(int));
    struct xen_add_to_physmap_batch b = {
        .domid = own_frames_target(p, space),
        .space = space,
        .size = size,
    };

    b.u.foreign_domid = space == XENMAPSPACE_gmfn_foreign ? gen_domid(p, DOM_LOOK)
                        : prng_one_in(p, 8)               ? (domid_t)prng_next(p)
                                                          : 0;
    for (size_t i = 0; i < n; i++) {
        idxs[i] = (xen_ulong_t)gen_idx(p, space, 1);
        gpfns[i] = (xen_pfn_t)gen_target_gfn(p, 1, PFN_BITS, 1);
        errs[i] = 1; /* neither 0 nor an errno: not written */
    }
    c->info[0] = n;
    set_xen_guest_handle(b.idxs,
                         (xen_ulong_t *)(uintptr_t)array_ptr(l, EDGE_LIST, n * sizeof(*idxs)));
    set_xen_guest_handle(b.gpfns,
                         (xen_pfn_t *)(uintptr_t)array_ptr(l, EDGE_GPFNS, n * sizeof(*gpfns)));
    set_xen_guest_handle(
        b.errs, (int *)(uintptr_t)(prng_one_in(p, 8) ? gen_fault_ptr(p) : (uintptr_t)errs));
    set_call(c, __HYPERVISOR_memory_op, XENMEM_add_to_physmap_batch,
             place(l, &b, sizeof(b), 0, &c->back), 0);
}

/* The gfns where the batch mapped something (a foreign frame, mostly):
 * those whose errs say 0. A rewritten continuation may leave errs of an
 * earlier batch: a wrong hint, which gen_target_gfn checks like any. */
static void post_add_to_physmap_batch(struct call *c, long rc)
{
    size_t n = (size_t)c->info[0];
    const xen_pfn_t *gpfns = edge_array(c->lane, EDGE_GPFNS, n * sizeof(*gpfns));
    const int *errs = edge_array(c->lane, EDGE_ERRS, n * sizeof(int));

    if (rc)
        return;
    for (size_t i = 0; i < n; i++)
        if (errs[i] == 0)
            remember_gfn(gpfns[i]);
}

static void gen_remove_from_physmap(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    struct xen_remove_from_physmap r = {
        .domid = gen_domid(p, DOM_CHANGE),
        .gpfn = (xen_pfn_t)gen_target_gfn(p, 1, PFN_BITS, 1),
    };

    set_call(c, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap,
             place(l, &r, sizeof(r), 0, &c->back), 0);
}

/* Commands Mica does not have (exchange among them), and the others but
 * the reservations with a continuation's start bits: -EINVAL before the
 * argument, random bytes, is read. */
static void gen_memop_misc(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    static const unsigned int unknown[] = { 5,  8,  11, 12, 13, 16, 17, 18,
                                            19, 20, 21, 22, 24, 25, 29, 63 };
    static const unsigned int known[] = { 2, 3, 4, 7, 9, 10, 14, 15, 23 };
    uint64_t cmd = prng_one_in(p, 2) ? unknown[prng_below(p, 16)]
                                     : known[prng_below(p, 9)] |
                                           ((1 + gen_number(p) % 4096) << MEMOP_EXTENT_SHIFT);
    uint8_t junk[64];

    for (unsigned int i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)prng_next(p);
    set_call(c, __HYPERVISOR_memory_op, cmd, place(l, junk, sizeof(junk), 0, &c->back), 0);
}

/* ---- grant_table_op (20) -------------------------------------------------------------- */

/* Grant mappings this fuzzer made: handle and gfn, for unmaps. */
static struct {
    grant_handle_t handle;
    uint64_t gfn;
} maps[64];
static unsigned int nr_maps;

static grant_ref_t gen_ref(struct prng *p)
{
    switch (prng_below(p, 4)) {
    case 0:
    case 1:
        return prng_below(p, 64);
    case 2:
        return prng_below(p, 2100);
    default:
        return (grant_ref_t)gen_number(p);
    }
}

static uint32_t gen_batch_count(struct prng *p, size_t elem, size_t *n)
{
    uint64_t count = gen_count(p);

    *n = elements(p, count, elem);
    return (uint32_t)count;
}

static void gen_gnttab_map(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    size_t n;
    uint32_t count = gen_batch_count(p, sizeof(struct gnttab_map_grant_ref), &n);
    struct gnttab_map_grant_ref *op = edge_array(l, EDGE_LIST, n * sizeof(*op));

    for (size_t i = 0; i < n; i++) {
        uint64_t gfn = gen_target_gfn(p, 1, 52, 1);
        op[i] = (struct gnttab_map_grant_ref){
            .host_addr = gfn * FUZZ_PAGE + (prng_one_in(p, 8) ? prng_below(p, FUZZ_PAGE) : 0),
            .flags = prng_one_in(p, 8)   ? (uint32_t)gen_number(p)
                     : prng_one_in(p, 2) ? GNTMAP_host_map | GNTMAP_readonly
                                         : GNTMAP_host_map,
            .ref = gen_ref(p),
            .dom = gen_domid(p, DOM_LOOK),
            .status = 99,
        };
    }
    c->info[0] = n;
    set_call(c, __HYPERVISOR_grant_table_op, with_high_bits(p, GNTTABOP_map_grant_ref),
             array_ptr(l, EDGE_LIST, n * sizeof(*op)), count);
}

static void post_gnttab_map(struct call *c, long rc)
{
    struct gnttab_map_grant_ref *op = edge_array(c->lane, EDGE_LIST, c->info[0] * sizeof(*op));

    if (rc || c->arg[1] != (uintptr_t)op)
        return;
    for (size_t i = 0; i < c->info[0] && i < (size_t)(uint32_t)c->arg[2]; i++) {
        if (op[i].status == GNTST_okay) {
            unsigned int slot = __atomic_fetch_add(&nr_maps, 1, __ATOMIC_RELAXED) % 64;
            maps[slot].handle = op[i].handle;
            maps[slot].gfn = op[i].host_addr >> 12;
            remember_gfn(op[i].host_addr >> 12);
        }
    }
}

static void gen_gnttab_unmap(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    size_t n;
    uint32_t count = gen_batch_count(p, sizeof(struct gnttab_unmap_grant_ref), &n);
    struct gnttab_unmap_grant_ref *op = edge_array(l, EDGE_LIST, n * sizeof(*op));

    for (size_t i = 0; i < n; i++) {
        unsigned int known = nr_maps ? prng_below(p, nr_maps < 64 ? nr_maps : 64) : 0;
        int use_known = nr_maps && !prng_one_in(p, 4);
        op[i] = (struct gnttab_unmap_grant_ref){
            .host_addr = use_known && !prng_one_in(p, 8) ? maps[known].gfn * FUZZ_PAGE
                         : prng_one_in(p, 2)             ? 0
                                                         : gen_number(p),
            .dev_bus_addr = prng_one_in(p, 8) ? gen_number(p) : 0,
            .handle = use_known ? maps[known].handle : (grant_handle_t)gen_number(p),
            .status = 99,
        };
    }
    set_call(c, __HYPERVISOR_grant_table_op, with_high_bits(p, GNTTABOP_unmap_grant_ref),
             array_ptr(l, EDGE_LIST, n * sizeof(*op)), count);
}

static void gen_gnttab_setup_table(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    struct gnttab_setup_table s = {
        .dom = gen_domid(p, DOM_LOOK),
        .nr_frames = prng_one_in(p, 4) ? (uint32_t)gen_number(p) : prng_below(p, 8),
    };
    void *out;
    size_t room = (s.nr_frames < 64 ? s.nr_frames : 64) * sizeof(xen_ulong_t);

    set_xen_guest_handle(s.frame_list, (xen_ulong_t *)(uintptr_t)gen_out_ptr(l, room, &out));
    set_call(c, __HYPERVISOR_grant_table_op, GNTTABOP_setup_table,
             place(l, &s, sizeof(s), 0, &c->back), prng_one_in(p, 8) ? gen_count(p) : 1);
}

/* One side of a copy: a gref (any domain: the grant decides), or a gmfn of
 * our own (a destination must be scratch memory; a source may be anything). */
static void gen_copy_side(struct prng *p, struct gnttab_copy_ptr *s, int gref, int dest)
{
    if (gref) {
        s->u.ref = gen_ref(p);
        s->domid = gen_domid(p, DOM_LOOK);
    } else {
        uint64_t gmfn = dest ? gen_target_gfn(p, 1, PFN_BITS, 1) : gen_any_gfn(p);
        s->u.gmfn = (xen_pfn_t)gmfn;
        s->domid = prng_one_in(p, 8) ? gen_domid(p, DOM_CHANGE) : DOMID_SELF;
    }
    s->offset = (uint16_t)(prng_one_in(p, 4) ? gen_number(p) : prng_below(p, 4096));
}

static void gen_gnttab_copy(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    size_t n;
    uint32_t count = gen_batch_count(p, sizeof(struct gnttab_copy), &n);
    struct gnttab_copy *op = edge_array(l, EDGE_LIST, n * sizeof(*op));

    for (size_t i = 0; i < n; i++) {
        uint16_t flags = (uint16_t)prng_below(p, 4);
        if (prng_one_in(p, 8))
            flags |= (uint16_t)prng_next(p);
        op[i] = (struct gnttab_copy){ .flags = flags, .status = 99 };
        gen_copy_side(p, &op[i].source, flags & GNTCOPY_source_gref, 0);
        gen_copy_side(p, &op[i].dest, flags & GNTCOPY_dest_gref, 1);
        op[i].len = (uint16_t)(prng_one_in(p, 4) ? gen_number(p) : prng_below(p, 4097));
    }
    set_call(c, __HYPERVISOR_grant_table_op, with_high_bits(p, GNTTABOP_copy),
             array_ptr(l, EDGE_LIST, n * sizeof(*op)), count);
}

static void gen_gnttab_misc(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    uint32_t cmd, count = prng_one_in(p, 8) ? (uint32_t)gen_count(p) : 1;
    union {
        struct gnttab_query_size q;
        struct gnttab_set_version s;
        struct gnttab_get_version g;
        uint8_t raw[32];
    } u;

    for (unsigned int i = 0; i < sizeof(u.raw); i++)
        u.raw[i] = (uint8_t)prng_next(p);
    switch (prng_below(p, 5)) {
    case 0:
        cmd = GNTTABOP_query_size;
        u.q.dom = gen_domid(p, DOM_LOOK);
        break;
    case 1:
        cmd = GNTTABOP_set_version;
        u.s.version = prng_one_in(p, 2) ? prng_below(p, 4) : (uint32_t)gen_number(p);
        break;
    case 2:
        cmd = GNTTABOP_get_version;
        u.g.dom = gen_domid(p, DOM_LOOK);
        break;
    case 3: /* unknown, or a known command with bits above GNTTABOP_CMD_MASK */
        cmd = prng_one_in(p, 2) ? 3 + prng_below(p, 60) : (1 + prng_below(p, 0xFFFFF)) << 12;
        if (cmd == GNTTABOP_copy || cmd == GNTTABOP_setup_table || cmd == GNTTABOP_set_version ||
            cmd == GNTTABOP_query_size || cmd == GNTTABOP_get_version)
            cmd = GNTTABOP_dump_table;
        break;
    default: /* a negative count */
        cmd = GNTTABOP_map_grant_ref + prng_below(p, 2);
        count = 0x80000000u | (uint32_t)prng_next(p);
        break;
    }
    set_call(c, __HYPERVISOR_grant_table_op, cmd, place(l, &u, sizeof(u), 0, &c->back), count);
}

/*
 * Grant something of ours (not a hypercall: entries in grant frame 0, at
 * CONTROL_GNT_GFN for good), rewriting entries whether in use or not.
 *
 * Each entry is of one kind for good, by its ref: every fourth
 * (READ_ONLY_REF) is read-only or revoked and may name any frame, the image
 * too; the others may be writable (or anything at all) and name scratch
 * memory only. Mica reads an entry's frame after it has set the entry's
 * flags (Xen's order, common/grant_table.c), so an entry that could turn
 * from writable to read-only would let a copy or mapping already past the
 * flags write to the new frame: the fuzzer's own code (found by make soak,
 * seed 232289: the 32-bit fuzzer crashed on its own corrupted image).
 */
#define READ_ONLY_REF(ref) (((ref)&3) == 3)

static void write_grants(struct prng *p)
{
    volatile struct grant_entry_v1 *e = (void *)(uintptr_t)(CONTROL_GNT_GFN * FUZZ_PAGE);

    for (unsigned int i = 1 + prng_below(p, 4); i; i--) {
        grant_ref_t ref = prng_below(p, 8) ? prng_below(p, 64) : prng_below(p, 512);
        domid_t to = prng_below(p, 4)    ? fw.peer
                     : prng_one_in(p, 2) ? fw.self
                                         : (domid_t)prng_next(p);
        uint16_t flags;

        if (READ_ONLY_REF(ref)) {
            flags = prng_one_in(p, 4) ? 0 : GTF_permit_access | GTF_readonly;
            e[ref].frame = (uint32_t)gen_any_gfn(p);
        } else {
            flags = prng_below(p, 4)    ? GTF_permit_access
                    : prng_one_in(p, 2) ? GTF_permit_access | GTF_readonly
                                        : (uint16_t)prng_next(p);
            e[ref].frame = (uint32_t)gen_target_gfn(p, 1, 32, 1);
        }
        e[ref].domid = to;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        e[ref].flags = flags;
    }
}

/* ---- event_channel_op (32) ------------------------------------------------------------- */

static void gen_evtchn(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    union {
        struct evtchn_alloc_unbound alloc;
        struct evtchn_bind_interdomain inter;
        struct evtchn_bind_virq virq;
        struct evtchn_bind_ipi ipi;
        struct evtchn_bind_vcpu bvcpu;
        struct evtchn_send send;
        struct evtchn_close close;
        struct evtchn_unmask unmask;
        struct evtchn_status status;
        struct evtchn_reset reset;
        struct evtchn_init_control init;
        struct evtchn_expand_array expand;
        struct evtchn_set_priority prio;
        uint8_t raw[32];
    } u;
    uint32_t cmd;
    int junk_ok = 0;

    for (unsigned int i = 0; i < sizeof(u.raw); i++)
        u.raw[i] = (uint8_t)prng_next(p);
    switch (prng_below(p, 16)) {
    case 0:
        cmd = EVTCHNOP_alloc_unbound;
        u.alloc.dom = gen_domid(p, DOM_CHANGE);
        u.alloc.remote_dom = gen_domid(p, DOM_LOOK);
        break;
    case 1:
        cmd = EVTCHNOP_bind_interdomain;
        u.inter.remote_dom = gen_domid(p, DOM_LOOK);
        u.inter.remote_port = gen_port(p);
        break;
    case 2:
        cmd = EVTCHNOP_bind_virq;
        u.virq.virq = prng_one_in(p, 4) ? (uint32_t)gen_number(p) : prng_below(p, 26);
        u.virq.vcpu = gen_vcpu(p);
        break;
    case 3:
        cmd = EVTCHNOP_bind_ipi;
        u.ipi.vcpu = gen_vcpu(p);
        break;
    case 4:
        cmd = EVTCHNOP_bind_vcpu;
        u.bvcpu.port = gen_port(p);
        u.bvcpu.vcpu = gen_vcpu(p);
        break;
    case 5:
    case 6:
        cmd = EVTCHNOP_send;
        u.send.port = gen_port(p);
        junk_ok = 1;
        break;
    case 7:
        cmd = EVTCHNOP_close;
        u.close.port = gen_port(p);
        junk_ok = 1;
        break;
    case 8:
        cmd = EVTCHNOP_unmask;
        u.unmask.port = gen_port(p);
        junk_ok = 1;
        break;
    case 9:
        cmd = EVTCHNOP_status;
        u.status.dom = gen_domid(p, DOM_LOOK);
        u.status.port = gen_port(p);
        break;
    case 10:
        cmd = EVTCHNOP_reset;
        u.reset.dom = gen_domid(p, DOM_CHANGE);
        break;
    case 11:
        cmd = EVTCHNOP_init_control;
        u.init.control_gfn = gen_target_gfn(p, 1, 64, 1);
        u.init.offset = prng_one_in(p, 4) ? (uint32_t)gen_number(p) : prng_below(p, 512) * 8;
        u.init.vcpu = gen_vcpu(p);
        break;
    case 12:
        cmd = EVTCHNOP_expand_array;
        u.expand.array_gfn = gen_target_gfn(p, 1, 64, 1);
        break;
    case 13:
        cmd = EVTCHNOP_set_priority;
        u.prio.port = gen_port(p);
        u.prio.priority = prng_one_in(p, 4) ? (uint32_t)gen_number(p) : prng_below(p, 17);
        break;
    case 14: /* bind_pirq, reset_cont and unknown commands */
        cmd = prng_one_in(p, 2) ? EVTCHNOP_bind_pirq : 14 + prng_below(p, 100);
        break;
    default:
        cmd = EVTCHNOP_send;
        u.send.port = gen_port(p);
        break;
    }
    c->info[0] = cmd;
    set_call(c, __HYPERVISOR_event_channel_op, with_high_bits(p, cmd),
             place(l, &u, sizeof(u), junk_ok, &c->back), 0);
}

static void post_evtchn(struct call *c, long rc)
{
    if (rc || !c->back)
        return;
    switch (c->info[0]) {
    case EVTCHNOP_alloc_unbound:
        remember_port(((struct evtchn_alloc_unbound *)c->back)->port);
        break;
    case EVTCHNOP_bind_interdomain:
        remember_port(((struct evtchn_bind_interdomain *)c->back)->local_port);
        break;
    case EVTCHNOP_bind_virq:
        remember_port(((struct evtchn_bind_virq *)c->back)->port);
        break;
    case EVTCHNOP_bind_ipi:
        remember_port(((struct evtchn_bind_ipi *)c->back)->port);
        break;
    case EVTCHNOP_init_control: /* pages Mica now keeps mapped: special */
        remember_gfn(((struct evtchn_init_control *)c->back)->control_gfn);
        break;
    case EVTCHNOP_expand_array:
        remember_gfn(((struct evtchn_expand_array *)c->back)->array_gfn);
        break;
    default:
        break;
    }
}

/* ---- sched_op (29) --------------------------------------------------------------------- */

/*
 * SCHEDOP_poll's timeout is an absolute time in ns that the guest cannot
 * read (Mica gives guests no clock yet). poll_horizon chases it: a poll
 * that returned at once (its timeout had passed) moves it one tick on; one
 * that slept leaves it where the time now is. So a poll never sleeps much
 * longer than a tick.
 */
#define TICK_NS 10000000ull
static uint64_t poll_horizon = TICK_NS; /* both lanes move it: a hint */

static void gen_sched(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    union {
        struct sched_shutdown sd;
        struct sched_remote_shutdown rs;
        struct sched_poll poll;
        uint8_t raw[24];
    } u;
    uint32_t cmd;
    uint64_t arg = 0;

    memset(&u, 0, sizeof(u));
    c->info[0] = 0;
    switch (prng_below(p, 16)) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
        cmd = SCHEDOP_yield;
        break;
    case 5:
        /* Blocking sleeps up to a tick: rarely. */
        cmd = prng_one_in(p, 8) ? SCHEDOP_block : SCHEDOP_yield;
        break;
    case 6:
    case 7:
    case 8:
    case 9: {
        size_t n = prng_below(p, 140);
        uint32_t *list = edge_array(l, EDGE_LIST, n * sizeof(uint32_t));
        for (size_t i = 0; i < n; i++)
            list[i] = gen_port(p);
        cmd = SCHEDOP_poll;
        set_xen_guest_handle(
            u.poll.ports, (unsigned int *)(uintptr_t)array_ptr(l, EDGE_LIST, n * sizeof(uint32_t)));
        u.poll.nr_ports = prng_one_in(p, 8) ? (unsigned int)gen_number(p) : (unsigned int)n;
        if (prng_one_in(p, 4)) {
            u.poll.timeout = poll_horizon;
            c->info[0] = 1;
        } else {
            u.poll.timeout = 1 + prng_below(p, 1u << 24); /* long past */
        }
        arg = place(l, &u, sizeof(u.poll), 0, &c->back);
        break;
    }
    case 10:
    case 11: /* never a reason Mica accepts: a shutdown would end the run */
        cmd = SCHEDOP_shutdown;
        u.sd.reason = SHUTDOWN_MAX + 1 + prng_below(p, 0x7FFFFFFF);
        arg = prng_one_in(p, 4) ? gen_fault_ptr(p) : place(l, &u, sizeof(u.sd), 0, &c->back);
        break;
    case 12:
    case 13: /* nobody by that id, or a reason refused before the lookup */
        cmd = SCHEDOP_remote_shutdown;
        if (prng_one_in(p, 2)) {
            u.rs.domain_id = gen_domid(p, DOM_LOOK);
            u.rs.reason = SHUTDOWN_MAX + 1 + prng_below(p, 1000);
        } else {
            u.rs.domain_id = (domid_t)(0x100 + prng_below(p, 0x7E00));
            u.rs.reason = prng_below(p, 8);
        }
        arg = prng_one_in(p, 8) ? gen_fault_ptr(p) : place(l, &u, sizeof(u.rs), 0, &c->back);
        break;
    default: /* shutdown_code, watchdog, pin_override, unknown: given bad reasons */
        cmd = SCHEDOP_shutdown_code + prng_below(p, 60);
        u.sd.reason = SHUTDOWN_MAX + 1;
        arg = place(l, &u, sizeof(u.sd), 0, &c->back);
        break;
    }
    set_call(c, __HYPERVISOR_sched_op, with_high_bits(p, cmd), arg, 0);
    c->info[1] = guest_rdtsc();
}

static void post_sched(struct call *c, long rc)
{
    /* A horizon poll that came back within ~1 ms had a past timeout. */
    (void)rc;
    if (c->info[0] && guest_rdtsc() - c->info[1] < 2000000)
        poll_horizon += TICK_NS; /* a lost update only delays it */
}

/* ---- vcpu_op (24) -------------------------------------------------------------------- */

static bool vcpu_initialised[8]; /* by a fuzzed VCPUOP_initialise: never up */

/* A context: a valid 64-bit one with a few fields changed. */
static void gen_vcpu_context(struct prng *p, struct vcpu_hvm_context *ctx)
{
    uint64_t *field = (uint64_t *)&ctx->cpu_regs.x86_64;

    memset(ctx, 0, sizeof(*ctx));
    ctx->mode = prng_one_in(p, 4) ? prng_below(p, 4) : VCPU_HVM_MODE_64B;
    ctx->cpu_regs.x86_64.rip = 0x100000 + prng_below(p, 0x1000);
    ctx->cpu_regs.x86_64.rflags = 2;
    ctx->cpu_regs.x86_64.cr0 = 0x80000011;
    ctx->cpu_regs.x86_64.cr3 = 0x200000;
    ctx->cpu_regs.x86_64.cr4 = 0x20;
    ctx->cpu_regs.x86_64.efer = 0x500;
    for (unsigned int i = prng_below(p, 4); i; i--)
        field[prng_below(p, sizeof(ctx->cpu_regs.x86_64) / 8)] = gen_number(p);
    if (prng_one_in(p, 8))
        ctx->pad = (uint32_t)prng_next(p);
}

/* A time for a timer, in ns of system time (which the fuzzer does not read):
 * none, long past, the 1 ms limit of a period, Xen's 2^50 guard, negative,
 * anything. */
static uint64_t gen_time(struct prng *p)
{
    static const uint64_t times[] = {
        0,        1,          999999,           1000000,          1000001,
        10000000, 1ull << 50, (1ull << 50) + 1, (1ull << 63) - 1, 1ull << 63,
    };
    return prng_one_in(p, 2) ? times[prng_below(p, sizeof(times) / sizeof(times[0]))]
                             : gen_number(p);
}

/* The commands Mica has, each with a case of its own in gen_vcpu_op. */
static bool vcpu_op_known(uint32_t cmd)
{
    return cmd <= VCPUOP_register_runstate_memory_area ||
           (cmd >= VCPUOP_set_periodic_timer && cmd <= VCPUOP_stop_singleshot_timer) ||
           cmd == VCPUOP_register_vcpu_info;
}

static void gen_vcpu_op(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    union {
        struct vcpu_hvm_context ctx;
        struct vcpu_register_vcpu_info info;
        struct vcpu_set_periodic_timer periodic;
        struct vcpu_set_singleshot_timer singleshot;
        struct vcpu_register_runstate_memory_area runstate;
    } u;
    uint32_t cmd, vcpu;
    uint64_t arg = 0;
    void *out;

    memset(&u, 0, sizeof(u));
    switch (prng_below(p, 12)) {
    case 0: /* vCPUs 2.. are never started: their contexts are fuzzed (by
             * lane 0 only, which alone brings them up while uninitialised) */
        cmd = VCPUOP_initialise;
        vcpu = prng_one_in(p, 4) ? gen_vcpu(p) : 2 + prng_below(p, 2);
        if (l->id && vcpu >= 2 && vcpu < fw.nr_vcpus)
            vcpu = 1; /* -EEXIST */
        gen_vcpu_context(p, &u.ctx);
        arg = place(l, &u.ctx, sizeof(u.ctx), 1, &c->back);
        break;
    case 1: /* vCPU 1, a vCPU never initialised (lane 0), or none */
        cmd = VCPUOP_up;
        vcpu = prng_below(p, 4);
        if (vcpu == 0 || (vcpu >= 2 && l->id) || (vcpu < 8 && vcpu_initialised[vcpu]))
            vcpu = fw.nr_vcpus + prng_below(p, 100);
        break;
    case 2: /* vCPU 1, or none: never vCPU 0, lane 0's */
        cmd = VCPUOP_down;
        vcpu = prng_one_in(p, 2) ? 1 : fw.nr_vcpus + (uint32_t)gen_number(p);
        if (vcpu == 0)
            vcpu = 1;
        break;
    case 3:
    case 4:
        cmd = VCPUOP_is_up;
        vcpu = gen_vcpu(p);
        break;
    case 5:
        cmd = VCPUOP_register_vcpu_info;
        vcpu = gen_vcpu(p);
        u.info.mfn = gen_target_gfn(p, 1, 64, 1);
        u.info.offset = prng_one_in(p, 4) ? (uint32_t)gen_number(p) : prng_below(p, 64) * 64;
        u.info.rsvd = prng_one_in(p, 8) ? (uint32_t)prng_next(p) : 0;
        arg = place(l, &u.info, sizeof(u.info), 0, &c->back);
        break;
    case 6: /* a periodic timer (any vCPU's), stopped sometimes */
        cmd = prng_one_in(p, 3) ? VCPUOP_stop_periodic_timer : VCPUOP_set_periodic_timer;
        vcpu = gen_vcpu(p);
        u.periodic.period_ns = gen_time(p);
        arg = place(l, &u.periodic, sizeof(u.periodic), 1, &c->back);
        break;
    case 7: /* a singleshot timer: the caller's own (another's is refused) */
        cmd = prng_one_in(p, 3) ? VCPUOP_stop_singleshot_timer : VCPUOP_set_singleshot_timer;
        vcpu = prng_one_in(p, 4) ? gen_vcpu(p) : l->id;
        u.singleshot.timeout_abs_ns = gen_time(p);
        u.singleshot.flags = prng_one_in(p, 4) ? (uint32_t)prng_next(p) : prng_below(p, 2);
        arg = place(l, &u.singleshot, sizeof(u.singleshot), 1, &c->back);
        break;
    case 8: /* a runstate copy, once */
        cmd = VCPUOP_get_runstate_info;
        vcpu = gen_vcpu(p);
        arg = gen_out_ptr(l, sizeof(struct vcpu_runstate_info), &out);
        break;
    case 9: /* the copy Mica rewrites at each context switch of the vCPU, for
             * good: never where the fuzzer reads (the arena), only scratch
             * memory (two pages: it may cross), addresses that fault, or none */
        cmd = VCPUOP_register_runstate_memory_area;
        vcpu = gen_vcpu(p);
        switch (prng_below(p, 4)) {
        case 0:
            u.runstate.addr = 0;
            break;
        case 1:
            u.runstate.addr = gen_fault_ptr(p);
            break;
        default:
            u.runstate.addr = gen_target_gfn(p, 2, PTR_GFN_BITS, 1) * FUZZ_PAGE +
                              prng_below(p, FUZZ_PAGE);
            break;
        }
        arg = place(l, &u.runstate, sizeof(u.runstate), 0, &c->back);
        break;
    default: /* commands Mica does not have (NMIs, the time area, ...) */
        do
            cmd = (uint32_t)gen_number(p);
        while (vcpu_op_known(cmd));
        vcpu = (uint32_t)gen_number(p);
        arg = gen_number(p);
        break;
    }
    c->info[0] = cmd;
    c->info[1] = vcpu;
    /* Garbage above 32 bits: Xen's types are int and unsigned int. */
    set_call(c, __HYPERVISOR_vcpu_op, with_high_bits(p, cmd), with_high_bits(p, vcpu), arg);
}

static void post_vcpu_op(struct call *c, long rc)
{
    uint32_t vcpu = (uint32_t)c->info[1];

    if (!vcpu_op_known((uint32_t)c->info[0]))
        CHECK_EQ(rc, -XEN_ENOSYS);
    if (rc != 0)
        return;
    /* A page Mica now keeps mapped (special, like FIFO's control blocks). */
    if (c->info[0] == VCPUOP_register_vcpu_info && c->back)
        remember_gfn(((struct vcpu_register_vcpu_info *)c->back)->mfn);
    if (c->info[0] == VCPUOP_initialise && vcpu < 8)
        vcpu_initialised[vcpu] = true;
}

/* ---- set_timer_op (15) ---------------------------------------------------------------- */

/* The caller's singleshot timer: a 64-bit caller's timeout in one register,
 * a 32-bit caller's in two (low half, high half). */
static void gen_set_timer_op(struct lane *l, struct call *c)
{
    uint64_t t = gen_time(&l->prng);

    set_call(c, __HYPERVISOR_set_timer_op, t, FLAVOUR_64 ? gen_number(&l->prng) : t >> 32, 0);
}

/* ---- hvm_op (34) ------------------------------------------------------------------------ */

static uint64_t gen_callback(struct prng *p)
{
    switch (prng_below(p, 4)) {
    case 0:
        return 0;
    case 1:
    case 2:
        return (2ull << 56) | gen_vector(p);
    default: { /* GSI, INTx, PPI or nonsense; a vector type keeps a safe vector */
        uint64_t v = gen_number(p);
        return (v >> 56) == 2 ? (v & ~0xFFull) | gen_vector(p) : v;
    }
    }
}

static void gen_hvm_op(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    union {
        struct xen_hvm_param param;
        struct xen_hvm_evtchn_upcall_vector vec;
    } u;
    uint64_t op;

    memset(&u, 0, sizeof(u));
    switch (prng_below(p, 6)) {
    case 0:
    case 1:
        op = HVMOP_get_param;
        u.param.domid = gen_domid(p, DOM_LOOK);
        u.param.index = prng_one_in(p, 4) ? (uint32_t)gen_number(p) : prng_below(p, 42);
        break;
    case 2:
    case 3:
        op = HVMOP_set_param;
        u.param.domid = gen_domid(p, DOM_CHANGE);
        u.param.index = prng_below(p, 2) ? HVM_PARAM_CALLBACK_IRQ : prng_below(p, 42);
        u.param.value = gen_callback(p);
        break;
    case 4:
        op = HVMOP_set_evtchn_upcall_vector;
        u.vec.vcpu = gen_vcpu(p);
        /* Not vCPU 0 of a 64-bit fuzzer: a vCPU's own vector comes through
         * its local APIC and waits for an EOI, which the interrupt handler
         * cannot send without an exit per interrupt; the domain's callback
         * vector (set_param) is level-triggered and needs none. */
        if (FLAVOUR_64 && u.vec.vcpu == 0)
            u.vec.vcpu = 1;
        u.vec.vector = gen_vector(p);
        break;
    default:
        op = gen_number(p);
        if ((uint32_t)op == HVMOP_get_param || (uint32_t)op == HVMOP_set_param ||
            (uint32_t)op == HVMOP_set_evtchn_upcall_vector)
            op = 0x1000; /* a 32-bit caller's register holds only the low half */
        break;
    }
    set_call(c, __HYPERVISOR_hvm_op, op, place(l, &u, sizeof(u), 0, &c->back), 0);
}

/* ---- domctl (36) --------------------------------------------------------------------- */

/* No domain has more vCPUs than Mica's MAX_VCPUS: vCPU 8 on is nobody's. */
#define DOMAIN_MAX_VCPUS 8

/* n random bytes at buf. */
static void fill_random(struct prng *p, void *buf, size_t n)
{
    uint8_t *b = buf;

    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)prng_next(p);
}

/* Domains a privileged fuzzer may still create (each destroyed at once,
 * post_domctl): few, so the end of the run still lists the fuzzers' own
 * among the 64 domains it names. Both lanes draw on it. */
static int creations_left = 16;

/* A createdomain configuration: Mica's PVH one (the builder's, tests/guest/
 * builder/builder.h), with one field made wrong one time in two; always
 * wrong (no vCPU) once creations_left is spent, and in an unprivileged
 * fuzzer (which FLASK, permissive at times, might let create a domain:
 * the victim, destroyed halfway, would leave it behind for ever). */
static void gen_createdomain(struct prng *p, struct xen_domctl *d)
{
    struct xen_domctl_createdomain *c = &d->u.createdomain;

    c->flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
    c->max_vcpus = 1 + prng_below(p, 3);
    c->max_evtchn_port = 1023;
    c->max_grant_frames = -1;
    c->max_maptrack_frames = -1;
    c->grant_opts = 1;
    c->arch.emulation_flags = XEN_X86_EMU_LAPIC;
    c->ssidref = prng_one_in(p, 8) ? (uint32_t)gen_number(p) : 0;
    fill_random(p, c->handle, sizeof(c->handle));
    /* 0: any domid; else one that may be taken (never from 0x100 up,
     * which the other generators use for "nobody": a remote_shutdown
     * there must find no domain). */
    d->h.domain = prng_one_in(p, 4) ? (domid_t)prng_below(p, 0x100) : 0;
    if (prng_one_in(p, 2)) {
        uint32_t *field = (uint32_t *)c + prng_below(p, sizeof(*c) / 4);
        *field = prng_one_in(p, 2) ? (uint32_t)gen_number(p) : *field ^ (1u << prng_below(p, 32));
    }
    if (!fw.privileged || __atomic_load_n(&creations_left, __ATOMIC_RELAXED) <= 0)
        c->max_vcpus = 0;
}

/* max_vcpus, max_mem or setvcpucontext where none can do harm: a domain
 * that is not there, the caller itself (max_vcpus only checks), a vCPU the
 * target lacks. max_mem never reaches a domain: FLASK, permissive at
 * times, would let even an unprivileged fuzzer raise its own limit and
 * then take the machine's memory. (On the domains it creates, post_domctl
 * makes them for real.) */
static void gen_build_step(struct prng *p, struct xen_domctl *d)
{
    d->h.domain = prng_one_in(p, 2) ? (domid_t)(0x100 + prng_below(p, 0x7E00)) : DOMID_SELF;
    switch (prng_below(p, 3)) {
    case 0:
        d->h.cmd = XEN_DOMCTL_max_vcpus;
        d->u.max_vcpus.max = prng_below(p, 10);
        break;
    case 1:
        d->h.cmd = XEN_DOMCTL_max_mem;
        d->u.max_mem.max_memkb = gen_number(p);
        d->h.domain = (domid_t)(0x100 + prng_below(p, 0x7E00));
        break;
    default:
        d->h.cmd = XEN_DOMCTL_setvcpucontext;
        d->h.domain = gen_domid(p, DOM_LOOK);
        d->u.vcpucontext.vcpu = DOMAIN_MAX_VCPUS + prng_below(p, 64);
        d->u.vcpucontext.ctxt = prng_one_in(p, 2) ? gen_fault_ptr(p) : 0;
        break;
    }
}

/* The commands Mica has, each fuzzed by a case of its own in gen_domctl;
 * any other number is fuzzed as one Mica lacks (-ENOSYS). A command added
 * to Mica joins this list with a case that keeps the fuzzer alive (a
 * createdomain fuzzed as an unknown command would make domains that
 * outlive the run). */
static bool domctl_known(uint32_t cmd)
{
    return cmd == XEN_DOMCTL_createdomain || cmd == XEN_DOMCTL_destroydomain ||
           cmd == XEN_DOMCTL_pausedomain || cmd == XEN_DOMCTL_unpausedomain ||
           cmd == XEN_DOMCTL_getdomaininfo || cmd == XEN_DOMCTL_max_mem ||
           cmd == XEN_DOMCTL_setvcpucontext || cmd == XEN_DOMCTL_max_vcpus ||
           cmd == XEN_DOMCTL_set_virq_handler;
}

static void gen_domctl(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    struct xen_domctl d;

    memset(&d, 0, sizeof(d));
    d.h.interface_version = prng_one_in(p, 16) ? (uint32_t)gen_number(p)
                                               : XEN_DOMCTL_INTERFACE_VERSION;
    switch (prng_below(p, 10)) {
    case 0:
    case 1:
    case 2:
        d.h.cmd = XEN_DOMCTL_getdomaininfo;
        d.h.domain = prng_one_in(p, 2) ? (domid_t)prng_below(p, 8) : gen_domid(p, DOM_LOOK);
        break;
    case 3: /* pause is always followed by an unpause (post_domctl); only a
             * privileged fuzzer pauses others: one that may pause only while
             * FLASK is permissive might not be let to unpause */
        d.h.cmd = XEN_DOMCTL_pausedomain;
        d.h.domain = fw.privileged ? gen_domid(p, DOM_LOOK) : DOMID_SELF;
        break;
    case 4:
        d.h.cmd = XEN_DOMCTL_unpausedomain;
        d.h.domain = gen_domid(p, DOM_LOOK);
        break;
    case 5: /* the caller itself (refused), or nobody */
        d.h.cmd = XEN_DOMCTL_destroydomain;
        d.h.domain = prng_one_in(p, 2) ? DOMID_SELF : (domid_t)(0x100 + prng_below(p, 0x7E00));
        if (prng_one_in(p, 4))
            d.h.domain = fw.self;
        break;
    case 6:
        d.h.cmd = XEN_DOMCTL_set_virq_handler;
        d.h.domain = gen_domid(p, DOM_CHANGE);
        d.u.set_virq_handler.virq = prng_one_in(p, 4) ? (uint32_t)gen_number(p) : prng_below(p, 26);
        break;
    case 7:
        d.h.cmd = XEN_DOMCTL_createdomain;
        gen_createdomain(p, &d);
        break;
    case 8:
        gen_build_step(p, &d);
        break;
    default:
        do
            d.h.cmd = prng_one_in(p, 2) ? prng_below(p, 128) : (uint32_t)gen_number(p);
        while (domctl_known(d.h.cmd));
        d.h.domain = gen_domid(p, DOM_LOOK);
        break;
    }
    c->info[0] = d.h.cmd;
    c->info[1] = d.h.domain;
    set_call(c, __HYPERVISOR_domctl, place(l, &d, sizeof(d), 0, &c->back), 0, 0);
}

/* A domain the fuzzer created: build it some way (its memory, a limit
 * below it, its vCPUs' start states but never vCPU 0's, so nothing can
 * start it), then destroy it. Another call may have destroyed it first.
 * Both lanes come here, each with its own arguments: on the stack (when
 * they were static, one lane's step overwrote the other's destroydomain,
 * which then failed, and the domain left behind kept the run from ending). */
static void build_and_destroy(struct prng *p, domid_t domid, unsigned int vcpus)
{
    struct xen_domctl d;
    struct vcpu_hvm_context ctx;
    xen_pfn_t gfn = prng_below(p, 1024);
    long rc;

    memset(&d, 0, sizeof(d));
    d.h.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    d.h.domain = domid;
    d.h.cmd = XEN_DOMCTL_max_vcpus;
    d.u.max_vcpus.max = prng_one_in(p, 4) ? prng_below(p, 10) : vcpus;
    rc = book(hypercall5(__HYPERVISOR_domctl, (unsigned long)&d, 0, 0, 0, 0));
    CHECK(rc == 0 || rc == -XEN_EINVAL || rc == -XEN_ESRCH);
    d.h.cmd = XEN_DOMCTL_max_mem;
    d.u.max_mem.max_memkb = prng_below(p, 4096);
    rc = book(hypercall5(__HYPERVISOR_domctl, (unsigned long)&d, 0, 0, 0, 0));
    CHECK(rc == 0 || rc == -XEN_ESRCH);
    struct xen_memory_reservation r = { .nr_extents = 1,
                                        .extent_order = prng_below(p, 10),
                                        .domid = domid };
    set_xen_guest_handle(r.extent_start, &gfn);
    rc = book(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r));
    CHECK(rc == 0 || rc == 1 || rc == -XEN_ESRCH);
    if (vcpus > 1) {
        memset(&d.u, 0, sizeof(d.u));
        d.h.cmd = XEN_DOMCTL_setvcpucontext;
        d.u.vcpucontext.vcpu = 1 + prng_below(p, vcpus - 1);
        fill_random(p, &ctx, sizeof(ctx));
        ctx.mode = prng_below(p, 3);
        ctx.pad = 0;
        d.u.vcpucontext.ctxt = prng_one_in(p, 4) ? 0 : (uintptr_t)&ctx;
        rc = book(hypercall5(__HYPERVISOR_domctl, (unsigned long)&d, 0, 0, 0, 0));
        CHECK(rc == 0 || rc == -XEN_EINVAL || rc == -XEN_ESRCH);
    }
    memset(&d.u, 0, sizeof(d.u));
    d.h.cmd = XEN_DOMCTL_destroydomain;
    rc = book(hypercall5(__HYPERVISOR_domctl, (unsigned long)&d, 0, 0, 0, 0));
    CHECK(rc == 0 || rc == -XEN_ESRCH);
}

static void post_domctl(struct call *c, long rc)
{
    /* One Mica lacks: refused whole (the header unreadable, another
     * interface version, or the command itself). */
    if (!domctl_known((uint32_t)c->info[0]))
        CHECK(rc == -XEN_EFAULT || rc == -XEN_EACCES || rc == -XEN_ENOSYS);
    if (c->info[0] == XEN_DOMCTL_createdomain && rc == 0) {
        /* Mica read the header and the configuration and wrote the domid
         * back: they are there, in the arena or up to an edge block's end. */
        const struct xen_domctl *d = (const struct xen_domctl *)(uintptr_t)c->arg[0];
        __atomic_fetch_sub(&creations_left, 1, __ATOMIC_RELAXED);
        build_and_destroy(&c->lane->prng, d->h.domain, d->u.createdomain.max_vcpus);
        return;
    }
    if (c->info[0] == XEN_DOMCTL_pausedomain && rc == 0) {
        struct xen_domctl d;
        long urc;

        memset(&d, 0, sizeof(d));
        d.h.cmd = XEN_DOMCTL_unpausedomain;
        d.h.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
        d.h.domain = (domid_t)c->info[1];
        /* Another domctl in progress makes Mica re-execute the call: the
         * hypercall page's stub returns only when it has run. -EINVAL: a
         * fuzzed unpause (the other vCPU's, another domain's) came first. */
        urc = book(hypercall5(__HYPERVISOR_domctl, (unsigned long)&d, 0, 0, 0, 0));
        CHECK(urc == 0 || urc == -XEN_EINVAL);
    }
}

/* ---- xsm_op (27) ----------------------------------------------------------------------- */

static void gen_xsm_op(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    struct xen_flask_op op;
    void *out;

    memset(&op, 0, sizeof(op));
    op.cmd = prng_one_in(p, 4) ? (uint32_t)gen_number(p) : prng_below(p, 8);
    op.interface_version = prng_one_in(p, 8) ? (uint32_t)gen_number(p)
                                             : XEN_FLASK_INTERFACE_VERSION;
    switch (op.cmd) {
    case FLASK_LOAD: { /* random bytes as a policy: the loader must refuse them */
        size_t n = prng_below(p, 4096);
        uint8_t *blob = edge_array(l, EDGE_LIST, n);
        for (size_t i = 0; i < n; i++)
            blob[i] = (uint8_t)prng_next(p);
        if (n >= 8 && prng_one_in(p, 2)) { /* a plausible header, to get further in */
            uint32_t head[2] = { FLASK_POLICY_MAGIC, FLASK_POLICY_VERSION };
            memcpy(blob, head, 8);
        }
        set_xen_guest_handle(op.u.load.buffer, (char *)(uintptr_t)array_ptr(l, EDGE_LIST, n));
        op.u.load.size = prng_one_in(p, 4) ? (uint32_t)gen_number(p) : (uint32_t)n;
        break;
    }
    case FLASK_SETENFORCE:
        op.u.enforce.enforcing = prng_one_in(p, 2) ? prng_below(p, 3) : (uint32_t)gen_number(p);
        break;
    case FLASK_CONTEXT_TO_SID:
    case FLASK_SID_TO_CONTEXT:
        op.u.sid_context.sid = prng_one_in(p, 2) ? prng_below(p, 16) : (uint32_t)gen_number(p);
        op.u.sid_context.size = prng_one_in(p, 2) ? prng_below(p, 64) : (uint32_t)gen_number(p);
        set_xen_guest_handle(op.u.sid_context.context, (char *)(uintptr_t)gen_out_ptr(l, 64, &out));
        break;
    default:
        op.u.access.ssid = prng_below(p, 16);
        op.u.access.tsid = prng_below(p, 16);
        op.u.access.tclass = prng_one_in(p, 2) ? prng_below(p, 16) : (uint32_t)gen_number(p);
        op.u.access.req = (uint32_t)prng_next(p);
        break;
    }
    set_call(c, __HYPERVISOR_xsm_op, place(l, &op, sizeof(op), 0, &c->back), 0, 0);
}

/* ---- console_io (18), xen_version (17), unknown numbers ------------------------------------ */

/* What a fuzzed CONSOLEIO_write may print: it ends in a newline, so the
 * fuzzer's own lines stay whole. At most one every CONSOLE_EVERY calls:
 * Mica drops a domain's lines beyond 200 a second. */
static const char console_text[] = "fuzz: console_io text, a fuzzed write\n";
#define CONSOLE_EVERY 4000
static unsigned long last_console_write;

static void gen_console_io(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    uint32_t cmd, count;
    uint64_t buf;
    void *out;

    switch (prng_below(p, 4)) {
    case 0:
    case 1:
        cmd = CONSOLEIO_write;
        count = prng_one_in(p, 4) ? (uint32_t)gen_number(p) : prng_below(p, 200);
        if (count && count <= sizeof(console_text) - 1 &&
            calls_made - last_console_write >= CONSOLE_EVERY) {
            buf = (uintptr_t)console_text + sizeof(console_text) - 1 - count;
            last_console_write = calls_made;
        } else {
            buf = gen_fault_ptr(p); /* nothing printed */
        }
        break;
    case 2:
        cmd = CONSOLEIO_read;
        count = prng_one_in(p, 4) ? (uint32_t)gen_number(p) : prng_below(p, 256);
        buf = gen_out_ptr(l, count < 4096 ? count : 4096, &out);
        break;
    default:
        cmd = 2 + (uint32_t)prng_below(p, 1000);
        count = (uint32_t)gen_number(p);
        buf = gen_fault_ptr(p);
        break;
    }
    set_call(c, __HYPERVISOR_console_io, with_high_bits(p, cmd), with_high_bits(p, count), buf);
}

/* ---- sysctl (35) ------------------------------------------------------------------------- */

/* physinfo (privileged only; it writes only its argument), other commands,
 * other interface versions. */
/* ---- vm_assist (21) ---------------------------------------------------------------------- */

/* Enable or disable an assist: the one an HVM domain may use (the runstate
 * copy's update flag, which changes how Mica writes a registered runstate
 * area), others, nonsense commands. */
static void gen_vm_assist(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    uint32_t cmd = prng_one_in(p, 4) ? (uint32_t)gen_number(p) : prng_below(p, 2);
    uint32_t type = prng_one_in(p, 2)   ? VMASST_TYPE_runstate_update_flag
                    : prng_one_in(p, 2) ? prng_below(p, 64)
                                        : (uint32_t)gen_number(p);

    set_call(c, __HYPERVISOR_vm_assist, with_high_bits(p, cmd), with_high_bits(p, type), 0);
}

static void gen_sysctl(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    struct xen_sysctl s;

    memset(&s, 0, sizeof(s));
    s.cmd = prng_one_in(p, 4) ? (uint32_t)gen_number(p) : XEN_SYSCTL_physinfo;
    s.interface_version = prng_one_in(p, 8) ? (uint32_t)gen_number(p)
                                            : XEN_SYSCTL_INTERFACE_VERSION;
    set_call(c, __HYPERVISOR_sysctl, place(l, &s, sizeof(s), 0, &c->back), 0, 0);
}

static void gen_xen_version(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    uint32_t cmd = prng_one_in(p, 4) ? (uint32_t)gen_number(p) : prng_below(p, 11);
    void *out;
    uint64_t arg = gen_out_ptr(l, 1024, &out);

    if (cmd == XENVER_pagesize && prng_one_in(p, 2))
        arg = 0;
    if (cmd == XENVER_get_features && prng_one_in(p, 2)) {
        /* A submap Mica has (0), the first it lacks, or any. */
        struct xen_feature_info fi = {
            .submap_idx = prng_one_in(p, 2)   ? 0
                          : prng_one_in(p, 2) ? XENFEAT_NR_SUBMAPS
                                              : (uint32_t)gen_number(p),
        };
        arg = place(l, &fi, sizeof(fi), 0, &c->back);
    }
    c->info[0] = cmd;
    set_call(c, __HYPERVISOR_xen_version, with_high_bits(p, cmd), arg, 0);
}

static void post_xen_version(struct call *c, long rc)
{
    if ((uint32_t)c->info[0] == XENVER_version)
        CHECK_EQ(rc, 0x40011);
}

/* The numbers Mica answers: its declarations (include/hypercall_defs.h). */
static const uint8_t hypercall_declared[XEN_HYPERCALL_PAGE_STUBS] = {
#define HYPERCALL(nr, ...) [nr] = 1,
#include <hypercall_defs.h>
};

static int hypercall_known(uint64_t nr)
{
    return nr < sizeof(hypercall_declared) && hypercall_declared[nr];
}

/* Numbers Mica does not answer (the experiment range 64..71 is empty
 * here), their low 32 bits too: a 32-bit caller's are all that count. */
static void gen_unknown(struct lane *l, struct call *c)
{
    struct prng *p = &l->prng;
    uint64_t nr;

    do
        nr = prng_one_in(p, 2) ? prng_below(p, 128) : gen_number(p);
    while (hypercall_known(nr) || hypercall_known((uint32_t)nr));
    set_call(c, nr, gen_number(p), gen_number(p), gen_number(p));
    c->arg[3] = gen_number(p);
    c->arg[4] = gen_number(p);
}

static void post_unknown(struct call *c, long rc)
{
    (void)c;
    CHECK_EQ(rc, -XEN_ENOSYS);
}

/* ---- the table --------------------------------------------------------------------------- */

/* name, weight, generator, bookkeeping, preemptible, what the result may be */
static const struct op ops[] = {
    { "memory_op reservation", 12, gen_memop_reservation, post_memop_reservation, true, RC_VALUE },
    { "memory_op query", 3, gen_memop_query, NULL, false, RC_VALUE },
    { "memory_op memory_map", 2, gen_memop_memory_map, NULL, false, RC_ZERO_OR_ERRNO },
    { "memory_op add_to_physmap", 7, gen_add_to_physmap, post_add_to_physmap, true,
      RC_ZERO_OR_ERRNO },
    { "memory_op add_to_physmap_batch", 6, gen_add_to_physmap_batch, post_add_to_physmap_batch,
      true, RC_ZERO_OR_ERRNO },
    { "memory_op remove_from_physmap", 5, gen_remove_from_physmap, NULL, false, RC_ZERO_OR_ERRNO },
    { "memory_op other", 2, gen_memop_misc, NULL, false, RC_ZERO_OR_ERRNO },
    { "grant_table_op map", 6, gen_gnttab_map, post_gnttab_map, true, RC_ZERO_OR_ERRNO },
    { "grant_table_op unmap", 4, gen_gnttab_unmap, NULL, true, RC_ZERO_OR_ERRNO },
    { "grant_table_op setup_table", 1, gen_gnttab_setup_table, NULL, false, RC_ZERO_OR_ERRNO },
    { "grant_table_op copy", 4, gen_gnttab_copy, NULL, true, RC_ZERO_OR_ERRNO },
    { "grant_table_op other", 2, gen_gnttab_misc, NULL, false, RC_ZERO_OR_ERRNO },
    { "event_channel_op", 12, gen_evtchn, post_evtchn, false, RC_ZERO_OR_ERRNO },
    { "sched_op", 5, gen_sched, post_sched, false, RC_ZERO_OR_ERRNO },
    { "vcpu_op", 3, gen_vcpu_op, post_vcpu_op, false, RC_VALUE },
    { "set_timer_op", 1, gen_set_timer_op, NULL, false, RC_ZERO_OR_ERRNO },
    { "hvm_op", 3, gen_hvm_op, NULL, false, RC_ZERO_OR_ERRNO },
    { "domctl", 4, gen_domctl, post_domctl, false, RC_ZERO_OR_ERRNO },
    { "vm_assist", 1, gen_vm_assist, NULL, false, RC_ZERO_OR_ERRNO },
    { "sysctl", 1, gen_sysctl, NULL, false, RC_ZERO_OR_ERRNO },
    { "xsm_op", 2, gen_xsm_op, NULL, false, RC_VALUE },
    { "console_io", 2, gen_console_io, NULL, false, RC_VALUE },
    { "xen_version", 2, gen_xen_version, post_xen_version, false, RC_VALUE },
    { "unknown hypercall", 2, gen_unknown, post_unknown, false, RC_ZERO_OR_ERRNO },
};
#define NR_OPS (sizeof(ops) / sizeof(ops[0]))
_Static_assert(NR_OPS <= MAX_OPS, "a lane counts MAX_OPS kinds of call");

static const struct op *pick_op(struct prng *p)
{
    static unsigned int total;
    uint32_t r;

    if (!total)
        for (unsigned int i = 0; i < NR_OPS; i++)
            total += ops[i].weight;
    r = prng_below(p, total);
    for (unsigned int i = 0; i < NR_OPS; i++) {
        if (r < ops[i].weight)
            return &ops[i];
        r -= ops[i].weight;
    }
    return &ops[0];
}

static void print_call(const char *why, unsigned long index, const struct call *c)
{
    gprintf("fuzz: %s call %lu (%s): nr %lu args %llx %llx %llx %llx %llx\n", why, index,
            c->op->name, c->nr, (unsigned long long)c->arg[0], (unsigned long long)c->arg[1],
            (unsigned long long)c->arg[2], (unsigned long long)c->arg[3],
            (unsigned long long)c->arg[4]);
}

/* A result outside what the call may return is a Mica bug. */
static void check_result(unsigned long index, const struct call *c, long rc)
{
    /* A value's high bit is set for a 32-bit caller whenever the value
     * reaches 2^31 (a gfn, say): only an errno-sized negative is an error. */
    bool ok = c->op->result == RC_VALUE ? rc >= ERRNO_MIN || (!FLAVOUR_64 && rc < -4095)
                                        : rc >= ERRNO_MIN && rc <= 0;

    if (!ok) {
        __atomic_fetch_add(&bad_results, 1, __ATOMIC_RELAXED);
        print_call("bad result from", index, c);
        guest_test_fail(__FILE__, __LINE__, "result %ld (0x%lx)", rc, (unsigned long)rc);
    }
}

/* ---- the interrupt: rewriting a preempted call ---------------------------------------------- */

#ifdef __x86_64__
extern const char fuzz_vmmcall_insn[];

/*
 * An interrupt (the event upcall, which stays pending: the fuzzer never
 * acknowledges it, so every entry into the guest brings one). If it stopped
 * the guest on the fuzzer's VMMCALL, a preemptible call is being continued:
 * sometimes rewrite it, registers and structures, before it resumes.
 */
static void fuzz_interrupt(struct guest_trap_frame *f)
{
    struct call *c = active_call;

    interrupts++;
    if (f->rip != (uintptr_t)fuzz_vmmcall_insn || !c || !c->op->preemptible ||
        !prng_one_in(&irq_lane.prng, 3))
        return;
    mutations++;
    switch (prng_below(&irq_lane.prng, 4)) {
    case 0: /* a memory_op continuation's start; a batch's count */
        if (c->nr == __HYPERVISOR_memory_op)
            f->rdi = (f->rdi & MEMOP_CMD_MASK) | (gen_number(&irq_lane.prng) << MEMOP_EXTENT_SHIFT);
        else
            f->rdx = gen_count(&irq_lane.prng);
        return;
    case 1: /* the argument pointer now faults */
        f->rsi = gen_fault_ptr(&irq_lane.prng);
        return;
    default: /* another call of the same kind, from scratch */
        c->op->gen(&irq_lane, c);
        f->rax = c->nr;
        f->rdi = c->arg[0];
        f->rsi = c->arg[1];
        f->rdx = c->arg[2];
        f->r10 = c->arg[3];
        f->r8 = c->arg[4];
        return;
    }
}

/* Vectors 32..255: an interrupt stub building the library's trap frame
 * (tests/guest/lib/trap.h: error code and vector, then every GPR). */
void fuzz_irq_entry(void);
void fuzz_irq_dispatch(struct guest_trap_frame *f);
void fuzz_irq_dispatch(struct guest_trap_frame *f)
{
    fuzz_interrupt(f);
}
__asm__("    .text\n"
        "    .globl fuzz_irq_entry\n"
        "fuzz_irq_entry:\n"
        "    push $0\n"
        "    push $0xff\n"
        "    push %rax\n    push %rbx\n    push %rcx\n    push %rdx\n"
        "    push %rsi\n    push %rdi\n    push %rbp\n    push %r8\n"
        "    push %r9\n    push %r10\n    push %r11\n    push %r12\n"
        "    push %r13\n    push %r14\n    push %r15\n"
        "    mov %rsp, %rdi\n"
        "    cld\n"
        "    call fuzz_irq_dispatch\n"
        "    pop %r15\n    pop %r14\n    pop %r13\n    pop %r12\n"
        "    pop %r11\n    pop %r10\n    pop %r9\n    pop %r8\n"
        "    pop %rbp\n    pop %rdi\n    pop %rsi\n    pop %rdx\n"
        "    pop %rcx\n    pop %rbx\n    pop %rax\n"
        "    add $16, %rsp\n"
        "    iretq\n");

/* Vectors 16..31 (but 17, 21, 29, 30) arrive through the library's
 * exception stubs, which push no error code for them: the same handler. */
static void install_interrupts(void)
{
    for (unsigned int v = 32; v < 256; v++)
        guest_set_idt_gate(v, fuzz_irq_entry);
    for (unsigned int v = 16; v < 32; v++)
        if (v != 17 && v != 21 && v != 29 && v != 30)
            guest_set_trap_handler(v, fuzz_interrupt);
}

/* Lane 1 runs on vCPU 1, with its own stack. */
static uint8_t lane1_stack[16384] __attribute__((aligned(16)));
#endif

/* ---- the fuzzer's own code ------------------------------------------------------------------ */

/*
 * No call may change the fuzzer's code and constants (fuzz.h: Mica writes
 * only where the fuzzer lets it). A hash of each page, taken at the start
 * and compared every IMAGE_CHECK_EVERY calls, reports a write that got
 * through with the page it hit, instead of a wild jump later.
 */
#define IMAGE_CHECK_EVERY 1024
#define IMAGE_MAX_PAGES 32
static uint32_t image_hash[IMAGE_MAX_PAGES];

static unsigned int image_pages(void)
{
    return (unsigned int)(((uintptr_t)__text_end - (uintptr_t)__image_start) / FUZZ_PAGE);
}

/* FNV-1a over one page. */
static uint32_t page_hash(unsigned int page)
{
    const volatile uint8_t *b = (const uint8_t *)__image_start + page * FUZZ_PAGE;
    uint32_t h = 2166136261u;

    for (unsigned int i = 0; i < FUZZ_PAGE; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static void hash_image(void)
{
    if (image_pages() > IMAGE_MAX_PAGES)
        guest_test_abort("the fuzzer's code is larger than IMAGE_MAX_PAGES");
    for (unsigned int i = 0; i < image_pages(); i++)
        image_hash[i] = page_hash(i);
}

static void check_image(void)
{
    for (unsigned int i = 0; i < image_pages(); i++) {
        if (page_hash(i) != image_hash[i]) {
            guest_test_fail(__FILE__, __LINE__,
                            "the fuzzer's code page at gfn 0x%lx changed by call %lu",
                            (unsigned long)((uintptr_t)__image_start / FUZZ_PAGE + i), calls_made);
            guest_test_abort("a call wrote to the fuzzer's own code");
        }
    }
}

/* ---- setting up ---------------------------------------------------------------------------- */

/* The edge blocks of both lanes: RAM the fuzzer populates, each followed
 * by a hole. A domain starts with all its RAM (max_pages), so each block's
 * pages are first given back from the top of the scratch memory, an
 * aligned extent at a time (RAM may end a page short of a round size: the
 * page after it holds the ACPI tables). The peer, already fuzzing, may
 * take those pages again (populating our holes) or have given them back
 * itself: so give back until the block can be populated. */
#define EDGE_TRIES 64

static void make_edge_blocks(void)
{
    xen_pfn_t give = fw.ram_end & ~(EDGE_PAGES - 1);

    for (unsigned int b = 0; b < 2 * EDGE_KINDS; b++) {
        xen_pfn_t take = EDGE_END(b) - EDGE_PAGES;
        struct xen_memory_reservation r = { .nr_extents = 1,
                                            .extent_order = 3,
                                            .domid = DOMID_SELF };
        unsigned int tries = 0;

        for (;;) {
            set_xen_guest_handle(r.extent_start, &take);
            if (book(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r)) == 1)
                break;
            if (++tries == EDGE_TRIES)
                guest_test_abort("cannot populate the edge blocks");
            give -= EDGE_PAGES;
            set_xen_guest_handle(r.extent_start, &give);
            book(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r)); /* 0: a hole already */
        }
    }
}

static void read_options(void)
{
    unsigned long v;

    if (guest_arg_ulong("seed", &v) == 0)
        opt_seed = v;
    if (guest_arg_ulong("calls", &v) == 0)
        opt_calls = v;
    if (guest_arg_ulong("trace", &v) == 0)
        opt_trace_from = v;
    fw.peer = guest_arg_ulong("peer", &v) == 0 ? (domid_t)v : DOMID_INVALID;
    fw.bystander = guest_arg_ulong("bystander", &v) == 0 ? (domid_t)v : DOMID_INVALID;
    fw.victim = guest_arg_ulong("victim", &v) == 0 ? (domid_t)v : DOMID_INVALID;
}

/* Everything from start_info, read before its page (gfn 1) becomes scratch. */
static void learn_world(void)
{
    struct hvm_memmap_table_entry map[16];
    int n = guest_memory_map(map, 16);
    struct cpuid_regs r = guest_cpuid(xen_cpuid_base + 4, 0);

    read_options();
    fw.privileged = (guest_start_info()->flags & SIF_PRIVILEGED) != 0;
    fw.self = (r.eax & (1u << 4)) ? (domid_t)r.ecx : DOMID_INVALID;
    for (int i = 0; i < n; i++)
        if (map[i].type == XEN_HVM_MEMMAP_TYPE_RAM && map[i].addr == 0)
            fw.ram_end = map[i].size / FUZZ_PAGE;
    /* vCPUs: those VCPUOP_is_up answers for. */
    while (fw.nr_vcpus < 8 && HYPERVISOR_vcpu_op(VCPUOP_is_up, fw.nr_vcpus, NULL) >= 0)
        fw.nr_vcpus++;
    if ((uintptr_t)__image_end > IMAGE_LIMIT * FUZZ_PAGE)
        guest_test_abort("the image reaches the control gfns (fuzz.h)");
    if (fw.ram_end < SCRATCH_MAIN + 0x400)
        guest_test_abort("too little RAM for the scratch region (mem=8M at least)");
}

/* Grant frame 0 at CONTROL_GNT_GFN, for good: no fuzzed call moves it. */
static void map_control_grant_frame(void)
{
    struct xen_add_to_physmap x = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_grant_table,
        .idx = 0,
        .gpfn = CONTROL_GNT_GFN,
    };

    if (!CHECK_EQ(book(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x)), 0))
        guest_test_abort("cannot map grant frame 0");
}

static void init_lane(struct lane *l, unsigned int id, uint8_t *arena, unsigned int first_edge,
                      uint64_t stream)
{
    prng_seed(&l->prng, opt_seed, stream);
    l->id = id;
    l->arena = arena;
    l->first_edge = first_edge;
}

/* Whether lane 1 should stop / has stopped. */
static volatile int lane1_stop, lane1_stopped;

/* One fuzzed call from lane l. */
static void fuzz_one(struct lane *l)
{
    unsigned long index = __atomic_fetch_add(&calls_made, 1, __ATOMIC_RELAXED);
    struct call c = { .lane = l };
    struct op_stats *st;
    uint64_t t0;
    long rc;

    if (prng_one_in(&l->prng, 32))
        write_grants(&l->prng);
    c.op = pick_op(&l->prng);
    c.op->gen(l, &c);
    st = &l->stats[c.op - ops];
    if (index >= opt_trace_from) {
        print_call("trace", index, &c);
        HYPERVISOR_sched_op(SCHEDOP_block, NULL); /* stay under the console's rate */
    }
    if (l->id == 0)
        active_call = &c;
    t0 = guest_rdtsc();
    rc = do_call(&c);
    st->tsc += guest_rdtsc() - t0;
    active_call = NULL;
    st->calls++;
    if (rc >= 0)
        st->ok++;
    check_result(index, &c, rc);
    if (c.op->post)
        c.op->post(&c, rc);
}

#ifdef __x86_64__
/* Lane 1: fuzzes until lane 0 has seen the last call made. */
static void lane1_main(unsigned int id)
{
    (void)id;
    while (!lane1_stop)
        fuzz_one(&lanes[1]);
    lane1_stopped = 1;
    for (;;)
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* Stop lane 1 (bringing vCPU 1 up if a fuzzed call took it down) and wait a
 * while for it to finish its call. */
static void stop_lane1(void)
{
    lane1_stop = 1;
    for (unsigned int i = 0; i < 1000 && !lane1_stopped; i++) {
        book(HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL));
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    CHECK(lane1_stopped);
}
#endif

/* Halfway through, a privileged fuzzer destroys the victim, busy as it is. */
static void destroy_victim(void)
{
    struct xen_domctl d;

    if (!fw.privileged || fw.victim == DOMID_INVALID)
        return;
    memset(&d, 0, sizeof(d));
    d.h.cmd = XEN_DOMCTL_destroydomain;
    d.h.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    d.h.domain = fw.victim;
    if (CHECK_EQ(book(hypercall5(__HYPERVISOR_domctl, (unsigned long)&d, 0, 0, 0, 0)), 0))
        gprintf("fuzz: destroyed d%u, the victim, in the middle of its calls\n", fw.victim);
}

static void report(void)
{
    unsigned long lane_calls[2] = { 0, 0 };

    for (unsigned int i = 0; i < NR_OPS; i++) {
        const struct op_stats *a = &lanes[0].stats[i], *b = &lanes[1].stats[i];
        lane_calls[0] += a->calls;
        lane_calls[1] += b->calls;
        gprintf("fuzz:   %s: %lu calls, %lu succeeded, %llu Mticks\n", ops[i].name,
                a->calls + b->calls, a->ok + b->ok, (unsigned long long)((a->tsc + b->tsc) >> 20));
    }
    gprintf("fuzz: %lu calls on vCPU 0, %lu on vCPU 1, %lu bookkeeping; %lu interrupts\n",
            lane_calls[0], lane_calls[1], bookkeeping_calls, interrupts);
    gprintf("fuzz: done, %lu calls, %lu rewritten continuations, %lu bad results\n",
            lane_calls[0] + lane_calls[1], mutations, bad_results);
}

void test_main(void)
{
    unsigned long eighth, next_report, next_image_check = IMAGE_CHECK_EVERY;

    learn_world();
    hash_image();
    init_lane(&lanes[0], 0, arenas[0], 0, 1);
    init_lane(&lanes[1], 1, arenas[1], EDGE_KINDS, 3);
    init_lane(&irq_lane, 0, arenas[0], 0, 2);
    make_edge_blocks();
    map_control_grant_frame();
    write_grants(&lanes[0].prng);
    gprintf("fuzz: seed 0x%llx, %lu calls, %sprivileged d%u, peer d%u, bystander d%u, "
            "RAM 0x%llx pages, %u vCPUs\n",
            (unsigned long long)opt_seed, opt_calls, fw.privileged ? "" : "un", fw.self, fw.peer,
            fw.bystander, (unsigned long long)fw.ram_end, fw.nr_vcpus);
#ifdef __x86_64__
    install_interrupts();
    {
        /* An upcall that stays pending: an IPI to ourselves on a vector. */
        struct xen_hvm_param cb = { .domid = DOMID_SELF,
                                    .index = HVM_PARAM_CALLBACK_IRQ,
                                    .value = (2ull << 56) | 0xF3 };
        CHECK_EQ(book(HYPERVISOR_hvm_op(HVMOP_set_param, &cb)), 0);
        long port = book(evtchn_bind_ipi(0));
        if (CHECK(port > 0))
            CHECK_EQ(book(evtchn_send((evtchn_port_t)port)), 0);
    }
    __asm__ volatile("sti");
    if (fw.nr_vcpus > 1)
        CHECK_EQ(guest_start_vcpu(1, lane1_main, lane1_stack + sizeof(lane1_stack)), 0);
#endif

    eighth = opt_calls / 8 ? opt_calls / 8 : 1;
    next_report = eighth;
    while (__atomic_load_n(&calls_made, __ATOMIC_RELAXED) < opt_calls) {
        if (calls_made >= next_report) {
            gprintf("fuzz: %lu/8 (%lu calls)\n", next_report / eighth, calls_made);
            if (next_report / eighth == 4)
                destroy_victim();
            next_report += eighth;
        }
        if (calls_made >= next_image_check) {
            check_image();
            next_image_check += IMAGE_CHECK_EVERY;
        }
        fuzz_one(&lanes[0]);
    }
#ifdef __x86_64__
    __asm__ volatile("cli");
    if (fw.nr_vcpus > 1)
        stop_lane1();
#endif
    check_image();
    report();
}
