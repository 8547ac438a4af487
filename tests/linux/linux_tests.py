"""QEMU tests of Debian's stock Linux kernel as a PVH guest (docs/linux.md).

`make test` runs `make linux` first: build/linux/vmlinux and
build/linux/initramfs.cpio.gz (tools/linux.py; cached in build/linux/). The
initramfs's init (tools/linux/init) sees `mica.test` on the kernel command
line: it prints `uname -r`, the online CPUs and MemTotal, asks the balloon
driver (its sysfs target) to give back 32 MiB, waits until it has, prints
MemTotal again and powers off (ACPI S5: docs/platform.md).

Mica checks, besides each line: the domain powered off; the balloon's pages
left the p2m: with `mica.wait` the init stops before and after the balloon
until Enter comes in on its console, and meanwhile the test has Mica dump
the p2m (debug key `p`; CTRL-a three times switches the serial input
between Mica's keys and the domain's console): the pages the domain owns
fell by exactly the balloon's 8192 (32 MiB); every audit is clean
(`p2m-audit`, and the debug build audits at teardown); no frame is left
over. The second test boots two Linux domains at once beside a guest test
and checks each one's lines and MemTotal.

tests() returns the list (tests/mica_test.py).
"""
import re

from mica_test import NO_LEAK, REJECT, QemuTest, guest_elf, summary, verdict

VMLINUX = "build/linux/vmlinux"
INITRAMFS = "build/linux/initramfs.cpio.gz"
KERNEL_ARGS = "console=hvc0 mica.test"
BALLOON_PAGES = 32 * 1024 * 1024 // 4096
# An audit line that is not "ok (": the key's audits and the teardown's.
AUDIT_FAILED = r"^p2m audit d\d+ \([^)]*\): (?!ok \()"


def linux_modules(name, vcpus=2, mem="256M", kernel_args=KERNEL_ARGS):
    """The kernel with its initramfs as a boot module of the same domain."""
    return [(VMLINUX, "name=%s mem=%s vcpus=%d no-priv -- %s" % (name, mem, vcpus, kernel_args)),
            (INITRAMFS, "module-of=%s" % name)]


def expect_boot(name):
    n = re.escape(name)
    return [r"^\(%s\) mica-test: uname -r: 6\.1\." % n,
            r"^\(%s\) mica-test: online CPUs: 2$" % n,
            r"^\(%s\) mica-test: before the balloon: MemTotal: +\d+ kB$" % n,
            r"^\(%s\) mica-test: balloon at (\d+) kB \(target \1 kB\)$" % n,
            r"^\(%s\) mica-test: after the balloon: MemTotal: +\d+ kB$" % n,
            r"^\(%s\) mica-test: done$" % n,
            r"^Domain d\d+ \(%s\): powered off$" % n,
            summary(name)]


def balloon_problems(log, name, dumps):
    """MemTotal fell by the balloon's size; with dumps, the pages the domain
    owns in the p2m dumps before and after the balloon fell by as much."""
    n = re.escape(name)
    problems = []
    owned = [int(p) for p in re.findall(r"^p2m of d\d+ \(%s\): (\d+) pages owned" % n, log,
                                        re.MULTILINE)]
    if dumps and len(owned) != 2:
        problems.append("%s: %d p2m dump(s), expected one before the balloon and one after"
                        % (name, len(owned)))
    elif dumps and owned[0] - owned[1] != BALLOON_PAGES:
        problems.append("%s: owned %d pages before the balloon, %d after: its %d pages did not "
                        "(all, only) leave the p2m" % (name, owned[0], owned[1], BALLOON_PAGES))
    mem = [int(k) for k in re.findall(r"^\(%s\) mica-test: (?:before|after) the balloon: "
                                      r"MemTotal: +(\d+) kB$" % n, log, re.MULTILINE)]
    if len(mem) == 2 and mem[0] - mem[1] != BALLOON_PAGES * 4:
        problems.append("%s: MemTotal fell by %d kB, not %d" % (name, mem[0] - mem[1],
                                                                 BALLOON_PAGES * 4))
    return problems


class LinuxTest(QemuTest):
    """A QemuTest whose Linux domains must also have ballooned
    (balloon_problems; dumps: p2m dumps before and after it to compare)."""

    def __init__(self, name, linux_names, dumps=False, **kwargs):
        super().__init__(name, **kwargs)
        self.linux_names, self.dumps = linux_names, dumps

    def run(self):
        problems, log = super().run()
        for name in self.linux_names:
            problems += balloon_problems(log, name, self.dumps)
        return problems, log


# Three CTRL-a move the serial input on (docs/domains.md): from Mica's
# debug keys to CONSOLEIO_read's ring, then to each domain's console in
# turn, then back to Mica. With one domain: Mica -> its console is two
# moves, its console -> Mica one.
SWITCH = b"\x01\x01\x01"


def boot():
    """One Linux domain, 256 MiB and 2 vCPUs, on 2 CPUs; the p2m dumped
    (key p) while its init waits before and after the balloon."""
    modules = linux_modules("linux", kernel_args=KERNEL_ARGS + " mica.wait")
    typed = [(r"before the balloon: waiting for Enter", b"p" + 2 * SWITCH + b"\r"),
             (r"after the balloon: waiting for Enter", SWITCH + b"p" + 2 * SWITCH + b"\r")]
    return LinuxTest("linux/boot", ["linux"], dumps=True, cmdline="p2m-audit", cpus=2,
                     mem="1G", modules=modules, timeout=300, typed=typed,
                     expect=expect_boot("linux") + [NO_LEAK],
                     reject=REJECT + (AUDIT_FAILED,))


def shell():
    """make linux-run's boot (no mica.test): the busybox shell on hvc0 takes
    what is typed on the serial console once the input is switched to the
    domain, and `poweroff` ends the domain."""
    modules = linux_modules("linux", kernel_args="console=hvc0")
    typed = [(r"\(linux\) Linux under Mica: a busybox shell",
              2 * SWITCH + b"echo shell says $((6 * 7))\r"),
             (r"\(linux\) shell says 42", b"poweroff\r")]
    return QemuTest("linux/shell", cpus=2, mem="1G", modules=modules, timeout=300, typed=typed,
                    expect=[r"^\(linux\) shell says 42\r?$", r"^Domain d0 \(linux\): powered off$",
                            summary("linux"), NO_LEAK],
                    reject=REJECT + (AUDIT_FAILED,))


def two_and_a_guest():
    """Two Linux domains at once on 2 CPUs, beside a guest-test domain that
    does p2m work of its own (memop_physmap) and must pass."""
    modules = linux_modules("linux1") + linux_modules("linux2")
    modules.append((guest_elf("memop_physmap"), "name=memop mem=64M"))
    return LinuxTest("linux/two-and-a-guest", ["linux1", "linux2"],
                     cmdline="p2m-audit", cpus=2, mem="1G", modules=modules,
                     timeout=480,
                     expect=expect_boot("linux1") + expect_boot("linux2") +
                     [verdict("memop", "memop_physmap"), summary("memop"), NO_LEAK],
                     reject=REJECT + (AUDIT_FAILED,))


def tests():
    return [boot(), shell(), two_and_a_guest()]
