/*
 * grant_table_op on the guest's own table (self-only, so it also runs under
 * Xen 4.17: tools/test-xen.sh): query_size, setup_table, set/get_version,
 * add_to_physmap of grant frames, Xen's statuses for bad domains, refs and
 * handles, copy between own frames with its bounds, and a long batch that
 * Mica must preempt (continuations). " -- frames=N" gives the expected
 * max_grant_frames (default 4).
 */
#include "gnttab.h"
#include "args.h"

TEST_NAME("gnttab_self");

#define GT_GFN 0x700UL  /* where grant frame 0 is mapped (after a decrease) */
#define SRC_GFN 0x710UL /* own pages for copies */
#define DST_GFN 0x711UL
#define BATCH 600 /* map operations in one call: more than one continuation's worth */

static void sizes_and_versions(unsigned long frames, int mica)
{
    uint32_t nr = 0, max = 0;
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    struct gnttab_set_version sv = { .version = 1 };
    struct gnttab_get_version gv = { .dom = DOMID_SELF };

    CHECK_EQ(gnt_query_size(DOMID_SELF, &nr, &max), GNTST_okay);
    if (mica) {
        CHECK_EQ(nr, frames);
        CHECK_EQ(max, frames);
    } else {
        CHECK(nr >= 1 && nr <= max);
    }
    CHECK_EQ(gnt_query_size(0x7000, NULL, NULL), GNTST_bad_domain);
    /* The call itself: one structure only, a readable one, an int count. */
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 2), -XEN_EINVAL);
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_query_size, (void *)0xF0000000UL, 1), -XEN_EFAULT);
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &q, 0x80000000u), -XEN_EINVAL);
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, NULL, 0), 0);

    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1), 0);
    CHECK_EQ(sv.version, 1);
    sv.version = 3;
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1), -XEN_EINVAL);
    sv.version = 2;
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1);
    /* Mica: v1 only, Xen's answer for a domain that may not use v2; Xen
     * 4.17's dom0 may (the guest then goes back to 1 for the rest). */
    CHECK_EQ(rc, mica ? -XEN_ENOSYS : 0);
    if (!mica) {
        sv.version = 1;
        CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1), 0);
    }
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1), 0);
    CHECK_EQ(gv.version, 1);
    gv.dom = 0x7000;
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1), -XEN_ESRCH);
}

static void frames_and_setup(unsigned long frames, int mica)
{
    xen_ulong_t list[4] = { 0 };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1, .status = 99 };

    set_xen_guest_handle(st.frame_list, list);
    CHECK_EQ(decrease_one(GT_GFN, 0), 1);
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 0, GT_GFN), 0);
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0);
    CHECK_EQ(st.status, GNTST_okay);
    if (mica) {
        /* The gfn frame 0 is mapped at (Mica; Xen's value is its own). */
        CHECK_EQ(list[0], GT_GFN);
        /* The last frame maps; the one after it does not exist. */
        if (frames > 1) {
            CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, frames - 1, GT_GFN + 1),
                     0);
            CHECK_EQ(remove_from_physmap(DOMID_SELF, GT_GFN + 1), 0);
        }
        CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, frames, GT_GFN + 2),
                 -XEN_EINVAL);
        st.nr_frames = (uint32_t)frames + 1;
        CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0);
        CHECK_EQ(st.status, GNTST_general_error);
    }
    st.nr_frames = 1;
    st.dom = 0x7000;
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1), 0);
    CHECK_EQ(st.status, GNTST_bad_domain);
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 2), -XEN_EINVAL);
}

static void bad_maps(int mica)
{
    volatile struct grant_entry_v1 *e = gnt_entries(GT_GFN);
    grant_handle_t h = 0;

    /* A valid entry granted to ourselves: mapping it is GNTST_bad_domain
     * (measured under Xen 4.17), whether named DOMID_SELF or by number. */
    gnt_grant(e, 5, own_domid(), SRC_GFN, 0);
    CHECK_EQ(decrease_one(0x720, 0), 1);
    CHECK_EQ(gnt_map(DOMID_SELF, 5, 0x720, GNTMAP_host_map, &h), GNTST_bad_domain);
    CHECK_EQ(gnt_map(own_domid(), 5, 0x720, GNTMAP_host_map, &h), GNTST_bad_domain);
    /* No such domain; no mapping asked for at all. */
    CHECK_EQ(gnt_map(0x7000, 5, 0x720, GNTMAP_host_map, &h), GNTST_bad_domain);
    CHECK_EQ(gnt_map(0x7000, 5, 0x720, 0, &h), GNTST_bad_gntref);
    /* A handle never issued. */
    CHECK_EQ(gnt_unmap(0, 0x720), GNTST_bad_handle);
    CHECK_EQ(gnt_unmap(12345, 0x720), GNTST_bad_handle);
    CHECK_EQ(gnt_unmap(0xffffffffu, 0x720), GNTST_bad_handle);
    CHECK(gnt_revoke(e, 5));
    CHECK_EQ(populate_one(0x720, 0), 1);

    if (mica) {
        /* Commands Mica does not implement. */
        CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_transfer, NULL, 0), -XEN_ENOSYS);
        CHECK_EQ(HYPERVISOR_grant_table_op(99, NULL, 0), -XEN_ENOSYS);
    }
}

