/*
 * Ticket spinlocks with a lock-order level.
 *
 * A ticket lock hands the lock out in arrival order, so no CPU starves.
 * Each lock carries a name and a level from include/lock_order.h; debug builds
 * check on every acquisition that the CPU holds no lock of equal or higher
 * level, and report a violation naming both locks.
 */
#ifndef MICA_SPINLOCK_H
#define MICA_SPINLOCK_H

#include "lock_order.h"
#include "types.h"

typedef struct spinlock {
    uint16_t next;   /* next ticket to hand out */
    uint16_t owner;  /* ticket now being served */
    uint16_t level;  /* enum lock_level */
    uint16_t holder; /* the CPU holding it, or SPIN_NO_HOLDER (for the
                        watchdog's report, common/watchdog.c) */
    const char *name;
} spinlock_t;

#define SPIN_NO_HOLDER 0xFFFF

#define SPINLOCK_INIT(lock_name, lock_level)                                    \
    {                                                                           \
        .next = 0, .owner = 0, .level = (lock_level), .holder = SPIN_NO_HOLDER, \
        .name = (lock_name)                                                     \
    }
#define DEFINE_SPINLOCK(var, lock_level) spinlock_t var = SPINLOCK_INIT(#var, lock_level)

static inline void spin_lock_init(spinlock_t *lock, const char *name, enum lock_level level)
{
    *lock = (spinlock_t)SPINLOCK_INIT(name, (uint16_t)level);
}

void spin_lock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
/* Take the lock only if it is free right now; true if taken. */
bool spin_trylock(spinlock_t *lock);

/* The same with local interrupts disabled while held; flags restore them. */
unsigned long spin_lock_irqsave(spinlock_t *lock);
void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);

/* The lock cpu is waiting for right now, or NULL (the watchdog's report). */
const spinlock_t *spin_waiting_for(unsigned int cpu);

#ifdef MICA_DEBUG
/* The innermost lock this CPU holds, or NULL (debug builds, which track
 * them for the lock-order check): nothing may be held on entry to a guest. */
const spinlock_t *spin_innermost_held(void);
#endif

#endif
