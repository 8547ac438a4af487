#!/usr/bin/env python3
"""Host unit tests of tools/p2m-view: parsing real dump text out of a serial log,
the SVG (well-formed, one element per run in its type's colour), the diff, and that
docs/figures and docs/p2m.md's dumps are what the committed log gives.

tests/tools_tests.py runs each test in `make test`; alone: tests/p2m_view_test.py
"""
import importlib.machinery
import importlib.util
import os
import re
import subprocess
import sys
import unittest
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIGURES = os.path.join(ROOT, "docs", "figures")
LOG = os.path.join(FIGURES, "shootdown-remap.log")
SVG = "{http://www.w3.org/2000/svg}"


def load_tool():
    """tools/p2m-view as a module (its file name has no .py)."""
    path = os.path.join(ROOT, "tools", "p2m-view")
    loader = importlib.machinery.SourceFileLoader("p2m_view", path)
    spec = importlib.util.spec_from_loader("p2m_view", loader)
    module = importlib.util.module_from_spec(spec)
    sys.dont_write_bytecode = True
    loader.exec_module(module)
    return module


pv = load_tool()

# A log with other output around and inside the dumps, two domains, CRLF line
# ends, a 1G leaf, a hole and every type that changes in the diff below.
NOISY = "\r\n".join([
    "Mica 0.1: a minimal type-1 microhypervisor",
    "Domain d0 (big): 2048 MiB, 1 vCPU(s), privileged",
    "p2m of d0 (big): 524288 pages owned, 4 table pages, leaves up to 1G",
    "  gfn 0x00000-0x3ffff -> mfn 0x40000-0x7ffff  1G x1     ram_rw",
    "(big) a guest line in the middle of the dump",
    "  gfn 0x40000-0x7fdff -> mfn 0x80000-0xbfdff  2M x511   ram_rw",
    "  gfn 0x7fe00-0x7ffff -> mfn 0xc0000-0xc01ff  4K x512   ram_ro",
    "  table L3 at mfn 0x1000",
    "  table L2 at mfn 0x1001",
    "  table L1 at mfn 0x1002",
    "  table L0 at mfn 0x1003",
    "p2m of d1 (small): 3 pages owned, 3 table pages, leaves up to 2M",
    "  gfn 0x00000-0x00002 -> mfn 0x00500-0x00502  4K x3     ram_rw",
    "  table L3 at mfn 0x2000",
    "  table L2 at mfn 0x2001",
    "  table L1 at mfn 0x2002",
    "[ 12.5] p2m of d0 (big): 524287 pages owned, 4 table pages, leaves up to 1G",
    "  gfn 0x00000-0x3ffff -> mfn 0x40000-0x7ffff  1G x1     ram_rw",
    "  gfn 0x40000-0x7fdff -> mfn 0x80000-0xbfdff  2M x511   ram_rw",
    "  gfn 0x7fe00-0x7fe0f -> mfn 0xc0000-0xc000f  4K x16    ram_rw",
    "  gfn 0x7fe10-0x7fffe -> mfn 0xc0010-0xc01fe  4K x495   ram_ro",
    "  gfn 0x80000-0x80000 -> mfn 0x09000-0x09000  4K x1     map_foreign",
    "  table L3 at mfn 0x1000",
    "  table L2 at mfn 0x1001",
    "  table L1 at mfn 0x1002",
    "  table L0 at mfn 0x1004",
    "Mica: run ended, every domain powered off", ""])


def svg_tree(text):
    return ET.fromstring(text.encode())


def groups(root, cls):
    return [g for g in root.iter(SVG + "g") if g.get("class") == cls]


