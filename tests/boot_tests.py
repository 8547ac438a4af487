"""QEMU tests of Mica itself: booting, the command line, the built-in selftests
(selftest=...), fault and lock-order reports, the p2m dump.

tests() returns the list (see tests/mica_test.py); run_tests.py finds it.
"""
from mica_test import EXIT_FAILURE, EXIT_PANIC, MICA_ELF, NO_FAULT, QemuTest, guest_elf


def watchdog_test(name="watchdog/deadlock", mica_elf=MICA_ELF):
    """selftest=deadlock: CPU1 waits (interrupts off) for a lock CPU0 never
    releases; within watchdog=2 seconds the watchdog names the lock and its
    holder and panics, instead of a silent hang until QEMU's timeout. The
    release list (tests/release_tests.py) runs it on the release build."""
    return QemuTest(name, "selftest=deadlock watchdog=2", status=EXIT_PANIC, timeout=60,
                    mica_elf=mica_elf,
                    expect=[r"^watchdog: CPU1 has not passed its scheduler loop for 2 s$",
                            r"^watchdog: CPU1 waits for 'selftest_outer' \(level 10\), "
                            r"held by CPU0$",
                            r"MICA WATCHDOG: CPU1 stuck for 2 s"],
                    reject=[r"MICA FAULT", r"CPU1 took a lock CPU0 holds"])


def tests():
    return [
        QemuTest("boot/1cpu", cpus=1,
                 expect=[r"^SMP: 1 of 1 CPUs online", r"^CPU0: online", r"^Memory: .* KiB free",
                         r"no domains \(no modules\) to run"], reject=NO_FAULT),
        QemuTest("boot/4cpus", cpus=4,
                 expect=[r"^CPU%d: online" % n for n in range(4)] +
                        [r"^SMP: 4 of 4 CPUs online", r"boot complete"], reject=NO_FAULT),
        QemuTest("memory/256M", "selftest=memory",
                 expect=[r"allocated (\d+) frames of \1 free, 0 left",
                         r"after freeing: \d+ free, free lists identical",
                         r"^selftest memory: PASS"], reject=NO_FAULT + (r"differ",)),
        QemuTest("memory/1G-4cpus", "selftest=memory", cpus=4, mem="1G",
                 expect=[r"allocated (\d+) frames of \1 free, 0 left", r"^selftest memory: PASS"],
                 reject=NO_FAULT),
        QemuTest("heap", "selftest=heap", expect=[r"^selftest heap: PASS"], reject=NO_FAULT),
        # System time against the PIT; timers on CPU0 (order, ties, one in the
        # past, one stopped), moved to and stopped on CPU1, and timer_stop
        # waiting for a function running there. Under icount, so "on time"
        # (within TIMER_SLACK_NS) does not depend on the host's load.
        QemuTest("timer/2cpus", "selftest=timer", icount=True,
                 expect=[r"20 ms of the PIT took \d+ ns of system time",
                         r"CPU0: 5 timers fired in deadline order",
                         r"CPU1: a timer moved from CPU0 fired there",
                         r"CPU1: timer_stop from CPU0 waited for the running function",
                         r"^selftest timer: PASS"],
                 reject=NO_FAULT),
        QemuTest("ipi/4cpus", "selftest=ipi", cpus=4,
                 expect=[r"call_function_all ran on 4 of 4", r"call_function_on\(3\) ran on CPU3",
                         r"^selftest ipi: PASS"], reject=NO_FAULT),
        QemuTest("fault/backtrace", "selftest=fault", status=EXIT_PANIC,
                 expect=[r"MICA FAULT on CPU0: vector 14 \(#PF page fault\), error code 0x2",
                         r"^ERROR: RIP: 0008:[0-9a-f]{16} selftest_fault_trigger\+0x",
                         r"^ERROR: CR0: .* CR2: 0000000000000010",
                         r"^Backtrace:\n  \[<[0-9a-f]+>\] selftest_fault_trigger\+",
                         r"\] selftest_run\+0x", r"\] start_mica\+0x"]),
        QemuTest("lockorder/violation", "selftest=lockorder", status=EXIT_PANIC,
                 expect=[r"lock order violation on CPU0: acquiring 'selftest_outer' \(level 10\) "
                         r"while holding 'selftest_inner' \(level 11\)",
                         r"\] test_lockorder\+0x"],
                 reject=[r"went unnoticed"]),
        watchdog_test(),
        QemuTest("p2m/missing-put-gfn", "selftest=gfnleak", status=EXIT_PANIC,
                 expect=[r"returning to a guest while holding a gfn: "
                         r"get_gfn at common/selftest\.c:\d+ has no put_gfn"],
                 reject=[r"went unnoticed"]),
        QemuTest("p2m/dump", "p2m-dump", modules=[(guest_elf("hello"), "name=hello mem=20M")],
                 expect=[r"^p2m of d0 \(hello\): 5120 pages owned, 3 table pages, leaves up to 2M",
                         r"^  gfn 0x00000-0x001ff -> mfn 0x[0-9a-f]{5}-0x[0-9a-f]{5}  2M x1 +ram_rw",
                         r"^  table L3 at mfn 0x[0-9a-f]+\n  table L2 at mfn 0x[0-9a-f]+\n"
                         r"  table L1 at mfn 0x[0-9a-f]+\n",
                         r"p2m audit d0 \(hello\): ok \(5120 pages, 3 table pages\)"],
                 reject=NO_FAULT),
        QemuTest("cmdline/unknown-option", "frobnicate=7 loglvl=debug",
                 expect=[r"^WARNING: command line: unknown option 'frobnicate' ignored",
                         r"boot complete"], reject=NO_FAULT),
        QemuTest("cmdline/loglvl-warning", "loglvl=warning",
                 expect=[r"Mica 0\.\d"], reject=NO_FAULT + (r"boot complete", r"Memory map")),
        QemuTest("cmdline/bad-selftest", "selftest=nosuchtest", status=EXIT_FAILURE,
                 expect=[r"selftest: no test called 'nosuchtest'"], reject=NO_FAULT),
    ]

