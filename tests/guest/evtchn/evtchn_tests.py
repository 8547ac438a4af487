"""QEMU tests of the event-channel guests (tests/guest/evtchn/): every subop and
Xen's errors on a loopback channel (evtchn_ops.c, also under real Xen: make
test-xen), upcalls and wake-ups inside one domain (evtchn_upcall.c), two domains
exchanging 100,000 counted events (evtchn_pair.c), VIRQ_DOM_EXC and its
delegation (evtchn_virq.c), the FIFO ABI (evtchn_fifo.c), serial input through
VIRQ_CONSOLE and CONSOLEIO_read, typed on the console (console_input.c).

tests() returns the list (tests/mica_test.py).
"""
from mica_test import (NO_LEAK, REJECT, QemuTest, guest_elf, guest_passes,
                       summary, verdict)


def pair(name, rounds, cmdline="", timeout=60, icount=False):
    """d0 (privileged) serves, d1 sends `rounds` acknowledged events. Under
    icount one host thread runs both CPUs in turn, so the waits sleep at
    once rather than spin first (spin=0)."""
    args = "rounds=%d%s" % (rounds, " spin=0" if icount else "")
    modules = [(guest_elf("evtchn_pair"), "name=server -- role=server " + args),
               (guest_elf("evtchn_pair"), "name=client -- role=client " + args)]
    return QemuTest("evtchn/" + name, cmdline=cmdline, cpus=2, modules=modules, timeout=timeout,
                    icount=icount,
                    expect=[r"\(server\) server: %d events counted on port 2, %d acknowledged$"
                            % (rounds, rounds),
                            r"\(client\) client: %d events sent, %d acknowledged$" % (rounds, rounds),
                            r"\(server\) server: VIRQ_DOM_EXC seen, ports 2 and 3 unbound again$",
                            verdict("server", "evtchn_pair"), verdict("client", "evtchn_pair"),
                            summary("server", domid=0), summary("client", domid=1), NO_LEAK],
                    reject=REJECT)


def ops(flavour, xsm):
    """evtchn_ops (self-only) under an XSM module."""
    name = "evtchn_ops" + flavour
    return QemuTest("evtchn/ops%s-%s" % (flavour, xsm), cmdline="xsm=" + xsm,
                    modules=[(guest_elf(name), "name=ops no-priv -- xsm=" + xsm)],
                    expect=[verdict("ops", name), summary("ops", domid=0), NO_LEAK],
                    reject=REJECT)


def tests():
    return [
        # Every subop's success and Xen's errors on a loopback channel.
        guest_passes("evtchn_ops", "evtchn_ops", "evtchn_ops"),
        guest_passes("evtchn_ops-32", "evtchn_ops-32", "evtchn_ops-32"),
        # The FIFO ABI: init_control's and expand_array's errors, the switch
        # from 2-level, links, queue heads, ready bits, set_priority, unmask.
        guest_passes("evtchn_fifo", "evtchn_fifo", "evtchn_fifo"),
        guest_passes("evtchn_fifo-32", "evtchn_fifo-32", "evtchn_fifo-32"),
        # The same, unprivileged, under FLASK's default policy and SILO.
        ops("", "flask"),
        ops("", "silo"),
        ops("-32", "flask"),
        # Upcalls on the callback and per-vCPU vectors (IF, the upcall mask,
        # V_IRQ), an IPI between two vCPUs, a blocked vCPU woken long before
        # the 10 ms tick (exact under icount), SCHEDOP_poll, register_vcpu_info.
        QemuTest("evtchn/upcall", cpus=2, timeout=120, icount=True,
                 modules=[(guest_elf("evtchn_upcall"), "name=up vcpus=2")],
                 expect=[r"\(up\) wake-up: median \d+ TSC ticks after the send .* "
                         r"\(well before the tick\)$",
                         verdict("up", "evtchn_upcall"), summary("up", domid=0), NO_LEAK],
                 reject=REJECT),
        # Two domains on two CPUs: 100,000 events, each acknowledged before the
        # next (events coalesce), none lost; every wait a blocked vCPU woken
        # by the event. Under icount: the host's load cannot stretch it.
        pair("pair-100000", 100000, timeout=300, icount=True),
        # The same on truly parallel CPUs (QEMU's threads), fewer rounds.
        pair("pair-parallel", 2000, timeout=120),
        # The same talk is allowed under FLASK (default policy) and SILO
        # (an unprivileged domain may talk to the privileged one).
        pair("pair-flask", 1000, cmdline="xsm=flask"),
        pair("pair-silo", 1000, cmdline="xsm=silo"),
        # VIRQ_DOM_EXC delegated to d1, back with d0 once d1 has died; nothing
        # keeps d1 alive, nothing leaks.
        QemuTest("evtchn/virq-handler", cpus=2, timeout=90,
                 modules=[(guest_elf("evtchn_virq"), "name=boss -- role=boss"),
                          (guest_elf("evtchn_virq"), "name=handler -- role=handler"),
                          (guest_elf("evtchn_virq"), "name=victim -- role=victim")],
                 expect=[r"\(handler\) handler: VIRQ_DOM_EXC received$",
                         r"\(boss\) boss: VIRQ_DOM_EXC is back with d0 after the handler died$",
                         verdict("boss", "evtchn_virq"), verdict("handler", "evtchn_virq"),
                         verdict("victim", "evtchn_virq"), summary("boss", domid=0),
                         summary("handler", domid=1), summary("victim", domid=2), NO_LEAK],
                 reject=REJECT),
        # Typed on the serial console: a debug key, CTRL-a x3, input for the
        # domains (VIRQ_CONSOLE, CONSOLEIO_read), CTRL-a x3, a debug key.
        QemuTest("evtchn/console-input", cpus=2, timeout=90,
                 modules=[(guest_elf("console_input"), "name=reader -- role=reader"),
                          (guest_elf("console_input"), "name=other -- role=other")],
                 typed=[(r"waiting for input", b"h\x01\x01\x01hi\x01!\r"),
                        (r"read \d+ bytes", b"\x01\x01\x01h")],
                 expect=[r"debug keys: a audit p2ms[^\n]*\n(.*\n)*?\*\*\* Serial input to the "
                         r"domains \(CONSOLEIO_read, VIRQ_CONSOLE\)",
                         r"\*\*\* Serial input to Mica \(debug keys\)[^\n]*\n(.*\n)*?debug keys: ",
                         r"\(reader\) reader: read 5 bytes, as typed$",
                         r"\(reader\) reader: nothing more came$",
                         verdict("reader", "console_input"), verdict("other", "console_input"),
                         summary("reader", domid=0), summary("other", domid=1), NO_LEAK],
                 reject=REJECT),
        # The PV console ring of an unprivileged domain: output, input typed
        # after switching to its console (CTRL-a x3 twice), corrupt indices.
        QemuTest("evtchn/console-ring", cpus=2, timeout=90,
                 modules=[(guest_elf("console_ring"), "name=ring no-priv")],
                 typed=[(r"ring: ready for input", b"\x01\x01\x01\x01\x01\x01ping\r")],
                 expect=[r"^\(ring\) hello through the console ring$",
                         r"\*\*\* Serial input to d0 \(ring\)'s console",
                         r"^\(ring\) pong$",
                         verdict("ring", "console_ring"), summary("ring", domid=0), NO_LEAK],
                 reject=REJECT),
    ]
