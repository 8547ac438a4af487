"""QEMU tests of the domctl commands a builder uses (tests/guest/domctl/):
getdomaininfo, a domain built `paused` and unpaused, destroydomain; and
SCHEDOP_remote_shutdown by a stub domain on its target (remote_shutdown.c).

tests() returns the list (tests/mica_test.py).
"""
from mica_test import NO_LEAK, REJECT, QemuTest, guest_elf, summary, verdict


def remote_shutdown(xsm):
    """A stub domain shuts down its target (as a Xen device model may), but
    not a third domain; under FLASK the default policy's stub_t -> domU_t
    domain:shutdown."""
    image = guest_elf("remote_shutdown")
    labels = xsm == "flask"
    modules = [(image, "name=victim no-priv%s -- role=victim" % (" label=domU_t" if labels else "")),
               (image, "name=stub no-priv target=victim%s -- role=stub"
                % (" label=stub_t" if labels else "")),
               (image, "name=boss priv -- role=boss")]
    expect = [r"\(stub\) stub: the third domain -EPERM; our target shut down",
              r"\(boss\) boss: victim and stub gone",
              verdict("stub", "remote_shutdown"), verdict("boss", "remote_shutdown"),
              summary("victim", domid=0), summary("stub", domid=1), summary("boss", domid=2),
              NO_LEAK]
    if labels:
        expect.append(r"^avc: denied \{ shutdown \} for source=stub_t target=dom0_t "
                      r"tclass=domain$")
    return QemuTest("guest/remote-shutdown-" + xsm, cmdline="xsm=" + xsm, cpus=2,
                    modules=modules, expect=expect,
                    reject=REJECT + (r"\(victim\) (?:PASS|FAIL)",), timeout=90)


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
        remote_shutdown("dummy"),
        remote_shutdown("flask"),
    ]
