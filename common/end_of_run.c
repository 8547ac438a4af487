/* The end of a run (see end_of_run.h). */
#include "end_of_run.h"
#include "alloc_fail.h"
#include "lib/cmdline.h"
#include "domain.h"
#include "frame.h"
#include "mm.h"
#include "p2m/p2m_debug.h"
#include "p2m/p2m_gfn.h"
#include "panic.h"
#include "arch.h"
#include "printk.h"
#include "public/sched.h"
#include "spinlock.h"
#include "timer.h"
#include "lib/vsnprintf.h"
#include "xsm.h"

#define MAX_RECORDS 64

struct ended_domain {
    uint16_t domid;
    char name[DOMAIN_NAME_LEN];
    unsigned int reason;
};

static bool keep_running;
BOOL_PARAM("keep-running", keep_running);
static unsigned long timeout_seconds;
UINT_PARAM("timeout", timeout_seconds);

/* A static table, not the heap: it must not hold memory across the
 * free-frame check below. */
static DEFINE_SPINLOCK(records_lock, LOCK_LEVEL_END_OF_RUN);
static struct ended_domain records[MAX_RECORDS];
/* Domains that ended after the table was full: how many, and how many of
 * them did not end cleanly (they fail the run as a listed one would). */
static unsigned int nr_records, nr_lost_records, nr_lost_unclean;
static uint64_t free_frames_before;

/*
 * The frame table's own count of machine memory, taken by walking it, apart
 * from the allocator's running total: a leak (a frame still owned or
 * referenced) and an over-free (a frame freed twice, or one still in use
 * freed: the total rises by one more) of the same size leave the total as
 * it was, but not this count.
 */
struct frame_census {
    uint64_t free; /* frames the table marks free */
    uint64_t held; /* frames still a domain's: owned, referenced, or guest
                      memory or p2m tables by their use */
};
static struct frame_census census_before;

static struct frame_census count_frames(void)
{
    struct frame_census c = { 0, 0 };

    for (uint64_t mfn = 0; mfn < frame_table_size; mfn++) {
        const struct frame *f = &frame_table[mfn];
        if (f->use == FRAME_FREE)
            c.free++;
        if (f->owner || f->refcount || f->foreign_refs || f->use == FRAME_DOMAIN ||
            f->use == FRAME_SPECIAL || f->use == FRAME_P2M_TABLE)
            c.held++;
    }
    return c;
}

void end_of_run_count_frames(void)
{
    census_before = count_frames();
}
static unsigned int refused;
static bool started, ending, timed_out;

void end_of_run_begin(uint64_t free_before, unsigned int modules_refused)
{
    free_frames_before = free_before;
    refused = modules_refused;
    __atomic_store_n(&started, true, __ATOMIC_RELEASE);
}

/* Powered off, or destroyed by another domain. */
static bool ended_cleanly(unsigned int reason)
{
    return reason == SHUTDOWN_poweroff || reason == SHUTDOWN_destroyed;
}

void end_of_run_record(uint16_t domid, const char *name, unsigned int reason)
{
    spin_lock(&records_lock);
    if (nr_records < MAX_RECORDS) {
        struct ended_domain *r = &records[nr_records++];
        r->domid = domid;
        r->reason = reason;
        snprintf(r->name, sizeof(r->name), "%s", name);
    } else {
        nr_lost_records++;
        nr_lost_unclean += !ended_cleanly(reason);
    }
    spin_unlock(&records_lock);
}

static void crash_all_on_timeout(void)
{
    for (domid_t id = 0; id < DOMID_FIRST_RESERVED && domains_alive(); id++) {
        struct domain *d = domain_get(id);
        if (d) {
            domain_crash(d, "d%u (%s): still running after timeout=%lu s", d->domid, d->name,
                         timeout_seconds);
            domain_put(d);
        }
    }
}

void end_of_run_timeout_check(void)
{
    if (timeout_seconds && !timed_out && __atomic_load_n(&started, __ATOMIC_ACQUIRE) &&
        system_time_ns() >= timeout_seconds * 1000000000UL) {
        timed_out = true;
        crash_all_on_timeout();
    }
}

void end_of_run_check(void)
{
    bool all_off = refused == 0;
    uint64_t free_after;

    if (!__atomic_load_n(&started, __ATOMIC_ACQUIRE))
        return;
    if (domains_alive() || keep_running || __atomic_exchange_n(&ending, true, __ATOMIC_ACQ_REL))
        return;

    printk("All domains have ended:\n");
    for (unsigned int i = 0; i < nr_records; i++) {
        printk("  d%u (%s): %s\n", records[i].domid, records[i].name,
               shutdown_reason_name(records[i].reason));
        all_off = all_off && ended_cleanly(records[i].reason);
    }
    if (nr_lost_records)
        printk("  ... and %u more, %u of them neither powered off nor destroyed\n", nr_lost_records,
               nr_lost_unclean);
    all_off = all_off && !nr_lost_unclean;
    if (refused)
        printk("  %u module(s) refused\n", refused);

    xsm->print_stats();
    alloc_fail_print_summary();
    free_after = page_alloc_free_frames();
    printk("Memory: %lu frames free before the domains, %lu after they ended\n", free_frames_before,
           free_after);
    if (free_after != free_frames_before) {
        pr_err("Memory: %ld frames leaked by domains\n", (long)(free_frames_before - free_after));
        all_off = false;
    }
    /* No CPU allocates now (no domain is left), so the walk is exact. */
    struct frame_census census = count_frames();
    printk("Memory: frame table: %lu frames free before the domains, %lu after, %lu still owned or "
           "referenced\n",
           census_before.free, census.free, census.held);
    if (census.free != census_before.free || census.free != free_after || census.held) {
        pr_err("Memory: the frame table disagrees: %ld frames leaked by its count, %lu still "
               "held, the allocator counts %lu free\n",
               (long)(census_before.free - census.free), census.held, free_after);
        all_off = false;
    }
    /* A get_gfn without its put_gfn leaves that p2m locked: debug builds stop
     * at the next VMRUN, release builds would hang only if another CPU wanted
     * the lock. Now, with every domain gone, no CPU may hold one. */
    for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
        const char *file;
        int line;
        if (gfn_held_by(cpu, &file, &line)) {
            pr_err("p2m: CPU%u still holds a gfn after every domain ended: get_gfn at %s:%d\n", cpu,
                   file, line);
            all_off = false;
        }
    }
    if (p2m_audit_failures()) {
        pr_err("p2m: %u audit(s) failed during the run\n", p2m_audit_failures());
        all_off = false;
    }
    if (all_off)
        printk("Mica: run ended, every domain powered off\n");
    else
        printk("Mica: run ended with a failure (a domain did not power off, a module was "
               "refused, an audit failed, memory leaked or a gfn is still held: see above)\n");
    mica_exit(all_off ? MICA_EXIT_SUCCESS : MICA_EXIT_FAILURE);
}
