/*
 * What the host doubles of get_gfn/put_gfn (host_gfn.c) and of spinlocks
 * (host_spinlock.c) let a test see: how many gets are outstanding and how
 * many locks the pretend CPU holds. After any operation returns, both must
 * be 0, whatever path it took.
 */
#ifndef MICA_HOST_GFN_H
#define MICA_HOST_GFN_H

unsigned int host_gfn_depth(void);
unsigned int host_locks_held(void);

#endif
