/*
 * Grant tables between domains (Mica only; 64-bit: the granter races on a
 * second vCPU). The role comes after " -- " in the module command line:
 *
 *   role=mapper   (d0) maps d1's grants into holes of its physmap, reads and
 *                 writes the shared page, checks Xen's statuses for every
 *                 misuse and that no hypercall buffer may lie in a grant
 *                 mapping, copies through grants, races map/unmap against d1
 *                 rewriting the entry, keeps a mapping of a frame d1 gave
 *                 back, and keeps reading d1's pages after d1 is gone, then
 *                 unmaps everything.
 *   role=granter  (d1, unprivileged, vcpus=2) grants pages to d0 and d2,
 *                 checks GTF_reading/GTF_writing while they are mapped,
 *                 rewrites an entry from vCPU 1 while d0 maps it, gives
 *                 back a frame d0 maps, and powers off while d0 still maps
 *                 its pages.
 *   role=leaver   (d2) maps two of d1's grants, then writes through its
 *                 read-only mapping: the write must not reach d1's page.
 *                 Mica discards it as Xen does (the #NPF on a read-only
 *                 grant mapping is emulated, docs/platform.md), so d2 reads
 *                 the granted seed back and powers off without unmapping:
 *                 its teardown must release both pins (d1 sees them go, its
 *                 page unchanged).
 * The domains talk through the shared page (d1's SHARED_GFN, ref 10).
 */
#include "gnttab.h"
#include "args.h"

TEST_NAME("gnttab_multi");

#ifndef __x86_64__
void test_main(void)
{
    guest_test_abort("gnttab_multi is 64-bit only (its granter starts a second vCPU)");
}
#else

#define MAPPER 0
#define GRANTER 1
#define LEAVER 2

/* In the granter. */
#define GT_GFN 0x700UL
#define SHARED_GFN 0x880UL /* ref 10, rw, to d0 */
#define RO_GFN 0x881UL     /* ref 11, read-only, to d0 */
#define DEC_GFN 0x882UL    /* ref 12, rw, to d0: given back while mapped */
#define LEAVE_GFN 0x883UL  /* ref 13, read-only, to d2 */
#define LEAVE2_GFN 0x884UL /* ref 14, rw, to d2 */
#define RACE_GFN 0x885UL   /* ref 20, rewritten from vCPU 1 */
#define HOLE_GFN 0x886UL   /* a hole in the granter */
/* In the mappers: holes. */
#define MAP_GFN 0x900UL
#define NR_HOLES 8

#define SEED_RO 0x11110001u
#define SEED_DEC 0x22220002u
#define SEED_LEAVE 0x33330003u
#define SEED_RACE 0x44440004u
#define WRITE_MARK 0x5A5A5A5Au
#define LEAVER_MARK 0x1EA7E500u

/* Shared page words. */
#define S_GRANTER 0 /* the granter's state */
#define S_MAPPER 1  /* the mapper's state */
#define S_WRITE 2   /* the mapper writes WRITE_MARK through its mapping */
#define S_COPY 16   /* the mapper copies 8 bytes here through ref 10 */
enum { READY = 1, CHECKED, RACE, RACE_DONE, DECREASED, DEC_DONE, LEAVING };

#define WAIT_BLOCKS 3000 /* 30 s of 10 ms scheduler ticks */
#define RACE_ROUNDS 1500

static void wait_for(volatile uint32_t *word, uint32_t value)
{
    for (unsigned int i = 0; i < WAIT_BLOCKS && *word != value; i++)
        gnt_block();
    if (*word != value)
        guest_test_abort("timed out waiting for the other domain");
}

/* Map (dom, ref) at gfn, retrying while dom is not yet built or has not
 * written its entry yet. */
