"""Host tests of the graded labs (docs/labs/, tools/mklab, tools/grade.py).

For each lab: this repository (the solution) gets full marks on the quick
grade (the lab's unit tests and its first QEMU test), and a lab tree made by
tools/mklab builds (build/mica.elf, warning-free under -Werror) and scores
below full marks on the same quick grade, so its TODO really takes the
solution out. The QEMU tests they run use the build/ of the tree they grade.
Only the labs whose markers this tree holds are tested (in a lab tree made
by tools/mklab, its own lab is left out).
"""
import importlib.util
import os
import re
import subprocess
import tempfile

from mica_test import ROOT, HostTest

LABS = ("p2m_set_entry", "remove_from_physmap")


def grade_labs():
    """tools/grade.py's LABS: each lab's unit test binaries and QEMU tests."""
    spec = importlib.util.spec_from_file_location("grade", os.path.join(ROOT, "tools", "grade.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LABS


def run(cmd, cwd, log):
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    log.append("$ %s   (in %s)\n%s" % (" ".join(cmd), cwd, proc.stdout))
    return proc


def score(lab, output):
    """(score, total) of grade.py's last line, or None."""
    m = re.search(r"^grade %s: (\d+)/(\d+) \(" % lab, output, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else None


def solution_full_marks(lab):
    def test():
        log = []
        proc = run(["python3", "tools/grade.py", lab, "--quick"], ROOT, log)
        s = score(lab, proc.stdout)
        if s is None:
            return ["no grade line (exit status %d)" % proc.returncode], "".join(log)
        if s[0] != s[1] or s[1] == 0 or proc.returncode != 0:
            return ["the solution scored %d/%d (exit status %d)" % (s + (proc.returncode,))], \
                "".join(log)
        return [], "".join(log)
    return test


def lab_tree_builds(lab):
    def test():
        log = []
        with tempfile.TemporaryDirectory(prefix="mica-lab-") as tmp:
            tree = os.path.join(tmp, lab)
            proc = run(["python3", "tools/mklab", lab, tree], ROOT, log)
            if proc.returncode != 0:
                return ["tools/mklab failed"], "".join(log)
            problems = []
            with open(os.path.join(tree, "mm", "p2m", "p2m.c" if lab == "p2m_set_entry"
                                   else "physmap.c")) as f:
                text = f.read()
            if "TODO (lab %s)" % lab not in text or "LAB %s:" % lab in text:
                problems.append("the lab's region was not replaced by its TODO")
            if "LAB " in text and lab == "p2m_set_entry":
                problems.append("a marker is left in the p2m_set_entry tree's p2m.c")
            targets = ["build/mica.elf", "guests"] + [unit[0] for unit in grade_labs()[lab][0]]
            proc = run(["make", "-j2"] + targets, tree, log)
            if proc.returncode != 0:
                return problems + ["the lab tree does not build"], "".join(log)
            proc = run(["python3", "tools/grade.py", lab, "--quick"], tree, log)
            s = score(lab, proc.stdout)
            if s is None:
                problems.append("no grade line in the lab tree")
            elif s[0] >= s[1] or proc.returncode != 1:
                problems.append("the lab tree scored %d/%d: the TODO leaves the solution in" % s)
            return problems, "".join(log)
    return test


def marked_labs():
    """The labs whose solution this tree holds (tools/mklab --list): in a lab
    tree, its own lab is a TODO and is not tested here; outside git, none."""
    proc = subprocess.run(["python3", os.path.join(ROOT, "tools", "mklab"), "--list"],
                          cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return [lab for lab in LABS if proc.returncode == 0 and lab in proc.stdout.split()]


def tests():
    labs = marked_labs()
    return ([HostTest("labs/solution-" + lab, solution_full_marks(lab)) for lab in labs] +
            [HostTest("labs/tree-" + lab, lab_tree_builds(lab)) for lab in labs])
