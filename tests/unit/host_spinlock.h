/*
 * What host_spinlock.c offers a host unit test beyond spinlock.h.
 */
#ifndef MICA_HOST_SPINLOCK_H
#define MICA_HOST_SPINLOCK_H

#include "spinlock.h"

/* Called with each lock just released (NULL: nothing). */
extern void (*host_spin_unlock_hook)(spinlock_t *lock);

#endif
