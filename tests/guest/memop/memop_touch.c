/*
 * Remove a page from the physmap, then touch it: the gfn is a hole now, so
 * the read is a nested page fault that Mica emulates as Xen does for a guest
 * without a device model: all ones, never the old contents, and the hole is
 * logged once, naming the gfn ("hole at gfn 0x..."). A write there is
 * dropped. The test entry (memop_tests.py beside it) expects that line with
 * this gfn.
 */
#include "memop.h"

TEST_NAME("memop_touch");

#define GFN 0x9a5UL /* RAM with mem=16M and up, away from the image */

void test_main(void)
{
    volatile uint32_t *p = gfn_ptr(GFN);

    *p = 0x1234;
    CHECK_EQ(*p, 0x1234);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, GFN), 0);
    gprintf("removed gfn 0x%lx; reading it\n", GFN);
    CHECK_EQ(*p, 0xFFFFFFFFu);
    *p = 0x5678;
    CHECK_EQ(*p, 0xFFFFFFFFu);
}
