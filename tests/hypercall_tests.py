"""Tests of the hypercall declarations (include/hypercall_defs.h) that boot no
Mica of this tree: the docs index matches them, and the recipe that adds a
hypercall works (tests/recipe_test.py, on a scratch copy)."""
import os
import subprocess

from mica_test import ROOT, HostTest
import recipe_test


def docs_index():
    proc = subprocess.run(["python3", os.path.join(ROOT, "tools", "gen_hypercall_docs.py"),
                           "--check"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return (["docs/hypercalls.md's index or a declaration is wrong (see the log)"]
            if proc.returncode else []), proc.stdout


def tests():
    return [HostTest("hypercalls/docs-index", docs_index),
            HostTest("hypercalls/recipe", recipe_test.recipe)]