static grant_handle_t map_when_ready(domid_t dom, grant_ref_t ref, unsigned long gfn,
                                     uint32_t flags)
{
    grant_handle_t h = 0;
    int16_t st = gnt_map(dom, ref, gfn, flags, &h);

    for (unsigned int i = 0; i < WAIT_BLOCKS && st != GNTST_okay; i++) {
        CHECK(st == GNTST_bad_domain || st == GNTST_general_error);
        gnt_block();
        st = gnt_map(dom, ref, gfn, flags, &h);
    }
    if (st != GNTST_okay)
        guest_test_abort("could not map the grant");
    return h;
}

/* ---- mapper (d0) ------------------------------------------------------------ */

static void mapper_misuse(void)
{
    grant_handle_t h;

    /* A read-only grant mapped writable; refs out of range; not a hole;
     * beyond the guest-physical space; a device mapping. */
    CHECK_EQ(gnt_map(GRANTER, 11, MAP_GFN + 2, GNTMAP_host_map, &h), GNTST_general_error);
    CHECK_EQ(gnt_map(GRANTER, 4 * 512, MAP_GFN + 2, GNTMAP_host_map, &h), GNTST_bad_gntref);
    CHECK_EQ(gnt_map(GRANTER, 0xffffffffu, MAP_GFN + 2, GNTMAP_host_map, &h), GNTST_bad_gntref);
    fill_page(0x800, 77);
    CHECK_EQ(gnt_map(GRANTER, 10, 0x800, GNTMAP_host_map, &h), GNTST_bad_virt_addr);
    CHECK(page_has_pattern(0x800, 77));
    CHECK_EQ(gnt_map(GRANTER, 10, 1UL << 38, GNTMAP_host_map, &h), GNTST_bad_virt_addr);
    CHECK_EQ(gnt_map(GRANTER, 10, MAP_GFN + 2, GNTMAP_host_map | GNTMAP_device_map, &h),
             GNTST_general_error);
    /* A grant to another domain (ref 13 is d2's). */
    CHECK_EQ(gnt_map(GRANTER, 13, MAP_GFN + 2, GNTMAP_host_map | GNTMAP_readonly, &h),
             GNTST_general_error);
    /* A grant mapping leaves only through unmap. */
    CHECK_EQ(remove_from_physmap(DOMID_SELF, MAP_GFN + 1), -XEN_EINVAL);
    CHECK_EQ(decrease_one(MAP_GFN + 1, 0), 0);
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, 0x801, MAP_GFN + 1), -XEN_EINVAL);
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, MAP_GFN + 1), -XEN_EINVAL);
    CHECK_EQ(populate_one(MAP_GFN + 1, 0), 0);
    CHECK(page_has_pattern(MAP_GFN + 1, SEED_RO));
}

/* A hypercall buffer in a grant mapping, writable or read-only: -EFAULT
 * both ways, though we read and write the pages ourselves (as Xen, whose
 * copies refuse grant mappings). Bytes 3000..3099 of the shared page are
 * used by nothing else. */
static void mapper_buffers(volatile uint32_t *shared)
{
    uint8_t before[100];
    volatile uint8_t *area = (volatile uint8_t *)shared + 3000;

    for (unsigned int i = 0; i < sizeof(before); i++)
        area[i] = before[i] = (uint8_t)(i * 3 + 1);
    check_buffer_faults((void *)area);
    for (unsigned int i = 0; i < sizeof(before); i++)
        CHECK_EQ(area[i], before[i]);
    check_buffer_faults((char *)gfn_ptr(MAP_GFN + 1) + 3000);
    CHECK(page_has_pattern(MAP_GFN + 1, SEED_RO));
    gprintf("a hypercall buffer in a grant mapping: -EFAULT both ways\n");
}

