"""QEMU tests of the core guests (tests/guest/core/): the guest interface, shutdown
reasons, misbehaving guests, malformed modules, many domains.

tests() returns the list (tests/mica_test.py); each names its modules as
(ELF path, module command line). A module command line is Mica's options,
then optionally " -- " and the guest's own arguments (tests/guest/lib/args.h).
tests() also writes the malformed images of tools/mkbadelf.py into build/bad/,
from the good guests that `make guests` built, since a test entry cannot run
a generator itself.
"""
import os
import re

from mica_test import (ALL_OFF, BAD_IMAGES, EXIT_FAILURE, EXIT_SUCCESS, FLAVOURS, NO_LEAK,
                       REJECT, ROOT, QemuTest, guest_elf, guest_passes, summary, verdict)
import mkbadelf  # tools/, on the path through mica_test


# ---- shutdown reasons -----------------------------------------------------------

# SHUTDOWN_* (include/public/sched.h): (reason, word in the test's name,
# what Mica's summary says).
SHUTDOWN_REASONS = [
    (0, "poweroff", "powered off"),
    (1, "reboot", "rebooted"),
    (2, "suspend", "suspended"),
    (3, "crash", "crashed"),
    (4, "watchdog", "watchdog"),
    (5, "soft_reset", "soft reset"),
]


def shutdown_tests():
    """shutdown_reason.c asks for each reason; only poweroff is a success."""
    tests = []
    for flavour in FLAVOURS:
        for reason, word, how in SHUTDOWN_REASONS:
            if flavour and reason not in (0, 3):
                continue            # the 32-bit ABI: a success and a failure suffice
            name = "shutdown-" + word + flavour
            tests.append(QemuTest(
                "guest/" + name,
                modules=[(guest_elf("shutdown_reason" + flavour),
                          "name=%s -- reason=%d" % (name, reason))],
                status=EXIT_SUCCESS if reason == 0 else EXIT_FAILURE,
                expect=[r"\(%s\) SCHEDOP_shutdown with reason %d \(%s\)$" % (name, reason, word),
                        r"^Domain d0 \(%s\): %s$" % (name, how),
                        summary(name, how, domid=0),
                        NO_LEAK],
                # The hypercall does not return, so no verdict is printed.
                reject=REJECT + (r"PASS guest/",)))
    name = "shutdown-invalid"
    tests.append(QemuTest(
        "guest/" + name,
        modules=[(guest_elf("shutdown_reason"), "name=%s -- reason=99" % name)],
        expect=[r"\(%s\) SCHEDOP_shutdown with reason 99 returned -22$" % name,
                verdict(name, "shutdown_reason"),
                summary(name, domid=0), NO_LEAK],
        reject=REJECT))
    return tests


# ---- misbehaving guests beside a good one ----------------------------------------

def misbehaves(name, what, expect, cmdline="", flavour="", options=""):
    """misbehave.c doing `what` as d0 (with module options `options`), and
    test_version as d1 on the other CPU: Mica must end d0 as crashed with the
    messages in `expect`, while d1 runs to its PASS verdict undisturbed."""
    return QemuTest(
        "guest/" + name, cmdline, cpus=2,
        modules=[(guest_elf("misbehave" + flavour),
                  "name=%s mem=16M%s -- do=%s" % (name, options, what)),
                 (guest_elf("test_version"), "name=good")],
        status=EXIT_FAILURE,
        expect=[r"\(%s\) misbehaving on purpose: %s$" % (name, what)] + expect +
               [verdict("good", "version"),
                summary(name, "crashed", domid=0),
                summary("good", domid=1),
                NO_LEAK],
        reject=REJECT + (r"\(good\) \[\d+ console lines dropped",),
        timeout=30)


