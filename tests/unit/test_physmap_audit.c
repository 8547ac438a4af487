/*
 * Host unit tests of the physmap operations (mm/p2m/physmap.c) with the p2m
 * audit (mm/p2m/p2m_audit.c) run at every moment another CPU could: each
 * time a domain's lock is released (host_spin_unlock_hook), the domain is
 * audited, as the debug key `a` or `p2m-audit` on another CPU would.
 * (test_physmap.c checks the same operations against an oracle of its own,
 * after each returns.)
 *
 * An audit takes the domain's lock and its p2m lock and must find every
 * frame's reference count exact. Before the fix these tests check, physmap
 * dropped the reference of a frame that left the p2m after it released the
 * locks, so in between an audit found "mfn ... has 2 references, expected
 * 1": RAM unmapped by remove_from_physmap, a special frame unmapped by
 * remove or replaced by add_to_physmap (the hypercall fuzzer's seed 307,
 * docs/reliability.md).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "frame_owner.h"
#include "host_mm.h"
#include "host_spinlock.h"
#include "p2m/p2m_debug.h"
#include "p2m/physmap.h"
#include "printk.h"
#include "public/errno.h"
#include "public/memory.h"
#include "unit.h"

#define POOL_FRAMES 4096
#define DOMAIN_PAGES 64

/* ---- printk, which the audit uses, for the host --------------------------------- */

void printk_level(enum log_level level, const char *fmt, ...)
{
    va_list ap;

    (void)level;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

/* ---- two domains, audited whenever their lock is released ------------------------- */

static struct domain doms[2];
static unsigned int audits, audit_problems;
static bool auditing;

static void audit_on_unlock(spinlock_t *lock)
{
    for (unsigned int i = 0; i < 2 && !auditing; i++) {
        if (lock == &doms[i].lock && doms[i].state == DOMAIN_RUNNING) {
            auditing = true; /* the audit's own unlock comes back here */
            audit_problems += p2m_audit(&doms[i]);
            audits++;
            auditing = false;
        }
    }
}

static void no_flush(struct p2m *p2m)
{
    (void)p2m; /* one pretend CPU: no TLB to shoot down */
}

static struct domain *make_domain(unsigned int i)
{
    struct domain *d = &doms[i];

    memset(d, 0, sizeof(*d));
    d->domid = (domid_t)i;
    snprintf(d->name, sizeof(d->name), "d%u", i);
    spin_lock_init(&d->lock, "domain_lock", LOCK_LEVEL_DOMAIN);
    list_init(&d->page_list);
    d->max_pages = DOMAIN_PAGES;
    CHECK_EQ(p2m_init(&d->p2m, P2M_ORDER_2M, no_flush), 0);
    d->shared_info = frames_assign(d, 0, FRAME_SPECIAL);
    CHECK(d->shared_info != NULL);
    d->state = DOMAIN_RUNNING;
    return d;
}

static void setup(void)
{
    host_mm_init(POOL_FRAMES);
    make_domain(0);
    make_domain(1);
    audits = audit_problems = 0;
    host_spin_unlock_hook = audit_on_unlock;
}

static void finish(void)
{
    host_spin_unlock_hook = NULL;
    CHECK(audits > 0);
    CHECK_EQ(audit_problems, 0);
    host_mm_fini();
}

static void populate(struct domain *d, uint64_t gfn)
{
    CHECK_EQ(physmap_populate(d, _gfn(gfn), 0), 0);
}

/* ---- the tests ------------------------------------------------------------------ */

static void test_remove_ram_keeps_the_audit_exact(void)
{
    setup();
    populate(&doms[0], 10);
    CHECK_EQ(physmap_remove(&doms[0], _gfn(10)), 0);
    CHECK_EQ(physmap_remove(&doms[0], _gfn(10)), -XEN_ENOENT);
    finish();
}

static void test_remove_shared_info_keeps_the_audit_exact(void)
{
    setup();
    CHECK_EQ(physmap_add(&doms[0], XENMAPSPACE_shared_info, 0, _gfn(20)), 0);
    CHECK_EQ(physmap_remove(&doms[0], _gfn(20)), 0);
    finish();
}

static void test_replacing_a_special_frame_keeps_the_audit_exact(void)
{
    setup();
    populate(&doms[0], 30);
    CHECK_EQ(physmap_add(&doms[0], XENMAPSPACE_shared_info, 0, _gfn(21)), 0);
    /* RAM moved onto shared_info's gfn: shared_info is only unmapped. */
    CHECK_EQ(physmap_add(&doms[0], XENMAPSPACE_gmfn, 30, _gfn(21)), 0);
    /* shared_info back, over the RAM (which leaves the domain). */
    CHECK_EQ(physmap_add(&doms[0], XENMAPSPACE_shared_info, 0, _gfn(21)), 0);
    finish();
}

static void test_foreign_map_and_unmap_keep_both_audits_exact(void)
{
    setup();
    populate(&doms[0], 40);
    CHECK_EQ(physmap_add_foreign(&doms[1], &doms[0], _gfn(40), _gfn(50)), 0);
    /* Replaced by another foreign mapping, then removed. */
    populate(&doms[0], 41);
    CHECK_EQ(physmap_add_foreign(&doms[1], &doms[0], _gfn(41), _gfn(50)), 0);
    CHECK_EQ(physmap_remove(&doms[1], _gfn(50)), 0);
    /* The owner gives its frames back while one is mapped. */
    CHECK_EQ(physmap_add_foreign(&doms[1], &doms[0], _gfn(40), _gfn(51)), 0);
    CHECK_EQ(physmap_decrease(&doms[0], _gfn(40), 0), 0);
    CHECK_EQ(physmap_decrease(&doms[1], _gfn(51), 0), 0);
    finish();
}

static void test_decrease_and_move_keep_the_audit_exact(void)
{
    setup();
    populate(&doms[0], 60);
    populate(&doms[0], 61);
    CHECK_EQ(physmap_add(&doms[0], XENMAPSPACE_gmfn, 60, _gfn(62)), 0);
    CHECK_EQ(physmap_add(&doms[0], XENMAPSPACE_gmfn, 62, _gfn(61)), 0); /* 61's RAM leaves */
    CHECK_EQ(physmap_decrease(&doms[0], _gfn(61), 0), 0);
    finish();
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_remove_ram_keeps_the_audit_exact),
    UNIT_TEST(test_remove_shared_info_keeps_the_audit_exact),
    UNIT_TEST(test_replacing_a_special_frame_keeps_the_audit_exact),
    UNIT_TEST(test_foreign_map_and_unmap_keep_both_audits_exact),
    UNIT_TEST(test_decrease_and_move_keep_the_audit_exact),
};

int main(void)
{
    return unit_run("physmap_audit", tests, ARRAY_SIZE(tests)) != 0;
}
