/*
 * Host unit tests of copying to and from guests (common/guest_access.c) over
 * a real p2m (mm/p2m/p2m.c) on the fake machine of host_mm.c.
 *
 * What they pin down:
 *   - which p2m types may hold a buffer: a domain's own RAM (read-only RAM
 *     for reading only); a hole, a grant mapping, a foreign mapping and
 *     MMIO are -EFAULT in both directions, and neither the frame behind
 *     them nor the caller's buffer changes;
 *   - the page split: a copy that crosses a page boundary translates each
 *     page on its own, so two neighbouring gfns backed by frames far apart
 *     each get their part (and the frame after the first one gets nothing);
 *     a copy that runs from a mapped page into a hole fails there, keeping
 *     what it copied before (as Xen);
 *   - the same for guest-linear copies, whose pages the guest's own page
 *     tables map (a fake guest_walk here) to gpas in any order;
 *   - every path puts back its gfn (the p2m lock is free afterwards).
 */
#include <stdint.h>
#include <string.h>

#include "arch.h"
#include "domain.h"
#include "frame.h"
#include "guest_access.h"
#include "host_gfn.h"
#include "host_mm.h"
#include "p2m/p2m.h"
#include "page_alloc.h"
#include "public/errno.h"
#include "unit.h"

#define POOL_FRAMES 4096
#define PAGE 4096UL

/* ---- the fake guest page tables (guest_walk, include/arch.h) -------------- */

/* Guest-linear pages the test maps: gva page -> gpa page, writable or not. */
#define WALK_SLOTS 16
static struct {
    uint64_t gva_page, gpa_page;
    bool writable, used;
} walk_map[WALK_SLOTS];

static void walk_reset(void)
{
    memset(walk_map, 0, sizeof(walk_map));
}

static void walk_add(uint64_t gva, uint64_t gpa, bool writable)
{
    for (unsigned int i = 0; i < WALK_SLOTS; i++) {
        if (!walk_map[i].used) {
            walk_map[i].gva_page = gva / PAGE;
            walk_map[i].gpa_page = gpa / PAGE;
            walk_map[i].writable = writable;
            walk_map[i].used = true;
            return;
        }
    }
    CHECK(!"walk_map has room");
}

bool guest_walk(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa)
{
    (void)v;
    for (unsigned int i = 0; i < WALK_SLOTS; i++) {
        if (walk_map[i].used && walk_map[i].gva_page == gva / PAGE) {
            if (write && !walk_map[i].writable)
                return false;
            *gpa = walk_map[i].gpa_page * PAGE + gva % PAGE;
            return true;
        }
    }
    return false;
}

/* ---- fixture: one domain, one vCPU, a p2m ---------------------------------- */

static struct domain dom;
static struct vcpu vcpu;

static void no_flush(struct p2m *p2m)
{
    (void)p2m;
}

static void setup(void)
{
    host_mm_init(POOL_FRAMES);
    walk_reset();
    memset(&dom, 0, sizeof(dom));
    memset(&vcpu, 0, sizeof(vcpu));
    vcpu.domain = &dom;
    CHECK_EQ(p2m_init(&dom.p2m, P2M_ORDER_1G, no_flush), 0);
}

static void finish(void)
{
    spin_lock(&dom.p2m.lock);
    /* Unmap everything the test mapped (its frames are the test's own). */
    for (uint64_t gfn = 0; gfn <= 0x400; gfn++) {
        enum p2m_type t;
        unsigned int order;
        if (!mfn_eq(p2m_get_entry(&dom.p2m, _gfn(gfn), &t, &order), INVALID_MFN))
            CHECK_EQ(p2m_set_entry(&dom.p2m, _gfn(gfn & ~((1UL << order) - 1)), _mfn(0), order,
                                   p2m_invalid),
                     0);
    }
    spin_unlock(&dom.p2m.lock);
    p2m_flush(&dom.p2m);
    p2m_teardown(&dom.p2m);
    host_mm_fini();
}

/* A frame of the fake machine, filled with `fill`. */
static mfn_t new_frame(uint8_t fill)
{
    struct frame *f = alloc_frames(0);

    CHECK(f != NULL);
    memset(frame_to_virt(f), fill, PAGE);
    return frame_to_mfn(f);
}

static uint8_t *frame_bytes(mfn_t mfn)
{
    return mfn_to_virt(mfn);
}

static void map(uint64_t gfn, mfn_t mfn, unsigned int order, enum p2m_type t)
{
    spin_lock(&dom.p2m.lock);
    CHECK_EQ(p2m_set_entry(&dom.p2m, _gfn(gfn), mfn, order, t), 0);
    spin_unlock(&dom.p2m.lock);
}