def misbehaving_tests():
    tests = []
    for flavour in FLAVOURS:
        tests += [
            misbehaves("triple-fault" + flavour, "triple-fault",
                       [r"d0 v0: triple fault at RIP 0x"], flavour=flavour),
            # 0x40000000 is gfn 0x40000, far above 16 MiB of RAM: a hole,
            # which reads all ones unless the domain asks for npf=crash
            # (tests/guest/platform/ tests the emulation).
            misbehaves("unmapped" + flavour, "unmapped",
                       [r"d0 v0: #NPF at gfn 0x40000 \(gpa 0x40000000\): "
                        r"read of an unmapped gfn, .*: npf=crash$"], flavour=flavour,
                       options=" npf=crash"),
            misbehaves("hlt-cli" + flavour, "hlt-cli",
                       [r"d0 v0: HLT with interrupts disabled at RIP 0x"], flavour=flavour),
        ]
    tests += [
        # Nothing but timeout= ends a vCPU that spins with interrupts off
        # (Mica still gets its timer interrupts: the guest's IF does not
        # mask them, they cause #VMEXITs).
        misbehaves("spin", "spin",
                   [r"d0 \(spin\): still running after timeout=3 s"], cmdline="timeout=3"),
        # The flooder gets 200 lines a second; the rest are dropped and
        # counted once a second, and the other domain's lines still appear.
        misbehaves("flood", "flood",
                   [r"\(flood\) flood line \d+$",
                    r"\(flood\) \[\d+ console lines dropped: more than 200 a second\]",
                    r"d0 \(flood\): still running after timeout=3 s"], cmdline="timeout=3"),
    ]
    # Time slicing: two vCPUs spinning with interrupts off hold both CPUs;
    # the third domain runs only if the scheduler tick preempts them.
    tests.append(QemuTest(
        "guest/preemption", "timeout=6", cpus=2,
        modules=[(guest_elf("misbehave"), "name=spin1 -- do=spin"),
                 (guest_elf("misbehave"), "name=spin2 -- do=spin"),
                 (guest_elf("test_version"), "name=good")],
        status=EXIT_FAILURE,
        expect=[verdict("good", "version"), summary("good", domid=2),
                summary("spin1", "crashed", domid=0), summary("spin2", "crashed", domid=1),
                NO_LEAK],
        reject=REJECT, timeout=40))
    return tests


# ---- malformed modules ------------------------------------------------------------

# What common/domain_build.c says about each image of tools/mkbadelf.py.
BAD_IMAGE_REASONS = {
    "truncated-header": "truncated ELF header",
    "truncated-phdrs": "program headers lie outside the file (truncated image?)",
    "truncated-segment": "a segment lies outside the file (truncated image?)",
    "wrong-machine": {
        "": "ELF64 image for another machine (e_machine is not x86-64)",
        "-32": "ELF32 image for another machine (e_machine is neither i386 nor x86-64)"},
    "no-note-segment":
        'no PVH entry note (ELF note "Xen", type 18 XEN_ELFNOTE_PHYS32_ENTRY)',
    "wrong-note-type":
        'no PVH entry note (ELF note "Xen", type 18 XEN_ELFNOTE_PHYS32_ENTRY)',
    "overlap-start-info": "a segment overlaps the start info page (guest-physical 0x1000)",
}


def make_bad_images():
    """Write build/bad/NAME.elf and NAME-32.elf from the good hello guests.
    Returns {flavour: [variant names]}; a flavour whose hello is not built
    yet gets its names all the same (its test then fails on the missing file)."""
    made = {}
    for flavour in FLAVOURS:
        good = guest_elf("hello" + flavour)
        if os.path.exists(good):
            images = mkbadelf.make_bad_images(good, os.path.join(ROOT, BAD_IMAGES), flavour)
            made[flavour] = [name for name, _, _ in images]
        else:
            made[flavour] = list(BAD_IMAGE_REASONS)
    return made


def trace_tests():
    """trace=hypercalls: as a module option, that domain's hypercalls with
    their arguments and results; on Mica's command line, every domain's."""
    return [
        QemuTest("guest/trace-domain",
                 modules=[(guest_elf("hello"), "name=traced trace=hypercalls"),
                          (guest_elf("hello-32"), "name=quiet")],
                 expect=[r"^\(traced\) hypercall xen_version\(0, 0\) -> 262161$",
                         r"^\(traced\) hypercall console_io\(0, 0x[0-9a-f]+, 0x[0-9a-f]+\) -> 0$",
                         verdict("traced", "hello"), verdict("quiet", "hello-32"), NO_LEAK],
                 reject=REJECT + (r"^\(quiet\) hypercall",)),
        QemuTest("guest/trace-all", "trace=hypercalls",
                 modules=[(guest_elf("hello-32"), "name=h32")],
                 expect=[r"^\(h32\) hypercall xen_version\(0, 0\) -> 262161 \[32-bit\]$",
                         verdict("h32", "hello-32"), NO_LEAK],
                 reject=REJECT),
    ]


