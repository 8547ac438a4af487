/*
 * The end of a run: when every domain has ended, Mica prints one line per
 * domain (name and shutdown reason), checks that machine memory is back
 * where it was before the first domain (by the allocator's count, and by a
 * walk of the frame table that finds no frame still a domain's), and ends
 * QEMU with MICA_EXIT_SUCCESS
 * only if every domain powered off and no module was refused. The option
 * `keep-running` keeps Mica up (idle) instead; `timeout=SECONDS` crashes
 * whatever still runs after that long (for tests of guests that never end).
 */
#ifndef MICA_END_OF_RUN_H
#define MICA_END_OF_RUN_H

#include "types.h"

/* All modules are built: free_frames_before is the count from just before
 * the first domain; from now on an empty domain list ends the run. */
void end_of_run_begin(uint64_t free_frames_before, unsigned int modules_refused);

/* Just before the first domain is built: walk the frame table for the
 * count end_of_run_check compares with its own walk at the end. */
void end_of_run_count_frames(void);

/* A domain has been torn down. */
void end_of_run_record(uint16_t domid, const char *name, unsigned int reason);

/* Called by idle CPUs: ends the run when nothing is left. */
void end_of_run_check(void);

/* Called by CPU 0 on every pass of its scheduler loop (at least every tick):
 * crashes every domain once timeout= seconds have passed. */
void end_of_run_timeout_check(void);

#endif