static void unmap(uint64_t gfn)
{
    spin_lock(&dom.p2m.lock);
    CHECK_EQ(p2m_set_entry(&dom.p2m, _gfn(gfn), _mfn(0), P2M_ORDER_4K, p2m_invalid), 0);
    spin_unlock(&dom.p2m.lock);
    p2m_flush(&dom.p2m);
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t value)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != value)
            return false;
    return true;
}

/* Nothing held after a copy returned, whatever it returned. */
static void check_nothing_held(void)
{
    CHECK_EQ(host_gfn_depth(), 0);
    CHECK_EQ(host_locks_held(), 0);
}

/* ---- which types may hold a buffer ------------------------------------------ */

struct type_case {
    enum p2m_type t;
    bool readable, writable;
};

/* Every type there is (p2m_invalid: a hole, below). */
static const struct type_case type_cases[] = {
    { p2m_ram_rw, true, true },         { p2m_ram_ro, true, false },
    { p2m_grant_map_rw, false, false }, { p2m_grant_map_ro, false, false },
    { p2m_mmio_direct, false, false },  { p2m_map_foreign, false, false },
};
_Static_assert(sizeof(type_cases) / sizeof(type_cases[0]) == P2M_NR_TYPES - 1,
               "a case for every p2m type but p2m_invalid");

#define TYPE_GFN 0x100UL /* gfn TYPE_GFN + i holds type_cases[i] */
#define TYPE_GVA 0x40000000UL

static void check_type(unsigned int i, bool linear)
{
    const struct type_case *c = &type_cases[i];
    mfn_t mfn = new_frame(0xAB);
    uint64_t gpa = (TYPE_GFN + i) * PAGE + 100;
    uint64_t gva = TYPE_GVA + i * PAGE + 100;
    uint8_t buf[32];
    int rc;

    map(TYPE_GFN + i, mfn, P2M_ORDER_4K, c->t);
    walk_add(gva, gpa, true);

    memset(buf, 0x11, sizeof(buf));
    rc = linear ? copy_from_guest(&vcpu, buf, gva, sizeof(buf))
                : guest_phys_read(&dom, gpa, buf, sizeof(buf));
    check_nothing_held();
    if (c->readable) {
        CHECK_EQ(rc, 0);
        CHECK(all_bytes(buf, sizeof(buf), 0xAB));
    } else {
        CHECK_EQ(rc, -XEN_EFAULT);
        CHECK(all_bytes(buf, sizeof(buf), 0x11)); /* nothing read */
    }

    memset(buf, 0x22, sizeof(buf));
    rc = linear ? copy_to_guest(&vcpu, gva, buf, sizeof(buf))
                : guest_phys_write(&dom, gpa, buf, sizeof(buf));
    check_nothing_held();
    if (c->writable) {
        CHECK_EQ(rc, 0);
        CHECK(all_bytes(frame_bytes(mfn) + 100, sizeof(buf), 0x22));
    } else {
        CHECK_EQ(rc, -XEN_EFAULT);
        CHECK(all_bytes(frame_bytes(mfn), PAGE, 0xAB)); /* the frame is untouched */
    }
}

static void test_only_own_ram_holds_physical_buffers(void)
{
    setup();
    for (unsigned int i = 0; i < sizeof(type_cases) / sizeof(type_cases[0]); i++)
        check_type(i, false);
    finish();
}

static void test_only_own_ram_holds_linear_buffers(void)
{
    setup();
    for (unsigned int i = 0; i < sizeof(type_cases) / sizeof(type_cases[0]); i++)
        check_type(i, true);
    finish();
}

static void test_holes_fault_both_ways(void)
{
    uint8_t buf[16];

    setup();
    memset(buf, 0x33, sizeof(buf));
    CHECK_EQ(guest_phys_read(&dom, 0x200 * PAGE, buf, sizeof(buf)), -XEN_EFAULT);
    CHECK_EQ(guest_phys_write(&dom, 0x200 * PAGE, buf, sizeof(buf)), -XEN_EFAULT);
    /* Beyond the guest-physical space, and at the very top of the address space. */
    CHECK_EQ(guest_phys_read(&dom, (P2M_MAX_GFN + 1) * PAGE, buf, sizeof(buf)), -XEN_EFAULT);
    CHECK_EQ(guest_phys_write(&dom, ~0UL - 7, buf, 8), -XEN_EFAULT);
    CHECK(all_bytes(buf, sizeof(buf), 0x33));
    /* Linear: mapped by the guest's tables to a hole; not mapped at all. */
    walk_add(0x50000000UL, 0x200 * PAGE, true);
    CHECK_EQ(copy_from_guest(&vcpu, buf, 0x50000000UL, sizeof(buf)), -XEN_EFAULT);
    CHECK_EQ(copy_to_guest(&vcpu, 0x50000000UL, buf, sizeof(buf)), -XEN_EFAULT);
    CHECK_EQ(copy_from_guest(&vcpu, buf, 0x60000000UL, sizeof(buf)), -XEN_EFAULT);
    CHECK_EQ(copy_to_guest(&vcpu, 0x60000000UL, buf, sizeof(buf)), -XEN_EFAULT);
    CHECK(all_bytes(buf, sizeof(buf), 0x33));
    check_nothing_held();
    finish();
}

