#!/usr/bin/env python3
"""The "adding a hypercall" recipe of docs/hypercalls.md, with docs/xsm.md's "adding a
new hook" for its hook, followed on a scratch copy of the tree: a call in the
experiment range, its XSM hook in every module, its guest, booted in QEMU.

Copies the working tree (tracked and untracked files, not build/) to a temporary
folder, applies each step of the recipes there as a researcher would (the number,
the declaration, the handler, the hook with a FLASK permission, its rules in the
default policy and SILO's rule, the guest wrapper, a guest and a test list in a new
area), builds Mica and the guests it needs, and runs the scratch tree's own test
runner: the new guest (both flavours); a stub domain asking it of its target
under dummy (allowed: TARGET), SILO and FLASK (denied); FLASK with the policy of
before (denied: no rule grants the new permission); test_hypercall_errors (which
must leave the new number alone); and a boot with trace=hypercalls, which must
name the call. tests/hypercall_tests.py runs it in `make test`; alone:

  tests/recipe_test.py [--keep]      (--keep: leave the scratch tree and say where)
"""
import argparse
import os
import re
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


HANDLER = """/* The recipe test's hypercall: 3 * x + 7, if the caller may ask it of the
 * domain domid (DOMID_SELF: itself). */
#include "domain.h"
#include "hypercall.h"
#include "public/errno.h"
#include "xsm.h"

long do_recipe_answer(struct vcpu *v, const struct hypercall_args *a)
{
    struct domain *d = domain_get((domid_t)a->arg[1]);
    long rc;

    if (!d)
        return -XEN_ESRCH;
    rc = XSM_CALL(recipe_answer, v->domain, d) ? -XEN_EPERM : (long)(3 * a->arg[0] + 7);
    domain_put(d);
    return rc;
}
"""

GUEST = r"""/* The recipe test's guest: asks the scratch hypercall of itself (self=deny:
 * expects -EPERM), and of the domain of:N (its target, as a stub domain;
 * expect=deny: -EPERM). role=wait: stays alive about 2 s after, for a stub
 * to ask of it. */
#include "args.h"
#include "test.h"

TEST_NAME("recipe_answer");

void test_main(void)
{
    unsigned long of;

    long self = HYPERVISOR_recipe_answer(%(arg)d, DOMID_SELF);

    gprintf("recipe_answer of itself -> %%ld\n", self);
    CHECK_EQ(self, guest_arg_is("self", "deny") ? -XEN_EPERM : 3 * %(arg)d + 7);
    if (guest_arg_ulong("of", &of) == 0) {
        long rc = HYPERVISOR_recipe_answer(%(arg)d, of);
        gprintf("recipe_answer of d%%lu -> %%ld\n", of, rc);
        CHECK_EQ(rc, guest_arg_is("expect", "deny") ? -XEN_EPERM : 3 * %(arg)d + 7);
    }
    if (guest_arg_is("role", "wait"))
        for (int i = 0; i < 200; i++) /* each until the next 10 ms tick */
            HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}
""" % {"arg": ARG}

TEST_LIST = r'''"""The recipe test's boots (tests/recipe_test.py); all named scratch-recipe."""
from mica_test import (FLAVOURS, REJECT, QemuTest, guest_elf, guest_passes, policy_module,
                       summary, verdict)

ANSWER = 3 * %(arg)d + 7


def pair(xsm, allowed):
    """d0 (unprivileged) asks of itself and waits; d1, its stub domain, asks of d0.
    Under FLASK the stub has its own type, stub_t: `self` in a rule is the type,
    so a domU_t stub would be its domU_t target's self."""
    label = " label=stub_t" if xsm == "flask" else ""
    return QemuTest("scratch-recipe/pair-" + xsm, "xsm=" + xsm, modules=[
        (guest_elf("recipe_answer"), "name=guest no-priv -- role=wait"),
        (guest_elf("recipe_answer"), "name=stub no-priv target=guest%%s -- of=0 expect=%%s"
         %% (label, "allow" if allowed else "deny"))],
        expect=[r"^XSM: module %%s" %% xsm,
                r"\(stub\) recipe_answer of d0 -> %%d$" %% (ANSWER if allowed else -1),
                verdict("guest", "recipe_answer"), verdict("stub", "recipe_answer"),
                summary("guest", domid=0), summary("stub", domid=1)]
        + ([r"^avc: denied \{ recipe \} for source=stub_t target=domU_t tclass=domain$"]
           if xsm == "flask" else []),
        reject=REJECT)


def tests():
    return ([guest_passes("scratch-recipe" + f, "recipe_answer" + f, "recipe_answer" + f)
             for f in FLAVOURS] +
            # The dummy's TARGET lets a stub domain ask it of its target; SILO's
            # self_or_privileged does not, nor FLASK's rules (no stub_t rule).
            [pair("dummy", True), pair("silo", False), pair("flask", False),
             # The default policy of before, which grants no recipe: denied.
             QemuTest("scratch-recipe/flask-without-the-rule", "xsm=flask", modules=[
                 (policy_module("tests/guest/recipe/without_the_rule.te"), "flask-policy"),
                 (guest_elf("recipe_answer"), "name=d0 -- self=deny")],
                 expect=[r"^avc: denied \{ recipe \} for source=dom0_t target=dom0_t "
                         r"tclass=domain$", verdict("d0", "recipe_answer"),
                         summary("d0", domid=0)], reject=REJECT)])
''' % {"arg": ARG}