static void mapper_copies(volatile uint32_t *shared)
{
    /* From a read-only grant into our own page, whole. */
    CHECK_EQ(gnt_copy(GRANTER, 11, 0, DOMID_SELF, 0x810, 0, 4096, GNTCOPY_source_gref), GNTST_okay);
    CHECK(page_has_pattern(0x810, SEED_RO));
    /* From our page into the shared page, 8 bytes at word S_COPY. */
    volatile uint32_t *mine = gfn_ptr(0x811);
    mine[0] = 0xC0C0C0C0u;
    mine[1] = 0xC1C1C1C1u;
    CHECK_EQ(gnt_copy(DOMID_SELF, 0x811, 0, GRANTER, 10, S_COPY * 4, 8, GNTCOPY_dest_gref),
             GNTST_okay);
    CHECK_EQ(shared[S_COPY], 0xC0C0C0C0u);
    CHECK_EQ(shared[S_COPY + 1], 0xC1C1C1C1u);
    /* gref to gref. */
    CHECK_EQ(
        gnt_copy(GRANTER, 11, 0, GRANTER, 10, 4000, 4, GNTCOPY_source_gref | GNTCOPY_dest_gref),
        GNTST_okay);
    CHECK_EQ(shared[1000], SEED_RO * 0x9E3779B9u);
    /* Into a read-only grant; across a page end; a ref out of range; a
     * frame of another domain named by gmfn. */
    CHECK_EQ(gnt_copy(DOMID_SELF, 0x811, 0, GRANTER, 11, 0, 8, GNTCOPY_dest_gref),
             GNTST_general_error);
    CHECK_EQ(gnt_copy(GRANTER, 11, 4092, DOMID_SELF, 0x811, 0, 8, GNTCOPY_source_gref),
             GNTST_bad_copy_arg);
    CHECK_EQ(gnt_copy(DOMID_SELF, 0x811, 0, GRANTER, 10, 4090, 7, GNTCOPY_dest_gref),
             GNTST_bad_copy_arg);
    CHECK_EQ(gnt_copy(GRANTER, 2048, 0, DOMID_SELF, 0x811, 0, 8, GNTCOPY_source_gref),
             GNTST_bad_gntref);
    CHECK_EQ(gnt_copy(GRANTER, SHARED_GFN, 0, DOMID_SELF, 0x811, 0, 8, 0), GNTST_permission_denied);
}

static void mapper_race(void)
{
    unsigned int ok = 0, refused = 0, bad = 0;

    for (unsigned int i = 0; i < RACE_ROUNDS; i++) {
        uint32_t flags = GNTMAP_host_map | ((i & 1) ? GNTMAP_readonly : 0);
        grant_handle_t h = 0;
        int16_t st = gnt_map(GRANTER, 20, MAP_GFN + 4, flags, &h);

        if (i % 64 == 63) /* let the racer run if it shares our CPU */
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        if (st == GNTST_okay) {
            volatile uint32_t *p = gfn_ptr(MAP_GFN + 4);
            /* Whatever the entry said, a mapping is some frame of d1's RAM:
             * the race page (its pattern) or another page d1 owns. */
            (void)p[0];
            if (gnt_unmap(h, MAP_GFN + 4) != GNTST_okay)
                bad++;
            ok++;
        } else if (st == GNTST_general_error || st == GNTST_bad_page) {
            refused++;
        } else {
            bad++;
        }
    }
    gprintf("race: %u maps, %u refused, %u inconsistent\n", ok, refused, bad);
    CHECK_EQ(bad, 0);
    CHECK(ok > 0);
}

