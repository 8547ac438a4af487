"""QEMU tests of the smp guests (tests/guest/smp/): several vCPUs (vcpu_op,
test_smp.c), TLB shootdown (test_shootdown.c), domctl pause (domctl_pause.c),
three domains yielding in a tight loop on two CPUs (yield_storm.c).

The shootdown tests prove that every memory_op that takes a frame away from
a gfn flushes the other CPUs' translations before it returns (and so before
the frame can be freed): remap and batch move another frame there, remove
and decrease leave a hole, foreign maps another domain's frame over RAM. Each
fails if that operation's p2m_flush is missing (the poller then reads the
old frame, "N stale read(s)"). The hole tests run with npf=crash: a read of a
hole must crash the domain, whatever Mica's default for such reads.

tests() returns the list (tests/mica_test.py).
"""
from mica_test import (EXIT_FAILURE, EXIT_SUCCESS, NO_FAULT, NO_LEAK, REJECT, QemuTest, guest_elf,
                       guest_passes, summary, verdict)


def smp_passes(name, guest, result, cpus, vcpus):
    """One guest with vcpus vCPUs on cpus CPUs: PASS, powered off, no frame lost."""
    return guest_passes(name, guest, result, cpus=cpus, options="vcpus=%d" % vcpus)


STALE = r"[1-9]\d* stale read"


def shootdown(mode, status, expect, reject, cmdline="", owner=False):
    """test_shootdown.c with two vCPUs on two CPUs, vCPU 0 changing the gfn
    vCPU 1 polls in the way `mode` says (owner: a second domain whose frame
    vCPU 0 maps there)."""
    modules = [(guest_elf("test_shootdown"), "name=sd vcpus=2 -- mode=" + mode)]
    if owner:
        modules.append((guest_elf("test_shootdown"), "name=owner no-priv -- role=owner"))
    return QemuTest("guest/shootdown-" + mode, cmdline, cpus=2, status=status, modules=modules,
                    expect=expect + [r"p2m audit d0 \(sd\): ok", NO_LEAK],
                    reject=tuple(reject) + (STALE,))


SAW_NEW = (r"\(sd\) poller: 0 stale read\(s\) after 16 change\(s\); "
           r"the new frame seen 16 time\(s\)")


def poller_saw_new(mode):
    """16 changes to another frame: the poller sees each, never the old one."""
    return shootdown(mode, EXIT_SUCCESS, [SAW_NEW, verdict("sd", "shootdown"),
                                          summary("sd", domid=0)], REJECT)


def poller_faults(mode):
    """A change to a hole: the poller's next read faults (npf=crash)."""
    return shootdown(mode, EXIT_FAILURE,
                     [r"d0 v1: #NPF at gfn 0x900 \(gpa 0x900000\): read of an unmapped gfn",
                      summary("sd", "crashed", domid=0)], NO_FAULT, cmdline="npf=crash")


def pause_tests():
    """domctl pause/unpause: the privileged d0 pauses d1 while d1 prints
    heartbeats; no heartbeat may appear between the two."""
    modules = [(guest_elf("domctl_pause"), "name=ctl -- role=controller"),
               (guest_elf("domctl_pause"), "name=victim -- role=victim")]
    return [QemuTest("guest/domctl-pause", cpus=2, modules=modules,
                     expect=[r"Domain d1 \(victim\): paused\n(?:(?!\(victim\) heartbeat).*\n)*"
                             r"Domain d1 \(victim\): unpaused",
                             r"\(victim\) heartbeat 1$", r"\(victim\) heartbeat 60$",
                             verdict("ctl", "domctl_pause"), verdict("victim", "domctl_pause"),
                             NO_LEAK],
                     reject=REJECT),
            # Two privileged domains pausing each other at the same time.
            QemuTest("guest/domctl-mutual-pause", cpus=2,
                     modules=[(guest_elf("domctl_pause"), "name=a priv -- role=mutual other=1"),
                              (guest_elf("domctl_pause"), "name=b priv -- role=mutual other=0")],
                     expect=[verdict("a", "domctl_pause"), verdict("b", "domctl_pause"), NO_LEAK],
                     reject=REJECT)]


def yield_storm_tests(runs=5):
    """Three domains each yielding 150000 times on two CPUs: one always waits
    on the queue, so the vCPUs change CPU at nearly every yield (a lone
    yielder would stay on its CPU). Before the FPU restore avoided QEMU's race
    on CPU 0's hflags2 (docs/qemu.md), about every second run triple-faulted,
    so the same test runs several times."""
    names = ("a", "b", "c")
    return [QemuTest("guest/yield-storm-%d" % run, cpus=2, timeout=240,
                     modules=[(guest_elf("yield_storm"), "name=" + name) for name in names],
                     expect=[verdict(name, "yield_storm") for name in names]
                     + [summary(name, domid=i) for i, name in enumerate(names)] + [NO_LEAK],
                     reject=REJECT)
            for run in range(1, runs + 1)]


def tests():
    return [
        # vCPU 1 started, stopped and resumed; vCPU 2 gets a context that
        # would fail VMRUN (-EINVAL).
        smp_passes("smp", "test_smp", "smp", cpus=2, vcpus=3),
        # The same errors through the 32-bit calling convention.
        smp_passes("smp-32", "test_smp-32", "smp-32", cpus=2, vcpus=3),
        # Two vCPUs sharing one CPU: progress depends on SCHEDOP_yield.
        smp_passes("smp-1cpu", "test_smp", "smp", cpus=1, vcpus=2),
        # TLB shootdown: vCPU 1 polls a gfn while vCPU 0 remaps it (add_to_physmap,
        # and add_to_physmap_batch); after the hypercall returns the poller
        # must never read the old frame.
        poller_saw_new("remap"),
        poller_saw_new("batch"),
        # ... while vCPU 0 removes it, or gives it back (decrease_reservation,
        # which frees the frame): the poller's next read must fault.
        poller_faults("remove"),
        poller_faults("decrease"),
        # ... while vCPU 0 maps d1's frame over it (add_to_physmap_batch,
        # gmfn_foreign; the RAM it replaces is freed). d1 waits paused.
        shootdown("foreign", EXIT_SUCCESS,
                  [SAW_NEW, verdict("sd", "shootdown"), verdict("owner", "shootdown"),
                   summary("sd", domid=0), summary("owner", domid=1)],
                  REJECT, owner=True),
    ] + pause_tests() + yield_storm_tests()
