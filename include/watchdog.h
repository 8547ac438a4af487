/*
 * The deadlock watchdog: a CPU that has not passed its scheduler loop for
 * `watchdog=SECONDS` (default 20; 0 turns it off) is stuck, in a spin on a
 * lock nobody will release or in a loop that never ends. Mica then prints,
 * for every CPU, the lock it waits for and who holds that lock, and the
 * gfns it holds (where it took them), and panics. A hang becomes a report
 * naming the locks, in release builds too, where the lock-order checker is
 * off. common/watchdog.c says how it measures.
 */
#ifndef MICA_WATCHDOG_H
#define MICA_WATCHDOG_H

/* This CPU passes its scheduler loop: before each VMRUN and at each turn of
 * the idle loop (the scheduler calls it). The first pass arms the watch of
 * this CPU: before it, the CPU is still booting, building domains or
 * running a self-test, however long that takes. */
void watchdog_pass(void);

/* At every tick of this CPU's timer (interrupt context). */
void watchdog_tick(void);

#endif