static void copies(int mica)
{
    volatile uint8_t *src = gfn_ptr(SRC_GFN), *dst = gfn_ptr(DST_GFN);
    const uint16_t gmfns = 0;

    for (unsigned int i = 0; i < PAGE_SIZE; i++) {
        src[i] = (uint8_t)(i * 7 + 1);
        dst[i] = 0;
    }
    CHECK_EQ(gnt_copy(DOMID_SELF, SRC_GFN, 100, DOMID_SELF, DST_GFN, 200, 300, gmfns), GNTST_okay);
    CHECK(dst[199] == 0 && dst[200] == src[100] && dst[499] == src[399] && dst[500] == 0);
    /* The whole page; zero bytes. */
    CHECK_EQ(gnt_copy(DOMID_SELF, SRC_GFN, 0, DOMID_SELF, DST_GFN, 0, 4096, gmfns), GNTST_okay);
    CHECK(dst[0] == src[0] && dst[4095] == src[4095]);
    CHECK_EQ(gnt_copy(DOMID_SELF, SRC_GFN, 4096, DOMID_SELF, DST_GFN, 4096, 0, gmfns), GNTST_okay);
    /* Crossing the end of a page, on either side. */
    CHECK_EQ(gnt_copy(DOMID_SELF, SRC_GFN, 4000, DOMID_SELF, DST_GFN, 0, 100, gmfns),
             GNTST_bad_copy_arg);
    CHECK_EQ(gnt_copy(DOMID_SELF, SRC_GFN, 0, DOMID_SELF, DST_GFN, 4095, 2, gmfns),
             GNTST_bad_copy_arg);
    /* Only DOMID_SELF may name a frame by gmfn, even our own domid. */
    CHECK_EQ(gnt_copy(own_domid(), SRC_GFN, 0, DOMID_SELF, DST_GFN, 0, 8, gmfns),
             GNTST_permission_denied);
    /* A gref of a domain that does not exist; a gref out of range. */
    CHECK_EQ(gnt_copy(0x7000, 5, 0, DOMID_SELF, DST_GFN, 0, 8, GNTCOPY_source_gref),
             GNTST_bad_domain);
    if (mica) {
        /* Copy through our own grant (granted to ourselves). */
        volatile struct grant_entry_v1 *e = gnt_entries(GT_GFN);
        uint32_t nr = 0;

        CHECK_EQ(gnt_query_size(DOMID_SELF, &nr, NULL), GNTST_okay);
        CHECK_EQ(gnt_copy(DOMID_SELF, nr * 512, 0, DOMID_SELF, DST_GFN, 0, 8, GNTCOPY_source_gref),
                 GNTST_bad_gntref);
        gnt_grant(e, 6, own_domid(), SRC_GFN, 1);
        dst[0] = 0;
        CHECK_EQ(gnt_copy(DOMID_SELF, 6, 0, DOMID_SELF, DST_GFN, 0, 16, GNTCOPY_source_gref),
                 GNTST_okay);
        CHECK(dst[0] == src[0] && dst[15] == src[15]);
        /* A read-only grant is no destination. */
        CHECK_EQ(gnt_copy(DOMID_SELF, SRC_GFN, 0, DOMID_SELF, 6, 0, 16, GNTCOPY_dest_gref),
                 GNTST_general_error);
        CHECK_EQ(gnt_flags(e, 6), GTF_permit_access | GTF_readonly); /* nothing left set */
        CHECK(gnt_revoke(e, 6));
        /* A revoked entry: general error. A hole behind the entry: bad page. */
        CHECK_EQ(gnt_copy(DOMID_SELF, 6, 0, DOMID_SELF, DST_GFN, 0, 16, GNTCOPY_source_gref),
                 GNTST_general_error);
        gnt_grant(e, 7, own_domid(), 0x730, 0);
        CHECK_EQ(decrease_one(0x730, 0), 1);
        CHECK_EQ(gnt_copy(DOMID_SELF, 7, 0, DOMID_SELF, DST_GFN, 0, 16, GNTCOPY_source_gref),
                 GNTST_bad_page);
        CHECK_EQ(gnt_flags(e, 7), GTF_permit_access);
        CHECK(gnt_revoke(e, 7));
        CHECK_EQ(populate_one(0x730, 0), 1);
    }
}

/* BATCH maps of a domain that does not exist, in one call: every status is
 * written (Mica preempts the call on the way; the guest sees one call). */
static void long_batch(void)
{
    static struct gnttab_map_grant_ref ops[BATCH];
    unsigned int bad = 0;

    for (unsigned int i = 0; i < BATCH; i++)
        ops[i] = (struct gnttab_map_grant_ref){
            .host_addr = 0x720000, .flags = GNTMAP_host_map, .ref = i, .dom = 0x7000, .status = 99
        };
    CHECK_EQ(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, ops, BATCH), 0);
    for (unsigned int i = 0; i < BATCH; i++)
        bad += ops[i].status != GNTST_bad_domain;
    CHECK_EQ(bad, 0);
}

void test_main(void)
{
    unsigned long frames = 4;
    int mica = running_on_mica();

    guest_arg_ulong("frames", &frames);
    sizes_and_versions(frames, mica);
    frames_and_setup(frames, mica);
    bad_maps(mica);
    copies(mica);
    long_batch();
    CHECK_EQ(remove_from_physmap(DOMID_SELF, GT_GFN), 0);
    CHECK_EQ(populate_one(GT_GFN, 0), 1);
}
