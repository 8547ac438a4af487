/*
 * yield_storm: SCHEDOP_yield in a tight loop (YIELDS times), then power off.
 *
 * Run as three domains on two CPUs (smp_tests.py): one vCPU always waits on
 * the run queue, so the vCPUs change CPU at nearly every yield, and each change restores the FPU state (FXRSTOR)
 * on the CPU that picks the vCPU up. Under QEMU's multi-threaded TCG an
 * FXRSTOR on one CPU used to race with a VMRUN or #VMEXIT on CPU 0, leaving
 * CPU 0 with nested paging on for the host: Mica triple-faulted within
 * seconds (docs/qemu.md, "FXRSTOR and CPU 0's hflags2").
 */
#include "test.h"

TEST_NAME("yield_storm");

#define YIELDS 150000

void test_main(void)
{
    unsigned long failed = 0;

    for (unsigned long i = 0; i < YIELDS; i++) {
        if (HYPERVISOR_sched_op(SCHEDOP_yield, NULL) != 0)
            failed++;
    }
    CHECK_EQ(failed, 0);
    gprintf("%u yields done\n", YIELDS);
}
