"""QEMU tests of guests with several vCPUs (vcpu_op: tests/guest/test_smp.c).

tests(QemuTest) returns the list, as tests/guest_tests.py does; each boots one
guest whose module command line asks for vcpus=N.
"""

G = "build/guest/"
NO_FAULT = (r"MICA FAULT", r"MICA PANIC")


def smp_passes(QemuTest, name, guest, verdict, cpus, vcpus):
    """One guest with vcpus vCPUs on cpus CPUs: PASS, powered off, no frame lost."""
    return QemuTest("guest/" + name, cpus=cpus,
                    modules=[(G + guest + ".elf", "name=%s vcpus=%d" % (name, vcpus))],
                    expect=[r"\(%s\) PASS guest/%s$" % (name, verdict),
                            r"d0 \(%s\): powered off" % name,
                            r"Memory: (\d+) frames free before the domains, \1 after"],
                    reject=NO_FAULT + (r"FAIL guest/",))


def tests(QemuTest):
    return [
        # vCPU 1 started, stopped and resumed; vCPU 2 gets a context that
        # would fail VMRUN (-EINVAL).
        smp_passes(QemuTest, "smp", "test_smp", "smp", cpus=2, vcpus=3),
        # The same errors through the 32-bit calling convention.
        smp_passes(QemuTest, "smp-32", "test_smp-32", "smp-32", cpus=2, vcpus=3),
        # Two vCPUs sharing one CPU: progress depends on SCHEDOP_yield.
        smp_passes(QemuTest, "smp-1cpu", "test_smp", "smp", cpus=1, vcpus=2),
    ]
