"""QEMU tests of grant_table_op (grant tables v1), with the gnttab guests
(tests/guest/gnttab/gnttab_*.c) and the p2m audit after every memory_op.

tests() returns the list (tests/mica_test.py). Every test runs Mica with
p2m-audit: no audit may fail (every domain is audited when it ends, with
its grant mappings), and the end-of-run memory line must show that every
frame came back. gnttab_self also runs under Xen 4.17 (tools/test-xen.sh).
"""
from mica_test import (ALL_OFF, AUDIT_REJECT, FLAVOURS, NO_LEAK, P2M_AUDIT, QemuTest,
                       audited, guest_elf, summary, verdict)


def self_test(name, guest, options="mem=32M", args=""):
    """One guest on its own grant table: PASS, powered off, audited."""
    return QemuTest(
        "gnttab/" + name, P2M_AUDIT, cpus=2,
        modules=[(guest_elf(guest), "name=%s %s%s" % (name, options, args))],
        expect=[verdict(name, guest), audited(name), summary(name, domid=0), NO_LEAK],
        reject=AUDIT_REJECT)


def multi():
    """d0 maps d1's grants (GTF flags, misuse statuses, no hypercall buffer
    in a grant mapping, copies, a race with
    d1 rewriting the entry from its second vCPU, a frame d1 gives back), d2
    writes through a read-only grant mapping (discarded, as in Xen) and powers
    off holding two of d1's grants (its teardown releases them, d1's page
    unchanged), d1 powers
    off while d0 still maps its pages, which d0 keeps reading and then
    unmaps. Every audit clean, nothing leaked."""
    return QemuTest(
        "gnttab/multi", P2M_AUDIT, cpus=2, mem="256M",
        modules=[(guest_elf("gnttab_multi"), "name=mapper mem=32M -- role=mapper"),
                 (guest_elf("gnttab_multi"), "name=granter mem=16M vcpus=2 -- role=granter"),
                 (guest_elf("gnttab_multi"), "name=leaver mem=16M -- role=leaver")],
        expect=[r"\(mapper\) a hypercall buffer in a grant mapping: -EFAULT both ways",
                r"\(mapper\) race: \d+ maps, \d+ refused, 0 inconsistent",
                r"\(leaver\) mapped two of d1's grants; writing through the read-only one",
                r"\(leaver\) the write was discarded; powering off holding both grants",
                r"\(granter\) d2 ended holding two of our grants; its pins are gone",
                r"\(granter\) leaving while d0 still maps our pages",
                r"\(mapper\) d1 is gone; its granted pages are still mapped here",
                verdict("mapper", "gnttab_multi"), verdict("granter", "gnttab_multi"),
                verdict("leaver", "gnttab_multi"),
                audited("mapper", 0), audited("granter", 1), audited("leaver", 2),
                summary("mapper", domid=0), summary("granter", domid=1),
                summary("leaver", domid=2), ALL_OFF, NO_LEAK],
        reject=AUDIT_REJECT + (r"#NPF",),
        timeout=180)


def tests():
    t = []
    for flavour in FLAVOURS:
        t.append(self_test("self" + flavour, "gnttab_self" + flavour))
    # A larger table (max_grant_frames=), and the smallest.
    t.append(self_test("self-8frames", "gnttab_self", "mem=32M max_grant_frames=8", " -- frames=8"))
    t.append(self_test("self-1frame-32", "gnttab_self-32", "mem=32M max_grant_frames=1",
                       " -- frames=1"))
    t.append(multi())
    return t