static void mapper(void)
{
    volatile uint32_t *shared = gfn_ptr(MAP_GFN);
    long pages = current_pages();
    grant_handle_t h_shared, h_ro, h_dec, h;
    uint32_t nr = 0;

    CHECK(domain_is_privileged());
    for (unsigned long i = 0; i < NR_HOLES; i++)
        CHECK_EQ(decrease_one(MAP_GFN + i, 0), 1);

    h_shared = map_when_ready(GRANTER, 10, MAP_GFN, GNTMAP_host_map);
    wait_for(&shared[S_GRANTER], READY);
    CHECK_EQ(gnt_map(GRANTER, 11, MAP_GFN + 1, GNTMAP_host_map | GNTMAP_readonly, &h_ro),
             GNTST_okay);
    CHECK(page_has_pattern(MAP_GFN + 1, SEED_RO));
    CHECK_EQ(gnt_map(GRANTER, 12, MAP_GFN + 3, GNTMAP_host_map, &h_dec), GNTST_okay);
    CHECK(page_has_pattern(MAP_GFN + 3, SEED_DEC));
    /* The same grant twice, the second time read-only; then unmapped (the
     * first stays). A wrong host_addr is refused and changes nothing. */
    CHECK_EQ(gnt_map(GRANTER, 10, MAP_GFN + 2, GNTMAP_host_map | GNTMAP_readonly, &h), GNTST_okay);
    CHECK_EQ(((volatile uint32_t *)gfn_ptr(MAP_GFN + 2))[S_GRANTER], READY);
    CHECK_EQ(gnt_unmap(h, MAP_GFN + 5), GNTST_general_error);
    CHECK_EQ(gnt_unmap(h, MAP_GFN + 2), GNTST_okay);
    CHECK_EQ(gnt_unmap(h, MAP_GFN + 2), GNTST_bad_handle);
    CHECK_EQ(gnt_query_size(GRANTER, &nr, NULL), GNTST_okay); /* dummy: TARGET, privileged */
    CHECK_EQ(nr, 4);

    mapper_misuse();
    mapper_buffers(shared);
    mapper_copies(shared);
    shared[S_WRITE] = WRITE_MARK;
    CHECK_EQ(current_pages(), pages - NR_HOLES); /* grant mappings cost the mapper nothing */
    shared[S_MAPPER] = CHECKED;

    wait_for(&shared[S_GRANTER], RACE);
    mapper_race();
    shared[S_MAPPER] = RACE_DONE;

    /* d1 gave DEC_GFN back while we map it: our mapping keeps the frame. */
    wait_for(&shared[S_GRANTER], DECREASED);
    CHECK(page_has_pattern(MAP_GFN + 3, SEED_DEC));
    CHECK_EQ(gnt_unmap(h_dec, MAP_GFN + 3), GNTST_okay);
    CHECK_EQ(gnt_map(GRANTER, 12, MAP_GFN + 3, GNTMAP_host_map, &h), GNTST_bad_page);
    shared[S_MAPPER] = DEC_DONE;

    /* d1 powers off while we map two of its pages. */
    wait_for(&shared[S_GRANTER], LEAVING);
    for (unsigned int i = 0; i < WAIT_BLOCKS && gnt_query_size(GRANTER, NULL, NULL) == GNTST_okay;
         i++)
        gnt_block();
    CHECK_EQ(gnt_query_size(GRANTER, NULL, NULL), GNTST_bad_domain);
    gprintf("d1 is gone; its granted pages are still mapped here\n");
    CHECK_EQ(shared[S_GRANTER], LEAVING);
    CHECK(page_has_pattern(MAP_GFN + 1, SEED_RO));
    /* Take and give back 4 MiB, so d1's freed frames get reused. */
    CHECK_EQ(decrease_one(0xc00, 9), 1);
    CHECK_EQ(decrease_one(0xe00, 9), 1);
    CHECK_EQ(populate_one(0xc00, 9), 1);
    CHECK_EQ(populate_one(0xe00, 9), 1);
    CHECK(page_has_pattern(MAP_GFN + 1, SEED_RO));
    CHECK_EQ(shared[S_WRITE], WRITE_MARK);
    CHECK_EQ(gnt_map(GRANTER, 10, MAP_GFN + 2, GNTMAP_host_map, &h), GNTST_bad_domain);
    CHECK_EQ(gnt_unmap(h_shared, MAP_GFN), GNTST_okay);
    CHECK_EQ(gnt_unmap(h_ro, MAP_GFN + 1), GNTST_okay);
    CHECK_EQ(gnt_unmap(h_ro, MAP_GFN + 1), GNTST_bad_handle);
    for (unsigned long i = 0; i < NR_HOLES; i++)
        CHECK_EQ(populate_one(MAP_GFN + i, 0), 1);
    CHECK_EQ(current_pages(), pages);
}

