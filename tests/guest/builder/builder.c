/*
 * A domain builder in a guest: creates, boots, waits for and destroys
 * `count` domains in a row (builder.h has the steps; docs/domains.md,
 * "Building a domain from a guest"). Its boot module is the child's ELF
 * image (builder_child.c). The guest's arguments, after " -- ":
 *
 *   count=N          domains to cycle (default 10)
 *   tolerate=enomem  under fail-alloc=: a step that fails with -ENOMEM
 *                    discards its child (destroyed, its mappings undone)
 *                    and the builder goes on with the next
 *
 * Child n is told to power off on its own (even n: the builder waits for
 * VIRQ_DOM_EXC until it is gone) or to wait (odd n: the builder destroys it
 * with XEN_DOMCTL_destroydomain once it has answered). Each child must
 * answer with its domid and the sum of the code the builder wrote into it.
 * The builder stops at the first child that goes wrong. Mica's free
 * frames (sysctl physinfo) after each child is gone must come back to the
 * most seen after any before it: the builder's own footprint (its p2m's
 * tables for the foreign mappings, the heap's pages) is set after the
 * first, and a child that left one frame behind never brings the count
 * back. At the end it prints how many it cycled and how long that took.
 */
#include "../platform/time_guest.h"
#include "args.h"
#include "builder.h"

TEST_NAME("builder");

/* Bounds on waiting, in Mica's 10 ms ticks: generous, for a loaded host. */
#define WAIT_BLOCKS 3000
#define ANSWER_TIMEOUT_NS (30 * NS_PER_SEC)
#define FRAMES_BACK_BLOCKS 1000

static evtchn_port_t dom_exc;
/* tolerate=enomem (runs with fail-alloc=): a step may fail with -ENOMEM;
 * the child is then discarded and counted. */
static int tolerate_enomem;
static unsigned long refused;
/* The most frames seen free once a child was gone (from the first child
 * on), how often a count had to be read again (a child's teardown still
 * finishing on the other CPU) and how often a count came out higher than
 * the most seen before (one read while an earlier child's teardown had not
 * yet ended: a host that stops QEMU's CPU threads can stretch that beyond
 * any wait). */
static uint64_t steady_free;
static unsigned long rereads, raised;

/* The free frames once the first child's teardown, which may still run on
 * the other CPU when getdomaininfo stops reporting it, has ended: the count
 * read again after a block (VIRQ_DOM_EXC comes again as teardown ends, else
 * Mica's tick) until it no longer changes. */
static uint64_t settled_free_frames(void)
{
    uint64_t now = free_frames(), last;
    int i = 0;

    do {
        last = now;
        evtchn_wait(dom_exc, 1);
        now = free_frames();
    } while (now != last && ++i < 100);
    return now;
}

/* Once a child is gone its frames come back, at the latest when its
 * teardown, which may run on the other CPU, ends: wait for the count to
 * reach steady_free again (a higher one becomes steady_free). A child that
 * kept a frame never brings it back. 1, or 0 (printed). */
static int frames_back(uint32_t seq)
{
    uint64_t now = free_frames();

    for (int i = 0; i < FRAMES_BACK_BLOCKS && now < steady_free; i++) {
        rereads++;
        evtchn_wait(dom_exc, 1);
        now = free_frames();
    }
    if (now > steady_free) {
        raised++;
        steady_free = now;
    }
    if (now == steady_free)
        return 1;
    gprintf("after child %u: %llu frames free, %llu after the others\n", seq,
            (unsigned long long)now, (unsigned long long)steady_free);
    return 0;
}

/* Wait for child's answer in the mailbox: 1, or 0 if none came. The child
 * runs on another CPU; yield meanwhile. */
