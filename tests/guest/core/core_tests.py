"""QEMU tests that boot guest domains (built by tests/guest/guest.mk).

tests(QemuTest) returns the list; each names its modules as
(ELF path relative to the repository, module command line). A module command
line is Mica's options, then optionally " -- " and the guest's own arguments
(tests/guest/lib/args.h). tests() also writes the malformed images of
tools/mkbadelf.py into build/bad/, from the good guests that `make guests`
built, since a test entry cannot run a generator itself.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import mkbadelf  # noqa: E402
from mica_boot import EXIT_FAILURE, EXIT_SUCCESS  # noqa: E402

G = "build/guest/"
BAD = "build/bad/"
NO_FAULT = (r"MICA FAULT", r"MICA PANIC")
# The end-of-run check that every frame the domains used came back.
NO_LEAK = r"Memory: (\d+) frames free before the domains, \1 after"


def passes(QemuTest, name, guest, verdict, cpus=2, cmdline=""):
    """One guest that must print PASS guest/<verdict> and power off."""
    return QemuTest("guest/" + name, cpus=cpus, modules=[(G + guest + ".elf", "name=" + name + " " + cmdline)],
                    expect=[r"\(%s\) PASS guest/%s$" % (name, verdict),
                            r"d0 \(%s\): powered off" % name,
                            NO_LEAK],
                    reject=NO_FAULT + (r"FAIL guest/",))


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


def shutdown_tests(QemuTest):
    """shutdown_reason.c asks for each reason; only poweroff is a success."""
    tests = []
    for flavour in ("", "-32"):
        for reason, word, summary in SHUTDOWN_REASONS:
            if flavour and reason not in (0, 3):
                continue            # the 32-bit ABI: a success and a failure suffice
            name = "shutdown-" + word + flavour
            tests.append(QemuTest(
                "guest/" + name,
                modules=[(G + "shutdown_reason" + flavour + ".elf",
                          "name=%s -- reason=%d" % (name, reason))],
                status=EXIT_SUCCESS if reason == 0 else EXIT_FAILURE,
                expect=[r"\(%s\) SCHEDOP_shutdown with reason %d \(%s\)$" % (name, reason, word),
                        r"^Domain d0 \(%s\): %s$" % (name, summary),
                        r"^  d0 \(%s\): %s$" % (name, summary),
                        NO_LEAK],
                # The hypercall does not return, so no verdict is printed.
                reject=NO_FAULT + (r"FAIL guest/", r"PASS guest/")))
    name = "shutdown-invalid"
    tests.append(QemuTest(
        "guest/" + name,
        modules=[(G + "shutdown_reason.elf", "name=%s -- reason=99" % name)],
        expect=[r"\(%s\) SCHEDOP_shutdown with reason 99 returned -22$" % name,
                r"\(%s\) PASS guest/shutdown_reason$" % name,
                r"^  d0 \(%s\): powered off$" % name, NO_LEAK],
        reject=NO_FAULT + (r"FAIL guest/",)))
    return tests


# ---- misbehaving guests beside a good one ----------------------------------------

def misbehaves(QemuTest, name, what, expect, cmdline="", flavour=""):
    """misbehave.c doing `what` as d0, and test_version as d1 on the other CPU:
    Mica must end d0 as crashed with the messages in `expect`, while d1 runs
    to its PASS verdict undisturbed."""
    return QemuTest(
        "guest/" + name, cmdline, cpus=2,
        modules=[(G + "misbehave" + flavour + ".elf", "name=%s mem=16M -- do=%s" % (name, what)),
                 (G + "test_version.elf", "name=good")],
        status=EXIT_FAILURE,
        expect=[r"\(%s\) misbehaving on purpose: %s$" % (name, what)] + expect +
               [r"\(good\) PASS guest/version$",
                r"^  d0 \(%s\): crashed$" % name,
                r"^  d1 \(good\): powered off$",
                NO_LEAK],
        reject=NO_FAULT + (r"FAIL guest/", r"\(good\) \[\d+ console lines dropped"),
        timeout=30)


def misbehaving_tests(QemuTest):
    tests = []
    for flavour in ("", "-32"):
        tests += [
            misbehaves(QemuTest, "triple-fault" + flavour, "triple-fault",
                       [r"d0 v0: triple fault at RIP 0x"], flavour=flavour),
            # 0x40000000 is gfn 0x40000, far above 16 MiB of RAM.
            misbehaves(QemuTest, "unmapped" + flavour, "unmapped",
                       [r"d0 v0: #NPF at gfn 0x40000 \(gpa 0x40000000\): "
                        r"read of an unmapped gfn"], flavour=flavour),
            misbehaves(QemuTest, "hlt-cli" + flavour, "hlt-cli",
                       [r"d0 v0: HLT with interrupts disabled at RIP 0x"], flavour=flavour),
        ]
    tests += [
        # Nothing but timeout= ends a vCPU that spins with interrupts off
        # (Mica still gets its timer interrupts: the guest's IF does not
        # mask them, they cause #VMEXITs).
        misbehaves(QemuTest, "spin", "spin",
                   [r"d0 \(spin\): still running after timeout=3 s"], cmdline="timeout=3"),
        # The flooder gets 200 lines a second; the rest are dropped and
        # counted once a second, and the other domain's lines still appear.
        misbehaves(QemuTest, "flood", "flood",
                   [r"\(flood\) flood line \d+$",
                    r"\(flood\) \[\d+ console lines dropped: more than 200 a second\]",
                    r"d0 \(flood\): still running after timeout=3 s"], cmdline="timeout=3"),
    ]
    # Time slicing: two vCPUs spinning with interrupts off hold both CPUs;
    # the third domain runs only if the scheduler tick preempts them.
    tests.append(QemuTest(
        "guest/preemption", "timeout=6", cpus=2,
        modules=[(G + "misbehave.elf", "name=spin1 -- do=spin"),
                 (G + "misbehave.elf", "name=spin2 -- do=spin"),
                 (G + "test_version.elf", "name=good")],
        status=EXIT_FAILURE,
        expect=[r"\(good\) PASS guest/version$", r"^  d2 \(good\): powered off$",
                r"^  d0 \(spin1\): crashed$", r"^  d1 \(spin2\): crashed$", NO_LEAK],
        reject=NO_FAULT + (r"FAIL guest/",), timeout=40))
    return tests


# ---- malformed modules ------------------------------------------------------------

# What common/domain_build.c says about each image of tools/mkbadelf.py.
BAD_IMAGE_REASONS = {
    "truncated-header": "truncated ELF header",
    "truncated-phdrs": "program headers lie outside the file (truncated image?)",
    "truncated-segment": "a segment lies outside the file (truncated image?)",
    "wrong-machine": {
        "": "ELF64 image for another machine (e_machine is not x86-64)",
        "-32": "ELF32 image for another machine (e_machine is not i386)"},
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
    for flavour in ("", "-32"):
        good = os.path.join(ROOT, G, "hello" + flavour + ".elf")
        if os.path.exists(good):
            images = mkbadelf.make_bad_images(good, os.path.join(ROOT, BAD), flavour)
            made[flavour] = [name for name, _, _ in images]
        else:
            made[flavour] = list(BAD_IMAGE_REASONS)
    return made


def bad_module_tests(QemuTest):
    tests = []
    for flavour, names in make_bad_images().items():
        modules, expect = [], []
        for index, variant in enumerate(names):
            reason = BAD_IMAGE_REASONS[variant]
            if isinstance(reason, dict):
                reason = reason[flavour]
            modules.append((BAD + variant + flavour + ".elf", "name=" + variant))
            expect.append(r"module %d \(%s\) refused: %s$" % (index, variant, re.escape(reason)))
        modules.append((G + "hello" + flavour + ".elf", "name=good"))
        tests.append(QemuTest(
            "guest/bad-images" + flavour, modules=modules, status=EXIT_FAILURE,
            expect=expect + [
                r"^Mica: 1 domain\(s\) started, %d module\(s\) refused$" % len(names),
                r"\(good\) PASS guest/hello%s$" % flavour,
                r"^  d\d+ \(good\): powered off$",
                r"^  %d module\(s\) refused$" % len(names),
                r"^Mica: run ended with a failure ",
                NO_LEAK],
            reject=NO_FAULT + (r"FAIL guest/",)))

    # Options Mica cannot accept: each refused with the reason, before the
    # image is even looked at; the good module beside them still runs.
    bad_options = [
        ("mem=12Q", r"module 0: invalid value '12Q' for option 'mem' ignored"),
        ("vcpus=99", r"module 1: vcpus=99 must be 1\.\.8"),
        ("colour=blue", r"module 2: unknown option 'colour' ignored"),
        ("mem=1M", r"module 3: mem=1048576 must be a whole number of pages from 2M to 64G"),
        ("mem=4097K", r"module 4: mem=4195328 must be a whole number of pages from 2M to 64G"),
    ]
    modules = [(G + "hello.elf", "name=bad%d %s" % (i, option))
               for i, (option, _) in enumerate(bad_options)]
    modules.append((G + "hello.elf", "name=good"))
    expect = []
    for index, (option, message) in enumerate(bad_options):
        expect += [message,
                   r"module %d refused: bad options in 'name=bad%d %s'$" %
                   (index, index, re.escape(option))]
    tests.append(QemuTest(
        "guest/bad-options", modules=modules, status=EXIT_FAILURE,
        expect=expect + [r"^Mica: 1 domain\(s\) started, %d module\(s\) refused$" %
                         len(bad_options),
                         r"\(good\) PASS guest/hello$",
                         r"^  d\d+ \(good\): powered off$", NO_LEAK],
        reject=NO_FAULT + (r"FAIL guest/",)))
    return tests


# ---- many domains ---------------------------------------------------------------

def ten_domains(QemuTest):
    """Ten small domains sharing two CPUs: all pass, all memory comes back."""
    names = ["h%d" % i for i in range(10)]
    return QemuTest(
        "guest/ten-domains", cpus=2,
        modules=[(G + "hello.elf", "name=%s mem=4M" % name) for name in names],
        expect=[r"^Mica: 10 domain\(s\) started, 0 module\(s\) refused$"] +
               [r"\(%s\) PASS guest/hello$" % name for name in names] +
               [r"^  d\d+ \(%s\): powered off$" % name for name in names] +
               [r"^Mica: run ended, every domain powered off$", NO_LEAK],
        reject=NO_FAULT + (r"FAIL guest/",))


def pause_tests(QemuTest):
    """domctl pause/unpause: the privileged d0 pauses d1 while d1 prints
    heartbeats; no heartbeat may appear between the two."""
    modules = [(G + "domctl_pause.elf", "name=ctl -- role=controller"),
               (G + "domctl_pause.elf", "name=victim -- role=victim")]
    return [QemuTest("guest/domctl-pause", cpus=2, modules=modules,
                     expect=[r"Domain d1 \(victim\): paused\n(?:(?!\(victim\) heartbeat).*\n)*"
                             r"Domain d1 \(victim\): unpaused",
                             r"\(victim\) heartbeat 1$", r"\(victim\) heartbeat 60$",
                             r"\(ctl\) PASS guest/domctl_pause$",
                             r"\(victim\) PASS guest/domctl_pause$",
                             r"Memory: (\d+) frames free before the domains, \1 after"],
                     reject=NO_FAULT + (r"FAIL guest/",)),
            # Two privileged domains pausing each other at the same time.
            QemuTest("guest/domctl-mutual-pause", cpus=2,
                     modules=[(G + "domctl_pause.elf", "name=a priv -- role=mutual other=1"),
                              (G + "domctl_pause.elf", "name=b priv -- role=mutual other=0")],
                     expect=[r"\(a\) PASS guest/domctl_pause$", r"\(b\) PASS guest/domctl_pause$",
                             r"Memory: (\d+) frames free before the domains, \1 after"],
                     reject=NO_FAULT + (r"FAIL guest/",))]


def tests(QemuTest):
    return [
        passes(QemuTest, "hello", "hello", "hello"),
        passes(QemuTest, "hello-32", "hello-32", "hello-32"),
        passes(QemuTest, "cpuid", "test_cpuid", "cpuid"),
        passes(QemuTest, "cpuid-32", "test_cpuid-32", "cpuid-32"),
        passes(QemuTest, "console", "test_console", "console"),
        passes(QemuTest, "console-32", "test_console-32", "console-32"),
        passes(QemuTest, "version", "test_version", "version"),
        passes(QemuTest, "version-32", "test_version-32", "version-32"),
        passes(QemuTest, "hypercall-errors", "test_hypercall_errors", "hypercall_errors"),
        passes(QemuTest, "hypercall-errors-32", "test_hypercall_errors-32", "hypercall_errors-32"),
        passes(QemuTest, "compat-junk", "test_compat_junk", "compat_junk"),
        ten_domains(QemuTest),
    ] + shutdown_tests(QemuTest) + misbehaving_tests(QemuTest) + bad_module_tests(QemuTest) + \
        pause_tests(QemuTest)
