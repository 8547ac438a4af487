#!/usr/bin/env python3
"""Build a bootable GRUB ISO holding Mica and, optionally, boot modules.

  mkiso.py --out X.iso --grub-cfg FILE [--file SRC:NAME ...] MICA.elf
      use a hand-written grub.cfg (the menu of `make run`); each --file is
      copied to /boot/NAME for its module2 lines
  mkiso.py --out X.iso [--cmdline "OPTIONS"] MICA.elf [MODULE[:CMDLINE] ...]
      write a one-entry grub.cfg that boots at once with that command line,
      loading each MODULE as a multiboot2 module with its own command line

Needs grub-mkrescue (grub-pc-bin, grub-common), xorriso and mtools.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile


def write_generated_cfg(path, cmdline, modules):
    lines = ["set timeout=0", "set default=0", 'menuentry "Mica" {',
             "    multiboot2 /boot/mica.elf %s" % cmdline]
    for index, (_, module_cmdline) in enumerate(modules):
        lines.append("    module2 /boot/module%d %s" % (index, module_cmdline))
    lines += ["    boot", "}"]
    with open(path, "w") as cfg:
        cfg.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--grub-cfg")
    parser.add_argument("--cmdline", default="")
    parser.add_argument("--file", action="append", default=[], help="SRC:NAME (with --grub-cfg)")
    parser.add_argument("mica")
    parser.add_argument("modules", nargs="*", help="FILE or FILE:CMDLINE")
    args = parser.parse_args()

    modules = []
    for spec in args.modules:
        path, _, module_cmdline = spec.partition(":")
        if not os.path.isfile(path):
            sys.exit("mkiso: no such module file: %s" % path)
        modules.append((path, module_cmdline))

    with tempfile.TemporaryDirectory() as root:
        grub_dir = os.path.join(root, "boot", "grub")
        os.makedirs(grub_dir)
        shutil.copy(args.mica, os.path.join(root, "boot", "mica.elf"))
        for index, (path, _) in enumerate(modules):
            shutil.copy(path, os.path.join(root, "boot", "module%d" % index))
        if args.grub_cfg:
            shutil.copy(args.grub_cfg, os.path.join(grub_dir, "grub.cfg"))
            for spec in args.file:
                src, _, name = spec.partition(":")
                shutil.copy(src, os.path.join(root, "boot", name))
        else:
            write_generated_cfg(os.path.join(grub_dir, "grub.cfg"), args.cmdline, modules)
        result = subprocess.run(["grub-mkrescue", "-o", args.out, root],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            sys.exit("mkiso: grub-mkrescue failed:\n" + result.stdout)


if __name__ == "__main__":
    main()
