/*
 * A guest cannot make Mica allocate p2m table pages without bound: moving
 * shared_info to gfns 1 GiB apart needs new tables every time, and Mica
 * answers -ENOMEM once the domain's table-page limit is reached
 * (64 + 2 * max_pages / 512; docs/hypercalls.md). Mica only (Xen bounds
 * this differently, through its paging pool).
 */
#include "memop.h"

TEST_NAME("memop_tablelimit");

#define MOVES 100000UL

void test_main(void)
{
    unsigned long i;
    long rc = 0;

    for (i = 1; i < MOVES; i++) {
        rc = add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, i << 18);
        if (rc)
            break;
    }
    gprintf("shared_info moved %lu times, then %ld\n", i - 1, rc);
    CHECK_EQ(rc, -XEN_ENOMEM);
    CHECK(i > 10 && i < 200);
    /* The domain still works: ordinary changes within its tables succeed. */
    CHECK_EQ(remove_from_physmap(DOMID_SELF, (i - 1) << 18), 0);
    CHECK_EQ(decrease_one(0x900, 0), 1);
    CHECK_EQ(populate_one(0x900, 0), 1);
}
