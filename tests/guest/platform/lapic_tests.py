"""QEMU tests of the local APIC guests (tests/guest/platform/lapic_*.c): the
registers in x2APIC mode (lapic_regs.c), interrupt priority (lapic_prio.c),
IPIs between four vCPUs (lapic_ipi.c), the timer (lapic_timer.c), the xAPIC
MMIO page (lapic_mmio.c), INIT and start-up IPIs (lapic_sipi.c).

tests() returns the list (tests/mica_test.py).
"""
from mica_test import NO_LEAK, REJECT, QemuTest, guest_elf, summary, verdict


def lapic(name, vcpus, cpus=2, icount=False, timeout=60, expect=()):
    """One domain of guest lapic_<name> with `vcpus` vCPUs: PASS, powered
    off, nothing leaked."""
    guest = "lapic_" + name
    return QemuTest("platform/" + guest, cpus=cpus, icount=icount, timeout=timeout,
                    modules=[(guest_elf(guest), "name=%s vcpus=%d" % (name, vcpus))],
                    expect=list(expect) + [verdict(name, guest), summary(name, domid=0),
                                           NO_LEAK],
                    reject=REJECT)


def tests():
    return [
        # IA32_APIC_BASE and its modes, CPUID, every x2APIC register's reset
        # value, the MSRs that #GP, reserved bits, ESR, TPR/PPR and CR8, on
        # vCPU 0 (APIC ID 0) and vCPU 1 (APIC ID 2).
        lapic("regs", vcpus=2),
        # Priority: highest vector first, TPR by register and by CR8 (the TPR
        # window), IF, nested handlers with ISR and PPR, EOI.
        lapic("prio", vcpus=1),
        # IPIs between four vCPUs on two CPUs, each counted where it lands:
        # physical, logical, shorthands, broadcast, lowest priority, NMI, the
        # APs among themselves; HLT returns only after an interrupt.
        lapic("ipi", vcpus=4, timeout=120,
              expect=[r"\(ipi\) \d+ \+ \d+ \+ \d+ interrupts on the APs, none of their HLTs"]),
        # INIT-SIPI-SIPI to a real-mode trampoline (both APs), INIT and a
        # restart at another address, NMIs waking a CLI;HLT vCPU.
        # The timer under icount (the TSC counts virtual ns): periodic at
        # 1 kHz, 1000 interrupts on time; one-shot, masked, TSC-deadline.
        lapic("timer", vcpus=1, icount=True, timeout=120,
              expect=[r"\(timer\) periodic 1 kHz: 1000 interrupts in \d+ TSC ticks"]),
        # The xAPIC page through the #NPF emulator: every register's reset
        # value, read-back, ESR, APR, an IPI through ICR, relocation.
        lapic("mmio", vcpus=1),
        lapic("sipi", vcpus=3,
              expect=[r"\(sipi\) started at 0x8000 3 times, at 0x9000 1 time\(s\); "
                      r"2 NMI wake-ups$"]),
    ]
