/*
 * A bystander: a domain doing work it can check while the fuzzers (fuzz.c)
 * or the racers (race.c) hammer Mica beside it. Whatever they do, its
 * memory must keep exactly what it wrote, its own memory_op calls must
 * work, and its event channel must deliver each event once.
 *
 * Each round: check an eighth of its pattern pages (each page holds a
 * pattern derived from its gfn and a generation), give back one page of
 * its churn region and take it back (it must come back zeroed; frames a
 * fuzzer or a racer freed are reused here, so a stale mapping elsewhere
 * that still wrote to them would show), send one event on a loopback
 * channel and see it arrive, then sleep a tick.
 *
 * Module arguments (after " -- "): watch=D[,D...] keeps it going until those
 * domains are gone (domain_exists, tests/guest/lib/hypercall.h), with at
 * least min=N rounds (default 20) and at most max=N (default:
 * no limit but the test's own timeout).
 */
#include "args.h"
#include "evtchn.h"
#include "test.h"

TEST_NAME("bystander");

#define PAGE 4096UL
#define PATTERN_FIRST 0x200UL /* above the image (checked); shared_info's gfn is skipped */
#define CHURN_PAGES 16UL

extern char __image_end[]; /* guest.ld */

static uint64_t ram_end, pattern_end; /* gfns */
static domid_t watched[4];
static unsigned int nr_watched;
static uint32_t generation[CHURN_PAGES];

static uint32_t pattern_word(uint64_t gfn, uint32_t gen, unsigned int i)
{
    return (uint32_t)gfn * 0x9E3779B9u + gen * 0x85EBCA6Bu + i;
}

static void fill(uint64_t gfn, uint32_t gen)
{
    volatile uint32_t *p = (void *)(uintptr_t)(gfn * PAGE);

    for (unsigned int i = 0; i < PAGE / 4; i++)
        p[i] = pattern_word(gfn, gen, i);
}

/* 0 if the page holds its pattern, else the first word that differs + 1. */
static unsigned int check(uint64_t gfn, uint32_t gen)
{
    volatile const uint32_t *p = (void *)(uintptr_t)(gfn * PAGE);

    for (unsigned int i = 0; i < PAGE / 4; i++)
        if (p[i] != pattern_word(gfn, gen, i))
            return i + 1;
    return 0;
}

static int page_is_zero(uint64_t gfn)
{
    volatile const uint64_t *p = (void *)(uintptr_t)(gfn * PAGE);

    for (unsigned int i = 0; i < PAGE / 8; i++)
        if (p[i])
            return 0;
    return 1;
}

static long reservation(unsigned int cmd, uint64_t gfn)
{
    xen_pfn_t e = (xen_pfn_t)gfn;
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };

    set_xen_guest_handle(r.extent_start, &e);
    return HYPERVISOR_memory_op(cmd, &r);
}

static void read_watch_list(void)
{
    size_t len;
    const char *v = guest_arg("watch", &len);

    for (size_t i = 0; v && i < len && nr_watched < 4;) {
        unsigned int d = 0;
        while (i < len && v[i] >= '0' && v[i] <= '9')
            d = d * 10 + (unsigned int)(v[i++] - '0');
        watched[nr_watched++] = (domid_t)d;
        if (i < len && v[i] == ',')
            i++;
        else
            break;
    }
}

static int anyone_watched(void)
{
    for (unsigned int i = 0; i < nr_watched; i++)
        if (domain_exists(watched[i]))
            return 1;
    return 0;
}

void test_main(void)
{
    struct hvm_memmap_table_entry map[16];
    int n = guest_memory_map(map, 16);
    unsigned long min_rounds = 20, max_rounds = ~0UL, rounds, checked = 0, events = 0;
    long port, local;

    for (int i = 0; i < n; i++)
        if (map[i].type == XEN_HVM_MEMMAP_TYPE_RAM && map[i].addr == 0)
            ram_end = map[i].size / PAGE;
    if (!CHECK(ram_end >= PATTERN_FIRST + CHURN_PAGES + 256) ||
        !CHECK((uintptr_t)__image_end <= PATTERN_FIRST * PAGE))
        return;
    pattern_end = ram_end - CHURN_PAGES;
    guest_arg_ulong("min", &min_rounds);
    guest_arg_ulong("max", &max_rounds);
    read_watch_list();

    /* A loopback channel: a port waiting for ourselves, bound. */
    if (!CHECK_EQ(evtchn_map_shared_info(), 0))
        return;
    port = evtchn_alloc_unbound(DOMID_SELF, DOMID_SELF);
    local = port > 0 ? evtchn_bind_interdomain(DOMID_SELF, (evtchn_port_t)port) : port;
    if (!CHECK(port > 0) || !CHECK(local > 0))
        return;
    evtchn_clear((evtchn_port_t)port);
    evtchn_clear((evtchn_port_t)local);

    for (uint64_t g = PATTERN_FIRST; g < pattern_end; g++)
        if (g != EVTCHN_SHINFO_GFN)
            fill(g, 0);
    for (unsigned int i = 0; i < CHURN_PAGES; i++)
        fill(pattern_end + i, 0);
    gprintf("bystander: %lu pattern pages, watching %u domain(s)\n",
            (unsigned long)(pattern_end - PATTERN_FIRST), nr_watched);

    for (rounds = 0; rounds < max_rounds && (rounds < min_rounds || anyone_watched()); rounds++) {
        unsigned int slice = rounds % 8, c = rounds % CHURN_PAGES;
        uint64_t churn = pattern_end + c;

        for (uint64_t g = PATTERN_FIRST + slice; g < pattern_end; g += 8, checked++) {
            unsigned int bad = g == EVTCHN_SHINFO_GFN ? 0 : check(g, 0);
            if (bad) {
                guest_test_fail(__FILE__, __LINE__, "gfn %#llx word %u changed",
                                (unsigned long long)g, bad - 1);
                fill(g, 0); /* report each corruption once */
            }
        }
        CHECK_EQ(check(churn, generation[c]), 0);
        CHECK_EQ(reservation(XENMEM_decrease_reservation, churn), 1);
        CHECK_EQ(reservation(XENMEM_populate_physmap, churn), 1);
        CHECK(page_is_zero(churn));
        fill(churn, ++generation[c]);

        CHECK_EQ(evtchn_send((evtchn_port_t)local), 0);
        if (CHECK(evtchn_test_and_clear((evtchn_port_t)port)))
            events++;
        CHECK(!evtchn_pending((evtchn_port_t)local));
        CHECK_EQ(HYPERVISOR_xen_version(XENVER_version, NULL), 0x40011);
        evtchn_block(); /* a tick (our own event left an upcall pending) */
    }
    for (uint64_t g = PATTERN_FIRST; g < pattern_end; g++)
        if (g != EVTCHN_SHINFO_GFN)
            CHECK_EQ(check(g, 0), 0);
    gprintf("bystander: %lu rounds, %lu page checks, %lu events, every page as written\n", rounds,
            checked + (unsigned long)(pattern_end - PATTERN_FIRST), events);
}
