#!/usr/bin/env python3
"""Writes the index table of docs/hypercalls.md from the hypercall declarations
(include/hypercall_defs.h), and checks them against the tree.

  gen_hypercall_docs.py            rewrite the table in docs/hypercalls.md
  gen_hypercall_docs.py --check    exit 1 (with a diff) if the committed table
                                   differs, or a declaration is inconsistent

The C preprocessor reads the declarations, exactly as the compiler does; the
table sits between the two marker comments in docs/hypercalls.md. Checked too:
a number is Xen's (__HYPERVISOR_name in include/public/xen.h) or in the
experiment range, each handler do_NAME is defined once, each compat X names an
existing include/compat/X.h (common/compat/X.c, the write-backs, only where a
call writes results back).
"""
import argparse
import difflib
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFS = "include/hypercall_defs.h"
DOC = "docs/hypercalls.md"
COMPAT_READS = "include/compat/%s.h"    # a compat X's reads of either layout
COMPAT_WRITES = "common/compat/%s.c"    # ... and its write-backs, if it has any
BEGIN = "<!-- BEGIN index: tools/gen_hypercall_docs.py writes it from include/hypercall_defs.h -->"
END = "<!-- END index -->"

# Each declaration becomes one line the regexes below read.
EXPAND = r'''
#define HYPERCALL(nr, name, compat, ...) @HC (nr) #name #compat #__VA_ARGS__
#define HYPERCALL_XSM(call, hook, class, shape, what) @XSM #call #hook #class #shape what
#include "hypercall_defs.h"
@RANGE HYPERCALL_EXPERIMENT_FIRST HYPERCALL_EXPERIMENT_LAST
'''
HC = re.compile(r'@HC \((\d+)\) "(\w+)" "(\w+)" "(.*?)"\s*$')
XSM = re.compile(r'@XSM "(\w+)" "(\w+)" "(\w+)" "(\w+)" "(.*?)"\s*$')
RANGE = re.compile(r'@RANGE (\d+) (\d+)')


def declarations(root):
    """([(nr, name, compat, args)], {call: [(hook, class, shape, what)]}, (first, last))."""
    out = subprocess.run(["gcc", "-E", "-P", "-std=gnu11", "-I", os.path.join(root, "include"),
                          "-x", "c", "-"], input=EXPAND, stdout=subprocess.PIPE,
                         text=True, check=True).stdout
    calls, hooks, experiments = [], {}, None
    for line in out.splitlines():
        if m := HC.match(line):
            calls.append((int(m.group(1)), m.group(2), m.group(3), m.group(4)))
        elif m := XSM.match(line):
            hooks.setdefault(m.group(1), []).append(m.group(2, 3, 4, 5))
        elif m := RANGE.match(line):
            experiments = (int(m.group(1)), int(m.group(2)))
    return sorted(calls), hooks, experiments


def handler_file(root, name):
    """The one .c file that defines do_NAME, or None."""
    pattern = re.compile(r"^long do_%s\(struct vcpu \*v, const struct hypercall_args \*a\)$" % name,
                         re.MULTILINE)
    found = []
    for path in sorted(glob.glob(os.path.join(root, "**", "*.c"), recursive=True)):
        rel = os.path.relpath(path, root)
        if rel.startswith(("build", "tests", "tools")):
            continue
        with open(path, errors="replace") as f:
            if pattern.search(f.read()):
                found.append(rel)
    return found[0] if len(found) == 1 else None


def problems(root, calls, hooks, experiments):
    with open(os.path.join(root, "include/public/xen.h")) as f:
        xen = {m.group(1): int(m.group(2))
               for m in re.finditer(r"#define __HYPERVISOR_(\w+)\s+(\d+)", f.read())}
    names = {name for _, name, _, _ in calls}
    out = []
    for nr, name, compat, _ in calls:
        if name in xen and xen[name] != nr:
            out.append("%s is %d in include/public/xen.h, declared %d" % (name, xen[name], nr))
        if name not in xen and not experiments[0] <= nr <= experiments[1]:
            out.append("%s (%d): not Xen's, so its number must be in %d..%d"
                       % (name, nr, *experiments))
        if not handler_file(root, name):
            out.append("do_%s: not defined in exactly one .c file" % name)
        if compat != "none" and not os.path.exists(os.path.join(root, COMPAT_READS % compat)):
            out.append("%s: compat %s but no %s" % (name, compat, COMPAT_READS % compat))
    out += ["HYPERCALL_XSM names %s, which no HYPERCALL line declares" % call
            for call in hooks if call not in names]
    return out


def table(root, calls, hooks, experiments):
    rows = ["| number | call | arguments | 32-bit callers | handler | XSM hook (dummy class): when |",
            "| --- | --- | --- | --- | --- | --- |"]
    for nr, name, compat, args in calls:
        xlat = (", ".join("`%s`" % (path % compat) for path in (COMPAT_READS, COMPAT_WRITES)
                          if os.path.exists(os.path.join(root, path % compat)))
                if compat != "none" else "same layout")
        asked = "; ".join("`%s` (%s): %s" % (hook, cls, what)
                          for hook, cls, _, what in hooks.get(name, ())) or "none"
        rows.append("| %d | %s | `%s` | %s | `%s` | %s |"
                    % (nr, name, args or "void", xlat, handler_file(root, name), asked))
    rows.append("| %d..%d | free for experiments (below) | | | | |" % experiments)
    return "\n".join(rows) + "\n"


def render(root, doc_text):
    calls, hooks, experiments = declarations(root)
    head, rest = doc_text.split(BEGIN + "\n", 1)
    _, tail = rest.split(END, 1)
    text = head + BEGIN + "\n" + table(root, calls, hooks, experiments) + END + tail
    return text, problems(root, calls, hooks, experiments)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--root", default=ROOT)
    args = parser.parse_args()
    path = os.path.join(args.root, DOC)
    with open(path) as f:
        old = f.read()
    new, found = render(args.root, old)
    for problem in found:
        print("%s: %s" % (DEFS, problem))
    if args.check:
        if new != old:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                                       DOC, DOC + " (from %s)" % DEFS))
            print("%s: the index differs from %s: run tools/gen_hypercall_docs.py" % (DOC, DEFS))
        sys.exit(1 if found or new != old else 0)
    if new != old:
        with open(path, "w") as f:
            f.write(new)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
