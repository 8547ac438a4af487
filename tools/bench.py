#!/usr/bin/env python3
"""make bench: Mica's deterministic benchmarks, and Xen 4.17's beside them.

Runs build/guest/bench.elf (tests/guest/bench/bench.c) under QEMU's
-icount shift=0,sleep=off, where RDTSC counts executed instructions exactly,
  - on Mica (a release build, DEBUG=0) as a 16 MiB and as a 1 GiB guest, and
  - on Debian's Xen 4.17 as its PVH dom0 (tools/xen-oracle.sh),
then prints instructions per operation with the ratio Mica/Xen, the size of
mica.elf and the p2m table pages of the 1 GiB guest. docs/benchmarks.md
records the method and a run.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mica_boot  # noqa: E402
from mica_boot import ROOT  # noqa: E402

RELEASE = os.path.join(mica_boot.BUILD, "release")
BENCH_ELF = mica_boot.guest_elf("bench")
BENCH_LINE = re.compile(r"BENCH (\S+) (\d+) (\d+)")


def per_op(log):
    return {m.group(1): int(m.group(3)) / int(m.group(2)) for m in BENCH_LINE.finditer(log)}


def run_mica(mica_elf, mem, machine_mem, cmdline=""):
    status, log = mica_boot.boot(mica_elf, cmdline, cpus=1, mem=machine_mem, icount=True,
                                 modules=["%s:name=bench mem=%s" % (BENCH_ELF, mem)], timeout=600)
    if status != mica_boot.EXIT_SUCCESS or "PASS guest/bench" not in log:
        sys.exit("bench: the benchmark guest failed on Mica (%s guest):\n%s" % (mem, log[-3000:]))
    tables = re.search(r"Domain d\d+ \(bench\): .* (\d+) p2m table pages", log)
    return per_op(log), int(tables.group(1)) if tables else None


def run_xen():
    with tempfile.TemporaryDirectory() as work:
        log_path = os.path.join(work, "xen.log")
        env = dict(os.environ, XEN_ORACLE_QEMU_ARGS="-icount shift=0,sleep=off",
                   XEN_ORACLE_LOG=log_path, XEN_ORACLE_TIMEOUT="600")
        result = subprocess.run([os.path.join(ROOT, "tools", "xen-oracle.sh"), "run", BENCH_ELF],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        with open(log_path, errors="replace") as f:
            log = f.read()
    if result.returncode != 0:
        print("bench: Xen 4.17 run failed (%s); Xen column left empty" % result.stderr.strip()[-300:])
        return {}
    return per_op(log)


def image_size(elf):
    out = subprocess.run(["size", elf], stdout=subprocess.PIPE, text=True, check=True).stdout
    text, data, bss = (int(x) for x in out.splitlines()[1].split()[:3])
    return text, data, bss


def main():
    subprocess.run(["make", "-s", "-C", ROOT, "BUILD=build/release", "DEBUG=0",
                    "build/release/mica.elf"], check=True)
    subprocess.run(["make", "-s", "-C", ROOT, "guests"], check=True)
    mica_elf = os.path.join(RELEASE, "mica.elf")

    small, _ = run_mica(mica_elf, "16M", "256M")
    large, tables_1g = run_mica(mica_elf, "1G", "2G")
    flask, _ = run_mica(mica_elf, "16M", "256M", "xsm=flask")
    xen = run_xen()

    print("Instructions per operation (QEMU -icount shift=0,sleep=off, 1 CPU)")
    print("%-28s %12s %12s %12s %10s" % ("operation", "Mica 16M", "Mica 1G", "Xen 4.17", "Mica/Xen"))
    for name in small:
        if name.endswith("_cold_avc"):
            continue
        x = xen.get(name)
        print("%-28s %12.0f %12.0f %12s %10s" % (
            name, small[name], large.get(name, float("nan")),
            "%.0f" % x if x else "-", "%.2f" % (small[name] / x) if x else "-"))
    pair = "add_remove_physmap_pair"
    dummy, warm, cold = small[pair], flask[pair], flask[pair + "_cold_avc"]
    print()
    print("XSM: instructions per add_to_physmap + remove_from_physmap pair (16 MiB guest)")
    print("%-28s %12.0f" % ("dummy", dummy))
    print("%-28s %12.0f   (%+.1f%% over dummy)" % ("FLASK, warm AVC", warm, 100 * (warm / dummy - 1)))
    print("%-28s %12.0f   (%+.1f%% over dummy)" % ("FLASK, cold AVC", cold, 100 * (cold / dummy - 1)))
    print()
    text, data, bss = image_size(mica_elf)
    print("mica.elf (release): text %d, data %d, bss %d bytes; file %d bytes" % (
        text, data, bss, os.path.getsize(mica_elf)))
    print("p2m table pages for a 1 GiB guest: %s" % tables_1g)
    growth = large["add_remove_physmap_pair"] / small["add_remove_physmap_pair"]
    print("add/remove pair, 1 GiB vs 16 MiB guest: x%.3f" % growth)


if __name__ == "__main__":
    main()