static void test_read_only_guest_mapping_refuses_writes(void)
{
    uint8_t buf[8] = { 0 };

    setup();
    mfn_t mfn = new_frame(0x44);
    map(0x30, mfn, P2M_ORDER_4K, p2m_ram_rw);
    walk_add(0x70000000UL, 0x30 * PAGE, false);
    CHECK_EQ(copy_from_guest(&vcpu, buf, 0x70000000UL, sizeof(buf)), 0);
    CHECK(all_bytes(buf, sizeof(buf), 0x44));
    CHECK_EQ(copy_to_guest(&vcpu, 0x70000000UL, buf, sizeof(buf)), -XEN_EFAULT);
    check_nothing_held();
    finish();
}

/* ---- the page split ------------------------------------------------------------ */

/* A copy of n bytes ending `tail` bytes into the second of two gfns. */
static void test_copy_across_gfns_backed_by_frames_far_apart(void)
{
    uint8_t out[64], in[64];

    setup();
    /* Frames in the opposite order and far apart, each with a neighbour the
     * copy must not reach. */
    mfn_t low = new_frame(0x00);
    for (int i = 0; i < 8; i++)
        new_frame(0x00);
    mfn_t high = new_frame(0x00);
    mfn_t after_high = new_frame(0x00);
    map(0x10, high, P2M_ORDER_4K, p2m_ram_rw);
    map(0x11, low, P2M_ORDER_4K, p2m_ram_rw);

    for (unsigned int i = 0; i < sizeof(out); i++)
        out[i] = (uint8_t)(i + 1);
    /* 24 bytes at the end of gfn 0x10, 40 at the start of gfn 0x11. */
    CHECK_EQ(guest_phys_write(&dom, 0x11 * PAGE - 24, out, sizeof(out)), 0);
    CHECK(memcmp(frame_bytes(high) + PAGE - 24, out, 24) == 0);
    CHECK(memcmp(frame_bytes(low), out + 24, 40) == 0);
    CHECK(all_bytes(frame_bytes(after_high), PAGE, 0x00));
    CHECK(all_bytes(frame_bytes(low) + 40, PAGE - 40, 0x00));

    memset(in, 0, sizeof(in));
    CHECK_EQ(guest_phys_read(&dom, 0x11 * PAGE - 24, in, sizeof(in)), 0);
    CHECK(memcmp(in, out, sizeof(in)) == 0);
    check_nothing_held();
    finish();
}

/* Three pages: a copy longer than a page crosses two boundaries. */
static void test_copy_over_three_scattered_pages(void)
{
    static uint8_t out[PAGE + 200], in[PAGE + 200];
    mfn_t frames[3];

    setup();
    frames[2] = new_frame(0);
    frames[0] = new_frame(0);
    new_frame(0);
    frames[1] = new_frame(0);
    for (int i = 0; i < 3; i++)
        map(0x20 + i, frames[i], P2M_ORDER_4K, p2m_ram_rw);
    for (unsigned int i = 0; i < sizeof(out); i++)
        out[i] = (uint8_t)(i * 7 + 3);
    CHECK_EQ(guest_phys_write(&dom, 0x21 * PAGE - 100, out, sizeof(out)), 0);
    CHECK(memcmp(frame_bytes(frames[0]) + PAGE - 100, out, 100) == 0);
    CHECK(memcmp(frame_bytes(frames[1]), out + 100, PAGE) == 0);
    CHECK(memcmp(frame_bytes(frames[2]), out + 100 + PAGE, 100) == 0);
    CHECK_EQ(guest_phys_read(&dom, 0x21 * PAGE - 100, in, sizeof(in)), 0);
    CHECK(memcmp(in, out, sizeof(in)) == 0);
    finish();
}

/* From a mapped gfn into one that was unmapped: the first part is copied,
 * then -EFAULT; the other way round nothing is. */
