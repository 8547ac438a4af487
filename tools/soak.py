#!/usr/bin/env python3
"""make soak: Mica under hostile guests for longer than CI affords.

Runs the tests of tests/guest/fuzz/fuzz_tests.py with bigger counts: the
hypercall fuzzer (a privileged and an unprivileged fuzzer beside a
bystander; 64-bit privileged with a 32-bit peer under the dummy XSM module,
then the other way round under FLASK) and the races on the same gfns. Each
run is judged exactly as in CI (no fault or panic, the debug build's checks
on, every audit clean, no leak, every guest's PASS), and its rate printed
from what the guests say they did (the fuzzers' "done, N calls" lines, the
racers' "N operations"):

    soak: fuzz/soak-fuzz: 500000 calls in 301.2 s, 1660 calls/s: PASS

Then the domain builder (tests/guest/builder/builder_tests.py): a guest
creates, boots and destroys --domains domains in a row (default 1000) and
Mica's free frames must come back after each; its line gives the rate the
builder measured as well as the run's.

  soak.py [--calls N] [--race-ops N] [--domains N] [--seed N] [--only NAME]
          [--pairing PRIV/UNPRIV/XSM]

--calls is the fuzzed calls of each fuzzer (default 250,000: two fuzzers in
each of two runs, a million in all), --race-ops the race's operations
(default 1,000,000),
--seed the first fuzzer's seed (default: from the clock; printed, so a run
can be repeated), --pairing one fuzzer run of your choice instead of the
two (PRIV and UNPRIV are 64 or 32, the privileged and the unprivileged
fuzzer's flavour; XSM dummy, flask or silo: e.g. 64/64/flask). Logs go to
build/soak-logs/. Exit status 0 only if every run passed.

Another kind of soak is one more entry of `runs` in main(): the unit it
counts, the pattern of the log lines that count it, and its QemuTest.
"""
import argparse
import os
import re
import sys
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "guest", "fuzz"))
sys.path.insert(0, os.path.join(ROOT, "tests", "guest", "builder"))
sys.dont_write_bytecode = True
import builder_tests  # noqa: E402
import fuzz_tests  # noqa: E402

# Wall-time limits: generous, for a busy machine.
FUZZ_TIMEOUT = 3 * 3600
RACE_TIMEOUT = 3 * 3600
# What the guests say they did; the numbers of all the matches add up.
FUZZ_DONE = r"^\(fuzz-[pu]\) fuzz: done, (\d+) calls"
RACE_DONE = r"^\((?:owner|mapper)\) race: \w+: (\d+) operations"
BUILDER_DONE = r"^\(builder\) builder: (\d+) domains created, run and destroyed"


def counted(pattern, log):
    """The sum of the numbers `pattern` finds in the log (None if none)."""
    found = re.findall(pattern, log, re.MULTILINE)
    return sum(int(n) for n in found) if found else None


def domain_builder_runs(domains):
    """The builder soak: `domains` domains cycled by one builder guest (a
    domain in about 15 ms under TCG, so an hour is plenty)."""
    return [("domains", BUILDER_DONE,
             builder_tests.cycle("soak-cycle", domains, timeout=3600))]


def builder_rate(log):
    """The builder's own figure (its clock, without Mica's boot), or ""."""
    m = re.search(r"\(builder\) builder: (\d+) domains created, run and destroyed in (\d+) ms",
                  log)
    if not m or not int(m.group(2)):
        return ""
    return " (the builder's clock: %s in %.1f s, %.0f domains/s)" % (
        m.group(1), int(m.group(2)) / 1000, int(m.group(1)) * 1000 / int(m.group(2)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=250000,
                        help="fuzzed calls per fuzzer, four fuzzers (default 250000)")
    parser.add_argument("--race-ops", type=int, default=1000000,
                        help="race operations (default 1000000)")
    parser.add_argument("--domains", type=int, default=1000,
                        help="domains the builder cycles (default 1000)")
    parser.add_argument("--seed", type=int, default=None,
                        help="the first fuzzer's seed (default: from the clock)")
    parser.add_argument("--only", default="", help="run only the runs whose name contains this")
    parser.add_argument("--pairing", default=None,
                        help="PRIV/UNPRIV/XSM: one fuzzer run, e.g. 64/64/flask")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else int(time.time()) % 100000 * 4 + 1
    flavour = {"64": "", "32": "-32"}

    pairings = [("soak-fuzz", "", "-32", "dummy", seed),
                ("soak-fuzz-32-flask", "-32", "", "flask", seed + 2)]
    if args.pairing:
        priv, unpriv, xsm = args.pairing.split("/")
        pairings = [("soak-fuzz-%s-%s-%s" % (priv, unpriv, xsm), flavour[priv], flavour[unpriv],
                     xsm, seed)]
    # (unit, the pattern that counts it in the log, the test)
    runs = [("calls", FUZZ_DONE,
             fuzz_tests.fuzz(name, priv, unpriv, seed=first, calls=args.calls, xsm=xsm,
                             timeout=FUZZ_TIMEOUT))
            for name, priv, unpriv, xsm, first in pairings]
    if not args.pairing:
        runs.append(("operations", RACE_DONE,
                     fuzz_tests.race("soak-race", ops=args.race_ops, seed=seed,
                                     timeout=RACE_TIMEOUT)))
        runs += domain_builder_runs(args.domains)
    print("soak: seed %d (repeat with --seed %d)" % (seed, seed), flush=True)
    logs = os.path.join(ROOT, "build", "soak-logs")
    os.makedirs(logs, exist_ok=True)
    failed = 0
    totals = {}
    for unit, pattern, test in runs:
        if args.only not in test.name:
            continue
        print("soak: %s (%s) ..." % (test.name, test.cmdline), flush=True)
        start = time.monotonic()
        problems, log = test.run()
        seconds = time.monotonic() - start
        log_path = os.path.join(logs, test.name.replace("/", "_") + ".log")
        with open(log_path, "w") as f:
            f.write(log)
        count = counted(pattern, log)
        if count is None:
            problems.append("no guest said how many %s it made" % unit)
            count = 0
        verdict = "FAIL: " + "; ".join(problems) if problems else "PASS"
        print("soak: %s: %d %s in %.1f s, %.0f %s/s%s: %s (log: %s)"
              % (test.name, count, unit, seconds, count / seconds, unit, builder_rate(log),
                 verdict, log_path), flush=True)
        failed += bool(problems)
        done, spent = totals.get(unit, (0, 0.0))
        totals[unit] = (done + count, spent + seconds)
    for unit, (done, spent) in sorted(totals.items()):
        print("soak: %d %s in %.1f s, %.0f %s/s" % (done, unit, spent, done / spent, unit))
    print("soak: seed %d; %s" % (seed, "every run passed" if not failed else
                                   "%d run(s) failed" % failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
