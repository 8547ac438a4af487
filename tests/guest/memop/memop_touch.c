/*
 * Remove a page from the physmap, then touch it: the read is a nested page
 * fault, and Mica crashes the domain, naming the gfn ("#NPF at gfn 0x...").
 * The test entry (memop_tests.py beside it) expects that line with this gfn and
 * the domain crashed; this guest never prints a verdict.
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
    uint32_t value = *p;
    /* Not reached: the domain has crashed. */
    guest_test_fail(__FILE__, __LINE__, "read 0x%x from removed gfn 0x%lx", value, GFN);
}
