"""QEMU tests of the domctl commands a builder uses (tests/guest/domctl/):
getdomaininfo, a domain built `paused` and unpaused, destroydomain.

tests() returns the list (tests/mica_test.py).
"""
from mica_test import NO_LEAK, REJECT, QemuTest, guest_elf, summary, verdict


def tests():
    build = guest_elf("domctl_build")
    modules = [(build, "name=builder -- role=builder"),
               (build, "name=guest paused -- role=guest")]
    return [
        QemuTest("guest/domctl-build", cpus=2, modules=modules,
                 expect=[r"Domain d1 \(guest\): started paused",
                         # the guest runs only after the builder unpaused it
                         r"\(builder\) unpausing d1\n(?:.*\n)*?\(guest\) d1 runs",
                         r"\(guest\) d1 checks done: 0 failed\n(?:.*\n)*?\(builder\) destroying d1",
                         r"Domain d1 \(guest\): destroyed",
                         verdict("builder", "domctl_build"),
                         summary("builder", domid=0), summary("guest", "destroyed", domid=1),
                         NO_LEAK],
                 reject=REJECT + (r"\(guest\) (?:PASS|FAIL)",)),
    ]
