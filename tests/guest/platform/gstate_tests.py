"""QEMU tests of the guest state a guest changes without exits (tests/guest/platform/gstate_*.c,
docs/platform.md "Guest state"): debug registers and TSC_AUX kept per domain across yields on one
CPU, control-register and EFER writes checked as the processor would (#GP, and the domain goes
on), MOV DR semantics, performance counters, DEBUGCTL, and the instructions and features a guest
does not get.

tests() returns the list (tests/mica_test.py).
"""
from mica_test import FLAVOURS, NO_LEAK, REJECT, QemuTest, guest_elf, summary, verdict

# QEMU's default model has neither RDTSCP nor XSAVE; this one has both (and AVX), so that
# TSC_AUX is switched and XSAVE must be hidden.
CPU_MORE = ("-cpu", "qemu64,+svm,+npt,+rdtscp,+xsave,+avx")


def switch_test(flavour, qemu_args=(), suffix=""):
    """Three domains on one CPU, each keeping its debug registers (and TSC_AUX when the
    processor has RDTSCP) across 1500 yields: one whose DR7 enables breakpoints, one whose
    does not, one that reads the reset values after the others have run."""
    roles = (("a", "eager", 1), ("b", "lazy", 2), ("c", "late", 3))
    result = "gstate_switch" + flavour
    return QemuTest("platform/gstate-switch" + flavour + suffix, cpus=1, timeout=240,
                    qemu_args=qemu_args,
                    modules=[(guest_elf("gstate_switch" + flavour),
                              "name=%s -- role=%s id=%d" % (name, role, i))
                             for name, role, i in roles],
                    expect=[verdict(name, result) for name, _, _ in roles]
                    + [summary(name, domid=i - 1) for name, _, i in roles]
                    + [r"\(c\) after 750 rounds of the others: reset values$",
                       r"\(a\) TSC_AUX %s" % ("switched too" if qemu_args else "absent"),
                       NO_LEAK],
                    reject=REJECT)


def single(guest, flavour, qemu_args=(), suffix="", options=""):
    """One domain of `guest` alone on one CPU: PASS, powered off, no frame lost."""
    name = guest.replace("_", "-") + flavour + suffix
    return QemuTest("platform/" + name, cpus=1, qemu_args=qemu_args,
                    modules=[(guest_elf(guest + flavour), ("name=%s %s" % (name, options)).strip())],
                    expect=[verdict(name, guest + flavour), summary(name, domid=0), NO_LEAK],
                    reject=REJECT)


def tests():
    return ([switch_test(flavour) for flavour in FLAVOURS]
            + [switch_test(flavour, CPU_MORE, "-rdtscp") for flavour in FLAVOURS]
            + [single("gstate_dr", flavour) for flavour in FLAVOURS]
            # With a second vCPU, whose contexts VCPUOP_initialise must check.
            + [single("gstate_cr", flavour, options="vcpus=2") for flavour in FLAVOURS]
            + [single("gstate_cr", flavour, CPU_MORE, "-xsave", "vcpus=2") for flavour in FLAVOURS]
            + [single("gstate_insn", flavour) for flavour in FLAVOURS]
            + [single("gstate_insn", flavour, CPU_MORE, "-xsave") for flavour in FLAVOURS])
