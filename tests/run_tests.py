#!/usr/bin/env python3
"""Mica's test runner: host unit tests, then Mica booted in QEMU (the tests of
every list tests/**/*_tests.py, found on their own; helpers in tests/mica_test.py).

Every test prints one line, PASS or FAIL with its name; the run ends with
"N passed, N failed". A QEMU test boots an ISO with a chosen command line and
CPU count, with -no-reboot and isa-debug-exit, and judges by QEMU's exit
status (never 0: a triple fault exits 0) and by patterns in the serial log.

  run_tests.py [--unit BIN ...] [--only SUBSTRING] [--jobs N] [--keep-logs DIR]

--only runs the tests whose name contains SUBSTRING; --jobs N runs N QEMU
tests at a time (default 2).
"""
import argparse
import glob
import importlib.util
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

TESTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TESTS)
sys.dont_write_bytecode = True      # no __pycache__ beside the test lists
import mica_test  # noqa: E402


def test_lists():
    """Every test list: a module *_tests.py anywhere under tests/ (but this
    runner, run_tests.py), in path order."""
    paths = sorted(glob.glob(os.path.join(TESTS, "**", "*_tests.py"), recursive=True))
    for path in (p for p in paths if p != os.path.abspath(__file__)):
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module


def all_qemu_tests():
    return [test for module in test_lists() for test in module.tests()]


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
    parser.add_argument("--jobs", "-j", type=int, default=2,
                        help="QEMU tests run at a time (default 2)")
    parser.add_argument("--keep-logs", default=os.path.join(mica_test.ROOT, "build", "test-logs"))
    args = parser.parse_args()

    results = []
    run_unit_tests([b for b in args.unit if args.only in b], results)

    os.makedirs(args.keep_logs, exist_ok=True)
    tests = [t for t in all_qemu_tests() if args.only in t.name]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for test, (problems, log) in zip(tests, pool.map(lambda t: t.run(), tests)):
            log_path = os.path.join(args.keep_logs, test.name.replace("/", "_") + ".log")
            with open(log_path, "w") as f:
                f.write(log)
            kind = getattr(test, "kind", "qemu")    # a list may hold host tests too
            if problems:
                print("FAIL %s/%s: %s (log: %s)" % (kind, test.name, "; ".join(problems), log_path))
            else:
                print("PASS %s/%s" % (kind, test.name))
            sys.stdout.flush()
            results.append(not problems)

    passed = sum(results)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
