"""QEMU tests of the stub-domain seeding scenario (tests/guest/seed/seed.c,
docs/stubdom-seeding.md): a builder seeds a paused guest's grant table for
a stub domain, delegates VIRQ_DOM_EXC to it, and destroys it at the end;
under the dummy XSM module, and under FLASK with the shipped stub-domain
policy (xsm/policy/examples/stubdom.te), where the stub reaches the guest
only through grants and events.

tests() returns the list (tests/mica_test.py).
"""
from mica_test import (NO_LEAK, P2M_AUDIT, REJECT, QemuTest, guest_elf, policy_module, summary,
                       verdict)

STUBDOM_POLICY = "xsm/policy/examples/stubdom.te"


def seed_test(xsm):
    seed = guest_elf("seed")
    modules = []
    cmdline = P2M_AUDIT
    stub = "name=stub paused -- role=stub"
    expect = [r"\(builder\) seeded grant ref 1 of d1 for d2",
              r"\(builder\) VIRQ_DOM_EXC delegated to d2",
              r"\(stub\) the guest says: hello from the guest",
              r"\(guest\) the stub answered: hello from the stub",
              r"\(stub\) saw VIRQ_DOM_EXC: the guest is gone",
              r"\(stub\) stub checks done: 0 failed",
              r"\(builder\) VIRQ_DOM_EXC is ours again",
              verdict("builder", "seed"), verdict("guest", "seed"),
              summary("builder", domid=0), summary("guest", domid=1),
              summary("stub", "destroyed", domid=2),
              r"p2m audit d1 \(guest\): ok", NO_LEAK]
    reject = REJECT + (r"\(stub\) (?:PASS|FAIL)", r"check failed")
    if xsm == "flask":
        modules.append((policy_module(STUBDOM_POLICY), "flask-policy"))
        cmdline += " xsm=flask"
        stub = "name=stub paused label=stub_t -- role=stub"
        # The stub's direct mapping of the guest's page is what FLASK denies;
        # nothing the scenario does through grants and events is.
        expect.append(r"^avc: denied \{ map_read map_write \} for source=stub_t "
                      r"target=domU_t tclass=mmu$")
        reject += (r"avc: denied .* tclass=(?:grant|event|domain)",)
    modules += [(seed, "name=builder -- role=builder"),
                (seed, "name=guest paused -- role=guest"),
                (seed, stub)]
    return QemuTest("guest/seed-" + xsm, cpus=2, cmdline=cmdline, modules=modules,
                    expect=expect, reject=reject)


def tests():
    return [seed_test("dummy"), seed_test("flask")]