/* ---- granter (d1) ------------------------------------------------------------ */

static volatile int race_stop, race_done;
static uint8_t racer_stack[16384] __attribute__((aligned(16)));

/* vCPU 1: rewrite entry 20 as fast as it can, in every way a hostile
 * granter could: other types, domids, read-only, frames that are holes or
 * beyond the guest, and plain writes that clobber Mica's own flags. */
static void racer(unsigned int id)
{
    volatile struct grant_entry_v1 *e = gnt_entries(GT_GFN);
    static const uint32_t frames[] = { RACE_GFN, HOLE_GFN, 0xffffffffu, RO_GFN };
    uint32_t x = 12345;

    (void)id;
    while (!race_stop) {
        x = x * 1103515245u + 12345u;
        uint16_t flags = (uint16_t)((x >> 8) & (GTF_type_mask | GTF_readonly | GTF_reading |
                                                GTF_writing | GTF_sub_page));
        domid_t domid = (x >> 20) & 7 ? MAPPER : LEAVER;
        e[20].frame = frames[(x >> 16) & 3];
        if ((x >> 25) & 1) /* half the time, a valid grant to d0 */
            __atomic_store_n((volatile uint32_t *)&e[20],
                             GTF_permit_access | ((uint32_t)MAPPER << 16), __ATOMIC_RELEASE);
        else if ((x >> 24) & 1)
            e[20].flags = flags | GTF_permit_access;
        else
            __atomic_store_n((volatile uint32_t *)&e[20], (uint32_t)flags | ((uint32_t)domid << 16),
                             __ATOMIC_RELEASE);
    }
    race_done = 1;
}

