/*
 * One CPU's armed timers as a list sorted by deadline: what common/timer.c
 * keeps under each CPU's timer lock. Timers with the same deadline stay in
 * the order they were armed. Pure list logic (no lock, no clock), so the
 * same file runs in the host unit test (tests/unit/test_timer_queue.c).
 */
#ifndef MICA_LIB_TIMER_QUEUE_H
#define MICA_LIB_TIMER_QUEUE_H

#include "lib/list.h"
#include "types.h"

/* No deadline: what timer_queue_earliest says of an empty queue. */
#define TIMER_QUEUE_NEVER UINT64_MAX

/* What a queue holds: a deadline and the link that puts it on the queue,
 * embedded in its owner (struct timer, include/timer.h). */
struct timer_queue_entry {
    struct list_head link; /* on a queue, sorted by deadline */
    uint64_t deadline_ns;
};

/* Put e (not on any queue) at its place by e->deadline_ns, after every
 * entry due no later. */
void timer_queue_insert(struct list_head *queue, struct timer_queue_entry *e);

/* The first entry, taken off the queue, if its deadline is at or before
 * now; otherwise NULL. */
struct timer_queue_entry *timer_queue_pop_expired(struct list_head *queue, uint64_t now);

/* The first deadline, or TIMER_QUEUE_NEVER. */
uint64_t timer_queue_earliest(const struct list_head *queue);

#endif