static void test_copy_into_an_unmapped_neighbour(void)
{
    uint8_t out[32], in[32];

    setup();
    mfn_t first = new_frame(0x55), second = new_frame(0x55);
    map(0x40, first, P2M_ORDER_4K, p2m_ram_rw);
    map(0x41, second, P2M_ORDER_4K, p2m_ram_rw);
    unmap(0x41);

    memset(out, 0x66, sizeof(out));
    CHECK_EQ(guest_phys_write(&dom, 0x41 * PAGE - 8, out, sizeof(out)), -XEN_EFAULT);
    CHECK(all_bytes(frame_bytes(first) + PAGE - 8, 8, 0x66));
    CHECK(all_bytes(frame_bytes(second), PAGE, 0x55)); /* unmapped: untouched */
    memset(in, 0, sizeof(in));
    CHECK_EQ(guest_phys_read(&dom, 0x41 * PAGE - 8, in, sizeof(in)), -XEN_EFAULT);
    CHECK(all_bytes(in, 8, 0x66));

    /* The hole first: nothing is written at all. */
    mfn_t third = new_frame(0x77);
    map(0x43, third, P2M_ORDER_4K, p2m_ram_rw);
    CHECK_EQ(guest_phys_write(&dom, 0x43 * PAGE - 8, out, sizeof(out)), -XEN_EFAULT);
    CHECK(all_bytes(frame_bytes(third), PAGE, 0x77));
    check_nothing_held();
    finish();
}

/* Inside a 2 MiB leaf the frames are contiguous; past its end the next
 * gfn is another frame altogether. */
static void test_copy_off_the_end_of_a_superpage(void)
{
    uint8_t out[16], in[16];
    struct frame *block;

    setup();
    block = alloc_frames(P2M_ORDER_2M);
    CHECK(block != NULL);
    memset(frame_to_virt(block), 0, PAGE << P2M_ORDER_2M);
    mfn_t other = new_frame(0);
    map(0x200, frame_to_mfn(block), P2M_ORDER_2M, p2m_ram_rw);
    map(0x400, other, P2M_ORDER_4K, p2m_ram_rw);
    memset(out, 0x99, sizeof(out));
    /* Across an inner page boundary of the superpage. */
    CHECK_EQ(guest_phys_write(&dom, 0x201 * PAGE - 8, out, sizeof(out)), 0);
    CHECK(all_bytes((uint8_t *)frame_to_virt(block) + PAGE - 8, 16, 0x99));
    /* Across its end. */
    CHECK_EQ(guest_phys_write(&dom, 0x400 * PAGE - 8, out, sizeof(out)), 0);
    CHECK(all_bytes((uint8_t *)frame_to_virt(block) + (PAGE << P2M_ORDER_2M) - 8, 8, 0x99));
    CHECK(all_bytes(frame_bytes(other), 8, 0x99));
    CHECK_EQ(guest_phys_read(&dom, 0x400 * PAGE - 8, in, sizeof(in)), 0);
    CHECK(memcmp(in, out, sizeof(in)) == 0);
    finish();
}

/* Linear pages in one order, their gpas in another, their frames in a third. */
static void test_linear_copy_across_pages_mapped_out_of_order(void)
{
    uint8_t out[48], in[48];

    setup();
    mfn_t a = new_frame(0), b = new_frame(0);
    map(0x80, b, P2M_ORDER_4K, p2m_ram_rw);
    map(0x90, a, P2M_ORDER_4K, p2m_ram_rw);
    walk_add(0x7000, 0x90 * PAGE, true);
    walk_add(0x8000, 0x80 * PAGE, true);
    for (unsigned int i = 0; i < sizeof(out); i++)
        out[i] = (uint8_t)(0xF0 - i);
    CHECK_EQ(copy_to_guest(&vcpu, 0x8000 - 16, out, sizeof(out)), 0);
    CHECK(memcmp(frame_bytes(a) + PAGE - 16, out, 16) == 0);
    CHECK(memcmp(frame_bytes(b), out + 16, 32) == 0);
    CHECK_EQ(copy_from_guest(&vcpu, in, 0x8000 - 16, sizeof(in)), 0);
    CHECK(memcmp(in, out, sizeof(in)) == 0);
    /* The second linear page not mapped by the guest: -EFAULT there. */
    CHECK_EQ(copy_to_guest(&vcpu, 0x9000 - 16, out, sizeof(out)), -XEN_EFAULT);
    CHECK(memcmp(frame_bytes(b) + PAGE - 16, out, 16) == 0);
    check_nothing_held();
    finish();
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_only_own_ram_holds_physical_buffers),
    UNIT_TEST(test_only_own_ram_holds_linear_buffers),
    UNIT_TEST(test_holes_fault_both_ways),
    UNIT_TEST(test_read_only_guest_mapping_refuses_writes),
    UNIT_TEST(test_copy_across_gfns_backed_by_frames_far_apart),
    UNIT_TEST(test_copy_over_three_scattered_pages),
    UNIT_TEST(test_copy_into_an_unmapped_neighbour),
    UNIT_TEST(test_copy_off_the_end_of_a_superpage),
    UNIT_TEST(test_linear_copy_across_pages_mapped_out_of_order),
};

int main(void)
{
    return unit_run("guest_access", tests, sizeof(tests) / sizeof(tests[0]));
}