class Parse(unittest.TestCase):
    def test_real_log(self):
        with open(LOG) as f:
            dumps = pv.parse(f.read(), LOG)
        self.assertEqual(len(dumps), 2)
        fresh, remapped = dumps
        self.assertEqual((fresh.domid, fresh.name, fresh.owned, fresh.table_pages,
                          fresh.max_leaf), (0, "demo", 4096, 3, "2M"))
        self.assertEqual([(r.gfn, r.end, r.order, r.count, r.type) for r in fresh.runs],
                         [(0, 0x200, 9, 1, "ram_rw"), (0x200, 0x600, 9, 2, "ram_rw"),
                          (0x600, 0xa00, 9, 2, "ram_rw"), (0xa00, 0x1000, 9, 3, "ram_rw")])
        self.assertEqual([lv for lv, _ in fresh.tables], [3, 2, 1])
        self.assertEqual((remapped.owned, len(remapped.runs), remapped.table_pages),
                         (4031, 9, 5))
        self.assertEqual([(r.gfn, r.mfn, r.count) for r in remapped.runs[3:8]],
                         [(0x800, 0xe00, 256), (0x900, 0x1f000, 1), (0x901, 0xf01, 255),
                          (0xa01, 0x1f001, 127), (0xac0, 0x1f0c0, 320)])
        self.assertEqual([lv for lv, _ in remapped.tables], [3, 2, 1, 0, 0])
        self.assertEqual((fresh.index, remapped.index), (1, 2))
        self.assertFalse(fresh.warnings or remapped.warnings)

    def test_noisy_log(self):
        dumps = pv.parse(NOISY)
        self.assertEqual([(d.domid, d.index, len(d.runs), len(d.tables)) for d in dumps],
                         [(0, 1, 3, 4), (1, 1, 1, 3), (0, 2, 5, 4)])
        big = dumps[0]
        self.assertEqual([(r.order, r.count) for r in big.runs], [(18, 1), (9, 511), (0, 512)])
        self.assertEqual(big.end, 0x80000)
        self.assertEqual(big.run_at(0x7fe00).type, "ram_ro")
        self.assertIsNone(dumps[2].run_at(0x7ffff))
        self.assertFalse(any(d.warnings for d in dumps))

    def test_incomplete_dump_warns(self):
        d = pv.parse("p2m of d0 (x): 1 pages owned, 3 table pages, leaves up to 2M\n"
                     "  gfn 0x00000-0x00000 -> mfn 0x00010-0x00010  4K x1     ram_rw\n"
                     "  table L3 at mfn 0x5\n")[0]
        self.assertTrue(any("incomplete" in w for w in d.warnings))

    def test_select(self):
        dumps = pv.parse(NOISY)
        self.assertIs(pv.select(dumps, "0", "first"), dumps[0])
        self.assertIs(pv.select(dumps, "d0", "last"), dumps[2])
        self.assertIs(pv.select(dumps, "big", "2"), dumps[2])
        self.assertIs(pv.select(dumps, "big", "-2"), dumps[0])
        self.assertIs(pv.select(dumps, "small"), dumps[1])
        for domain, which in ((None, "last"), ("d7", "last"), ("big", "3"), ("big", "0"),
                              ("big", "middle")):
            with self.assertRaises(ValueError):
                pv.select(dumps, domain, which)
        with self.assertRaises(ValueError):
            pv.select([], None)


