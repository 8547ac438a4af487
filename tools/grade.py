#!/usr/bin/env python3
"""Grade a lab (docs/labs/): run the tests that grade it and print the score.

  tools/grade.py LAB [--quick] [--list]      (make grade LAB=NAME builds first)

Each test is worth the points in LABS below; a host unit test binary is worth
`points` for each of its tests that the lab grades (the UNIT_TEST lines of
its source, all of them or those LABS names; a test that never reports, e.g.
after a crash, scores 0). The last line is

    grade LAB: SCORE/TOTAL (PCT%)

Exit status: 0 on full marks, 1 on anything less, 2 when grading could not
run (an unknown lab, a missing binary). --quick grades the unit tests and the
first QEMU test only (tests/labs_tests.py uses it). Logs: build/grade-logs/.
"""
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.dont_write_bytecode = True

# lab: (unit tests: [(binary, source, points per test, the tests graded: None for
# every UNIT_TEST of the source)], QEMU tests: [(name, points)])
LABS = {
    "p2m_set_entry": (
        [("build/unit/test_p2m", "tests/unit/test_p2m.c", 1, None)],
        [("memop/physmap", 3),          # 4K changes inside superpages: splits
         ("memop/reservation", 3),      # extents of several orders
         ("memop/table-limit", 3),      # -ENOMEM at the table limit changes nothing
         ("memop/physmap-32", 2)]),
    "remove_from_physmap": (
        # the host tests that call physmap_remove: the flush before the
        # reference goes, the frame kept, refusals and -ENOMEM changing
        # nothing, and (test_physmap_audit) the audit exact at every unlock
        [("build/unit/test_physmap", "tests/unit/test_physmap.c", 1,
          ("test_remove_ram_keeps_the_frame_with_its_domain",
           "test_remove_refuses_holes_and_typed_entries",
           "test_foreign_map_replaces_ram_after_a_flush_and_unmaps")),
         ("build/unit/test_physmap_audit", "tests/unit/test_physmap_audit.c", 1,
          ("test_remove_ram_keeps_the_audit_exact",
           "test_remove_shared_info_keeps_the_audit_exact",
           "test_foreign_map_and_unmap_keep_both_audits_exact"))],
        [("memop/touch-removed", 3),    # remove, then the guest's read faults
         ("memop/physmap", 3),          # remove twice: 0, -ENOENT; shared_info
         ("memop/foreign", 3),          # a foreign mapping's reference comes back
         ("guest/shootdown-remove", 3), # the flush: no stale read on the other vCPU
         ("memop/touch-removed-32", 1),
         ("memop/physmap-32", 1)]),
}


def grade_unit(binary, source, points, graded, out):
    with open(os.path.join(ROOT, source)) as f:
        names = re.findall(r"^\s*UNIT_TEST\((\w+)\)", f.read(), re.M)
    if graded is not None:
        unknown = [n for n in graded if n not in names]
        if unknown:
            raise SystemExit("grade: %s has no test %s" % (source, ", ".join(unknown)))
        names = list(graded)
    path = os.path.join(ROOT, binary)
    if not os.path.exists(path):
        raise SystemExit("grade: %s is missing (make grade builds it)" % binary)
    proc = subprocess.run([path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          cwd=ROOT)
    out.write(proc.stdout)
    passed = set(re.findall(r"^PASS unit/\w+/(\w+)$", proc.stdout, re.M))
    results = []
    for name in names:
        ok = name in passed
        print("%s unit/%s [%d]" % ("PASS" if ok else "FAIL", name, points))
        results.append((ok, points))
    return results


def qemu_tests(names):
    import run_tests
    by_name = {t.name: t for t in run_tests.all_qemu_tests()}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise SystemExit("grade: no such test(s): %s" % ", ".join(missing))
    return [by_name[n] for n in names]


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    quick, list_only = "--quick" in argv, "--list" in argv
    if len(args) != 1 or args[0] not in LABS:
        print(__doc__.strip(), file=sys.stderr)
        print("labs: %s" % ", ".join(LABS), file=sys.stderr)
        return 2
    lab = args[0]
    units, qemus = LABS[lab]
    if quick:
        qemus = qemus[:1]
    if list_only:
        for binary, source, points, graded in units:
            print("%s: %d point(s) for each of %s" % (binary, points, "its tests" if graded is None
                                                        else ", ".join(graded)))
        for name, points in qemus:
            print("%s: %d point(s)" % (name, points))
        return 0
    logs = os.path.join(ROOT, "build", "grade-logs")
    os.makedirs(logs, exist_ok=True)
    results = []
    with open(os.path.join(logs, lab + "-unit.log"), "w") as out:
        for unit in units:
            results += grade_unit(*unit, out)
    tests = qemu_tests([name for name, _ in qemus])
    with ThreadPoolExecutor(max_workers=2) as pool:
        for (name, points), test, (problems, log) in zip(
                qemus, tests, pool.map(lambda t: t.run(), tests)):
            log_path = os.path.join(logs, name.replace("/", "_") + ".log")
            with open(log_path, "w") as f:
                f.write(log)
            print("%s %s [%d]%s" % ("FAIL" if problems else "PASS", name, points,
                                    ": %s (log: %s)" % ("; ".join(problems), log_path)
                                    if problems else ""))
            results.append((not problems, points))
            sys.stdout.flush()
    score = sum(p for ok, p in results if ok)
    total = sum(p for _, p in results)
    print("grade %s: %d/%d (%d%%)%s" % (lab, score, total, 100 * score // max(total, 1),
                                        " (quick)" if quick else ""))
    return 0 if score == total else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