static int wait_answer(volatile struct child_mailbox *mb)
{
    uint64_t until = time_now(0) + ANSWER_TIMEOUT_NS;

    while (!__atomic_load_n(&mb->done, __ATOMIC_ACQUIRE)) {
        if (time_now(0) > until)
            return 0;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    return 1;
}

/* A step of building child seq failed: say which, and pass its error on. */
static long step_failed(uint32_t seq, const char *step, long rc)
{
    gprintf("child %u: %s: %ld\n", seq, step, rc);
    return rc;
}

/* Build child seq (builder.h's steps) and start it, into *child: 0, or the
 * first failing step's error. */
static long build(const struct child_image *ci, uint32_t seq, enum child_mode mode, domid_t *child)
{
    struct xen_domctl_createdomain config;
    struct xen_domctl_getdomaininfo info = { 0 };
    struct vcpu_hvm_context ctx;
    long rc;

    pvh_config(&config, 1);
    memcpy(config.handle, &seq, sizeof(seq));
    rc = create_domain(&config, 0, child);
    if (rc)
        return step_failed(seq, "createdomain", rc);
    /* Created: paused, no memory, its handle, one vCPU not yet online. */
    CHECK_EQ(domain_info(*child, &info), 0);
    CHECK(info.flags & XEN_DOMINF_paused);
    CHECK_EQ(info.tot_pages, 0);
    CHECK_EQ(info.max_vcpu_id, 0);
    CHECK_EQ(info.nr_online_vcpus, 0);
    CHECK(!memcmp(info.handle, &seq, sizeof(seq)));

    rc = set_max_vcpus(*child, 1);
    if (rc)
        return step_failed(seq, "max_vcpus", rc);
    rc = load_child(*child, ci, seq, mode);
    if (rc)
        return step_failed(seq, "loading", rc);
    pvh_entry_context(&ctx, ci->entry, CHILD_START_INFO_GFN * PAGE_SIZE);
    rc = set_vcpu_context(*child, 0, &ctx);
    if (rc)
        return step_failed(seq, "setvcpucontext", rc);
    CHECK_EQ(domain_info(*child, &info), 0);
    CHECK_EQ(info.tot_pages, CHILD_MEM_PAGES);
    CHECK_EQ(info.max_pages, CHILD_MEM_PAGES);
    rc = domctl_simple(XEN_DOMCTL_unpausedomain, *child);
    return rc ? step_failed(seq, "unpausedomain", rc) : 0;
}

/* After a failed step: the child goes (if it was created) and so does
 * every mapping of its frames we may have made. */
static void discard(domid_t child, const struct child_image *ci)
{
    long rc;

    if (child != DOMID_INVALID) {
        rc = domctl_simple(XEN_DOMCTL_destroydomain, child);
        CHECK(rc == 0 || rc == -XEN_ESRCH);
        CHECK(wait_gone(child, dom_exc, WAIT_BLOCKS));
    }
    for (unsigned long gfn = FOREIGN_GFN; gfn < FOREIGN_IMAGE + image_pages(ci); gfn++) {
        rc = remove_from_physmap(DOMID_SELF, gfn);
        CHECK(rc == 0 || rc == -XEN_ENOENT);
    }
}

/* One child, from createdomain to its end; 1 if it all went right (or,
 * with tolerate=enomem, if a step failed for want of memory and the
 * child was discarded). */
static int cycle_one(const struct child_image *ci, uint32_t seq)
{
    enum child_mode mode = seq % 2 ? CHILD_WAIT : CHILD_EXIT;
    volatile struct child_mailbox *mb = gfn_ptr(FOREIGN_MAILBOX);
    unsigned int failures = guest_test_failures();
    domid_t child = DOMID_INVALID;
    long rc = build(ci, seq, mode, &child);

    if (rc) {
        discard(child, ci);
        if (rc == -XEN_ENOMEM && tolerate_enomem) {
            refused++;
            return guest_test_failures() == failures;
        }
        CHECK_EQ(rc, 0);
        return 0;
    }
    if (mode == CHILD_WAIT) {
        CHECK(wait_answer(mb));
        CHECK_EQ(domctl_simple(XEN_DOMCTL_destroydomain, child), 0);
    }
    CHECK(wait_gone(child, dom_exc, WAIT_BLOCKS));
    /* The mailbox frame outlives the child while we map it. */
    CHECK_EQ(mb->done, 1);
    CHECK_EQ(mb->domid, child);
    CHECK_EQ(mb->result, expected_sum(ci, seq));
    CHECK_EQ(unmap_pages(FOREIGN_MAILBOX, 1), 0);
    /* Gone: nothing to destroy any more, and every frame back (not
     * counted under injected failures: a table page a failed mapping
     * added to our p2m stays, as it would have for a mapping that worked). */
    CHECK_EQ(domctl_simple(XEN_DOMCTL_destroydomain, child), -XEN_ESRCH);
    if (!tolerate_enomem && seq == 0)
        steady_free = settled_free_frames();
    else if (!tolerate_enomem)
        CHECK(frames_back(seq));
    if (guest_test_failures() != failures)
        gprintf("child %u (d%u) went wrong\n", seq, child);
    return guest_test_failures() == failures;
}

void test_main(void)
{
    struct child_image ci;
    unsigned long count = 10, done = 0;
    uint64_t before, start, ms;
    long port;

    guest_arg_ulong("count", &count);
    tolerate_enomem = guest_arg_is("tolerate", "enomem");
    if (child_image_from_module(&ci))
        guest_test_abort("the child's ELF image (the boot module) is missing or not PVH");
    /* Our own set-up, tried again while allocations fail on purpose. */
    port = evtchn_map_shared_info();
    for (int i = 0; port == -XEN_ENOMEM && i < 100; i++)
        port = evtchn_map_shared_info();
    CHECK_EQ(port, 0);
    port = evtchn_bind_virq(VIRQ_DOM_EXC, 0);
    for (int i = 0; port == -XEN_ENOMEM && i < 100; i++)
        port = evtchn_bind_virq(VIRQ_DOM_EXC, 0);
    if (!CHECK(port > 0))
        return;
    dom_exc = (evtchn_port_t)port;

    before = free_frames();
    CHECK(before > 0);
    gprintf("cycling %lu domains, %llu frames free\n", count, (unsigned long long)before);
    start = time_now(0);
    while (done < count && cycle_one(&ci, (uint32_t)done)) {
        done++;
        if (done % 100 == 0)
            gprintf("%lu domains cycled\n", done);
    }
    ms = (time_now(0) - start) / NS_PER_MS;
    CHECK_EQ(done, count);
    if (tolerate_enomem) {
        gprintf("builder: %lu domains created, run and destroyed, %lu refused for want of "
                "memory, in %llu ms\n",
                done - refused, refused, (unsigned long long)ms);
        return;
    }
    gprintf("builder: %lu domains created, run and destroyed in %llu ms\n", done,
            (unsigned long long)ms);
    /* One line (Mica cuts a console line at 128 bytes). */
    gprintf("builder: %llu frames free after each, %lld fewer than before; %lu read again, "
            "%lu higher\n",
            (unsigned long long)steady_free, (long long)(before - steady_free), rereads, raised);
}