def apply_recipe(tree):
    """The steps of docs/hypercalls.md "Adding a hypercall", with docs/xsm.md's
    "Adding a new hook" for its hook, for recipe_answer."""
    at = lambda rel: os.path.join(tree, rel)  # noqa: E731
    with open(at("docs/xsm.md")) as f:
        doc = f.read()
    for named in ("flask_perm_names", "DOMAIN_HOOK", "flask_ops", "xsm/policy/default.te",
                  "domain_type self", "self_or_privileged"):
        if named not in doc:
            raise RuntimeError("docs/xsm.md's new-hook recipe no longer names %s" % named)
    # The default policy as it was, for a boot without the new rule.
    os.makedirs(at("tests/guest/recipe"), exist_ok=True)
    shutil.copy(at("xsm/policy/default.te"), at("tests/guest/recipe/without_the_rule.te"))
    # 1, 2: the number (experiment range) and the declaration, with its XSM hook.
    insert(at("include/hypercall_defs.h"), "#undef HYPERCALL\n",
           "HYPERCALL(%d, recipe_answer, none, unsigned long x, unsigned int domid)\n"
           "HYPERCALL_XSM(recipe_answer, recipe_answer, TARGET, src_tgt,\n"
           "              \"every call (the caller on the domain it names)\")\n\n" % NR)
    # 3: the handler, in its own file.
    write(at("common/recipe_answer.c"), HANDLER)
    # 4: the hook in the table (the dummy's follows from the declaration) ...
    insert(at("include/xsm.h"), "    /* xsm_op itself",
           "    int (*recipe_answer)(struct domain *src, struct domain *tgt);\n")
    # ... FLASK (docs/xsm.md "Adding a new hook", step 4): a permission, its
    # hook, and the rules of the default policy ...
    insert(at("include/public/xsm/flask_classes.h"), "/* mmu */\n",
           "#define DOMAIN__RECIPE        (1u << 13)  /* recipe_answer */\n")
    insert(at("include/public/xsm/flask_classes.h"), ", 0 },\n    [FLASK_CLASS_MMU]",
           ', "recipe"')
    insert(at("xsm/flask.c"), "\n/* grant: map_read", "DOMAIN_HOOK(recipe_answer, DOMAIN__RECIPE)\n")
    insert(at("xsm/flask.c"), "    .evtchn_unbound = flask_evtchn_unbound,\n",
           "    .recipe_answer = flask_recipe_answer,\n")
    insert(at("xsm/policy/default.te"), " };\n\n# Its own event channels", " recipe")
    insert(at("xsm/policy/default.te"), " };\nallow dom0_t domain_type:mmu", " recipe")
    # ... and SILO (step 5): a stub domain must not ask it of its target.
    insert(at("xsm/silo.c"), "    .vcpu_op = self_or_privileged,\n",
           "    .recipe_answer = self_or_privileged,\n")
    # 5: no compat translation (one layout). 6: the guest wrapper.
    insert(at("tests/guest/lib/hypercall.h"), "/* Under Mica, XENVER_extraversion",
           "static inline long HYPERVISOR_recipe_answer(unsigned long x, unsigned int domid)\n"
           "{\n    return hypercall5(%d, x, domid, 0, 0, 0);\n}\n\n" % NR)
    # 7: the guest test, in a new area; 8: its test list.
    write(at("tests/guest/recipe/recipe_answer.c"), GUEST)
    write(at("tests/guest/recipe/recipe_tests.py"), TEST_LIST)


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
    """After the steps: the index names the new call, the scratch runs passed
    all their tests (the new call's 6 boots, test_hypercall_errors' 2), and
    the trace names the call."""
    with open(os.path.join(tree, "docs/hypercalls.md")) as f:
        if "| %d | recipe_answer |" % NR not in f.read():
            return "the index lacks recipe_answer"
    if "6 passed, 0 failed" not in log[-3] or "2 passed, 0 failed" not in log[-2]:
        return "a scratch run did not pass all its tests (6 of the new call, 2 of hypercall-errors)"
    if not re.search(r"^\(trace\) hypercall recipe_answer\(0x%x, 0x7ff0\) -> %d$"
                     % (ARG, 3 * ARG + 7), log[-1], re.M):
        return "trace=hypercalls did not name recipe_answer with its two arguments"
    return None


def recipe(keep=False):
    """Returns (problems, log); no problems means the recipe works."""
    steps = [
        (["python3", "tools/gen_hypercall_docs.py"], "the index did not regenerate"),
        (["python3", "tools/gen_hypercall_docs.py", "--check"], "the index check failed"),
        (["make", "-s", "-j2", "build/mica.elf"] +
         ["build/guest/%s%s.elf" % (g, f) for g in ("recipe_answer", "test_hypercall_errors")
          for f in ("", "-32")], "the build failed"),
        (["tools/format-check.sh", "common/recipe_answer.c", "tests/guest/recipe/recipe_answer.c",
          "xsm/flask.c", "xsm/silo.c", "include/xsm.h"],
         "the recipe's C is not formatted as .clang-format says"),
        (["python3", "tests/run_tests.py", "--only", "scratch-recipe"],
         "the new call's boots failed"),
        (["python3", "tests/run_tests.py", "--only", "guest/hypercall-errors"],
         "test_hypercall_errors failed beside the new call"),
        (["tools/mica-run", "--cmdline", "trace=hypercalls",
          "build/guest/recipe_answer.elf:name=trace"], "a traced boot of the new guest failed"),
    ]
    return follow("mica-recipe-", apply_recipe, steps, check_scratch_runs, keep)


def main():
    main_of("recipe", recipe, __doc__)

if __name__ == "__main__":
    main()
