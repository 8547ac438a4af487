"""QEMU tests of MMIO emulation and holes (docs/platform.md): the #NPF
handler emulating the faulting instruction (arch/x86/svm/npf.c,
guest_emulate.c, arch/x86/emulate/), with the guests hole_access.c and
emul_crash.c beside this file.

tests() returns the list (tests/mica_test.py).
"""
from mica_test import (EXIT_FAILURE, FLAVOURS, NO_LEAK, REJECT, QemuTest, guest_elf, summary,
                       verdict)

HOLE_LINE = (r"d0 v0: hole at gfn 0x40000 \(gpa 0x40000000\): read of 1 bytes at RIP 0x[0-9a-f]+; "
             r"reads return all ones, writes are dropped \(reported once per domain\)$")
# A second report in the same run would mean "once per domain" failed.
TWO_REPORTS = r"hole at gfn[\s\S]*hole at gfn"


def hole_access(flavour):
    """Every instruction form reads all ones from the hole and drops its
    writes; the domain goes on to PASS, and Mica logs the hole once."""
    name = "hole" + flavour
    return QemuTest(
        "platform/hole-access" + flavour,
        modules=[(guest_elf("hole_access" + flavour), "name=%s mem=16M" % name)],
        expect=[HOLE_LINE,
                r"\(%s\) every access to the hole read all ones and dropped its writes$" % name,
                verdict(name, "hole_access" + flavour), summary(name, domid=0), NO_LEAK],
        reject=REJECT + (TWO_REPORTS,))


def npf_crash(flavour, globally):
    """npf=crash, on Mica's command line or as the module option: the first
    hole access crashes the domain with today's full #NPF diagnostic."""
    name = "hole" + flavour
    return QemuTest(
        "platform/npf-crash-%s%s" % ("global" if globally else "domain", flavour),
        cmdline="npf=crash" if globally else "",
        modules=[(guest_elf("hole_access" + flavour),
                  "name=%s mem=16M%s" % (name, "" if globally else " npf=crash"))],
        status=EXIT_FAILURE,
        expect=[r"d0 v0: #NPF at gfn 0x40000 \(gpa 0x40000000\): read of an unmapped gfn, "
                r"error 0x[0-9a-f]+, RIP 0x[0-9a-f]+, RSP .*: npf=crash$",
                summary(name, "crashed", domid=0), NO_LEAK],
        reject=REJECT + (r"hole at gfn", r"PASS guest/"))


def npf_crash_one_domain():
    """npf=crash on one domain only: it crashes, the other emulates."""
    return QemuTest(
        "platform/npf-crash-one-of-two",
        modules=[(guest_elf("hole_access"), "name=crasher mem=16M npf=crash"),
                 (guest_elf("hole_access"), "name=emulated mem=16M")],
        status=EXIT_FAILURE,
        expect=[r"d0 v0: #NPF at gfn 0x40000 .*: npf=crash$",
                r"d1 v0: hole at gfn 0x40000 ",
                verdict("emulated", "hole_access"),
                summary("crasher", "crashed", domid=0), summary("emulated", domid=1), NO_LEAK],
        reject=REJECT + (r"d0 v0: hole at gfn",))


def bad_npf_option():
    """A module option npf= other than emulate or crash refuses the module."""
    return QemuTest(
        "platform/npf-option-refused",
        modules=[(guest_elf("hole_access"), "name=bad mem=16M npf=maybe")],
        status=EXIT_FAILURE,
        expect=[r"module 0: npf=maybe must be emulate or crash$"],
        reject=REJECT + (r"hole at gfn",))


def emul_crash(what, flavour, expect):
    """An access Mica does not emulate crashes the domain with a diagnostic."""
    name = "crash" + flavour
    return QemuTest(
        "platform/emul-%s%s" % (what, flavour),
        modules=[(guest_elf("emul_crash" + flavour), "name=%s mem=16M -- do=%s" % (name, what))],
        status=EXIT_FAILURE,
        expect=expect + [summary(name, "crashed", domid=0), NO_LEAK],
        reject=REJECT + (r"still running after",))


def tests():
    t = []
    for flavour in FLAVOURS:
        t += [
            hole_access(flavour),
            npf_crash(flavour, globally=True),
            npf_crash(flavour, globally=False),
            emul_crash("unsupported", flavour,
                       [r"d0 v0: cannot emulate the instruction at RIP 0x[0-9a-f]+ "
                        r"\(bytes ff 0[0-7] .*\) for gpa 0x40000000: an instruction the emulator "
                        r"does not know$"]),
        ]
    t += [
        npf_crash_one_domain(),
        bad_npf_option(),
        # The guest's page table in a hole: not emulated (64-bit: the 32-bit
        # flavour runs without paging).
        emul_crash("walk-hole", "",
                   # (a write: the CPU's walk sets the Accessed bit)
                   [r"d0 v0: #NPF at gfn 0x40000 \(gpa 0x40000000\): write of an unmapped gfn "
                    r"during the guest's page walk, .*: the guest's page tables must lie in "
                    r"writable RAM$"]),
        # The CPU's own push of an exception frame into a hole (64-bit: the
        # 32-bit flavour has no IDT).
        emul_crash("stack-hole", "",
                   [r"d0 v0: #NPF at gfn 0x40000 \(gpa 0x40000ff8\): write of an unmapped gfn, "
                    r".*: the CPU was delivering an event: its IDT, GDT and stack must lie in "
                    r"RAM$"]),
    ]
    return t
