"""Booting Mica in QEMU from Python: shared by tests/run_tests.py and tools.

boot() builds an ISO with tools/mkiso.py (Mica's command line, optional
multiboot2 modules), runs QEMU with -no-reboot and isa-debug-exit, the serial
console going to a log file, and returns QEMU's exit status and the log.
"""
import os
import subprocess
import tempfile

TOOLS = os.path.dirname(os.path.abspath(__file__))

# isa-debug-exit turns Mica's exit value v into status (v << 1) | 1 (include/panic.h).
EXIT_SUCCESS = 33
EXIT_FAILURE = 35
EXIT_PANIC = 37
EXIT_TIMEOUT = -1   # our own marker: QEMU did not end in time

QEMU_BASE = ["qemu-system-x86_64", "-machine", "q35", "-cpu", "qemu64,+svm,+npt",
             "-display", "none", "-no-reboot",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def build_iso(mica_elf, iso, cmdline="", modules=()):
    """modules: strings FILE or FILE:CMDLINE."""
    subprocess.run(["python3", os.path.join(TOOLS, "mkiso.py"), "--out", iso,
                    "--cmdline", cmdline, mica_elf, *modules], check=True)


def boot(mica_elf, cmdline="", cpus=2, mem="256M", modules=(), timeout=60,
         icount=False, extra_qemu=()):
    """Returns (status, serial log text)."""
    with tempfile.TemporaryDirectory() as work:
        iso = os.path.join(work, "mica.iso")
        log = os.path.join(work, "serial.log")
        build_iso(mica_elf, iso, cmdline, modules)
        command = QEMU_BASE + ["-smp", str(cpus), "-m", mem, "-serial", "file:" + log,
                               "-cdrom", iso, *extra_qemu]
        if icount:
            command += ["-icount", "shift=0,sleep=off"]
        try:
            status = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            status = EXIT_TIMEOUT
        with open(log, errors="replace") as serial:
            return status, serial.read()
