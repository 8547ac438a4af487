"""Tests of the debugging tools (docs/debugging.md): tools/mica-gdb.py's constants
against Mica's headers, a real gdb session on Mica in QEMU, and the live demo guest.

tests() returns the list (tests/mica_test.py); run_tests.py finds it. The gdb
session boots through `tools/mica-run --gdb --demo` exactly as a user would, runs
the gdb command it prints in batch mode, stops at physmap_add (the demo guest's
first add_to_physmap, before anything in its p2m has changed), and checks
mica-domains, mica-p2m and mica-walk against the p2m-dump on the serial console;
then it goes on to the end of the demo (p2m_debug_domain_ending) and checks
mica-p2m against the dump Mica prints there, after the demo's changes. The
keys test types p, a, m and h on `tools/mica-run --demo` while the demo runs,
and p and a once it has ended (keep-running): "no domains".
"""
import importlib.util
import os
import re
import shlex
import signal
import socket
import subprocess
import tempfile
import time

from mica_test import FLAVOURS, ROOT, guest_passes

GDB_SCRIPT = os.path.join(ROOT, "tools", "mica-gdb.py")


def load_script():
    """tools/mica-gdb.py as a module (outside gdb: its constants and helpers)."""
    spec = importlib.util.spec_from_file_location("mica_gdb", GDB_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class HostTest:
    """A test run on the host: fn() returns (problems, log), like QemuTest.run."""
    kind = "host"

    def __init__(self, name, fn):
        self.name, self.run = name, fn


class GdbTest(HostTest):
    """Boots Mica in QEMU under gdb (see session())."""
    kind = "gdb"


# ---- the script's constants are the headers' ----------------------------------------

CONSTANTS_C = r"""
#include <stdio.h>
#include "x86/memlayout.h"
#include "x86/npt.h"
#define SHOW(name) printf(#name " %llu\n", (unsigned long long)(name))
int main(void)
{
    SHOW(DIRECTMAP_BASE); SHOW(KERNEL_VBASE);
    SHOW(PTE_PRESENT); SHOW(PTE_WRITE); SHOW(PTE_USER); SHOW(PTE_PWT); SHOW(PTE_PCD);
    SHOW(PTE_ACCESSED); SHOW(PTE_DIRTY); SHOW(PTE_LARGE); SHOW(PTE_NX); SHOW(PTE_ADDR_MASK);
    SHOW(PT_LEVELS); SHOW(PT_INDEX_BITS); SHOW(PT_ENTRIES); SHOW(PAGE_SHIFT);
    SHOW(NPT_TYPE_SHIFT); SHOW(NPT_TYPE_MASK); SHOW(P2M_NR_TYPES);
    for (int t = 0; t < P2M_NR_TYPES; t++)
        printf("TYPE_BITS %d %llu\n", t, (unsigned long long)npt_type_bits((enum p2m_type)t));
    return 0;
}
"""


def constants():
    """Compile the headers' values on the host and compare them with the
    script's CONSTANTS, TYPE_BITS and TYPE_NAMES."""
    script = load_script()
    with tempfile.TemporaryDirectory() as work:
        src, exe = os.path.join(work, "c.c"), os.path.join(work, "c")
        with open(src, "w") as f:
            f.write(CONSTANTS_C)
        proc = subprocess.run(["gcc", "-std=gnu11", "-DMICA_HOST", "-I", os.path.join(ROOT, "include"),
                               "-o", exe, src], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
        if proc.returncode:
            return ["the headers do not compile on the host"], proc.stdout
        out = subprocess.run([exe], stdout=subprocess.PIPE, text=True, check=True).stdout
    problems = []
    headers = {}
    for line in out.splitlines():
        words = line.split()
        if words[0] == "TYPE_BITS":
            t, bits = int(words[1]), int(words[2])
            if script.TYPE_BITS.get(t) != bits:
                problems.append("TYPE_BITS[%d] is %s, npt_type_bits gives 0x%x" % (
                    t, script.TYPE_BITS.get(t), bits))
        else:
            headers[words[0]] = int(words[1])
    for name, value in script.CONSTANTS.items():
        if headers.get(name) != value:
            problems.append("%s is 0x%x in the script, %s in the headers" % (
                name, value, hex(headers[name]) if name in headers else "nothing"))
    if len(script.TYPE_BITS) != headers["P2M_NR_TYPES"]:
        problems.append("TYPE_BITS has %d types, P2M_NR_TYPES is %d" % (
            len(script.TYPE_BITS), headers["P2M_NR_TYPES"]))
    with open(os.path.join(ROOT, "include", "p2m", "p2m_types.h")) as f:
        names = {int(v): n for n, v in re.findall(r"^\s*p2m_(\w+) = (\d+),", f.read(), re.M)}
    if names != script.TYPE_NAMES:
        problems.append("TYPE_NAMES %s, p2m_types.h says %s" % (script.TYPE_NAMES, names))
    return problems, out


# ---- a gdb session ---------------------------------------------------------------------

# gfns to walk in the demo domain (16 MiB: 0..0xfff is RAM in 2 MiB leaves when
# it stops at its first physmap_add); 0x5000 is beyond its RAM.
WALK_GFNS = (0x0, 0x100, 0x1ff, 0x800, 0x900, 0xa00, 0xfff, 0x5000)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sections(text, start):
    """Every block of lines that starts with a line beginning with `start` and
    goes on with the indented lines after it (a dump, a command's output)."""
    lines, blocks = text.splitlines(), []
    for i, line in enumerate(lines):
        if line.startswith(start):
            block = [line]
            for more in lines[i + 1:]:
                if not more.startswith("  "):
                    break
                block.append(more)
            blocks.append(block)
    return blocks


def section(text, start):
    """The first such block, or []."""
    blocks = sections(text, start)
    return blocks[0] if blocks else []


def same(what, got, want):
    """[] if the two blocks of lines are equal, else a problem that shows both."""
    if got == want:
        return []
    return ["%s differs from the serial p2m dump:\n  gdb:    %s\n  serial: %s"
            % (what, "\n          ".join(got), "\n          ".join(want))]


def expected_mfn(dump, gfn):
    """The mfn the dump's runs give gfn, or None if no run covers it."""
    for line in dump:
        m = re.match(r"  gfn 0x([0-9a-f]+)-0x([0-9a-f]+) -> mfn 0x([0-9a-f]+)-", line)
        if m and int(m.group(1), 16) <= gfn <= int(m.group(2), 16):
            return int(m.group(3), 16) + gfn - int(m.group(1), 16)
    return None


def check_session(serial, out):
    problems = []
    dumps = sections(serial, "p2m of d0 (demo)")
    if len(dumps) != 2:
        return ["the serial log has %d p2m dumps of demo, not 2 (built, ending)" % len(dumps)]
    dump = dumps[0]
    if "Breakpoint 1, physmap_add" not in out:
        problems.append("gdb did not stop at physmap_add")
    # thread apply all bt: each CPU's from where it stopped (physmap_add on
    # one, the idle loop on the other) down to its entry, start_mica on the
    # boot CPU and ap_start on another, whose return address 0 ends it
    # (boot/entry.asm, boot/trampoline.asm), not on through memory past the stack.
    after = out.split("Breakpoint 1, physmap_add", 1)[-1]
    traces = re.findall(r"^Thread \d+ \(.*\):\n((?:#\d+ .*\n)+)", after, re.M)
    if len(traces) != 2 or "physmap_add" not in "".join(traces):
        problems.append("thread apply all bt did not show both CPUs, one in physmap_add")
    for trace in traces:
        frames = trace.splitlines()
        if (len(frames) > 20 or len(frames) < 2 or
                not re.search(r" (start_mica|ap_start) \(", frames[-2]) or
                not re.match(r"#\d+ +0x0+ in \?\? \(\)$", frames[-1])):
            problems.append("a bt does not end at the CPU's entry (start_mica or ap_start, "
                            "then 0x0): %d frames, the last %s" % (len(frames), frames[-2:]))
    # mica-domains
    if not re.search(r"^d0 \(demo\): running, 4096 pages \(max 4096\), 3 p2m table pages, "
                     r"1 vCPU\(s\), privileged\n  vCPU0: running on CPU[01]$", out, re.M):
        problems.append("mica-domains did not list d0 (demo) running with its vCPU")
    # mica-p2m: the very lines p2m_dump printed at build time
    got = sections(out, "p2m of d0 (demo)")
    problems += same("mica-p2m 0 at the first physmap_add", got[0] if got else [], dump)
    # ... and at the end, after the demo's changes (4 KiB leaves, holes), the
    # same lines as the dump Mica prints when the domain ends.
    if "Breakpoint 2, p2m_debug_domain_ending" not in out:
        problems.append("gdb did not stop at p2m_debug_domain_ending")
    if not re.search(r"^d0 \(demo\): dying, \d+ pages", out, re.M):
        problems.append("mica-domains did not show d0 (demo) dying")
    problems += same("mica-p2m 0 at the end", got[1] if len(got) > 1 else [], dumps[1])
    if dumps[1] == dump or " 4K x" not in "\n".join(dumps[1]):
        problems.append("the demo did not change its p2m (no 4K leaves at the end)")
    tables = set(int(m, 16) for m in re.findall(r"table L\d at mfn 0x([0-9a-f]+)", "\n".join(dump)))
    root = re.search(r"table L3 at mfn 0x([0-9a-f]+)", "\n".join(dump))
    # mica-walk: the mfn of each gfn as the dump's runs give it, through the dump's tables
    for gfn in WALK_GFNS:
        walk = section(out, "walk of gfn 0x%x in d0 (demo)" % gfn)
        result = next((l for l in out.splitlines() if l.startswith("gfn 0x%x " % gfn)), "")
        if not walk:
            problems.append("no mica-walk output for gfn 0x%x" % gfn)
            continue
        if root and "root (L3) at mfn 0x%s" % root.group(1) not in walk[0]:
            problems.append("mica-walk 0x%x: root is not the dump's L3 table" % gfn)
        for m in re.findall(r"L\d table mfn 0x([0-9a-f]+)", "\n".join(walk)):
            if int(m, 16) not in tables:
                problems.append("mica-walk 0x%x went through mfn 0x%s, not a table of the dump"
                                % (gfn, m))
        mfn = expected_mfn(dump, gfn)
        if mfn is None:
            if "is not mapped" not in result or "-> not present" not in walk[-1]:
                problems.append("mica-walk 0x%x: expected 'not mapped', got %r" % (gfn, result))
        elif not result.startswith("gfn 0x%x -> mfn 0x%x (2M leaf at L1, ram_rw" % (gfn, mfn)):
            problems.append("mica-walk 0x%x: expected mfn 0x%x (2M, ram_rw), got %r"
                            % (gfn, mfn, result))
    return problems


def session():
    """tools/mica-run --gdb --demo, then the gdb command it prints, in batch mode."""
    port = free_port()
    with tempfile.TemporaryDirectory() as work:
        console = os.path.join(work, "console.log")
        with open(console, "w") as out:
            run = subprocess.Popen(
                [os.path.join(ROOT, "tools", "mica-run"), "--gdb", "--gdb-port", str(port),
                 "--cmdline", "p2m-dump", "--demo", "2"],
                cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        try:
            command = None
            for _ in range(600):
                with open(console) as f:
                    text = f.read()
                m = re.search(r"In another terminal run:\n  (.*)\n", text)
                if m:
                    command = m.group(1)
                    break
                if run.poll() is not None:
                    break
                time.sleep(0.1)
            if not command:
                return ["mica-run --gdb printed no gdb command"], text
            argv = shlex.split(command)
            if argv[0] != "gdb" or "target remote localhost:%d" % port not in command:
                return ["unexpected gdb command: %s" % command], text
            steps = ["break physmap_add", "continue", "thread apply all bt", "mica-domains",
                     "mica-p2m 0"]
            steps += ["mica-walk 0 0x%x" % gfn for gfn in WALK_GFNS]
            # Then to the end of the demo (about 2 s): its p2m before teardown,
            # then `finish` lets Mica print the same dump.
            steps += ["delete 1", "break p2m_debug_domain_ending", "continue", "mica-domains",
                      "mica-p2m 0", "finish", "kill"]
            argv = argv[:1] + ["-batch", "-nx"] + argv[1:]
            for step in steps:
                argv[-1:-1] = ["-ex", step]
            try:
                gdb = subprocess.run(argv, cwd=ROOT, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, timeout=120)
                gdb_out = gdb.stdout
            except subprocess.TimeoutExpired as e:
                gdb_out = (e.stdout or b"").decode(errors="replace") + "\n(gdb timed out)"
            try:
                run.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
        finally:
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)      # mica-run and its QEMU
                run.wait()
        with open(console, errors="replace") as f:
            serial = f.read()
    log = "==== console (mica-run)\n%s\n==== gdb: %s\n%s" % (serial, " ".join(
        shlex.quote(a) for a in argv), gdb_out)
    return check_session(serial, gdb_out), log


# ---- the debug keys on the live demo -----------------------------------------------

class KeysTest(HostTest):
    """Boots Mica through tools/mica-run and types on its console (see demo_keys())."""
    kind = "qemu"


# (what the console must show next, from where the previous key was typed; the
# key to type then). Empty bytes: nothing more to type.
KEY_STEPS = [
    (r"\(demo\) round 0: ", b"p"),
    (r"^p2m of d0 \(demo\): \d+ pages owned, \d+ table pages.*\n  gfn 0x0+-", b"a"),
    (r"^p2m audit d0 \(demo\): ok \(", b"m"),
    (r"^Memory: \d+ KiB total.*\nMemory: free blocks by order", b"h"),
    (r"^debug keys: .*\bp dump p2ms\b", b""),
    # After the demo: keep-running keeps Mica up with no domain left.
    (r"^Domain d0 \(demo\): powered off", b"pa"),
    (r"^p2m dump: no domains\np2m audit: no domains$", b""),
]


def demo_keys():
    """tools/mica-run --demo 5 --cmdline keep-running, as a student would run it:
    the hint next to the keys says how to quit; p, a, m and h answer while the
    demo changes its p2m (each key is typed once the previous one has
    answered, the first once the demo has begun); once it has powered off, p
    and a say "no domains". Then the test ends QEMU (keep-running never would)."""
    with tempfile.TemporaryDirectory() as work:
        console = os.path.join(work, "console.log")
        with open(console, "w") as out:
            run = subprocess.Popen(
                [os.path.join(ROOT, "tools", "mica-run"), "--demo", "5", "--cmdline",
                 "keep-running"], cwd=ROOT, stdin=subprocess.PIPE, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        problems, steps, since = [], list(KEY_STEPS), 0
        deadline = time.monotonic() + 120
        try:
            while steps and time.monotonic() < deadline and run.poll() is None:
                with open(console, errors="replace") as f:
                    text = f.read()
                m = re.compile(steps[0][0], re.M).search(text, since)
                if not m:
                    time.sleep(0.05)
                    continue
                since = m.end()
                key = steps.pop(0)[1]
                if key:
                    run.stdin.write(key)
                    run.stdin.flush()
            if steps:
                problems.append("the console never showed /%s/ (%s)" % (
                    steps[0][0], "mica-run ended" if run.poll() is not None else "timed out"))
        finally:
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)      # mica-run and its QEMU
            run.wait()
        with open(console, errors="replace") as f:
            text = f.read()
    if not re.search(r"^Keys typed here reach Mica: p dumps every p2m, a audits them, m memory.*"
                     r"Ctrl-C quits QEMU\.$", text, re.M):
        problems.append("mica-run printed no hint with the keys and how to quit")
    if re.search(r"MICA FAULT|MICA PANIC|FAIL guest/|p2m audit d\d+ \(.*\): FAILED", text):
        problems.append("a fault, a failed guest or a failed audit")
    return problems, text


def tests():
    demo = [guest_passes("p2m_demo" + flavour, "p2m_demo" + flavour, "p2m_demo" + flavour,
                         options="-- seconds=1") for flavour in FLAVOURS]
    for test in demo:
        test.expect = list(test.expect) + [r"\) round 0: moved gfn 0x800 -> 0x880, shared_info "
                                           r"in and out at 0x900, 3584 pages, 2M at 0xa00 given back"]
    return [HostTest("debug/gdb-constants", constants), GdbTest("debug/gdb-session", session),
            KeysTest("debug/demo-keys", demo_keys)] + demo
