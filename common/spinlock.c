/*
 * Ticket spinlocks (see spinlock.h) and, in debug builds, the run-time
 * lock-order check.
 *
 * spin_lock takes a ticket with an atomic fetch-and-add on `next` and waits
 * until `owner` reaches it; spin_unlock advances `owner`. The acquire/release
 * memory orders make everything written inside the critical section visible
 * to the next holder.
 */
#include "spinlock.h"
#include "panic.h"
#include "percpu.h"
#include "printk.h"
#include "arch.h"

#ifdef MICA_DEBUG
/* The locks this CPU holds, innermost last (lib/lock_order.c). */
static DEFINE_PER_CPU(struct held_locks, held_locks);

/* Check the order before waiting, so a violation is reported even when it
 * would deadlock right here (the same lock taken twice). */
static void lock_order_check(const spinlock_t *lock)
{
    const spinlock_t *conflict = lock_order_conflict(&this_cpu_var(held_locks), lock);

    if (conflict)
        panic("lock order violation on CPU%u: acquiring '%s' (level %u) while holding '%s' (level "
              "%u)\n",
              smp_processor_id(), lock->name, lock->level, conflict->name, conflict->level);
}

/* Record the lock only once it is held: while a CPU spins for a lock it may
 * take interrupts whose handlers take locks of their own. */
static void lock_order_acquired(const spinlock_t *lock)
{
    if (!lock_order_push(&this_cpu_var(held_locks), lock))
        panic("lock order: more than %d locks held on CPU%u, acquiring '%s'\n", LOCK_ORDER_MAX_HELD,
              smp_processor_id(), lock->name);
}

static void lock_order_release(const spinlock_t *lock)
{
    if (!lock_order_pop(&this_cpu_var(held_locks), lock))
        panic("releasing '%s', which CPU%u does not hold\n", lock->name, smp_processor_id());
}

const spinlock_t *spin_innermost_held(void)
{
    const struct held_locks *held = &this_cpu_var(held_locks);

    return held->depth ? held->lock[held->depth - 1] : NULL;
}
#else
static inline void lock_order_check(const spinlock_t *lock)
{
    (void)lock;
}
static inline void lock_order_acquired(const spinlock_t *lock)
{
    (void)lock;
}
static inline void lock_order_release(const spinlock_t *lock)
{
    (void)lock;
}
#endif

/* The lock each CPU waits for, while it waits (in every build: a deadlock
 * report must name it, common/watchdog.c). Set only when the lock is not
 * free at once, so taking a free lock costs nothing more. */
static DEFINE_PER_CPU(const spinlock_t *, waiting_for);

const spinlock_t *spin_waiting_for(unsigned int cpu)
{
    return __atomic_load_n(&per_cpu(waiting_for, cpu), __ATOMIC_RELAXED);
}

void spin_lock(spinlock_t *lock)
{
    lock_order_check(lock);
    uint16_t ticket = __atomic_fetch_add(&lock->next, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&lock->owner, __ATOMIC_ACQUIRE) != ticket) {
        this_cpu_var(waiting_for) = lock;
        while (__atomic_load_n(&lock->owner, __ATOMIC_ACQUIRE) != ticket)
            cpu_relax();
        this_cpu_var(waiting_for) = NULL;
    }
    lock->holder = (uint16_t)smp_processor_id();
    lock_order_acquired(lock);
}

bool spin_trylock(spinlock_t *lock)
{
    uint16_t owner = __atomic_load_n(&lock->owner, __ATOMIC_RELAXED);
    uint16_t expected = owner;

    lock_order_check(lock);
    /* Free means next == owner: take the ticket only in that case. */
    if (!__atomic_compare_exchange_n(&lock->next, &expected, (uint16_t)(owner + 1), false,
                                     __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return false;
    lock->holder = (uint16_t)smp_processor_id();
    lock_order_acquired(lock);
    return true;
}

void spin_unlock(spinlock_t *lock)
{
    lock_order_release(lock);
    lock->holder = SPIN_NO_HOLDER;
    __atomic_store_n(&lock->owner, (uint16_t)(lock->owner + 1), __ATOMIC_RELEASE);
}

unsigned long spin_lock_irqsave(spinlock_t *lock)
{
    unsigned long flags = irq_save();
    spin_lock(lock);
    return flags;
}

void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
    spin_unlock(lock);
    irq_restore(flags);
}
