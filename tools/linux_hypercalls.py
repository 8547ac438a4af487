#!/usr/bin/env python3
"""The hypercalls a domain made, from a serial log of Mica with
`trace=hypercalls` (docs/debugging.md), as the Markdown table of
docs/linux.md: each call and command in the order it first appeared, how
often, and what it returned.

  tools/linux_hypercalls.py LOG [DOMAIN]     (DOMAIN: its name, default linux)

The command names come from Mica's public headers (include/public/), the
same numbers a guest uses; errors are named from include/public/errno.h.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PUBLIC = os.path.join(ROOT, "include", "public")

# The calls whose first argument is a command: where its names are defined.
COMMANDS = {
    "memory_op": ("memory.h", "XENMEM_"),
    "vcpu_op": ("vcpu.h", "VCPUOP_"),
    "hvm_op": ("hvm/hvm_op.h", "HVMOP_"),
    "event_channel_op": ("event_channel.h", "EVTCHNOP_"),
    "sched_op": ("sched.h", "SCHEDOP_"),
    "grant_table_op": ("grant_table.h", "GNTTABOP_"),
    "xen_version": ("version.h", "XENVER_"),
    "console_io": ("xen.h", "CONSOLEIO_"),
    "vm_assist": ("xen.h", "VMASST_CMD_"),
}

# memory_op's cmd: the command in the low 6 bits, above them the extent a
# continuation resumes at (Xen's MEMOP_EXTENT_SHIFT), which the trace shows.
MEMOP_CMD_MASK = (1 << 6) - 1

TRACE = re.compile(r"^\((?P<dom>[^)]+)\) hypercall (?P<call>\w+)\((?P<args>[^)]*)\) -> "
                   r"(?P<result>-?\d+)", re.MULTILINE)


def names(header, prefix):
    """number -> name of the #defines `prefix`NAME NUMBER in header."""
    table = {}
    with open(os.path.join(PUBLIC, header)) as f:
        for m in re.finditer(r"^#define %s(\w+)\s+(\d+)\b" % prefix, f.read(), re.MULTILINE):
            table.setdefault(int(m.group(2)), m.group(1))
    return table


def errno_names():
    with open(os.path.join(PUBLIC, "errno.h")) as f:
        return {int(n): e for e, n in re.findall(r"^#define XEN_(E\w+)\s+(\d+)", f.read(),
                                                 re.MULTILINE)}


def describe(result, errnos):
    if result < 0 and -result in errnos:
        return "-" + errnos[-result]
    return "0" if result == 0 else "positive" if result > 0 else str(result)


def table(log, domain):
    errnos = errno_names()
    commands = {call: names(*where) for call, where in COMMANDS.items()}
    rows = {}  # (call, command) -> [count, results in order]
    for m in TRACE.finditer(log):
        if m.group("dom") != domain:
            continue
        call, args = m.group("call"), m.group("args").split(", ")
        command = ""
        if call in commands and args and args[0]:
            number = int(args[0], 0)
            if call == "memory_op":
                number &= MEMOP_CMD_MASK  # the rest: a continuation's progress
            command = commands[call].get(number, str(number))
            if call == "vcpu_op" and len(args) > 1:
                command += " (vCPU %d)" % int(args[1], 0)
        row = rows.setdefault((call, command), [0, []])
        row[0] += 1
        result = describe(int(m.group("result")), errnos)
        if result not in row[1]:
            row[1].append(result)
    lines = ["| # | hypercall | command | calls | results |", "| --- | --- | --- | --- | --- |"]
    for i, ((call, command), (count, results)) in enumerate(rows.items(), 1):
        lines.append("| %d | %s | %s | %d | %s |" % (i, call, command or "", count,
                                                     ", ".join(results)))
    return "\n".join(lines)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    with open(sys.argv[1], errors="replace") as f:
        print(table(f.read(), sys.argv[2] if len(sys.argv) == 3 else "linux"))


if __name__ == "__main__":
    main()
