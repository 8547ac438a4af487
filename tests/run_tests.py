#!/usr/bin/env python3
"""Mica's test runner: host unit tests, then Mica booted in QEMU.

Every test prints one line, PASS or FAIL with its name; the run ends with
"N passed, N failed". A QEMU test boots an ISO with a chosen command line and
CPU count, with -no-reboot and isa-debug-exit, and judges by QEMU's exit
status (never 0: a triple fault exits 0) and by patterns in the serial log.

  run_tests.py [--unit BIN ...] [--only SUBSTRING] [--keep-logs DIR]
"""
import argparse
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import mica_boot  # noqa: E402
from mica_boot import EXIT_PANIC, EXIT_SUCCESS  # noqa: E402

MICA_ELF = os.path.join(ROOT, "build", "mica.elf")


class QemuTest:
    """Boot with cmdline on cpus CPUs, with multiboot2 modules (guest images:
    (path relative to the repository, module command line)); expect status;
    every pattern in `expect` must match the log, none in `reject` may."""

    def __init__(self, name, cmdline="", cpus=2, mem="256M", status=EXIT_SUCCESS,
                 expect=(), reject=(), modules=(), timeout=60):
        self.name, self.cmdline, self.cpus, self.mem = name, cmdline, cpus, mem
        self.status, self.expect, self.reject = status, expect, tuple(reject)
        self.modules, self.timeout = modules, timeout

    def run(self):
        modules = ["%s:%s" % (os.path.join(ROOT, path), cmdline) for path, cmdline in self.modules]
        status, log = mica_boot.boot(MICA_ELF, self.cmdline, self.cpus, self.mem, modules,
                                     self.timeout)
        problems = []
        if status != self.status:
            problems.append("QEMU exit status %d, expected %d" % (status, self.status))
        for pattern in self.expect:
            if not re.search(pattern, log, re.MULTILINE):
                problems.append("log lacks /%s/" % pattern)
        for pattern in self.reject + ALWAYS_REJECT:
            if re.search(pattern, log, re.MULTILINE):
                problems.append("log has /%s/" % pattern)
        return problems, log


NO_FAULT = (r"MICA FAULT", r"MICA PANIC")
# Whatever a test expects, a p2m audit that fails (debug builds audit every
# domain at teardown) or a leak at the end of the run fails it.
ALWAYS_REJECT = (r"p2m audit d\d+ \(.*\): FAILED", r"frames leaked by domains")

QEMU_TESTS = [
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
    QemuTest("timer/2cpus", "selftest=timer",
             expect=[r"CPU1: \d+ periodic ticks", r"CPU1: 1 one-shot", r"^selftest timer: PASS"],
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
    QemuTest("p2m/missing-put-gfn", "selftest=gfnleak", status=EXIT_PANIC,
             expect=[r"returning to a guest while holding a gfn: "
                     r"get_gfn at common/selftest\.c:\d+ has no put_gfn"],
             reject=[r"went unnoticed"]),
    QemuTest("p2m/dump", "p2m-dump", modules=[("build/guest/hello.elf", "name=hello mem=20M")],
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
    QemuTest("cmdline/bad-selftest", "selftest=nosuchtest", status=mica_boot.EXIT_FAILURE,
             expect=[r"selftest: no test called 'nosuchtest'"], reject=NO_FAULT),
]


def all_qemu_tests():
    for area in ("core", "smp", "xsm", "memop"):
        sys.path.insert(0, os.path.join(ROOT, "tests", "guest", area))
    import core_tests   # tests/guest/core/: tests that boot guests
    import smp_tests    # tests/guest/smp/: guests with several vCPUs, TLB shootdown
    import xsm_tests    # tests/guest/xsm/: each XSM module, policies, xsm_op
    import memop_tests  # tests/guest/memop/: memory_op guests, p2m audit
    return (QEMU_TESTS + core_tests.tests(QemuTest) + smp_tests.tests(QemuTest)
            + xsm_tests.tests(QemuTest) + memop_tests.tests(QemuTest))


def run_unit_tests(binaries, results):
    for binary in binaries:
        proc = subprocess.run([binary], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
        lines = [l for l in proc.stdout.splitlines() if l.startswith(("PASS ", "FAIL "))]
        for line in lines:
            print(line)
            results.append(line.startswith("PASS "))
        if proc.returncode != 0 and not any(l.startswith("FAIL ") for l in lines):
            print("FAIL %s: exited %d\n%s" % (binary, proc.returncode, proc.stdout[-2000:]))
            results.append(False)
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--unit", nargs="*", default=[])
    parser.add_argument("--only", default="")
    parser.add_argument("--keep-logs", default=os.path.join(ROOT, "build", "test-logs"))
    args = parser.parse_args()

    results = []
    run_unit_tests([b for b in args.unit if args.only in b], results)

    os.makedirs(args.keep_logs, exist_ok=True)
    tests = [t for t in all_qemu_tests() if args.only in t.name]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for test, (problems, log) in zip(tests, pool.map(lambda t: t.run(), tests)):
            log_path = os.path.join(args.keep_logs, test.name.replace("/", "_") + ".log")
            with open(log_path, "w") as f:
                f.write(log)
            if problems:
                print("FAIL qemu/%s: %s (log: %s)" % (test.name, "; ".join(problems), log_path))
            else:
                print("PASS qemu/%s" % test.name)
            sys.stdout.flush()
            results.append(not problems)

    passed = sum(results)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
