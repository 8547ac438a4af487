#!/usr/bin/env python3
"""Debian's Linux kernel and an initramfs for Mica, in build/linux/ (make linux).

- fetches Debian's current linux-image-amd64 kernel (its -unsigned flavour:
  the same kernel without the signature) and busybox-static with
  `apt-get download`, unpacks them with `dpkg -x` (nothing is installed);
- extracts the ELF vmlinux, with its PVH entry note, from the vmlinuz: a
  bzImage whose payload (boot protocol 2.08+: setup_sects at 0x1f1,
  payload_offset and payload_length at 0x248) is XZ-compressed;
- builds initramfs.cpio.gz (cpio "newc", gzip) from busybox and
  tools/linux/init.

Everything is cached: a second run downloads nothing. Prints the paths.
"""
import glob
import gzip
import lzma
import os
import re
import shutil
import struct
import subprocess
import sys

TOOLS = os.path.dirname(os.path.realpath(__file__))
ROOT = os.path.dirname(TOOLS)
OUT = os.path.join(ROOT, "build", "linux")
VMLINUX = os.path.join(OUT, "vmlinux")
INITRAMFS = os.path.join(OUT, "initramfs.cpio.gz")
INIT = os.path.join(TOOLS, "linux", "init")


def run(*argv, cwd=None):
    return subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True).stdout


def kernel_package():
    """linux-image-amd64 depends on linux-image-6.1.0-N-amd64; its -unsigned
    twin holds the same kernel."""
    # apt-get download needs the package lists: refresh them only if apt
    # does not know the package yet (a fresh machine).
    if subprocess.run(["apt-cache", "show", "linux-image-amd64"], stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode != 0:
        run("apt-get", "update", "-qq")
    depends = run("apt-cache", "depends", "linux-image-amd64")
    m = re.search(r"Depends: (linux-image-[0-9][^\s]*-amd64)\b", depends)
    if not m:
        sys.exit("linux.py: cannot tell which kernel linux-image-amd64 depends on:\n" + depends)
    return m.group(1) + "-unsigned"


def fetch(package, into):
    """apt-get download + dpkg -x, once."""
    stamp = os.path.join(into, ".unpacked")
    if os.path.exists(stamp):
        return
    os.makedirs(into, exist_ok=True)
    debs = os.path.join(OUT, "debs")
    os.makedirs(debs, exist_ok=True)
    if not glob.glob(os.path.join(debs, package + "_*.deb")):
        print("linux.py: apt-get download %s" % package, flush=True)
        subprocess.run(["apt-get", "download", package], cwd=debs, check=True,
                       stderr=subprocess.DEVNULL)
    deb = sorted(glob.glob(os.path.join(debs, package + "_*.deb")))[-1]
    run("dpkg", "-x", deb, into)
    open(stamp, "w").close()


def extract_vmlinux(vmlinuz, out):
    with open(vmlinuz, "rb") as f:
        image = f.read()
    if image[0x202:0x206] != b"HdrS":
        sys.exit("linux.py: %s is not a bzImage (no HdrS)" % vmlinuz)
    setup_sects = image[0x1f1] or 4
    payload_offset, payload_length = struct.unpack_from("<II", image, 0x248)
    start = (setup_sects + 1) * 512 + payload_offset
    payload = image[start:start + payload_length]
    elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
    if elf[:4] != b"\x7fELF":
        sys.exit("linux.py: the payload of %s is not an ELF image" % vmlinuz)
    with open(out + ".tmp", "wb") as f:
        f.write(elf)
    os.replace(out + ".tmp", out)


def cpio_newc(entries):
    """entries: (name, mode, data or None, rdev major, minor). The newc format:
    a 110-byte ASCII header, the name (NUL-terminated), both padded to 4."""
    out = bytearray()
    for ino, (name, mode, data, major, minor) in enumerate(entries + [("TRAILER!!!", 0, b"", 0, 0)], 1):
        data = data or b""
        name_b = name.encode() + b"\0"
        header = "070701" + "".join("%08X" % v for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, major, minor, len(name_b), 0))
        out += header.encode() + name_b
        out += b"\0" * (-len(out) % 4)
        out += data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def build_initramfs(busybox, out):
    with open(busybox, "rb") as f:
        bb = f.read()
    with open(INIT, "rb") as f:
        init = f.read()
    d, x, c = 0o040755, 0o100755, 0o020600
    entries = [("bin", d, None, 0, 0), ("dev", d, None, 0, 0), ("proc", d, None, 0, 0),
               ("sys", d, None, 0, 0), ("tmp", d, None, 0, 0),
               ("dev/console", c, None, 5, 1), ("dev/null", 0o020666, None, 1, 3),
               ("bin/busybox", x, bb, 0, 0), ("bin/sh", 0o120777, b"busybox", 0, 0),
               ("init", x, init, 0, 0)]
    with gzip.open(out + ".tmp", "wb") as f:
        f.write(cpio_newc(entries))
    os.replace(out + ".tmp", out)


def main():
    os.makedirs(OUT, exist_ok=True)
    kernel = os.path.join(OUT, "kernel")
    busybox = os.path.join(OUT, "busybox")
    fetch(kernel_package(), kernel)
    fetch("busybox-static", busybox)
    vmlinuz = sorted(glob.glob(os.path.join(kernel, "boot", "vmlinuz-*")))
    if not vmlinuz:
        sys.exit("linux.py: no boot/vmlinuz-* in the kernel package")
    if not os.path.exists(VMLINUX) or os.path.getmtime(VMLINUX) < os.path.getmtime(vmlinuz[-1]):
        extract_vmlinux(vmlinuz[-1], VMLINUX)
    if not os.path.exists(INITRAMFS) or os.path.getmtime(INITRAMFS) < os.path.getmtime(INIT):
        build_initramfs(os.path.join(busybox, "bin", "busybox"), INITRAMFS)
    print(VMLINUX)
    print(INITRAMFS)


if __name__ == "__main__":
    main()
