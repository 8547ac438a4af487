"""QEMU tests of memory_op (tests/guest/memop_*.c).

tests(QemuTest) returns the list. Every test runs Mica with p2m-audit (the
p2m of the calling domain is audited after every memory_op, and every
domain's when it ends): no audit may fail, and the end-of-run memory line
must show that every frame came back.

The self-only guests (memop_query, memop_reservation, memop_physmap) also
run under Xen 4.17: tools/test-xen.sh.
"""
import re

from mica_boot import EXIT_FAILURE

G = "build/guest/"
AUDIT = "p2m-audit"
NO_LEAK = r"Memory: (\d+) frames free before the domains, \1 after"
REJECT = (r"MICA FAULT", r"MICA PANIC", r"FAIL guest/",
          r"^p2m audit d\d+ \([^)]*\): (?!ok \()", r"audit\(s\) failed")


def audited(name, domid=0):
    """The p2m audit ran on that domain and found it consistent."""
    return r"^p2m audit d%d \(%s\): ok \(" % (domid, re.escape(name))


def self_test(QemuTest, name, guest, verdict, options="mem=64M"):
    """One guest acting on its own memory: PASS, powered off, audited."""
    return QemuTest(
        "memop/" + name, AUDIT, cpus=2,
        modules=[(G + guest + ".elf", "name=%s %s" % (name, options))],
        expect=[r"\(%s\) PASS guest/%s$" % (name, verdict),
                audited(name),
                r"^  d0 \(%s\): powered off$" % name, NO_LEAK],
        reject=REJECT)


def touch_removed(QemuTest, flavour):
    """remove_from_physmap, then read the gfn: the domain's #NPF names it
    (0x9a5, see memop_touch.c) and the domain crashes; nothing leaks."""
    name = "touch" + flavour
    return QemuTest(
        "memop/touch-removed" + flavour, AUDIT,
        modules=[(G + "memop_touch" + flavour + ".elf", "name=%s mem=16M" % name)],
        status=EXIT_FAILURE,
        expect=[r"\(%s\) removed gfn 0x9a5; reading it$" % name,
                r"d0 v0: #NPF at gfn 0x9a5 \(gpa 0x9a5000\): read of an unmapped gfn",
                r"^  d0 \(%s\): crashed$" % name,
                audited(name), NO_LEAK],
        reject=REJECT + (r"PASS guest/",))


def foreign(QemuTest, flavour=""):
    """d0 (privileged) maps two frames of d1 (unprivileged) with
    add_to_physmap_batch(gmfn_foreign), reads d1's pattern, lets d1 go, keeps
    reading the same data after d1 is destroyed, then unmaps. d1 checks it
    may not act on d0 (-EPERM). Nothing leaks."""
    return QemuTest(
        "memop/foreign" + flavour, AUDIT, cpus=2,
        modules=[(G + "memop_multi" + flavour + ".elf", "name=mapper mem=32M -- role=mapper"),
                 (G + "memop_multi" + flavour + ".elf", "name=owner mem=16M -- role=owner")],
        expect=[r"\(mapper\) read d1's pattern through the foreign mapping",
                r"\(owner\) d0 read the pattern; leaving while it still maps our frame",
                r"\(owner\) PASS guest/memop_multi%s$" % flavour,
                r"\(mapper\) d1 is gone; its frame is still mapped here",
                r"\(mapper\) PASS guest/memop_multi%s$" % flavour,
                r"^  d0 \(mapper\): powered off$", r"^  d1 \(owner\): powered off$",
                audited("mapper", 0), audited("owner", 1),
                r"^Mica: run ended, every domain powered off$", NO_LEAK],
        reject=REJECT, timeout=90)


def preemption(QemuTest):
    """On one CPU: d0 gives back 256 MiB, then asks increase_reservation for
    2^20 extents, which returns 65536 (max_pages stops it) after many
    continuations; d1's heartbeats appear while the call is in progress."""
    return QemuTest(
        "memop/million-extents-preempted", AUDIT, cpus=1, mem="1G",
        modules=[(G + "memop_multi.elf", "name=big mem=512M -- role=big"),
                 (G + "memop_multi.elf", "name=heart mem=16M -- role=heartbeat")],
        expect=[r"\(big\) increase_reservation of 1048576 extents: start$"
                r"[\s\S]*\(heart\) heartbeat \d+$"
                r"[\s\S]*\(heart\) heartbeat \d+$"
                r"[\s\S]*\(big\) increase_reservation of 1048576 extents returned 65536$",
                r"\(big\) PASS guest/memop_multi$",
                r"\(heart\) PASS guest/memop_multi$",
                audited("big", 0), audited("heart", 1),
                r"^Mica: run ended, every domain powered off$", NO_LEAK],
        reject=REJECT, timeout=180)


def tests(QemuTest):
    t = []
    for flavour in ("", "-32"):
        t += [
            self_test(QemuTest, "query" + flavour, "memop_query" + flavour,
                      "memop_query" + flavour),
            self_test(QemuTest, "reservation" + flavour, "memop_reservation" + flavour,
                      "memop_reservation" + flavour),
            # The same as an unprivileged domain: extent orders up to 9.
            self_test(QemuTest, "reservation-nopriv" + flavour, "memop_reservation" + flavour,
                      "memop_reservation" + flavour, "mem=64M no-priv"),
            self_test(QemuTest, "physmap" + flavour, "memop_physmap" + flavour,
                      "memop_physmap" + flavour),
            touch_removed(QemuTest, flavour),
            foreign(QemuTest, flavour),
        ]
    t.append(preemption(QemuTest))
    # The p2m table-page limit: -ENOMEM, not a panic or unbounded growth.
    t.append(self_test(QemuTest, "table-limit", "memop_tablelimit", "memop_tablelimit"))
    return t
