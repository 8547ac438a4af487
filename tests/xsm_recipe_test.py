#!/usr/bin/env python3
"""The "how to write your own XSM module" recipe of docs/xsm.md, followed on a scratch
copy of the tree: a module deny-foreign, its guest, booted in QEMU with xsm=deny-foreign.

Copies the working tree (not build/) to a temporary folder as tests/recipe_test.py
does, and follows the recipe there: the module in its own file xsm/deny_foreign.c
(it denies every foreign mapping, map_gmfn_foreign, and leaves every other hook to
the dummy module), its `extern struct xsm_ops` line in include/xsm.h and its line in
the modules table of xsm/xsm.c, both written after the doc's own example lines
(which must be in the doc and in those files). Then it builds Mica and a guest that
maps one of its own frames with gmfn_foreign: the module refuses it (-EPERM) where
the dummy module lets it reach the p2m, which refuses a domain's own frame (-EINVAL);
the dummy's rules still hold for the rest. The scratch runner boots it under
deny-foreign and under dummy, and an unknown xsm= name, whose error must now list
deny-foreign. tests/xsm_modules_tests.py runs it in `make test`; alone:

  tests/xsm_recipe_test.py [--keep]      (--keep: leave the scratch tree and say where)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from recipe_test import follow, main_of, write  # noqa: E402

# The doc's example lines (docs/xsm.md, steps 3 and 4) and where they are.
EXAMPLES = [("include/xsm.h", "extern struct xsm_ops silo_ops;\n"),
            ("xsm/xsm.c", '    { "silo", &silo_ops, NULL },\n')]

MODULE = '''/* deny-foreign, the XSM recipe test's module (tests/xsm_recipe_test.py): no
 * domain may map another's frames; every other hook is the dummy module's. */
#include "public/errno.h"
#include "xsm.h"

static int deny_map_gmfn_foreign(struct domain *src, struct domain *tgt, struct domain *foreign)
{
    (void)tgt;
    (void)foreign;
    return src ? -XEN_EPERM : 0; /* Mica itself is always allowed */
}

/* Every hook left out is the dummy module's (xsm_register). */
struct xsm_ops deny_foreign_ops = {
    .name = "deny-foreign",
    .map_gmfn_foreign = deny_map_gmfn_foreign,
};
'''

GUEST = r'''/* The XSM recipe test's guest: maps one of its own frames with gmfn_foreign
 * (module=deny-foreign: -EPERM at the hook; module=dummy: -EINVAL from the p2m),
 * and checks that the dummy's rules hold for the rest. */
#include "../memop/memop.h"
#include "args.h"

TEST_NAME("deny_foreign");

static long map_own_frame_as_foreign(void)
{
    xen_ulong_t idx = 0x800;
    xen_pfn_t gpfn = 0x900;
    int err = 99;
    long rc = add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn_foreign, own_domid(), &idx, &gpfn,
                                   &err, 1);
    return rc ? rc : err;
}

void test_main(void)
{
    struct xen_e820_entry e[4];
    struct xen_memory_map m = { .nr_entries = 4 };
    long rc = map_own_frame_as_foreign();

    gprintf("gmfn_foreign mapping of our own frame -> %ld\n", rc);
    CHECK_EQ(rc, guest_arg_is("module", "deny-foreign") ? -XEN_EPERM : -XEN_EINVAL);
    /* The dummy's rules: a privileged domain reads the machine memory map
     * (PRIV) and changes its own physmap (TARGET). */
    CHECK(domain_is_privileged());
    set_xen_guest_handle(m.buffer, e);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_machine_memory_map, &m), 0);
    CHECK_EQ(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0, 0x900), 0);
    CHECK_EQ(remove_from_physmap(DOMID_SELF, 0x900), 0);
}
'''

TEST_LIST = '''"""The XSM recipe test's boots (tests/xsm_recipe_test.py)."""
from mica_test import EXIT_FAILURE, NO_FAULT, REJECT, QemuTest, guest_elf, summary, verdict


def boot(module):
    return QemuTest("xsmrecipe/" + module, "xsm=" + module,
                    modules=[(guest_elf("deny_foreign"), "name=df -- module=" + module)],
                    expect=[r"^XSM: module %s$" % module,
                            r"\\(df\\) gmfn_foreign mapping of our own frame -> %d$"
                            % (-1 if module == "deny-foreign" else -22),
                            verdict("df", "deny_foreign"), summary("df", domid=0)],
                    reject=REJECT)


def tests():
    return [boot("deny-foreign"), boot("dummy"),
            QemuTest("xsmrecipe/unknown", "xsm=deny-foreigner", status=EXIT_FAILURE,
                     expect=[r"^ERROR: XSM: no module called 'deny-foreigner' "
                             r"\\(xsm= takes dummy, flask, silo, deny-foreign\\)"],
                     reject=NO_FAULT)]
'''


def apply_recipe(tree):
    """The steps of docs/xsm.md "How to write your own XSM module"."""
    at = lambda rel: os.path.join(tree, rel)  # noqa: E731
    with open(at("docs/xsm.md")) as f:
        doc = f.read()
    for path, line in EXAMPLES:
        if line.strip() not in doc:
            raise RuntimeError("docs/xsm.md no longer shows %r" % line.strip())
        with open(at(path)) as f:
            if line not in f.read():
                raise RuntimeError("%s lacks the doc's example %r" % (path, line.strip()))
    # 1, 2: the module, in its own file.
    write(at("xsm/deny_foreign.c"), MODULE)
    # 3: its declaration; 4: its name for xsm=, each after the doc's example.
    for path, line in EXAMPLES:
        with open(at(path)) as f:
            text = f.read()
        mine = line.replace('"silo"', '"deny-foreign"').replace("silo_ops", "deny_foreign_ops")
        with open(at(path), "w") as f:
            f.write(text.replace(line, line + mine, 1))
    # 5: a guest and a test list (an area of its own).
    write(at("tests/guest/xsmrecipe/deny_foreign.c"), GUEST)
    write(at("tests/guest/xsmrecipe/xsmrecipe_tests.py"), TEST_LIST)


def recipe(keep=False):
    """Returns (problems, log); no problems means the recipe works."""
    steps = [
        (["make", "-s", "-j2", "build/mica.elf", "build/guest/deny_foreign.elf"],
         "the build failed"),
        (["tools/format-check.sh", "xsm/deny_foreign.c", "xsm/xsm.c", "include/xsm.h",
          "tests/guest/xsmrecipe/deny_foreign.c"],
         "the recipe's C is not formatted as .clang-format says"),
        (["python3", "tests/run_tests.py", "--only", "xsmrecipe/"],
         "a boot of the new module failed"),
    ]
    return follow("mica-xsm-recipe-", apply_recipe, steps,
                  lambda tree, log: None if "3 passed, 0 failed" in log[-1]
                  else "the scratch run did not pass its 3 tests", keep)


def main():
    main_of("xsm-recipe", recipe, __doc__)

if __name__ == "__main__":
    main()