static void granter(void)
{
    volatile struct grant_entry_v1 *e = gnt_entries(GT_GFN);
    volatile uint32_t *shared = gfn_ptr(SHARED_GFN);
    volatile uint32_t *leave2 = gfn_ptr(LEAVE2_GFN);

    CHECK(!domain_is_privileged());
    CHECK_EQ(own_domid(), GRANTER);
    CHECK_EQ(decrease_one(GT_GFN, 0), 1);
    CHECK_EQ(decrease_one(HOLE_GFN, 0), 1);
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 0, GT_GFN), 0);
    fill_page(RO_GFN, SEED_RO);
    fill_page(DEC_GFN, SEED_DEC);
    fill_page(LEAVE_GFN, SEED_LEAVE);
    fill_page(RACE_GFN, SEED_RACE);
    for (unsigned int i = 0; i < PAGE_SIZE / 4; i++)
        shared[i] = leave2[i] = 0;
    /* An unprivileged domain may not ask about another's table (TARGET). */
    CHECK_EQ(gnt_query_size(MAPPER, NULL, NULL), GNTST_permission_denied);

    gnt_grant(e, 11, MAPPER, RO_GFN, 1);
    gnt_grant(e, 12, MAPPER, DEC_GFN, 0);
    gnt_grant(e, 13, LEAVER, LEAVE_GFN, 1);
    gnt_grant(e, 14, LEAVER, LEAVE2_GFN, 0);
    gnt_grant(e, 20, MAPPER, RACE_GFN, 0);
    gnt_grant(e, 10, MAPPER, SHARED_GFN, 0);
    shared[S_GRANTER] = READY;

    wait_for(&shared[S_MAPPER], CHECKED);
    /* While mapped: reading (and writing for writable mappings) set by Mica,
     * so a revocation fails. */
    CHECK_EQ(gnt_flags(e, 10), GTF_permit_access | GTF_reading | GTF_writing);
    CHECK_EQ(gnt_flags(e, 11), GTF_permit_access | GTF_readonly | GTF_reading);
    CHECK_EQ(gnt_flags(e, 12), GTF_permit_access | GTF_reading | GTF_writing);
    CHECK(!gnt_revoke(e, 10));
    CHECK_EQ(shared[S_WRITE], WRITE_MARK);
    CHECK_EQ(shared[S_COPY], 0xC0C0C0C0u);

    CHECK_EQ(guest_start_vcpu(1, racer, racer_stack + sizeof(racer_stack)), 0);
    shared[S_GRANTER] = RACE;
    wait_for(&shared[S_MAPPER], RACE_DONE);
    race_stop = 1;
    for (unsigned int i = 0; i < WAIT_BLOCKS && !race_done; i++)
        gnt_block();
    CHECK(race_done);
    /* No mapping of ref 20 is left: once rewritten, nothing sets its flags. */
    gnt_grant(e, 20, MAPPER, RACE_GFN, 0);
    CHECK(gnt_revoke(e, 20));
    CHECK(page_has_pattern(RACE_GFN, SEED_RACE));

    /* Give back a frame d0 maps: the frame leaves d1, d0 keeps it. */
    CHECK_EQ(decrease_one(DEC_GFN, 0), 1);
    shared[S_GRANTER] = DECREASED;
    wait_for(&shared[S_MAPPER], DEC_DONE);
    CHECK_EQ(gnt_flags(e, 12), GTF_permit_access); /* d0 unmapped: the pin is gone */
    CHECK(gnt_revoke(e, 12));

    /* d2 maps 13 and 14, writes its mark, and powers off still mapping
     * them: its teardown releases the pins. */
    wait_for(&leave2[0], LEAVER_MARK);
    /* d2 exists until its teardown: then query_size says bad_domain */
    for (unsigned int i = 0;
         i < WAIT_BLOCKS && gnt_query_size(LEAVER, NULL, NULL) == GNTST_permission_denied; i++)
        gnt_block();
    for (unsigned int i = 0; i < WAIT_BLOCKS && (gnt_flags(e, 13) & GTF_reading); i++)
        gnt_block();
    CHECK_EQ(gnt_flags(e, 13), GTF_permit_access | GTF_readonly);
    CHECK_EQ(gnt_flags(e, 14), GTF_permit_access);
    CHECK(page_has_pattern(LEAVE_GFN, SEED_LEAVE)); /* d2's write did not land */
    gprintf("d2 ended holding two of our grants; its pins are gone\n");
    CHECK(gnt_revoke(e, 13) && gnt_revoke(e, 14));

    gprintf("leaving while d0 still maps our pages\n");
    shared[S_GRANTER] = LEAVING;
}

/* ---- leaver (d2) --------------------------------------------------------------- */

static void leaver(void)
{
    volatile uint32_t *mark = gfn_ptr(MAP_GFN + 1);

    CHECK_EQ(decrease_one(MAP_GFN, 0), 1);
    CHECK_EQ(decrease_one(MAP_GFN + 1, 0), 1);
    map_when_ready(GRANTER, 13, MAP_GFN, GNTMAP_host_map | GNTMAP_readonly);
    CHECK(page_has_pattern(MAP_GFN, SEED_LEAVE));
    map_when_ready(GRANTER, 14, MAP_GFN + 1, GNTMAP_host_map);
    mark[0] = LEAVER_MARK;
    gprintf("mapped two of d1's grants; writing through the read-only one\n");
    *(volatile uint32_t *)gfn_ptr(MAP_GFN) = ~SEED_LEAVE;
    CHECK(page_has_pattern(MAP_GFN, SEED_LEAVE)); /* discarded */
    gprintf("the write was discarded; powering off holding both grants\n");
}

void test_main(void)
{
    if (guest_arg_is("role", "mapper"))
        mapper();
    else if (guest_arg_is("role", "granter"))
        granter();
    else if (guest_arg_is("role", "leaver"))
        leaver();
    else
        guest_test_abort("no role=mapper|granter|leaver after ' -- '");
}
#endif
