/*
 * The lock-order rule (see include/lock_order.h), as pure functions on a
 * CPU's stack of held locks. The spinlock code calls them in debug builds
 * and decides what to do about a violation; the host unit tests call them
 * directly.
 *
 * Why the rule prevents deadlock: if every CPU takes locks in strictly
 * increasing level, no CPU can hold a lock while waiting for one of a lower
 * or equal level, so no cycle of CPUs waiting for each other can form.
 * "Strictly" matters: two locks of the same level have no order between
 * them, and taking the same lock twice would spin forever.
 */
#include "lock_order.h"
#include "spinlock.h"

const struct spinlock *lock_order_conflict(const struct held_locks *held,
                                           const struct spinlock *lock)
{
    const struct spinlock *worst = NULL;

    /*
     * Usually the innermost lock has the highest level, but locks may be
     * released out of order, so look at all of them and report the one
     * with the highest level: it is the one most out of order.
     */
    for (unsigned int i = 0; i < held->depth; i++) {
        const struct spinlock *h = held->lock[i];
        if (h->level >= lock->level && (worst == NULL || h->level > worst->level))
            worst = h;
    }
    return worst;
}

bool lock_order_push(struct held_locks *held, const struct spinlock *lock)
{
    if (held->depth >= LOCK_ORDER_MAX_HELD)
        return false;
    held->lock[held->depth++] = lock;
    return true;
}

bool lock_order_pop(struct held_locks *held, const struct spinlock *lock)
{
    /* Search from the innermost lock, the usual one to be released. */
    for (unsigned int i = held->depth; i-- > 0;) {
        if (held->lock[i] != lock)
            continue;
        /* Close the gap, keeping the other locks in acquisition order. */
        for (unsigned int j = i; j + 1 < held->depth; j++)
            held->lock[j] = held->lock[j + 1];
        held->depth--;
        held->lock[held->depth] = NULL;
        return true;
    }
    return false;
}
