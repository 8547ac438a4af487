"""QEMU tests of the smp guests (tests/guest/smp/): several vCPUs (vcpu_op,
test_smp.c), their runstates (runstate.c), TLB shootdown (test_shootdown.c), domctl pause (domctl_pause.c),
three domains yielding in a tight loop on two CPUs (yield_storm.c).

The shootdown tests prove that every memory_op that takes a frame away from
a gfn flushes the other CPUs' translations before it returns (and so before
the frame can be freed): remap and batch move another frame there, remove
and decrease leave a hole that is then filled with a fresh frame, foreign
maps another domain's frame over RAM. Each
fails if that operation's p2m_flush is missing (vCPU 1 then reads the old
frame, "N stale read(s)"). vCPU 1 never reads a hole, so the tests hold
whatever Mica does with such a read.

tests() returns the list (tests/mica_test.py).
"""
from mica_test import NO_LEAK, REJECT, QemuTest, guest_elf, guest_passes, summary, verdict


def smp_passes(name, guest, result, cpus, vcpus):
    """One guest with vcpus vCPUs on cpus CPUs: PASS, powered off, no frame lost."""
    return guest_passes(name, guest, result, cpus=cpus, options="vcpus=%d" % vcpus)


STALE = r"[1-9]\d* stale read"


def shootdown(mode, owner=False):
    """test_shootdown.c with two vCPUs on two CPUs: in each of 64 rounds vCPU 0
    changes the gfn vCPU 1 has just read, in the way `mode` says, and vCPU 1's
    next read must see the change (owner: a second domain whose frame vCPU 0
    maps there)."""
    modules = [(guest_elf("test_shootdown"), "name=sd vcpus=2 -- mode=" + mode)]
    expect = [r"\(sd\) reader: 0 stale read\(s\) in 64 round\(s\)$", verdict("sd", "shootdown"),
              summary("sd", domid=0), r"p2m audit d0 \(sd\): ok", NO_LEAK]
    if owner:
        modules.append((guest_elf("test_shootdown"), "name=owner no-priv -- role=owner"))
        expect += [verdict("owner", "shootdown"), summary("owner", domid=1)]
    return QemuTest("guest/shootdown-" + mode, cpus=2, modules=modules, expect=expect,
                    reject=REJECT + (STALE,))


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
        # Runstates: VCPUOP_get_runstate_info, the registered copies (rewritten
        # as vCPU 0 blocks and runs again), vm_assist's update flag.
        guest_passes("runstate", "runstate", "runstate", options="vcpus=2 -- vcpus=2"),
        guest_passes("runstate-32", "runstate-32", "runstate-32", options="vcpus=2 -- vcpus=2"),
        # TLB shootdown: vCPU 1 reads a gfn while vCPU 0 remaps it
        # (add_to_physmap, and add_to_physmap_batch); after the hypercall
        # returns, vCPU 1 must never reach the old frame.
        shootdown("remap"),
        shootdown("batch"),
        # ... while vCPU 0 removes it, or gives it back (decrease_reservation,
        # which frees the frame), and fills the hole again: vCPU 1 reads the
        # fresh frame.
        shootdown("remove"),
        shootdown("decrease"),
        # ... while vCPU 0 maps d1's frame over it (add_to_physmap_batch,
        # gmfn_foreign; the RAM it replaces is freed). d1 waits paused.
        shootdown("foreign", owner=True),
    ] + pause_tests() + yield_storm_tests()
