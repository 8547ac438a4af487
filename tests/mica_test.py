"""Shared by Mica's test lists (tests/**/*_tests.py) and tests/run_tests.py: the
QemuTest and HostTest classes, and every log pattern, exit status and path more than one list uses.

A test list is a module named *_tests.py anywhere under tests/ (beside the guests
of its area: tests/guest/AREA/AREA_tests.py) with a function tests() that returns
its QemuTest objects; run_tests.py finds it on its own. Write a pattern or
constant here, not in a list, as soon as a second list needs it.
"""
import os
import re
import sys

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import mica_boot  # noqa: E402
from mica_boot import (EXIT_FAILURE, EXIT_PANIC, EXIT_SUCCESS, EXIT_TIMEOUT,  # noqa: E402,F401
                       MICA_ELF, RELEASE_ELF, compile_policy, guest_elf)

# A guest in its 64-bit flavour (NAME.elf) and its 32-bit one (NAME-32.elf).
FLAVOURS = ("", "-32")

# ---- log patterns ----------------------------------------------------------------

NO_FAULT = (r"MICA FAULT", r"MICA PANIC")
# The deadlock watchdog's verdict (common/watchdog.c): a CPU stuck for
# watchdog= seconds. A MICA PANIC too, so NO_FAULT rejects it; QemuTest
# reports it as a deadlock rather than as a failure like any other.
WATCHDOG = r"MICA WATCHDOG: .*"
# What a test of guests rejects: a fault of Mica, or a guest's failed check.
REJECT = NO_FAULT + (r"FAIL guest/",)
# Whatever a test expects, a p2m audit that fails (debug builds audit every
# domain at teardown) or a leak at the end of the run fails it.
ALWAYS_REJECT = (r"p2m audit d\d+ \(.*\): FAILED", r"frames leaked by domains",
                 r"the frame table disagrees", r"still holds a gfn after every domain ended")
# The end-of-run check that every frame the domains used came back: the
# allocator's count, and the frame table's own (a walk of it, which a leak
# and an over-free of the same size cannot fool), the same number. Debug keys
# typed until the end may answer in between ("p2m audit: no domains").
NO_LEAK = (r"Memory: (\d+) frames free before the domains, \1 after they ended\n"
           r"(?:p2m (?:audit|dump): no domains\n)*"
           r"Memory: frame table: \1 frames free before the domains, \1 after, "
           r"0 still owned or referenced$")
# The option that audits the caller's p2m after every memory_op, and every
# domain's when it ends (mm/p2m/p2m_keys.c).
P2M_AUDIT = "p2m-audit"
# Stricter, for tests that audit during the run (p2m-audit, p2m-audit-every,
# the key `a`): any audit line but "ok (" (or the key's note on a domain torn
# down meanwhile), or the end's count of failures.
AUDIT_FAILED = (r"^p2m audit d\d+ \([^)]*\): (?!ok \(|torn down meanwhile)", r"audit\(s\) failed")
AUDIT_REJECT = REJECT + AUDIT_FAILED
# The debug build's line at boot (include/version.h): its run-time checks,
# the lock-order checker's among them, were on in the run.
DEBUG_BUILD = r"^Build: debug \(run-time checks: lock order, "
# The end-of-run line when every domain powered off.
ALL_OFF = r"^Mica: run ended, every domain powered off$"

# ---- paths -------------------------------------------------------------------------

# Where the lists write the malformed guest images they make from good ones
# (tools/mkbadelf.py), relative to the repository.
BAD_IMAGES = "build/bad/"


def policy_module(source):
    """xsm/policy/... .te -> build/xsm-policies/NAME.bin (relative path), for a
    test that boots with a FLASK policy of its own as its first module
    ("flask-policy"). A failure is left for the test to report (its module
    file is missing)."""
    name = os.path.splitext(os.path.basename(source))[0]
    out = "build/xsm-policies/" + name + ".bin"
    compile_policy(os.path.join(ROOT, source), os.path.join(ROOT, out))
    return out


def verdict(name, result, what="PASS"):
    """Domain `name` printed its verdict line: PASS guest/<result>."""
    return r"\(%s\) %s guest/%s$" % (re.escape(name), what, result)