class Picture(unittest.TestCase):
    def check_runs(self, root, dumps):
        """Every run of the dumps is a group with its gfns, leaf size and a
        rect in its type's colour; 4K runs are hatched, 1G ones banded."""
        drawn = groups(root, "run")
        expected = [r for d in dumps for r in d.runs]
        self.assertEqual(len(drawn), len(expected))
        for g, r in zip(drawn, expected):
            self.assertEqual((g.get("data-gfn"), g.get("data-last"), g.get("data-type"),
                              g.get("data-leaf"), g.get("data-count")),
                             (hex(r.gfn), hex(r.end - 1), r.type, pv.LEAF[r.order],
                              str(r.count)))
            fills = [e.get("fill") for e in g.iter(SVG + "rect")]
            self.assertIn(pv.TYPE_COLOURS[r.type], fills)
            self.assertEqual("url(#leaf4k)" in fills, r.order == 0)
            self.assertEqual("#333333" in fills, r.order == 18)
        legend = {e.get("fill") for e in root.iter(SVG + "rect")
                  if e.get("class") == "legend-type"}
        self.assertTrue({pv.TYPE_COLOURS[r.type] for r in expected} <= legend)

    def test_one_dump(self):
        dumps = pv.parse(NOISY)
        for d in dumps:
            root = svg_tree(pv.render(d))
            self.assertEqual(root.tag, SVG + "svg")
            self.check_runs(root, [d])
            self.assertEqual(sorted((int(g.get("data-level")), int(g.get("data-mfn"), 16))
                                    for g in groups(root, "table")), sorted(d.tables))
            texts = " ".join(t.text or "" for t in root.iter(SVG + "text"))
            self.assertIn("p2m of %s" % d.label, texts)
        # The hole at 0x7ffff of the second dump of d0 is drawn as one.
        holes = groups(svg_tree(pv.render(dumps[2])), "hole")
        self.assertEqual([(h.get("data-gfn"), h.get("data-last")) for h in holes],
                         [("0x7ffff", "0x7ffff")])

    def test_diff_picture(self):
        with open(LOG) as f:
            before, after = pv.parse(f.read())
        root = svg_tree(pv.render_diff(before, after))
        self.check_runs(root, [before, after])
        self.assertEqual([(g.get("data-kind"), g.get("data-gfn"), g.get("data-last"))
                          for g in groups(root, "change")],
                         [("split", "0x800", "0x8ff"), ("remapped", "0x900", "0x900"),
                          ("split", "0x901", "0x9ff"), ("removed", "0xa00", "0xa00"),
                          ("split", "0xa01", "0xa7f"), ("removed", "0xa80", "0xabf"),
                          ("split", "0xac0", "0xbff")])
        new_tables = [g.get("data-mfn") for g in groups(root, "table")
                      if g.get("data-change") == "added"]
        self.assertEqual(new_tables, [hex(m) for lv, m in after.tables if lv == 0])
        for g in groups(root, "change"):
            self.assertIn(pv.KIND_COLOURS[g.get("data-kind")],
                          [e.get("stroke") for e in g.iter(SVG + "rect")])


class Diff(unittest.TestCase):
    def test_remap(self):
        """docs/p2m.md's example: exactly the pieces that changed."""
        with open(LOG) as f:
            before, after = pv.parse(f.read())
        changes = pv.diff(before, after)
        self.assertEqual([(c.kind, c.gfn, c.end) for c in changes],
                         [("split", 0x800, 0x900), ("remapped", 0x900, 0x901),
                          ("split", 0x901, 0xa00), ("removed", 0xa00, 0xa01),
                          ("split", 0xa01, 0xa80), ("removed", 0xa80, 0xac0),
                          ("split", 0xac0, 0xc00)])
        self.assertEqual(changes[1].before.mfn_at(0x900), 0xf00)
        self.assertEqual(changes[1].after.mfn_at(0x900), 0x1f000)
        added, removed = pv.table_changes(before, after)
        self.assertEqual(added, [t for t in after.tables if t[0] == 0])
        self.assertEqual(removed, [])
        self.assertEqual(pv.diff(after, after), [])

    def test_every_kind(self):
        dumps = pv.parse(NOISY)
        changes = pv.diff(dumps[0], dumps[2])
        self.assertEqual([(c.kind, c.gfn, c.end) for c in changes],
                         [("retyped", 0x7fe00, 0x7fe10), ("removed", 0x7ffff, 0x80000),
                          ("added", 0x80000, 0x80001)])
        back = pv.diff(dumps[2], dumps[0])
        self.assertEqual([c.kind for c in back], ["retyped", "added", "removed"])
        self.assertEqual(pv.table_changes(dumps[0], dumps[2]), ([(0, 0x1004)], [(0, 0x1003)]))

    def test_merge_and_remap_ranges(self):
        head = "p2m of d0 (m): 1024 pages owned, 3 table pages, leaves up to 2M\n"
        tail = "  table L3 at mfn 0x1\n  table L2 at mfn 0x2\n  table L1 at mfn 0x3\n"
        small = pv.parse(head + "  gfn 0x00000-0x001ff -> mfn 0x00200-0x003ff  4K x512   "
                         "ram_rw\n  gfn 0x00200-0x003ff -> mfn 0x00600-0x007ff  4K x512   "
                         "ram_rw\n" + tail)[0]
        large = pv.parse(head + "  gfn 0x00000-0x001ff -> mfn 0x00200-0x003ff  2M x1     "
                         "ram_rw\n  gfn 0x00200-0x003ff -> mfn 0x00400-0x005ff  2M x1     "
                         "ram_rw\n" + tail)[0]
        self.assertEqual([(c.kind, c.gfn, c.end) for c in pv.diff(small, large)],
                         [("merged", 0, 0x200), ("remapped", 0x200, 0x400)])


