#!/usr/bin/env python3
"""Mutation testing: do the tests catch the bugs they claim to catch?

Each mutant in tools/mutants.txt is one deliberate bug in one line of
defence (a flush removed, a check inverted, a reference not dropped ...)
together with the tests that must catch it. For every mutant, alone, this
tool

  1. applies it to a copy of the tree (made once, in a temporary folder:
     the working tree is never touched),
  2. builds what the tests need (an incremental make: only the mutated file
     is compiled again),
  3. runs the named tests (tests/run_tests.py --only SUBSTRING, each), and
  4. puts the file back,

then prints one row per mutant and the kill ratio. Every named test runs: a
mutant is KILLED when each of them fails, PARTLY killed when some do (the
others claim a bug they do not catch: a weak test), SURVIVED when none does,
STILLBORN when it does not build (the compiler caught it: that counts for
nothing) and ERROR when its text is not in its file exactly once. Before the
first mutant the named tests run once on the unmutated copy: a test that
fails there cannot kill anything.

  tools/mutate.py [--only SUBSTRING] [--quick] [--jobs N] [--list] [--check] [--keep] [FILE]

--only picks the mutants whose name contains SUBSTRING; --quick the mutants
that only host unit tests must catch (seconds each); --jobs is passed to
run_tests.py (QEMU tests at a time, default 1: the machine is shared).
--list prints the mutants, --check checks that each still applies (its text
is in its file exactly once), both without building anything.
The exit status is 0 only if every mutant run was KILLED.

Format of the mutant list (docs/testing.md says how to add one): one mutant
per line, `#` starts a comment line,

  NAME  FILE  "TEXT"  "REPLACEMENT"  TEST [TEST ...]

TEXT must occur exactly once in FILE (so a mutant goes stale loudly when
the code moves on); in both quoted fields \\n is a newline, \\" a quote and
\\\\ a backslash. Each TEST is a --only substring of tests/run_tests.py: a
QEMU test name such as guest/shootdown-decrease, or unit/test_NAME for the
host unit test binary build/unit/test_NAME (all of its tests).
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TOOLS = os.path.dirname(os.path.realpath(__file__))
ROOT = os.path.dirname(TOOLS)
DEFAULT_LIST = os.path.join(TOOLS, "mutants.txt")
MUTANT_TIMEOUT = 1800  # seconds for one mutant's tests: a hang is a kill


class Mutant:
    def __init__(self, name, path, text, replacement, tests, line):
        self.name, self.path, self.text, self.replacement = name, path, text, replacement
        self.tests, self.line = tests, line

    @property
    def quick(self):
        return all(t.startswith("unit/") for t in self.tests)


def tokens(line):
    """Split a line into words and "quoted" fields (with \\n, \\" and \\\\)."""
    out, i = [], 0
    while i < len(line):
        c = line[i]
        if c.isspace():
            i += 1
        elif c == '"':
            i += 1
            text = []
            while i < len(line) and line[i] != '"':
                if line[i] == "\\" and i + 1 < len(line):
                    text.append({"n": "\n", "t": "\t"}.get(line[i + 1], line[i + 1]))
                    i += 2
                else:
                    text.append(line[i])
                    i += 1
            if i >= len(line):
                raise ValueError("unterminated quote")
            out.append("".join(text))
            i += 1
        else:
            j = i
            while j < len(line) and not line[j].isspace():
                j += 1
            out.append(line[i:j])
            i = j
    return out


def read_mutants(path):
    mutants = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                words = tokens(line)
                if len(words) < 5:
                    raise ValueError("needs NAME FILE \"TEXT\" \"REPLACEMENT\" TEST...")
            except ValueError as e:
                sys.exit("%s:%d: %s" % (path, number, e))
            mutants.append(Mutant(words[0], words[1], words[2], words[3], words[4:], number))
    names = [m.name for m in mutants]
    for name in set(n for n in names if names.count(n) > 1):
        sys.exit("%s: mutant name %s used twice" % (path, name))
    return mutants


def copy_tree(dest):
    """The repository as it is (tracked and untracked files, not ignored ones:
    so uncommitted work is measured too), and build/ with its times, so the
    first build is incremental too (no logs)."""
    files = subprocess.run(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], stdout=subprocess.PIPE, check=True).stdout
    for rel in filter(None, files.decode().split("\0")):
        src = os.path.join(ROOT, rel)
        if not os.path.isfile(src):
            continue  # deleted in the working tree
        os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, rel))
    build = os.path.join(ROOT, "build")
    if os.path.isdir(build):
        shutil.copytree(build, os.path.join(dest, "build"), symlinks=True,
                        ignore=shutil.ignore_patterns("test-logs", "mutate-logs"))


def run(command, cwd, timeout):
    """Run command in its own process group; (status, output). A timeout
    kills the whole group (QEMU included) and gives status None."""
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
        return proc.returncode, output
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        return None, output


def build(tree):
    """Everything a test may boot or run, the release build included (a
    test's substring may match its release/ copy too)."""
    return run(["make", "-s", "-j1", "unit", "build/mica.elf", "release", "guests"], tree,
               MUTANT_TIMEOUT)


