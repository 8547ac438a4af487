/*
 * A fake machine for host unit tests: N frames of real (malloc'd) memory, a
 * frame table describing them and a buddy allocator over it, behind the
 * same interface Mica's page allocator offers (include/page_alloc.h).
 *
 * Code under test (the heap, the p2m, ...) calls alloc_frames(),
 * free_frames(), mfn_to_virt() and virt_to_mfn() exactly as in Mica.
 */
#ifndef MICA_HOST_MM_H
#define MICA_HOST_MM_H

#include "buddy.h"
#include "types.h"

/* Build a machine of nr_frames frames, all of them free. */
void host_mm_init(uint64_t nr_frames);
/* Throw the machine away (every test that calls init calls fini). */
void host_mm_fini(void);

/* Frames now free in the fake machine's allocator. */
uint64_t host_mm_free_frames(void);
/* The allocator itself, for tests that inspect its free lists. */
struct buddy *host_mm_buddy(void);

/*
 * Failure injection. host_mm_fail_after(n) with n >= 1 makes the n-th call
 * to alloc_frames() or alloc_frames_uninjected() from now on return NULL (n = 1: the very next call);
 * the calls before and after it behave normally. n = 0 cancels a pending
 * failure. Counting every call with host_mm_alloc_calls() first lets a test
 * fail each allocation of an operation in turn.
 */
void host_mm_fail_after(unsigned long n);
/* How many times either has been called since host_mm_init(). */
unsigned long host_mm_alloc_calls(void);

/*
 * Mica's fail-alloc= decision (alloc_fail_now, mm/alloc_fail.c), which the
 * heap asks once per xmalloc(): host_mm_refuse_decision() makes the next
 * one say "fail"; host_mm_decisions() counts them since host_mm_init().
 */
void host_mm_refuse_decision(void);
unsigned long host_mm_decisions(void);

#endif