class Command(unittest.TestCase):
    def run_main(self, *argv):
        """The tool as a command, in a process of its own (the test runner runs
        host tests in threads: redirecting this process's stdout would catch
        theirs too)."""
        proc = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "p2m-view"), *argv],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return proc.returncode, proc.stdout, proc.stderr

    def test_list_summary_and_errors(self):
        status, out, _ = self.run_main(LOG, "--list")
        self.assertEqual((status, len(out.splitlines())), (0, 2))
        status, out, _ = self.run_main(LOG, "--diff", "--summary")
        self.assertEqual(status, 0)
        self.assertRegex(out, r"(?m)^removed +gfn 0xa00 +\(1 page\) +was mfn 0x1f000, ram_rw$")
        self.assertRegex(out, r"(?m)^tables +\+ L0 at mfn 0x[0-9a-f]+, \+ L0 at mfn")
        status, _, _ = self.run_main(LOG, "LOG2", "--diff")  # two logs are a diff already
        self.assertEqual(status, 2)                           # argparse's usage error
        status, _, err = self.run_main(LOG, "-d", "nobody")
        self.assertEqual(status, 1)
        self.assertIn("no dump of domain 'nobody'", err)
        status, out, _ = self.run_main(LOG, LOG, "-n", "1")    # two logs: a diff
        self.assertEqual(status, 0)
        svg_tree(out)


class Docs(unittest.TestCase):
    def test_figures_up_to_date(self):
        """docs/figures/*.svg are what tools/p2m-view draws from the committed log
        (`make figures-svg` redraws them)."""
        with open(LOG) as f:
            dumps = pv.parse(f.read(), LOG)
        for name, svg in (("p2m-fresh.svg", pv.render(dumps[0])),
                          ("p2m-remapped.svg", pv.render(dumps[1])),
                          ("p2m-remap-diff.svg", pv.render_diff(dumps[0], dumps[1]))):
            with open(os.path.join(FIGURES, name)) as f:
                self.assertEqual(f.read(), svg, "docs/figures/%s is stale: make figures-svg"
                                 % name)

    def test_doc_dumps_are_the_log(self):
        """The first two dumps docs/p2m.md shows as text (sections 1 and 2) are
        those the figures draw; later ones (section 3's grant mapping) come
        from other runs."""
        with open(os.path.join(ROOT, "docs", "p2m.md")) as f:
            doc = f.read()
        with open(LOG) as f:
            log = pv.parse(f.read())
        shown = pv.parse(doc)
        self.assertGreaterEqual(len(shown), 2)
        for d, l in zip(shown[:2], log):
            self.assertEqual(pv.run_lines(d), pv.run_lines(l))
        for name in ("p2m-fresh.svg", "p2m-remapped.svg", "p2m-remap-diff.svg"):
            self.assertRegex(doc, r"\]\(figures/%s\)" % re.escape(name))


def cases():
    """Every test, for tests/tools_tests.py: (name, unittest case)."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    flat = []
    stack = [suite]
    while stack:
        s = stack.pop(0)
        for t in s:
            (stack.append if isinstance(t, unittest.TestSuite) else flat.append)(t)
    return [("%s/%s" % (type(t).__name__.lower(), t._testMethodName[5:].replace("_", "-")), t)
            for t in flat]


if __name__ == "__main__":
    unittest.main()