def run_tests(tree, tests, jobs, deadline):
    """Run each test; (caught, missed): the tests that failed, with why, and
    the ones that passed."""
    units = sorted(os.path.join(tree, "build", "unit", f)
                   for f in os.listdir(os.path.join(tree, "build", "unit"))
                   if f.startswith("test_") and "." not in f)
    caught, missed = [], []
    for test in tests:
        left = max(1, deadline - time.monotonic())
        status, output = run([sys.executable, "tests/run_tests.py", "--unit", *units, "--only", test,
                              "--jobs", str(jobs), "--keep-logs", "build/mutate-logs"], tree, left)
        lines = output.splitlines()
        failed = [l for l in lines if l.startswith("FAIL ")]
        if status is None:
            caught.append((test, "hung, killed after %d s" % MUTANT_TIMEOUT))
        elif not any(l.startswith(("PASS ", "FAIL ")) for l in lines):
            caught.append((test, "ERROR: no test matched %r" % test))
        elif failed:
            caught.append((test, failed[0][5:].split(": ")[0].replace(tree + "/", "")))
        else:
            missed.append(test)
    return caught, missed


def apply(tree, mutant):
    """Apply the mutant; its file's original text (to restore), or an error."""
    path = os.path.join(tree, mutant.path)
    if not os.path.isfile(path):
        return None, "no file %s" % mutant.path
    with open(path) as f:
        original = f.read()
    count = original.count(mutant.text)
    if count != 1:
        return None, "its text occurs %d times in %s (must be once)" % (count, mutant.path)
    with open(path, "w") as f:
        f.write(original.replace(mutant.text, mutant.replacement))
    return original, None


def restore(tree, mutant, original):
    with open(os.path.join(tree, mutant.path), "w") as f:
        f.write(original)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("list", nargs="?", default=DEFAULT_LIST)
    parser.add_argument("--only", default="", help="mutants whose name contains this")
    parser.add_argument("--quick", action="store_true", help="only mutants unit tests catch")
    parser.add_argument("--jobs", type=int, default=1, help="QEMU tests at a time (default 1)")
    parser.add_argument("--list", action="store_true", dest="list_only",
                        help="print the mutants and exit")
    parser.add_argument("--check", action="store_true",
                        help="only check that each mutant's text is in its file once")
    parser.add_argument("--keep", action="store_true", help="keep the copy of the tree")
    args = parser.parse_args()

    mutants = [m for m in read_mutants(args.list)
               if args.only in m.name and (m.quick or not args.quick)]
    if args.list_only:
        for m in mutants:
            print("%-28s %-28s %s" % (m.name, m.path, " ".join(m.tests)))
        return 0
    if not mutants:
        sys.exit("mutate: no mutant matches")
    if args.check:
        bad = 0
        for m in mutants:
            path = os.path.join(ROOT, m.path)
            count = open(path).read().count(m.text) if os.path.isfile(path) else -1
            if count != 1:
                bad += 1
                print("%s (line %d): its text occurs %s in %s" % (
                    m.name, m.line, "%d times" % count if count >= 0 else "nowhere: no file", m.path))
        print("mutate: %d of %d mutants apply" % (len(mutants) - bad, len(mutants)))
        return 1 if bad else 0

    tree = tempfile.mkdtemp(prefix="mica-mutate-")
    print("mutate: %d mutant(s); copy of the tree in %s" % (len(mutants), tree))
    sys.stdout.flush()
    try:
        copy_tree(tree)
        all_tests = sorted(set(t for m in mutants for t in m.tests))
        status, output = build(tree)
        if status != 0:
            print(output[-3000:])
            sys.exit("mutate: the unmutated tree does not build")
        caught, _ = run_tests(tree, all_tests, args.jobs, time.monotonic() + 4 * MUTANT_TIMEOUT)
        if caught:
            sys.exit("mutate: without any mutant, %s fails (%s): fix that first" % caught[0])
        print("mutate: the named tests pass on the unmutated tree")

        rows = []
        for m in mutants:
            started = time.monotonic()
            original, error = apply(tree, m)
            if error:
                rows.append((m, "ERROR", error, 0))
                print("%-28s ERROR      %s" % (m.name, error))
                continue
            try:
                status, output = build(tree)
                if status != 0:
                    result, why = "STILLBORN", "does not build"
                else:
                    caught, missed = run_tests(tree, m.tests, args.jobs, started + MUTANT_TIMEOUT)
                    result = "KILLED" if not missed else "PARTLY" if caught else "SURVIVED"
                    why = "; ".join("%s (%s)" % c for c in caught)
                    if missed:
                        why += "%smissed by %s" % ("; " if why else "", " ".join(missed))
            finally:
                restore(tree, m, original)
            rows.append((m, result, why, time.monotonic() - started))
            print("%-28s %-10s %s" % (m.name, result, why))
            sys.stdout.flush()
    finally:
        if args.keep:
            print("mutate: the copy stays in %s" % tree)
        else:
            shutil.rmtree(tree, ignore_errors=True)

    print()
    print("%-28s %-26s %-10s %6s  %s" % ("mutant", "file", "result", "time", "caught by"))
    for m, result, why, seconds in rows:
        print("%-28s %-26s %-10s %5.0fs  %s" % (m.name, m.path, result, seconds, why))
    killed = sum(1 for r in rows if r[1] in ("KILLED", "PARTLY"))
    partly = sum(1 for r in rows if r[1] == "PARTLY")
    survived = sum(1 for r in rows if r[1] == "SURVIVED")
    other = len(rows) - killed - survived
    print("kill ratio: %d/%d killed (%d of them missed by a test that claims them), "
          "%d survived, %d stillborn or in error" % (killed, killed + survived, partly, survived,
                                                     other))
    return 0 if all(r[1] == "KILLED" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
