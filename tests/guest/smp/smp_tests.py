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
        # TLB shootdown: vCPU 1 polls a gfn while vCPU 0 remaps it; after the
        # hypercall returns the poller must never read the old frame.
        QemuTest("guest/shootdown-remap", cpus=2,
                 modules=[(G + "test_shootdown.elf", "name=sd vcpus=2 -- mode=remap")],
                 expect=[r"\(sd\) poller: 0 stale read\(s\) after the change, saw the new frame: 1",
                         r"\(sd\) PASS guest/shootdown$", r"d0 \(sd\): powered off",
                         r"p2m audit d0 \(sd\): ok",
                         r"Memory: (\d+) frames free before the domains, \1 after"],
                 reject=NO_FAULT + (r"FAIL guest/",)),
        # ... and while vCPU 0 removes it: the poller's next read must fault.
        QemuTest("guest/shootdown-remove", cpus=2, status=35,
                 modules=[(G + "test_shootdown.elf", "name=sd vcpus=2 -- mode=remove")],
                 expect=[r"d0 v1: #NPF at gfn 0x900 \(gpa 0x900000\): read of an unmapped gfn",
                         r"d0 \(sd\): crashed", r"p2m audit d0 \(sd\): ok",
                         r"Memory: (\d+) frames free before the domains, \1 after"],
                 reject=NO_FAULT + (r"[1-9]\d* stale read",)),
    ]