def audited(name, domid=0):
    """The p2m audit ran on domain `name` (domid) and found it consistent."""
    return r"^p2m audit d%d \(%s\): ok \(" % (domid, re.escape(name))


def summary(name, how="powered off", domid=None):
    """The end-of-run summary line of a domain: "  dN (name): how"
    (any domid when domid is None)."""
    return r"^  d%s \(%s\): %s$" % (r"\d+" if domid is None else domid, re.escape(name), how)


# ---- the test ----------------------------------------------------------------------

class QemuTest:
    """Boot with cmdline on cpus CPUs, with multiboot2 modules (guest images:
    (path, absolute or relative to the repository, module command line));
    expect status; every pattern in `expect` must match the log, none in
    `reject` (nor ALWAYS_REJECT) may. icount: QEMU's -icount shift=0,sleep=off,
    so RDTSC counts instructions and a latency a guest measures is exact.
    typed: (regex, bytes) pairs typed on the serial console once the log
    matches regex (mica_boot.boot). qemu_args: more QEMU options, e.g.
    ("-cpu", "qemu64,+svm,+npt,+rdtscp") for a processor with more features.
    mica_elf: the Mica to boot (RELEASE_ELF: the release build).

    A run that ends in the watchdog's panic is reported first as a deadlock
    (its report names the locks), and one that QEMU did not end in time as
    a hang with no watchdog report (all CPUs stuck with interrupts off, or
    the watchdog off): both distinct from a failed expectation."""

    def __init__(self, name, cmdline="", cpus=2, mem="256M", status=EXIT_SUCCESS,
                 expect=(), reject=(), modules=(), timeout=60, icount=False, typed=(),
                 qemu_args=(), mica_elf=MICA_ELF):
        self.name, self.cmdline, self.cpus, self.mem = name, cmdline, cpus, mem
        self.typed, self.qemu_args = typed, tuple(qemu_args)
        self.status, self.expect, self.reject = status, expect, tuple(reject)
        self.modules, self.timeout, self.icount = modules, timeout, icount
        self.mica_elf = mica_elf

    def run(self):
        """Returns (problems: list of strings, empty if it passed; the serial log)."""
        modules = ["%s:%s" % (os.path.join(ROOT, path), cmdline) for path, cmdline in self.modules]
        status, log = mica_boot.boot(self.mica_elf, self.cmdline, self.cpus, self.mem,
                                     modules, self.timeout, icount=self.icount,
                                     extra_qemu=self.qemu_args, typed=self.typed)
        problems = []
        deadlock = re.search(WATCHDOG, log)
        if deadlock and not any(re.search(p, deadlock.group(0)) for p in self.expect):
            problems.append("DEADLOCK: " + deadlock.group(0).strip())
        if status == EXIT_TIMEOUT and status != self.status:
            problems.append("HUNG: QEMU still running after %d s, no watchdog report"
                            % self.timeout)
        elif status != self.status:
            problems.append("QEMU exit status %d, expected %d" % (status, self.status))
        for pattern in self.expect:
            if not re.search(pattern, log, re.MULTILINE):
                problems.append("log lacks /%s/" % pattern)
        for pattern in self.reject + ALWAYS_REJECT:
            if re.search(pattern, log, re.MULTILINE):
                problems.append("log has /%s/" % pattern)
        return problems, log


class HostTest:
    """A test run on the host, in a test list beside the QEMU tests: fn()
    returns (problems, log), like QemuTest.run."""
    kind = "host"

    def __init__(self, name, fn):
        self.name, self.run = name, fn


def guest_passes(name, guest, result, cpus=2, options=""):
    """"guest/<name>": one domain of image `guest` with Mica's module options
    `options` must print PASS guest/<result>, power off, and leak nothing."""
    return QemuTest("guest/" + name, cpus=cpus,
                    modules=[(guest_elf(guest), ("name=%s %s" % (name, options)).strip())],
                    expect=[verdict(name, result), summary(name, domid=0), NO_LEAK],
                    reject=REJECT)
