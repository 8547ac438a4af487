#!/usr/bin/env python3
"""The "adding a hypercall" recipe of docs/hypercalls.md, followed on a scratch copy
of the tree: a call in the experiment range, its XSM hook, its guest, booted in QEMU.

Copies the working tree (tracked and untracked files, not build/) to a temporary
folder, applies each step of the recipe there as a researcher would, builds Mica and
the guests it needs, and runs the scratch tree's own test runner on the new guest
(both flavours) and on test_hypercall_errors (which must leave the new number alone).
tests/hypercall_tests.py runs it in `make test`; alone:

  tests/recipe_test.py [--keep]      (--keep: leave the scratch tree and say where)
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NR = 64                      # HYPERCALL_EXPERIMENT_FIRST
ARG = 12345


def insert(path, before, text):
    """Put text into path just before the first occurrence of `before`."""
    with open(path) as f:
        old = f.read()
    if before not in old:
        raise RuntimeError("%s: no %r to insert before" % (path, before))
    with open(path, "w") as f:
        f.write(old.replace(before, text + before, 1))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def apply_recipe(tree):
    """The steps of docs/hypercalls.md "Adding a hypercall", for recipe_answer."""
    at = lambda rel: os.path.join(tree, rel)  # noqa: E731
    # 1, 2: the number (experiment range) and the declaration, with its XSM hook.
    insert(at("include/hypercall_defs.h"), "#undef HYPERCALL\n",
           "HYPERCALL(%d, recipe_answer, none, unsigned long x)\n"
           "HYPERCALL_XSM(recipe_answer, recipe_answer, TARGET, src_tgt, \"every call\")\n\n" % NR)
    # 3: the handler, in its own file.
    write(at("common/recipe_answer.c"),
          "/* The recipe test's hypercall: answers 3 * x + 7. */\n"
          "#include \"hypercall.h\"\n#include \"xsm.h\"\n#include \"public/errno.h\"\n\n"
          "long do_recipe_answer(struct vcpu *v, const struct hypercall_args *a)\n{\n"
          "    if (XSM_CALL(recipe_answer, v->domain, v->domain))\n"
          "        return -XEN_EPERM;\n"
          "    return (long)(3 * a->arg[0] + 7);\n}\n")
    # 4: the hook in the table (the dummy's follows from the declaration; FLASK
    # and SILO take the dummy's through xsm_register).
    insert(at("include/xsm.h"), "    /* xsm_op itself",
           "    int (*recipe_answer)(struct domain *src, struct domain *tgt);\n")
    # 5: no compat translation (one layout). 6: the guest wrapper.
    insert(at("tests/guest/lib/hypercall.h"), "/* Under Mica, XENVER_extraversion",
           "static inline long HYPERVISOR_recipe_answer(unsigned long x)\n{\n"
           "    return hypercall5(%d, x, 0, 0, 0, 0);\n}\n\n" % NR)
    # 7: the guest test, in a new area; 8: its test list.
    write(at("tests/guest/recipe/recipe_answer.c"),
          "/* The recipe test's guest: calls the scratch hypercall. */\n"
          "#include \"test.h\"\n\nTEST_NAME(\"recipe_answer\");\n\n"
          "void test_main(void)\n{\n"
          "    CHECK_EQ(HYPERVISOR_recipe_answer(%d), 3 * %d + 7);\n"
          "    CHECK_EQ(HYPERVISOR_recipe_answer(0), 7);\n}\n" % (ARG, ARG))
    write(at("tests/guest/recipe/recipe_tests.py"),
          '"""The recipe test\'s guest (tests/recipe_test.py)."""\n'
          "from mica_test import FLAVOURS, guest_passes\n\n\n"
          "def tests():\n"
          "    return [guest_passes('recipe-answer' + f, 'recipe_answer' + f,\n"
          "                         'recipe_answer' + f) for f in FLAVOURS]\n")


def copy_tree(dest):
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, stdout=subprocess.PIPE, check=True).stdout.split(b"\0")
    for rel in (f.decode() for f in files if f):
        src = os.path.join(ROOT, rel)
        if os.path.isfile(src):
            os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, rel))


def run(cmd, tree, log):
    # Its own make, not a part of the `make test` that may have started us.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    proc = subprocess.run(cmd, cwd=tree, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    log.append("$ %s\n%s" % (" ".join(cmd), proc.stdout))
    return proc.returncode


def follow(prefix, apply, steps, check, keep=False):
    """Copy the tree to a scratch folder, apply(tree) a recipe there, run
    steps [(command, what it means if it fails)] until one fails, then
    check(tree, log) -> a problem or None. Returns (problems, log text); no
    problems means the recipe works. keep leaves the scratch tree."""
    tree = tempfile.mkdtemp(prefix=prefix)
    log, problems = [], []
    try:
        copy_tree(tree)
        apply(tree)
        for cmd, what in steps:
            if run(cmd, tree, log):
                problems.append(what)
                break
        else:
            problem = check(tree, log)
            if problem:
                problems.append(problem)
    except (OSError, RuntimeError, IndexError, subprocess.CalledProcessError) as e:
        problems.append(str(e))
    finally:
        if keep:
            log.append("scratch tree kept in %s" % tree)
        else:
            shutil.rmtree(tree, ignore_errors=True)
    return problems, "\n".join(log)


def main_of(name, recipe, doc):
    """The command line of a recipe test: --keep, the log, PASS/FAIL name."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    problems, log = recipe(args.keep)
    print(log)
    print("FAIL %s: %s" % (name, "; ".join(problems)) if problems else "PASS " + name)
    sys.exit(1 if problems else 0)


def check_scratch_runs(tree, log):
    """After the steps: the index names the new call, and both scratch runs
    passed their two tests (the 64- and the 32-bit flavour)."""
    with open(os.path.join(tree, "docs/hypercalls.md")) as f:
        if "| %d | recipe_answer |" % NR not in f.read():
            return "the index lacks recipe_answer"
    if not all("2 passed, 0 failed" in out for out in log[-2:]):
        return "a scratch run did not pass its 2 tests (both flavours)"
    return None


def recipe(keep=False):
    """Returns (problems, log); no problems means the recipe works."""
    steps = [
        (["python3", "tools/gen_hypercall_docs.py"], "the index did not regenerate"),
        (["python3", "tools/gen_hypercall_docs.py", "--check"], "the index check failed"),
        (["make", "-s", "-j2", "build/mica.elf"] +
         ["build/guest/%s%s.elf" % (g, f) for g in ("recipe_answer", "test_hypercall_errors")
          for f in ("", "-32")], "the build failed"),
        (["python3", "tests/run_tests.py", "--only", "guest/recipe-answer"],
         "the new guest failed"),
        (["python3", "tests/run_tests.py", "--only", "guest/hypercall-errors"],
         "test_hypercall_errors failed beside the new call"),
    ]
    return follow("mica-recipe-", apply_recipe, steps, check_scratch_runs, keep)


def main():
    main_of("recipe", recipe, __doc__)

if __name__ == "__main__":
    main()
