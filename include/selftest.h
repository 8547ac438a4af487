/*
 * Built-in self-tests, chosen with `selftest=NAME` on the command line, run
 * after boot by the QEMU tests in tests/ (see docs/ARCHITECTURE.md):
 *   memory     allocate every free frame, check, free all: counts return exactly
 *   heap       many xmalloc sizes, then xfree: the free-frame count returns
 *   timer      each CPU takes periodic and one-shot local APIC timer interrupts
 *   ipi        call_function on each CPU and on all CPUs
 *   fault      a deliberate page fault in selftest_fault_trigger()
 *   lockorder  two locks taken against the lock order (debug builds catch it)
 *   gfnleak    a get_gfn without put_gfn (the check before VMRUN names it)
 */
#ifndef MICA_SELFTEST_H
#define MICA_SELFTEST_H

#include "types.h"

bool selftest_requested(void);
/* Run the chosen test; true if it passed. Prints "selftest NAME: PASS|FAIL". */
bool selftest_run(void);

#endif
