"""Tests of choosing and writing XSM modules (docs/xsm.md): an unknown xsm= name
stops the boot (XSM fails closed), and the recipe for a module of one's own works
(tests/xsm_recipe_test.py, on a scratch copy of the tree)."""
from mica_test import EXIT_FAILURE, NO_FAULT, HostTest, QemuTest, guest_elf
import xsm_recipe_test


def unknown_module():
    """xsm=flsk (a typo of flask): no fallback to dummy, no domain built;
    the error names the modules there are."""
    return QemuTest(
        "xsm/unknown-module-fails-closed", "xsm=flsk", status=EXIT_FAILURE,
        modules=[(guest_elf("hello"), "name=hello")],
        expect=[r"^ERROR: XSM: no module called 'flsk' \(xsm= takes dummy, flask, silo\); "
                r"not booting without the security module asked for$"],
        reject=NO_FAULT + (r"^XSM: module", r"^Domain d0", r"^\(hello\)"))


def tests():
    return [unknown_module(), HostTest("xsm/module-recipe", xsm_recipe_test.recipe)]
