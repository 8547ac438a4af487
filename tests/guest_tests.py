"""QEMU tests that boot guest domains (built by tests/guest/guest.mk).

tests(QemuTest) returns the list; each names its modules as
(ELF path relative to the repository, module command line).
"""

G = "build/guest/"
NO_FAULT = (r"MICA FAULT", r"MICA PANIC")


def passes(QemuTest, name, guest, verdict, cpus=2, cmdline=""):
    """One guest that must print PASS guest/<verdict> and power off."""
    return QemuTest("guest/" + name, cpus=cpus, modules=[(G + guest + ".elf", "name=" + name + " " + cmdline)],
                    expect=[r"\(%s\) PASS guest/%s$" % (name, verdict),
                            r"d0 \(%s\): powered off" % name,
                            r"Memory: (\d+) frames free before the domains, \1 after"],
                    reject=NO_FAULT + (r"FAIL guest/",))


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
    ]