def bad_module_tests():
    tests = []
    for flavour, names in make_bad_images().items():
        modules, expect = [], []
        for index, variant in enumerate(names):
            reason = BAD_IMAGE_REASONS[variant]
            if isinstance(reason, dict):
                reason = reason[flavour]
            modules.append((BAD_IMAGES + variant + flavour + ".elf", "name=" + variant))
            expect.append(r"module %d \(%s\) refused: %s$" % (index, variant, re.escape(reason)))
        modules.append((guest_elf("hello" + flavour), "name=good"))
        tests.append(QemuTest(
            "guest/bad-images" + flavour, modules=modules, status=EXIT_FAILURE,
            expect=expect + [
                r"^Mica: 1 domain\(s\) started, %d module\(s\) refused$" % len(names),
                verdict("good", "hello" + flavour),
                summary("good"),
                r"^  %d module\(s\) refused$" % len(names),
                r"^Mica: run ended with a failure ",
                NO_LEAK],
            reject=REJECT))

    # Options Mica cannot accept: each refused with the reason, before the
    # image is even looked at; the good module beside them still runs.
    bad_options = [
        ("mem=12Q", r"module 0: invalid value '12Q' for option 'mem' ignored"),
        ("vcpus=99", r"module 1: vcpus=99 must be 1\.\.8"),
        ("colour=blue", r"module 2: unknown option 'colour' ignored"),
        ("mem=1M", r"module 3: mem=1048576 must be a whole number of pages from 2M to 64G"),
        ("mem=4097K", r"module 4: mem=4195328 must be a whole number of pages from 2M to 64G"),
        ("trace=syscalls", r"module 5: trace=syscalls: the only trace is trace=hypercalls"),
    ]
    modules = [(guest_elf("hello"), "name=bad%d %s" % (i, option))
               for i, (option, _) in enumerate(bad_options)]
    modules.append((guest_elf("hello"), "name=good"))
    expect = []
    for index, (option, message) in enumerate(bad_options):
        expect += [message,
                   r"module %d refused: bad options in 'name=bad%d %s'$" %
                   (index, index, re.escape(option))]
    tests.append(QemuTest(
        "guest/bad-options", modules=modules, status=EXIT_FAILURE,
        expect=expect + [r"^Mica: 1 domain\(s\) started, %d module\(s\) refused$" %
                         len(bad_options),
                         verdict("good", "hello"), summary("good"), NO_LEAK],
        reject=REJECT))
    return tests


# ---- many domains ---------------------------------------------------------------

def ten_domains():
    """Ten small domains sharing two CPUs: all pass, all memory comes back."""
    names = ["h%d" % i for i in range(10)]
    return QemuTest(
        "guest/ten-domains", cpus=2,
        modules=[(guest_elf("hello"), "name=%s mem=4M" % name) for name in names],
        expect=[r"^Mica: 10 domain\(s\) started, 0 module\(s\) refused$"] +
               [verdict(name, "hello") for name in names] +
               [summary(name) for name in names] + [ALL_OFF, NO_LEAK],
        reject=REJECT)


def tests():
    # The guest interface, each guest alone: (test name, image, verdict).
    alone = []
    for name, guest, result in [("hello", "hello", "hello"),
                                ("cpuid", "test_cpuid", "cpuid"),
                                ("console", "test_console", "console"),
                                ("version", "test_version", "version"),
                                ("hypercall-errors", "test_hypercall_errors", "hypercall_errors")]:
        for flavour in FLAVOURS:
            alone.append(guest_passes(name + flavour, guest + flavour, result + flavour))
    alone.append(guest_passes("compat-junk", "test_compat_junk", "compat_junk"))
    # The MTRRs a guest sees (64-bit only: it catches #GP).
    alone.append(guest_passes("mtrr", "test_mtrr", "mtrr"))
    return alone + [ten_domains()] + trace_tests() + shutdown_tests() + misbehaving_tests() + bad_module_tests()
