/*
 * The benchmark guest (make bench, tools/bench.py): times whole loops of one
 * operation with RDTSC and prints one line per operation,
 *     BENCH <name> <iterations> <ticks>
 * Under QEMU's -icount shift=0,sleep=off a tick is one executed instruction
 * (guest and hypervisor alike), so the numbers are exact and repeatable.
 * Whole loops, not single calls: Xen traps RDTSC under TCG, so only the two
 * reads around a loop pay for that.
 *
 * It acts only on its own domain, so the same image runs under Mica and as
 * Xen's PVH dom0.
 */
#include "test.h"
#include "public/xsm/flask_op.h"

TEST_NAME("bench");

#define ITERATIONS 1000
#define PAIR_ITERATIONS 256
#define SRC_GFN 0x800UL        /* 8 MiB: RAM the pair benchmark moves away */
#define SRC_COLD_GFN 0x900UL   /* 9 MiB: the same for the cold-AVC run */
#define FREE_GFN 0x400UL       /* 4 MiB: a 2M region released for room */
#define SPARE_GFN 0x80000UL    /* 2 GiB: above RAM, never mapped */
#define SPARE_2M_GFN 0x80200UL /* 2 GiB + 2 MiB, 2M-aligned */

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static void report(const char *name, unsigned long iterations, uint64_t ticks)
{
    gprintf("BENCH %s %lu %llu\n", name, iterations, (unsigned long long)ticks);
}

static long reservation(unsigned int cmd, xen_pfn_t *gfn, unsigned int order)
{
    struct xen_memory_reservation r = {
        .nr_extents = 1,
        .extent_order = order,
        .domid = DOMID_SELF,
    };
    set_xen_guest_handle(r.extent_start, gfn);
    return HYPERVISOR_memory_op(cmd, &r);
}

static void bench_null(void)
{
    uint64_t t0 = rdtsc();
    for (int i = 0; i < ITERATIONS; i++)
        hypercall5(63, 0, 0, 0, 0, 0); /* no such hypercall: -ENOSYS */
    report("null_hypercall", ITERATIONS, rdtsc() - t0);
}

static void bench_xen_version(void)
{
    uint64_t t0 = rdtsc();
    for (int i = 0; i < ITERATIONS; i++)
        HYPERVISOR_xen_version(XENVER_version, 0);
    report("xen_version", ITERATIONS, rdtsc() - t0);
}

/* Move the frame at src to SPARE_GFN with add_to_physmap(gmfn), then unmap it. */
static long physmap_pair(unsigned long src)
{
    struct xen_add_to_physmap add = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_gmfn,
        .idx = src,
        .gpfn = SPARE_GFN,
    };
    struct xen_remove_from_physmap rm = { .domid = DOMID_SELF, .gpfn = SPARE_GFN };

    return (HYPERVISOR_memory_op(XENMEM_add_to_physmap, &add) != 0) +
           (HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &rm) != 0);
}

static void bench_physmap_pair(void)
{
    long bad = 0;
    uint64_t t0 = rdtsc();

    for (unsigned long i = 0; i < PAIR_ITERATIONS; i++)
        bad += physmap_pair(SRC_GFN + i);
    report("add_remove_physmap_pair", PAIR_ITERATIONS, rdtsc() - t0);
    CHECK_EQ(bad, 0);
}

static long flask_op(uint32_t cmd, uint32_t enforcing)
{
    struct xen_flask_op op = { .cmd = cmd, .interface_version = XEN_FLASK_INTERFACE_VERSION };

    op.u.enforce.enforcing = enforcing;
    return HYPERVISOR_xsm_op(&op);
}

/* Under FLASK: the same pair with a cold AVC. FLASK_SETENFORCE empties the
 * cache before each pair; only the pair itself is timed. */
static void bench_physmap_pair_cold_avc(void)
{
    uint64_t ticks = 0;
    long bad = 0;

    if (flask_op(FLASK_GETENFORCE, 0) != 1)
        return; /* not FLASK (or not enforcing) */
    for (unsigned long i = 0; i < PAIR_ITERATIONS; i++) {
        bad += flask_op(FLASK_SETENFORCE, 1) != 0;
        uint64_t t0 = rdtsc();
        bad += physmap_pair(SRC_COLD_GFN + i);
        ticks += rdtsc() - t0;
    }
    report("add_remove_physmap_pair_cold_avc", PAIR_ITERATIONS, ticks);
    CHECK_EQ(bad, 0);
}

static void bench_populate_decrease(const char *name, xen_pfn_t gfn, unsigned int order)
{
    long bad = 0;
    uint64_t t0 = rdtsc();

    for (int i = 0; i < ITERATIONS / 4; i++) {
        xen_pfn_t g = gfn;
        bad += reservation(XENMEM_populate_physmap, &g, order) != 1;
        bad += reservation(XENMEM_decrease_reservation, &g, order) != 1;
    }
    report(name, ITERATIONS / 4, rdtsc() - t0);
    CHECK_EQ(bad, 0);
}

/* remove_from_physmap of a gfn nothing maps: the p2m lookup and nothing else. */
static void bench_lookup(void)
{
    struct xen_remove_from_physmap rm = { .domid = DOMID_SELF, .gpfn = SPARE_GFN };
    long bad = 0;
    uint64_t t0 = rdtsc();

    for (int i = 0; i < ITERATIONS; i++)
        bad += HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &rm) != -XEN_ENOENT;
    report("p2m_lookup_enoent", ITERATIONS, rdtsc() - t0);
    CHECK_EQ(bad, 0);
}

void test_main(void)
{
    xen_pfn_t room = FREE_GFN;

    /* Give 2 MiB back first: populate needs room under the domain's limit. */
    CHECK_EQ(reservation(XENMEM_decrease_reservation, &room, 9), 1);
    bench_null();
    bench_xen_version();
    bench_physmap_pair();
    bench_physmap_pair_cold_avc();
    bench_populate_decrease("populate_decrease_4k", SPARE_GFN, 0);
    bench_populate_decrease("populate_decrease_2m", SPARE_2M_GFN, 9);
    bench_lookup();
}
