"""Tests of the tools in tools/: tools/p2m-view's unit tests (tests/p2m_view_test.py),
one entry each, and docs/p2m.md's command run as a reader would (a QEMU boot)."""
import io
import os
import re
import subprocess
import unittest

from mica_test import ROOT, HostTest
import p2m_view_test


def unit(case):
    """A HostTest that runs one unittest case: (problems, its output)."""
    def run():
        out = io.StringIO()
        result = unittest.TextTestRunner(stream=out, verbosity=2).run(case)
        return ([] if result.wasSuccessful() else ["the unit test failed (see the log)"],
                out.getvalue())
    return run


class BootTest(HostTest):
    """A host test that boots Mica (through tools/mica-run)."""
    kind = "qemu"


def shape(dump):
    """What of a dump does not depend on where the frames came from: the pages
    owned, the table pages, and each stretch of gfns with its leaf size and
    type (runs merged across mfn breaks)."""
    stretches = []
    for r in dump.runs:
        last = stretches[-1] if stretches else None
        if last and last[1] == r.gfn and last[2:] == [r.order, r.type]:
            last[1] = r.end
        else:
            stretches.append([r.gfn, r.end, r.order, r.type])
    return dump.owned, dump.table_pages, [tuple(s) for s in stretches]


def doc_command():
    """docs/p2m.md's "Get the same output with" command gives the dumps the page
    shows (those of docs/figures' log), but for the mfns, which vary
    (docs/debugging.md section 3)."""
    pv = p2m_view_test.pv
    with open(os.path.join(ROOT, "docs", "p2m.md")) as f:
        m = re.search(r"Get the same output with:\n\n```sh\n(.*?)\n```", f.read(), re.S)
    if not m:
        return ["docs/p2m.md has no command after 'Get the same output with:'"], ""
    command = m.group(1).replace("\\\n", " ")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    try:
        out = subprocess.run(command, shell=True, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             timeout=300).stdout
    except subprocess.TimeoutExpired as e:
        return ["the command did not end in 300 s"], (e.stdout or b"").decode(errors="replace")
    with open(p2m_view_test.LOG) as f:
        shown = [shape(d) for d in pv.parse(f.read())]
    got = [shape(d) for d in pv.parse(out)]
    if got != shown:
        return ["its dumps are not the page's (pages, tables, gfn stretches): got %s, the page "
                "shows %s; make figures, then update docs/p2m.md" % (got, shown)], out
    return [], out


def tests():
    return ([HostTest("p2m-view/" + name, unit(case)) for name, case in p2m_view_test.cases()] +
            [BootTest("p2m-view/docs/the-command-gives-the-page-s-dumps", doc_command)])
