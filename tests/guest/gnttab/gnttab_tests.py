"""QEMU tests of grant_table_op (grant tables v1), with the gnttab guests
(tests/guest/gnttab/gnttab_*.c) and the p2m audit after every memory_op.

tests() returns the list (tests/mica_test.py). Every test runs Mica with
p2m-audit: no audit may fail (every domain is audited when it ends, with
its grant mappings), and the end-of-run memory line must show that every
frame came back. gnttab_self also runs under Xen 4.17 (tools/test-xen.sh).
"""
import re

from mica_test import ALL_OFF, FLAVOURS, NO_LEAK, REJECT, QemuTest, guest_elf, summary, verdict

AUDIT = "p2m-audit"
AUDIT_REJECT = REJECT + (r"^p2m audit d\d+ \([^)]*\): (?!ok \()", r"audit\(s\) failed")


def audited(name, domid=0):
    return r"^p2m audit d%d \(%s\): ok \(" % (domid, re.escape(name))


def self_test(name, guest, options="mem=32M", args=""):
    """One guest on its own grant table: PASS, powered off, audited."""
    return QemuTest(
        "gnttab/" + name, AUDIT, cpus=2,
        modules=[(guest_elf(guest), "name=%s %s%s" % (name, options, args))],
        expect=[verdict(name, guest), audited(name), summary(name, domid=0), NO_LEAK],
        reject=AUDIT_REJECT)


def tests():
    t = []
    for flavour in FLAVOURS:
        t.append(self_test("self" + flavour, "gnttab_self" + flavour))
    # A larger table (max_grant_frames=), and the smallest.
    t.append(self_test("self-8frames", "gnttab_self", "mem=32M max_grant_frames=8", " -- frames=8"))
    t.append(self_test("self-1frame-32", "gnttab_self-32", "mem=32M max_grant_frames=1",
                       " -- frames=1"))
    return t
