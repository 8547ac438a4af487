"""QEMU tests of a domain builder in a guest (tests/guest/builder/): a
privileged guest builds PVH domains with the domctls a toolstack uses
(createdomain, max_vcpus, max_mem, setvcpucontext, unpausedomain,
destroydomain, getdomaininfo), populate_physmap on the new domain's id and
foreign mappings for its image (builder.h). docs/domains.md, "Building a
domain from a guest", and docs/reliability.md, "Domain builder soak".

tests() returns the list (tests/mica_test.py). tools/soak.py (make soak)
runs cycle() with 1000 domains.
"""
from mica_test import (ALL_OFF, AUDIT_REJECT, NO_LEAK, REJECT, QemuTest, guest_elf, summary,
                       verdict)

# CI: domains created, run and destroyed in a row (make soak: 1000).
CI_CYCLES = 100


def cycle(name, count, flavour="", xsm="dummy", timeout=120):
    """d0 (privileged, `flavour` 64 or -32) builds `count` domains from its
    boot module, the child's image in the same flavour, one after the other:
    each must answer, end, and leave nothing behind (NO_LEAK at the end)."""
    modules = [(guest_elf("builder" + flavour), "name=builder priv -- count=%d" % count),
               (guest_elf("builder_child" + flavour), "module-of=builder")]
    expect = [r"\(builder\) cycling %d domains, \d+ frames free" % count,
              r"\(builder\) builder: %d domains created, run and destroyed in \d+ ms" % count,
              r"\(builder\) builder: \d+ frames free after each, \d+ fewer than before; ",
              # the first child (powers off), the second (destroyed while it waits)
              r"Domain d1 \(d1\): created by d0, 1 vCPU\(s\)",
              verdict("d1", "builder_child" + flavour),
              r"Domain d2 \(d2\): destroyed",
              verdict("builder", "builder" + flavour),
              # The end of the run lists the first 64 domains that ended
              # (the builder, last, among them only in a short run), counts
              # the rest, and passes only if each powered off or was destroyed.
              r"^Domain d0 \(builder\): powered off$",
              summary("d1", domid=1), summary("d2", "destroyed", domid=2),
              ALL_OFF, NO_LEAK]
    if xsm == "flask":
        expect.append(r"XSM: module flask, enforcing mode")
    return QemuTest("builder/" + name, cmdline="xsm=" + xsm, cpus=2, modules=modules,
                    expect=expect, reject=REJECT + (r"avc: denied",), timeout=timeout)


def failing(plan, count=40):
    """cycle() with Mica's allocations failing by `plan` once the builder
    runs (fail-alloc=...,from:run; docs/reliability.md) and an audit after
    every memory_op: a step refused for want of memory is -ENOMEM, the
    builder discards that child and goes on, and still every domain ends
    cleanly and nothing leaks."""
    modules = [(guest_elf("builder"),
                "name=builder priv -- count=%d tolerate=enomem" % count),
               (guest_elf("builder_child"), "module-of=builder")]
    return QemuTest("builder/failing-%s" % plan.replace(":", "").replace(",", "-"),
                    cmdline="p2m-audit fail-alloc=%s,from:run" % plan, cpus=2, modules=modules,
                    expect=[r"\(builder\) builder: \d+ domains created, run and destroyed, "
                            r"\d+ refused for want of memory",
                            verdict("builder", "builder"),
                            r"^fail-alloc: [1-9]\d* of \d+ allocations failed",
                            ALL_OFF, NO_LEAK],
                    reject=AUDIT_REJECT, timeout=180)


def errors(xsm, flavour=""):
    """The building domctls' errors (builder_errors.c): d0 builds with every
    bad argument, d1 (unprivileged) may build nothing; under FLASK each of
    d1's refusals is logged, and createdomain's ssidref is a SID."""
    image = guest_elf("builder_errors" + flavour)
    labels = xsm == "flask"
    modules = [(image, "name=builder priv -- role=builder xsm=%s" % xsm),
               (guest_elf("builder_child" + flavour), "module-of=builder"),
               (image, "name=unpriv no-priv -- role=unpriv")]
    expect = [r"\(builder\) physinfo: 2 CPUs, \d+ of \d+ frames free$",
              r"\(builder\) bad configurations refused$",
              r"\(builder\) domids: d\d+, then d4660 asked for$",
              r"\(builder\) max_vcpus and max_mem checked$",
              r"\(builder\) start states checked before the start$",
              r"\(builder\) start states checked while it runs$",
              r"\(unpriv\) every building domctl refused$",
              verdict("builder", "builder_errors" + flavour),
              verdict("unpriv", "builder_errors" + flavour),
              summary("builder", domid=0), summary("unpriv", domid=1),
              ALL_OFF, NO_LEAK]
    if labels:
        expect += [r"\(builder\) ssidref: a label's SID$",
                   r"^avc: denied \{ create \} for source=domU_t target=domU_t tclass=domain$",
                   r"^avc: denied \{ max_vcpus \} for source=domU_t target=dom0_t "
                   r"tclass=domain$",
                   r"^avc: denied \{ setdomainmaxmem \} for source=domU_t target=dom0_t "
                   r"tclass=domain$",
                   r"^avc: denied \{ setvcpucontext \} for source=domU_t target=dom0_t "
                   r"tclass=domain$",
                   r"^avc: denied \{ physinfo \} for source=domU_t target=xen_t tclass=xen$"]
    return QemuTest("builder/errors-%s%s" % (xsm, flavour), cmdline="xsm=" + xsm, cpus=2,
                    modules=modules, expect=expect, reject=REJECT, timeout=90)


def tests():
    return [
        cycle("cycle", CI_CYCLES),
        cycle("cycle-32", 20, flavour="-32"),
        cycle("cycle-flask", 20, xsm="flask"),
        failing("seed:21,rate:3"),
        failing("seed:22,rate:8"),
        failing("every:17"),
        errors("dummy"),
        errors("dummy", "-32"),
        errors("flask"),
        errors("silo"),
    ]
