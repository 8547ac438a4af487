/*
 * Injected allocation failures: the fail-alloc= option applied to Mica's
 * allocators (see alloc_fail.h; the plan and the decision are
 * lib/alloc_fail.c).
 *
 * The only state is a count of the calls since arming: the n-th call fails
 * if the plan says so for n, whichever CPU makes it. With one CPU the same
 * boot fails the same allocations every time; with several, the sequence of
 * decisions is the same but which allocation draws which decision depends
 * on how the CPUs interleave.
 */
#include "alloc_fail.h"
#include "assert.h"
#include "lib/cmdline.h"
#include "percpu.h"
#include "printk.h"
#include "public/errno.h"

static struct alloc_fail_plan plan;
static bool armed;
static uint64_t calls; /* since arming, both sites */
static uint64_t site_calls[ALLOC_FAIL_NR_SITES];
static uint64_t site_failed[ALLOC_FAIL_NR_SITES];
/* How deep this CPU is in paths that must not allocate. */
static DEFINE_PER_CPU(unsigned int, forbid_depth);

static int parse_fail_alloc(const char *value)
{
    return alloc_fail_parse(value, &plan) ? 0 : -XEN_EINVAL;
}
CUSTOM_PARAM("fail-alloc", parse_fail_alloc);

void alloc_fail_reached(enum alloc_fail_from point)
{
    if (plan.mode == ALLOC_FAIL_OFF || plan.from != point)
        return;
    if (plan.mode == ALLOC_FAIL_EVERY)
        printk("fail-alloc: armed, allocation calls %lu, 2 x %lu, 3 x %lu, ... fail\n", plan.every,
               plan.every, plan.every);
    else
        printk("fail-alloc: armed, %u%% of allocations fail (seed %#lx)\n", plan.rate, plan.seed);
    __atomic_store_n(&armed, true, __ATOMIC_RELEASE);
}

bool alloc_fail_now(enum alloc_fail_site site)
{
    uint64_t call;
    bool fail;

    ASSERT(this_cpu_var(forbid_depth) == 0); /* an allocation where none may fail */
    if (!__atomic_load_n(&armed, __ATOMIC_ACQUIRE))
        return false;
    call = __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
    fail = alloc_fail_decide(&plan, call);
    __atomic_fetch_add(&site_calls[site], 1, __ATOMIC_RELAXED);
    if (fail)
        __atomic_fetch_add(&site_failed[site], 1, __ATOMIC_RELAXED);
    return fail;
}

void alloc_forbid_begin(void)
{
    this_cpu_var(forbid_depth)++;
}

void alloc_forbid_end(void)
{
    ASSERT(this_cpu_var(forbid_depth) > 0);
    this_cpu_var(forbid_depth)--;
}

void alloc_fail_print_summary(void)
{
    uint64_t frames = __atomic_load_n(&site_calls[ALLOC_FAIL_FRAMES], __ATOMIC_RELAXED);
    uint64_t heap = __atomic_load_n(&site_calls[ALLOC_FAIL_HEAP], __ATOMIC_RELAXED);
    uint64_t frames_failed = __atomic_load_n(&site_failed[ALLOC_FAIL_FRAMES], __ATOMIC_RELAXED);
    uint64_t heap_failed = __atomic_load_n(&site_failed[ALLOC_FAIL_HEAP], __ATOMIC_RELAXED);

    if (plan.mode == ALLOC_FAIL_OFF)
        return;
    printk("fail-alloc: %lu of %lu allocations failed (frames %lu of %lu, heap %lu of %lu)\n",
           frames_failed + heap_failed, frames + heap, frames_failed, frames, heap_failed, heap);
}
