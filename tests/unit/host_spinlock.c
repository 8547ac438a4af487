/*
 * Spinlocks for single-threaded host unit tests.
 *
 * The ticket fields are used as in Mica: spin_lock() takes ticket `next`
 * and the lock is ours when `owner` reaches it; spin_unlock() serves the
 * next ticket. With one thread, a ticket that is not served at once can
 * never be: that is a self-deadlock (taking a lock we already hold), and
 * the test stops there instead of hanging.
 *
 * The lock order (include/lock_order.h) is checked too, in a simple form:
 * the locks held form a stack, and each new lock's level must be above
 * the level of the one on top.
 *
 * A test may set host_spin_unlock_hook: it is called with each lock just
 * released, the moment another CPU could take it (test_physmap.c audits a
 * domain there).
 */
#include <assert.h>

#include "host_gfn.h"
#include "host_spinlock.h"
#include "spinlock.h"

void (*host_spin_unlock_hook)(spinlock_t *lock);

static const spinlock_t *held[LOCK_ORDER_MAX_HELD];
static unsigned int nr_held;
static bool irqs_enabled = true; /* the pretend CPU's interrupt flag */

static bool spin_is_locked(const spinlock_t *lock)
{
    return lock->next != lock->owner;
}

void spin_lock(spinlock_t *lock)
{
    uint16_t ticket = lock->next++;

    assert(lock->owner == ticket && "self-deadlock: lock already held");
    assert(nr_held < LOCK_ORDER_MAX_HELD);
    assert((nr_held == 0 || held[nr_held - 1]->level < lock->level) && "lock order violation");
    held[nr_held++] = lock;
}

void spin_unlock(spinlock_t *lock)
{
    unsigned int i = nr_held;

    assert(spin_is_locked(lock));
    /* Forget it in the held stack (usually on top, but need not be). */
    while (i > 0 && held[i - 1] != lock)
        i--;
    assert(i > 0 && "unlocking a lock this CPU does not hold");
    for (; i < nr_held; i++)
        held[i - 1] = held[i];
    nr_held--;
    lock->owner++;
    if (host_spin_unlock_hook)
        host_spin_unlock_hook(lock);
}

unsigned long spin_lock_irqsave(spinlock_t *lock)
{
    unsigned long flags = irqs_enabled;

    irqs_enabled = false;
    spin_lock(lock);
    return flags;
}

void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
    spin_unlock(lock);
    irqs_enabled = flags != 0;
}

unsigned int host_locks_held(void)
{
    return nr_held;
}
