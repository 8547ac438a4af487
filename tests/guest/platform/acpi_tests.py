"""QEMU tests of what the domain builder gives a PVH guest besides RAM: its ACPI
tables (acpi_tables.c: the RSDP from hvm_start_info, XSDT, hardware-reduced
FADT and its DSDT, the sleep registers and \\_S5 through which an OS powers
off (acpi-poweroff: the domain ends from the S5 write), one MADT local APIC per vCPU, all inside the memory map's
ACPI range, for 1 and 4 vCPUs), and ELF32 images whose e_machine is x86-64
(binutils' elf32-x86-64, made by tests/guest/guest.mk: NAME-elf32x64.elf from
the 64-bit flavour, NAME-32-elf32x64.elf from the 32-bit one), which boot like
any other, while an ELF32 image for another machine is still refused, as is
an image that overlaps the ACPI tables.

tests() returns the list (tests/mica_test.py). It writes the patched images
into build/bad/ from the good ones `make guests` built.
"""
import os
import re
import struct

from mica_test import (BAD_IMAGES, EXIT_FAILURE, FLAVOURS, NO_LEAK, P2M_AUDIT, REJECT, ROOT,
                       QemuTest, guest_elf, summary, verdict)
import mkbadelf  # tools/, on the path through mica_test

EM_ARM = 40
PAGE = 4096


def acpi_tables(flavour):
    """Two domains: a privileged one with 1 vCPU, an unprivileged one (which
    also has a console page after RAM) with 4; each checks its own tables."""
    image = "acpi_tables" + flavour
    domains = [("acpi1", "vcpus=1 priv", 1), ("acpi4", "vcpus=4 no-priv", 4)]
    expect = [NO_LEAK]
    for name, options, vcpus in domains:
        expect += [r"\(%s\) %d vCPU\(s\)$" % (name, vcpus),
                   r"\(%s\) RSDP at 0x" % name,
                   verdict(name, image), summary(name)]
    return QemuTest("platform/acpi-tables" + flavour, cmdline=P2M_AUDIT,
                    modules=[(guest_elf(image), "name=%s %s -- vcpus=%d" % (name, options, vcpus))
                             for name, options, vcpus in domains],
                    expect=expect, reject=REJECT)


def acpi_poweroff(flavour):
    """Power-off through the ACPI sleep control register (S5 with SLP_EN):
    the domain ends "powered off" from the write itself, without reaching
    its verdict; the writes that must not power off (another SLP_TYP, no
    SLP_EN, the status register) did not, since the guest went on to it."""
    image = "acpi_tables" + flavour
    return QemuTest("platform/acpi-poweroff" + flavour, cmdline="p2m-audit",
                    modules=[(guest_elf(image), "name=off vcpus=2 -- vcpus=2 poweroff=1")],
                    expect=[r"\(off\) still running after the writes that must not power off$",
                            r"\(off\) writing S5 with SLP_EN$",
                            r"^Domain d0 \(off\): powered off$", summary("off"), NO_LEAK],
                    reject=REJECT + (r"\(off\) (PASS|FAIL) guest/", r"check failed"))


def elf32_x86_64():
    """hello and acpi_tables from both flavours as ELF32 x86-64 images: each
    is built as ELF32 and passes."""
    domains = []
    for guest in ("hello", "acpi_tables"):
        for flavour in FLAVOURS:
            domains.append(("%s%s-elf32" % (guest, flavour), guest + flavour,
                            guest_elf(guest + flavour + "-elf32x64")))
    expect = [NO_LEAK]
    for name, result, _ in domains:
        expect += [r"^Domain d\d+ \(%s\): .*, ELF32, entry 0x" % re.escape(name),
                   verdict(name, result), summary(name)]
    return QemuTest("platform/elf32-x86-64", cmdline=P2M_AUDIT, cpus=2,
                    modules=[(path, "name=%s vcpus=2 -- vcpus=2" % name)
                             for name, _, path in domains],
                    expect=expect, reject=REJECT, timeout=90)


def patched(source, out_name, patch):
    """build/bad/out_name.elf: the image source with patch(Elf) applied; its
    path relative to the repository. A missing source is left to the test
    (its module file is missing)."""
    out = BAD_IMAGES + out_name + ".elf"
    if os.path.exists(source):
        with open(source, "rb") as f:
            elf = mkbadelf.Elf(f.read())
        patch(elf)
        os.makedirs(os.path.join(ROOT, BAD_IMAGES), exist_ok=True)
        with open(os.path.join(ROOT, out), "wb") as f:
            f.write(elf.data)
    return out


def set_machine_arm(elf):
    struct.pack_into("<H", elf.data, mkbadelf.E_MACHINE_OFFSET, EM_ARM)


def onto_acpi_tables(mem):
    """Move the first PT_LOAD so that it ends at mem, where the ACPI tables'
    page is its last (mem below 4 GiB)."""
    def patch(elf):
        index = elf.find_phdr(mkbadelf.PT_LOAD)
        memsz = elf.phdr(index)["memsz"]
        paddr = (mem - memsz) & ~0xF
        assert paddr < mem - PAGE < paddr + memsz
        elf.set_phdr(index, paddr=paddr, vaddr=paddr)
    return patch


def refusals():
    """An ELF32 image for ARM (from an elf32-x86-64 one), and images whose
    first segment covers the ACPI tables' page: each refused with its
    reason; the good domain still runs."""
    mem = 4 << 20
    bad = [(patched(guest_elf("hello-32-elf32x64"), "elf32-arm", set_machine_arm),
            "elf32-arm", "",
            "ELF32 image for another machine (e_machine is neither i386 nor x86-64)")]
    for flavour in FLAVOURS:
        name = "onto-acpi" + flavour
        bad.append((patched(guest_elf("hello" + flavour), name, onto_acpi_tables(mem)),
                    name, " mem=%dM" % (mem >> 20),
                    "a segment overlaps the ACPI tables (the last page of RAM below 4 GiB; "
                    "raise mem=?)"))
    expect = [r"module %d \(%s\) refused: %s$" % (index, name, re.escape(reason))
              for index, (_, name, _, reason) in enumerate(bad)]
    return QemuTest("platform/elf32-and-acpi-refusals", status=EXIT_FAILURE,
                    modules=[(path, "name=" + name + options) for path, name, options, _ in bad]
                    + [(guest_elf("hello-elf32x64"), "name=good")],
                    expect=expect + [
                        r"^Mica: 1 domain\(s\) started, %d module\(s\) refused$" % len(bad),
                        verdict("good", "hello"), summary("good"), NO_LEAK],
                    reject=REJECT)


def tests():
    return ([acpi_tables(flavour) for flavour in FLAVOURS] +
            [acpi_poweroff(flavour) for flavour in FLAVOURS] + [elf32_x86_64(), refusals()])
