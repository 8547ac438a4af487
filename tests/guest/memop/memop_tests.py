"""QEMU tests of memory_op, with the memop guests (tests/guest/memop/memop_*.c)
and the p2m audit after every call.

tests() returns the list (tests/mica_test.py). Every test runs Mica with p2m-audit (the
p2m of the calling domain is audited after every memory_op, and every
domain's when it ends): no audit may fail, and the end-of-run memory line
must show that every frame came back.

The self-only guests (memop_query, memop_reservation, memop_physmap) also
run under Xen 4.17: tools/test-xen.sh.
"""
from mica_test import (ALL_OFF, AUDIT_REJECT, FLAVOURS, NO_LEAK, P2M_AUDIT, QemuTest,
                       audited, guest_elf, summary, verdict)


def self_test(name, guest, result, options="mem=64M"):
    """One guest acting on its own memory: PASS, powered off, audited."""
    return QemuTest(
        "memop/" + name, P2M_AUDIT, cpus=2,
        modules=[(guest_elf(guest), "name=%s %s" % (name, options))],
        expect=[verdict(name, result), audited(name), summary(name, domid=0), NO_LEAK],
        reject=AUDIT_REJECT)


def touch_removed(flavour):
    """remove_from_physmap, then read the gfn: it is a hole now, which reads
    all ones (never the old contents) and is logged naming the gfn (0x9a5,
    see memop_touch.c); the domain goes on to PASS; nothing leaks."""
    name = "touch" + flavour
    return QemuTest(
        "memop/touch-removed" + flavour, P2M_AUDIT,
        modules=[(guest_elf("memop_touch" + flavour), "name=%s mem=16M" % name)],
        expect=[r"\(%s\) removed gfn 0x9a5; reading it$" % name,
                r"d0 v0: hole at gfn 0x9a5 \(gpa 0x9a5000\): read of 4 bytes",
                verdict(name, "memop_touch" + flavour), summary(name, domid=0),
                audited(name), NO_LEAK],
        reject=AUDIT_REJECT)


def foreign(flavour=""):
    """d0 (privileged) maps two frames of d1 (unprivileged) with
    add_to_physmap_batch(gmfn_foreign), reads d1's pattern, lets d1 go, keeps
    reading the same data after d1 is destroyed, then unmaps. A hypercall
    buffer in the foreign mapping is -EFAULT both ways (a copy through it
    would let a hypercall reach d1's frame). d1 checks it may not act on d0
    (-EPERM). Nothing leaks."""
    return QemuTest(
        "memop/foreign" + flavour, P2M_AUDIT, cpus=2,
        modules=[(guest_elf("memop_multi" + flavour), "name=mapper mem=32M -- role=mapper"),
                 (guest_elf("memop_multi" + flavour), "name=owner mem=16M -- role=owner")],
        expect=[r"\(mapper\) a hypercall buffer in the foreign mapping: -EFAULT both ways",
                r"\(mapper\) read d1's pattern through the foreign mapping",
                r"\(owner\) d0 read the pattern; leaving while it still maps our frame",
                verdict("owner", "memop_multi" + flavour),
                r"\(mapper\) d1 is gone; its frame is still mapped here",
                verdict("mapper", "memop_multi" + flavour),
                summary("mapper", domid=0), summary("owner", domid=1),
                audited("mapper", 0), audited("owner", 1), ALL_OFF, NO_LEAK],
        reject=AUDIT_REJECT, timeout=90)


def churn():
    """Two privileged domains on two CPUs foreign-map each other's frames in
    a loop, each audited after every call (memop_churn.c): every audit
    must be exact while the other CPU replaces or removes its mappings."""
    modules = [(guest_elf("memop_churn"), "name=a mem=8M priv -- other=1"),
               (guest_elf("memop_churn"), "name=b mem=8M priv -- other=0")]
    return QemuTest("memop/foreign-churn", P2M_AUDIT, cpus=2, modules=modules,
                    expect=[r"\(a\) churn: \d+ rounds", r"\(b\) churn: \d+ rounds",
                            verdict("a", "memop_churn"), verdict("b", "memop_churn"),
                            summary("a", domid=0), summary("b", domid=1), NO_LEAK],
                    reject=AUDIT_REJECT, timeout=180)


def preemption():
    """On one CPU: d0 gives back 256 MiB, then asks increase_reservation for
    2^20 extents, which returns 65536 (max_pages stops it) after many
    continuations; d1's heartbeats appear while the call is in progress."""
    return QemuTest(
        "memop/million-extents-preempted", P2M_AUDIT, cpus=1, mem="1G",
        modules=[(guest_elf("memop_multi"), "name=big mem=512M -- role=big"),
                 (guest_elf("memop_multi"), "name=heart mem=16M -- role=heartbeat")],
        expect=[r"\(big\) increase_reservation of 1048576 extents: start$"
                r"[\s\S]*\(heart\) heartbeat \d+$"
                r"[\s\S]*\(heart\) heartbeat \d+$"
                r"[\s\S]*\(big\) increase_reservation of 1048576 extents returned 65536$",
                verdict("big", "memop_multi"), verdict("heart", "memop_multi"),
                audited("big", 0), audited("heart", 1), ALL_OFF, NO_LEAK],
        reject=AUDIT_REJECT, timeout=180)


def tests():
    t = []
    for flavour in FLAVOURS:
        t += [
            self_test("query" + flavour, "memop_query" + flavour, "memop_query" + flavour),
            # Its scratch gfns reach 64 MiB: RAM, with the ACPI page above.
            self_test("reservation" + flavour, "memop_reservation" + flavour,
                      "memop_reservation" + flavour, "mem=128M"),
            # The same as an unprivileged domain: extent orders up to 9.
            self_test("reservation-nopriv" + flavour, "memop_reservation" + flavour,
                      "memop_reservation" + flavour, "mem=128M no-priv"),
            self_test("physmap" + flavour, "memop_physmap" + flavour, "memop_physmap" + flavour),
            touch_removed(flavour),
            foreign(flavour),
        ]
    t.append(preemption())
    # Foreign mappings replaced and removed while the owner is audited.
    t.append(churn())
    # The p2m table-page limit: -ENOMEM, not a panic or unbounded growth.
    t.append(self_test("table-limit", "memop_tablelimit", "memop_tablelimit"))
    return t
