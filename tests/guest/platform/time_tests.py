"""QEMU tests of time and timers as a guest sees them (tests/guest/platform/time_*.c,
docs/platform.md "Time and timers"): the pvclock, the TSC and HVM CPUID leaves
and the wallclock (time_pvclock.c); the singleshot and periodic timers,
set_timer_op and SCHEDOP_poll's timeout (time_timers.c). Each in both
flavours, under -icount (deterministic: the TSC counts one instruction per
ns, so its rate is 1 GHz, and a timer's VIRQ_TIMER comes within 100 us) and
once on truly parallel CPUs, where only the host's load bounds the lateness.

tests() returns the list (tests/mica_test.py).
"""
from mica_test import NO_LEAK, REJECT, QemuTest, guest_elf, summary, verdict


def time_test(name, guest, args, icount, cpus=2, timeout=120):
    """One domain of `guest` with two vCPUs; `args` after " -- "."""
    return QemuTest("time/" + name, cpus=cpus, icount=icount, timeout=timeout,
                    modules=[(guest_elf(guest), "name=time vcpus=2" + (" -- " + args if args else ""))],
                    expect=[verdict("time", guest), summary("time", domid=0), NO_LEAK],
                    reject=REJECT)


def tests():
    return [
        # Under icount the TSC (and so CPUID's rate and the pvclock's scale)
        # is exactly 1 GHz.
        time_test("pvclock", "time_pvclock", "tsc_khz=1000000", icount=True),
        time_test("pvclock-32", "time_pvclock-32", "tsc_khz=1000000", icount=True),
        time_test("pvclock-parallel", "time_pvclock", "", icount=False),
        # Every timer on time (within TIMER_SLACK_NS) and exact counts.
        time_test("timers", "time_timers", "strict", icount=True),
        time_test("timers-32", "time_timers-32", "strict", icount=True),
        # On QEMU's parallel threads: never early, counts at most N.
        time_test("timers-parallel", "time_timers", "", icount=False),
        time_test("timers-1cpu", "time_timers", "strict", icount=True, cpus=1),
    ]
