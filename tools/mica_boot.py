"""Booting Mica in QEMU from Python, and where the build puts what it boots:
shared by tests/mica_test.py (the test lists), tools/mica-run and tools/bench.py.

boot() builds an ISO with tools/mkiso.py (Mica's command line, optional
multiboot2 modules), runs QEMU with -no-reboot and isa-debug-exit, the serial
console going to a log file (or typed into: typed=), and returns QEMU's exit status and the log.
compile_policy() turns a FLASK policy source into the binary Mica loads.
"""
import os
import re
import subprocess
import tempfile
import time

TOOLS = os.path.dirname(os.path.realpath(__file__))
ROOT = os.path.dirname(TOOLS)
BUILD = os.path.join(ROOT, "build")
MICA_ELF = os.path.join(BUILD, "mica.elf")
# The release build (DEBUG=0: no lock-order or put_gfn checks), `make release`.
RELEASE_ELF = os.path.join(BUILD, "release", "mica.elf")
GUEST_DIR = os.path.join(BUILD, "guest")      # tests/guest/guest.mk puts the guests here
POLICYC = os.path.join(BUILD, "tools", "policyc")

# isa-debug-exit turns Mica's exit value v into status (v << 1) | 1 (include/panic.h).
EXIT_SUCCESS = 33
EXIT_FAILURE = 35
EXIT_PANIC = 37
EXIT_TIMEOUT = -1   # our own marker: QEMU did not end in time

QEMU_BASE = ["qemu-system-x86_64", "-machine", "q35", "-cpu", "qemu64,+svm,+npt",
             "-display", "none", "-no-reboot",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def guest_elf(name):
    """build/guest/NAME.elf (NAME with its flavour, e.g. hello-32)."""
    return os.path.join(GUEST_DIR, name + ".elf")


def compile_policy(source, out):
    """FLASK policy source (.te) -> binary policy at out, with tools/policyc
    (built first if needed). Returns True if it compiled."""
    if subprocess.run(["make", "-s", "-C", ROOT, "build/tools/policyc"]).returncode != 0:
        return False
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    return subprocess.run([POLICYC, source, "-o", out]).returncode == 0


def build_iso(mica_elf, iso, cmdline="", modules=()):
    """modules: strings FILE or FILE:CMDLINE."""
    subprocess.run(["python3", os.path.join(TOOLS, "mkiso.py"), "--out", iso,
                    "--cmdline", cmdline, mica_elf, *modules], check=True)


def boot(mica_elf, cmdline="", cpus=2, mem="256M", modules=(), timeout=60,
         icount=False, extra_qemu=(), typed=()):
    """Returns (status, serial log text). typed: (regex, bytes) pairs, in
    order: once the log matches regex, bytes are typed on the serial console."""
    with tempfile.TemporaryDirectory() as work:
        iso = os.path.join(work, "mica.iso")
        log = os.path.join(work, "serial.log")
        build_iso(mica_elf, iso, cmdline, modules)
        command = QEMU_BASE + ["-smp", str(cpus), "-m", mem, "-cdrom", iso, *extra_qemu]
        if icount:
            command += ["-icount", "shift=0,sleep=off"]
        if typed:
            # COM1 on QEMU's stdin and stdout: we type into the pipe.
            command += ["-chardev", "stdio,id=com1,signal=off", "-serial", "chardev:com1"]
        else:
            command += ["-serial", "file:" + log]
        with open(log, "wb") as out:
            qemu = subprocess.Popen(command, stdin=subprocess.PIPE if typed else subprocess.DEVNULL,
                                    stdout=out if typed else subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            status = _wait_typing(qemu, log, list(typed), time.monotonic() + timeout)
        with open(log, errors="replace") as serial:
            return status, serial.read()


def _wait_typing(qemu, log, typed, deadline):
    """Waits for QEMU to end by the deadline (EXIT_TIMEOUT: killed), typing
    each (regex, bytes) of typed once the log matches its regex."""
    while typed and qemu.poll() is None and time.monotonic() < deadline:
        with open(log, errors="replace") as serial:
            if re.search(typed[0][0], serial.read(), re.MULTILINE):
                try:
                    qemu.stdin.write(typed.pop(0)[1])
                    qemu.stdin.flush()
                except BrokenPipeError:     # QEMU has just ended
                    break
                continue
        time.sleep(0.05)
    try:
        return qemu.wait(timeout=max(0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        qemu.kill()
        qemu.wait()
        return EXIT_TIMEOUT
    finally:
        if qemu.stdin:
            qemu.stdin.close()
