/*
 * Mica's lock order: every spinlock is declared with a level, and a CPU may
 * only acquire a lock whose level is strictly greater than that of every
 * lock it already holds. Debug builds (MICA_DEBUG) check this at run time
 * and stop Mica with both lock names on a violation.
 *
 * This table is the one place the order is written down; docs/ARCHITECTURE.md
 * repeats it with what each lock covers.
 */
#ifndef MICA_LOCK_ORDER_H
#define MICA_LOCK_ORDER_H

#include "types.h"

enum lock_level {
    LOCK_LEVEL_SELFTEST_OUTER = 10, /* test-only locks used by selftest=lockorder */
    LOCK_LEVEL_SELFTEST_INNER = 11,
    LOCK_LEVEL_DOMCTL = 15,        /* one domctl at a time (held while pausing) */
    LOCK_LEVEL_DOMLIST = 20,       /* the list of domains, domid allocation */
    LOCK_LEVEL_VIRQ_HANDLER = 25,  /* the global VIRQ handlers (set_virq_handler) */
    LOCK_LEVEL_CONSOLE_RING = 28,  /* one domain's PV console ring (then its
                                      domain lock, to print) */
    LOCK_LEVEL_DOMAIN = 30,        /* one domain's state, pages, vCPUs */
    LOCK_LEVEL_EVTCHN_BIND = 32,   /* every close and interdomain (un)binding */
    LOCK_LEVEL_EVENT = 34,         /* one domain's event channels; never two at
                                       once (common/event_channel.c) */
    LOCK_LEVEL_GRANT = 35,         /* one domain's grant table: pins, handles */
    LOCK_LEVEL_CONSOLE_INPUT = 38, /* the serial input ring (held across a copy
                                      to the reading guest) */
    LOCK_LEVEL_P2M = 40,           /* one domain's whole p2m (every gfn) */
    LOCK_LEVEL_RUNQUEUE = 60,      /* the scheduler's run queue and vCPU states */
    LOCK_LEVEL_END_OF_RUN = 70,    /* the table of domains that have ended */
    LOCK_LEVEL_HEAP = 80,          /* xmalloc heap size-class lists */
    LOCK_LEVEL_FLASK = 85,         /* the FLASK policy, its AVC and mode */
    LOCK_LEVEL_VCPU_TIME = 86,     /* one vCPU's periodic timer period (a leaf;
                                      common/guest_time.c) */
    LOCK_LEVEL_TIMERS = 88,        /* one CPU's armed timers (a leaf; interrupts
                                      off), so timers are set under any lock
                                      below it (common/timer.c) */
    LOCK_LEVEL_PAGE_ALLOC = 90,    /* buddy allocator free lists */
    LOCK_LEVEL_CALL_FUNCTION = 95, /* cross-CPU call mailbox */
    LOCK_LEVEL_CONSOLE = 100,      /* serial console output */
};

struct spinlock;

/* Locks one CPU may hold at once (nesting depth). */
#define LOCK_ORDER_MAX_HELD 16

/* The locks one CPU holds, innermost last. */
struct held_locks {
    unsigned int depth;
    const struct spinlock *lock[LOCK_ORDER_MAX_HELD];
};

/*
 * May a CPU holding *held acquire lock? Returns NULL when it may; otherwise
 * the held lock that forbids it (its level is >= lock's). Pure: used by the
 * run-time checker and by the host unit tests.
 */
const struct spinlock *lock_order_conflict(const struct held_locks *held,
                                           const struct spinlock *lock);

/* Record an acquisition / a release in *held. false if the stack is full
 * (acquire) or the lock is not held (release). */
bool lock_order_push(struct held_locks *held, const struct spinlock *lock);
bool lock_order_pop(struct held_locks *held, const struct spinlock *lock);

#endif
