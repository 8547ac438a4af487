#!/usr/bin/env python3
"""Make malformed guest images from a good one, for tests of Mica's domain
builder (common/domain_build.c), which must refuse each with a reason.

  mkbadelf.py [--out DIR] [--suffix S] GOOD.elf
      writes DIR/NAMES.elf for every variant NAME below (default DIR:
      build/bad, default suffix none) and prints "NAME: what was changed"

From Python: make_bad_images(good_path, out_dir, suffix="") returns the
list of (name, path, what was changed). Python 3 standard library only.

The variants (ELF layout: the System V ABI's "Object Files" chapter; the PVH
note: docs/xen-abi.md):

  truncated-header  only the first 40 bytes: less than an ELF64 header
  truncated-phdrs   cut in the middle of the second program header
  truncated-segment cut after the headers, inside the first segment's bytes
  wrong-machine     e_machine = 183 (AArch64)
  no-note-segment   the PT_NOTE program header's type changed to PT_NULL
  wrong-note-type   the "Xen" note's type changed from 18 (PHYS32_ENTRY) to 17
  overlap-start-info the first PT_LOAD's p_paddr moved to 0x1000, onto the
                    page where the hypervisor writes hvm_start_info
"""
import argparse
import os
import struct
import sys

EM_AARCH64 = 183
PT_NULL, PT_LOAD, PT_NOTE = 0, 1, 4
XEN_ELFNOTE_PHYS32_ENTRY = 18

# Offsets and sizes that differ between ELF64 and ELF32 (System V ABI).
#   ehdr: e_phoff's offset and format, e_phentsize's and e_phnum's offsets
#   phdr: struct format of the program header fields we read and write
ELF_CLASSES = {
    2: dict(phoff=(32, "<Q"), phentsize=54, phnum=56,
            # p_type p_flags p_offset p_vaddr p_paddr p_filesz p_memsz p_align
            phdr="<IIQQQQQQ", fields=("type", "flags", "offset", "vaddr", "paddr",
                                      "filesz", "memsz", "align")),
    1: dict(phoff=(28, "<I"), phentsize=42, phnum=44,
            # p_type p_offset p_vaddr p_paddr p_filesz p_memsz p_flags p_align
            phdr="<IIIIIIII", fields=("type", "offset", "vaddr", "paddr",
                                      "filesz", "memsz", "flags", "align")),
}
E_MACHINE_OFFSET = 18          # same in both classes


class Elf:
    """Just enough of an ELF file to find and patch program headers."""

    def __init__(self, data):
        if data[:4] != b"\x7fELF" or data[4] not in ELF_CLASSES or data[5] != 1:
            raise ValueError("not a little-endian ELF32/ELF64 image")
        self.data = bytearray(data)
        self.layout = ELF_CLASSES[data[4]]
        offset, fmt = self.layout["phoff"]
        self.phoff = struct.unpack_from(fmt, data, offset)[0]
        self.phentsize = struct.unpack_from("<H", data, self.layout["phentsize"])[0]
        self.phnum = struct.unpack_from("<H", data, self.layout["phnum"])[0]
        if self.phentsize != struct.calcsize(self.layout["phdr"]):
            raise ValueError("unexpected program header size %d" % self.phentsize)

    def phdr_offset(self, index):
        return self.phoff + index * self.phentsize

    def phdr(self, index):
        values = struct.unpack_from(self.layout["phdr"], self.data, self.phdr_offset(index))
        return dict(zip(self.layout["fields"], values))

    def set_phdr(self, index, **changes):
        fields = self.phdr(index)
        fields.update(changes)
        struct.pack_into(self.layout["phdr"], self.data, self.phdr_offset(index),
                         *(fields[name] for name in self.layout["fields"]))

    def find_phdr(self, ptype):
        """Index of the first program header of type ptype."""
        for index in range(self.phnum):
            if self.phdr(index)["type"] == ptype:
                return index
        raise ValueError("no program header of type %d" % ptype)

    def find_pvh_note(self):
        """File offset of the type field of the "Xen" PHYS32_ENTRY note."""
        note = self.phdr(self.find_phdr(PT_NOTE))
        pos, end = note["offset"], note["offset"] + note["filesz"]
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from("<III", self.data, pos)
            name = bytes(self.data[pos + 12:pos + 12 + namesz])
            if name == b"Xen\0" and ntype == XEN_ELFNOTE_PHYS32_ENTRY:
                return pos + 8
            pos += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
        raise ValueError("no PVH entry note")


def variants(good):
    """Yield (name, what was changed, image bytes) for each malformed image."""
    yield "truncated-header", "only the first 40 bytes", good.data[:40]

    cut = good.phdr_offset(1) + good.phentsize // 2
    yield "truncated-phdrs", "cut at byte %d, inside program header 1" % cut, good.data[:cut]

    first_load = good.phdr(good.find_phdr(PT_LOAD))
    cut = first_load["offset"] + first_load["filesz"] // 2
    yield ("truncated-segment", "cut at byte %d, inside the first PT_LOAD's bytes" % cut,
           good.data[:cut])

    bad = Elf(good.data)
    struct.pack_into("<H", bad.data, E_MACHINE_OFFSET, EM_AARCH64)
    yield "wrong-machine", "e_machine = %d (AArch64)" % EM_AARCH64, bad.data

    bad = Elf(good.data)
    bad.set_phdr(bad.find_phdr(PT_NOTE), type=PT_NULL)
    yield "no-note-segment", "the PT_NOTE program header's type is PT_NULL", bad.data

    bad = Elf(good.data)
    struct.pack_into("<I", bad.data, bad.find_pvh_note(), XEN_ELFNOTE_PHYS32_ENTRY - 1)
    yield ("wrong-note-type", "the Xen note's type is %d, not %d" %
           (XEN_ELFNOTE_PHYS32_ENTRY - 1, XEN_ELFNOTE_PHYS32_ENTRY), bad.data)

    bad = Elf(good.data)
    bad.set_phdr(bad.find_phdr(PT_LOAD), paddr=0x1000)
    yield "overlap-start-info", "the first PT_LOAD's p_paddr is 0x1000", bad.data


def make_bad_images(good_path, out_dir, suffix=""):
    """Write every variant of good_path into out_dir as NAME<suffix>.elf;
    return [(name, path, what)]."""
    with open(good_path, "rb") as f:
        good = Elf(f.read())
    os.makedirs(out_dir, exist_ok=True)
    made = []
    for name, what, data in variants(good):
        path = os.path.join(out_dir, name + suffix + ".elf")
        with open(path, "wb") as f:
            f.write(data)
        made.append((name, path, what))
    return made


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("build", "bad"))
    parser.add_argument("--suffix", default="")
    parser.add_argument("good")
    args = parser.parse_args()
    try:
        for name, _, what in make_bad_images(args.good, args.out, args.suffix):
            print("%s: %s" % (name, what))
    except (OSError, ValueError) as e:
        sys.exit("mkbadelf: %s" % e)


if __name__ == "__main__":
    main()
