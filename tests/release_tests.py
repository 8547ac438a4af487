"""The memory tests again, against the release build (build/release/mica.elf,
DEBUG=0, `make release`).

Debug builds check the lock order before every lock and that no gfn is held
before every VMRUN; a forgotten put_gfn or unlock on some error path panics
there at once, naming the call site. A release build has neither check: the
same bug leaves the p2m lock held, and the next CPU to want it spins forever.
These tests run the memop guests (tests/guest/memop/memop_tests.py) and the
shootdown guests (tests/guest/smp/smp_tests.py) on the release build, with
the deadlock watchdog (common/watchdog.c) on, so such a hang ends within
watchdog= seconds in a report naming the lock, its holder and where the
gfns were taken (QemuTest reports it as DEADLOCK, and a run that QEMU must
kill as HUNG). The watchdog itself is tested on the release build too.

The tests are the debug lists' own, renamed release/NAME-WITH-DASHES (so a
--only substring of a debug test's name does not pick its release copy),
each with p2m-audit (a release build audits a p2m at teardown only when
asked).
"""
import copy
import importlib.util
import os

import boot_tests
from mica_test import P2M_AUDIT, RELEASE_ELF, TESTS

# The lists whose tests run again, and which of their tests.
LISTS = (("guest/memop/memop_tests.py", lambda name: True),
         ("guest/smp/smp_tests.py", lambda name: name.startswith("guest/shootdown-")))


def load(path):
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3],
                                                  os.path.join(TESTS, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def release_name(name):
    """release/ and the debug test's name with - for /: `--only memop/physmap`
    picks the debug test alone, `--only release/` every release one."""
    return "release/" + name.replace("/", "-")


def on_release(test):
    """A copy of test that boots the release build, with p2m-audit."""
    t = copy.copy(test)
    t.name = release_name(test.name)
    t.mica_elf = RELEASE_ELF
    if P2M_AUDIT not in t.cmdline.split():
        t.cmdline = (t.cmdline + " " + P2M_AUDIT).strip()
    return t


def tests():
    t = []
    for path, wanted in LISTS:
        t += [on_release(test) for test in load(path).tests() if wanted(test.name)]
    t.append(boot_tests.watchdog_test(release_name("watchdog/deadlock"), RELEASE_ELF))
    return t
