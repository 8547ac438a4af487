"""QEMU tests under injected allocation failures (fail-alloc=, docs/reliability.md,
"Allocation failures"): the guests of the memop, gnttab, evtchn and domctl
lists and the domain builder run again while Mica's frame allocator and heap
refuse the calls a plan picks, and failinj_ops.c checks each call's result.

tests() returns the list (tests/mica_test.py). The existing guests expect
every call to succeed, so under injection their own checks fail and a
domain may crash; that is allowed. What is judged is Mica (FailinjTest):
  - no fault, no panic, no hang: QEMU ends by Mica's own exit, success or
    failure, and the end of the run lists every domain;
  - every domain ended powered off, crashed (by its own failed check, or by
    Mica for what the guest did next) or destroyed; a module the builder
    could not build was refused with a message naming -ENOMEM (error -12);
  - every p2m audit was clean (p2m-audit: after each memory_op and at
    every teardown), and no frame leaked (NO_LEAK);
  - the plan did fail allocations (a run that failed none proves nothing).
"""
import re

from mica_test import (AUDIT_FAILED, EXIT_FAILURE, NO_FAULT, NO_LEAK, P2M_AUDIT, QemuTest,
                       guest_elf, summary, verdict)

# The figures line Mica prints at the end of the run (mm/alloc_fail.c).
FIGURES = r"^fail-alloc: (\d+) of (\d+) allocations failed"
# Mica's timeout= (seconds of its own ticks).
MICA_TIMEOUT = 20
# How a domain may end under injection.
ENDED = r"^  d\d+ \([^)]*\): (powered off|crashed|destroyed)$"

# The plans, armed once every domain runs (from:run): exact (every:N) and
# drawn (seed:S,rate:P). every:1 refuses every allocation a guest causes;
# the guests that cause only a few get the exact plans alone, so that
# every run fails some whichever way their CPUs interleave.
RUN_PLANS = ["every:1", "every:3", "seed:1,rate:25", "seed:2,rate:40"]
FEW_PLANS = ["every:1", "every:2"]
# Armed when the builder starts (from:build): the domains' own structures
# fail too, so a share of the modules is refused.
BUILD_PLANS = ["every:5", "every:29", "every:97", "seed:10,rate:3", "seed:11,rate:30"]


class FailinjTest(QemuTest):
    """A QemuTest judged as the module docstring says: status success or
    failure (never a panic, a triple fault or a timeout), every domain
    ended, audits clean, no leak, allocations failed, and every module the
    builder refused was refused for memory (-ENOMEM, error -12). `expect`
    adds patterns of its own."""

    def __init__(self, name, cmdline, modules, expect=(), waits=False, must_fail=True, cpus=2,
                 mem="256M", timeout=240):
        # Mica's timeout ends guests left waiting for a partner whose calls
        # were refused (waits=True: the guests wait for each other); in a
        # test without waiting it is a failure. A hang of Mica itself is
        # QEMU's timeout (Mica's seconds run slower than the host's).
        reject = NO_FAULT + AUDIT_FAILED + (() if waits else (r"still running after timeout=",))
        super().__init__(name, cmdline="%s timeout=%d %s" % (P2M_AUDIT, MICA_TIMEOUT, cmdline),
                         cpus=cpus, mem=mem, modules=modules, timeout=timeout,
                         expect=[r"^fail-alloc: armed", r"^All domains have ended:$", NO_LEAK]
                         + list(expect),
                         reject=reject)
        self.must_fail = must_fail

    def run(self):
        problems, log = super().run()
        # Either end of a run is Mica's own: the domains' fate decides it.
        problems = [p for p in problems
                    if not re.match(r"QEMU exit status %d, expected" % EXIT_FAILURE, p)]
        ended = log.split("All domains have ended:\n", 1)[-1].split("\n")
        for line in ended:
            if not line.startswith("  ") or line.startswith("  ... and"):
                break
            if not re.match(ENDED, line) and not re.match(r"^  \d+ module\(s\) refused$", line):
                problems.append("a domain ended otherwise: %r" % line)
        for refusal in re.findall(r"^ERROR: module \d+ .*refused.*$", log, re.MULTILINE):
            if not refusal.endswith("(error -12)"):
                problems.append("a module refused otherwise: %r" % refusal)
        figures = re.search(FIGURES, log, re.MULTILINE)
        if figures and int(figures.group(1)) == 0 and self.must_fail:
            problems.append("no allocation was failed (%s)" % figures.group(0))
        if not figures:
            problems.append("no fail-alloc figures at the end of the run")
        return problems, log


def module(guest, options):
    return (guest_elf(guest), options)


def plan_name(plan):
    return plan.replace(",from:build", "").replace(":", "").replace(",", "-")


def run_plans(name, modules, plans=RUN_PLANS, expect=(), cmdline="", **kw):
    """One test per plan, armed once every domain runs (from:run) unless
    the plan says from:build."""
    return [FailinjTest("failinj/%s-%s" % (name, plan_name(plan)),
                        "%sfail-alloc=%s%s" % (cmdline, plan,
                                               "" if "from:" in plan else ",from:run"),
                        modules, expect=expect, **kw)
            for plan in plans]


def builder(plan, xsm="dummy"):
    """Ten domains of every kind the builder makes (privileged, unprivileged
    with a console ring, two vCPUs, a larger grant table, 2 MiB to 64 MiB),
    built under the plan: a module that cannot be built is refused with the
    error and leaves nothing behind; the others run as usual."""
    hello = guest_elf("hello")
    mods = [(hello, "name=b%d %s" % (i, opts)) for i, opts in enumerate([
        "mem=64M", "mem=4M no-priv", "mem=2M vcpus=2", "mem=16M max_grant_frames=16",
        "mem=6M no-priv vcpus=3", "mem=8M", "mem=34M no-priv", "mem=4M", "mem=12M vcpus=2",
        "mem=2M no-priv"])]
    return FailinjTest("failinj/builder-%s%s" % ("" if xsm == "dummy" else xsm + "-",
                                                  plan_name(plan)),
                       "xsm=%s fail-alloc=%s" % (xsm, plan), mods, mem="512M",
                       expect=[r"^Mica: \d+ domain\(s\) started, \d+ module\(s\) refused$"])


# Allocations the builder makes for the domain of builder_sweep() (its
# whole life, with FLASK), counted with fail-alloc=every:1000000.
SWEEP_CALLS = 21


def builder_sweep(n):
    """One domain of each feature that allocates (FLASK's security state,
    unprivileged: a console ring, two vCPUs) built under every:n, so its
    n-th allocation is the first (and only) one to fail: over n = 1 ..
    SWEEP_CALLS every allocation of building a domain fails once. The
    module is refused with a message and leaves nothing behind; past the
    last allocation it builds and runs."""
    return FailinjTest("failinj/builder-sweep-%d" % n, "xsm=flask fail-alloc=every:%d" % n,
                       [module("hello", "name=s mem=4M no-priv vcpus=2")], must_fail=False,
                       expect=[r"^ERROR: module 0 \(s\) refused[^\n]*\(error -12\)$|"
                               r"\(s\) PASS guest/hello$"])


def tests():
    t = []
    # The directed guest: each call succeeds or fails with exactly Xen's
    # error, and a failed call changed nothing. It must PASS under every plan.
    for flavour, plans in (("", RUN_PLANS + ["every:2"]), ("-32", ["every:1", "seed:3,rate:25"])):
        image = "failinj_ops" + flavour
        t += run_plans("ops" + flavour,
                       [module(image, "name=ops mem=64M vcpus=2 -- role=ops"),
                        module(image, "name=granter mem=16M -- role=granter")],
                       plans=plans,
                       expect=[verdict("ops", image), verdict("granter", image),
                               summary("ops", domid=0), summary("granter", domid=1),
                               r"\(ops\) failinj: \d+ calls, [1-9]\d* refused \(\d+ after doing part\)$"])
    # memory_op.
    t += run_plans("memop-reservation", [module("memop_reservation", "name=r mem=128M")])
    t += run_plans("memop-physmap", [module("memop_physmap", "name=p mem=64M")])
    t += run_plans("memop-foreign",
                   [module("memop_multi", "name=mapper mem=32M -- role=mapper"),
                    module("memop_multi", "name=owner mem=16M -- role=owner")],
                   waits=True, plans=FEW_PLANS)
    t += run_plans("memop-churn",
                   [module("memop_churn", "name=a mem=8M priv -- other=1"),
                    module("memop_churn", "name=b mem=8M priv -- other=0")],
                   waits=True, plans=FEW_PLANS)
    t += run_plans("memop-tablelimit", [module("memop_tablelimit", "name=t mem=64M")],
                   plans=["every:2", "seed:4,rate:15"])
    # A page removed from a superpage: the split, its one allocation, refused
    # (-ENOMEM, the page still mapped, which the guest's check then finds).
    t += run_plans("memop-touch", [module("memop_touch", "name=touch mem=16M")],
                   plans=["every:1"])
    # Grant tables.
    t += run_plans("gnttab-self", [module("gnttab_self", "name=g mem=32M")], plans=FEW_PLANS)
    t += run_plans("gnttab-multi",
                   [module("gnttab_multi", "name=mapper mem=32M -- role=mapper"),
                    module("gnttab_multi", "name=granter mem=16M vcpus=2 -- role=granter"),
                    module("gnttab_multi", "name=leaver mem=16M -- role=leaver")],
                   waits=True, plans=FEW_PLANS + ["every:4"])
    # Event channels.
    t += run_plans("evtchn-ops", [module("evtchn_ops", "name=ops no-priv")], plans=FEW_PLANS)
    t += run_plans("evtchn-fifo", [module("evtchn_fifo", "name=fifo")], plans=["every:1"])
    t += run_plans("evtchn-virq",
                   [module("evtchn_virq", "name=boss -- role=boss"),
                    module("evtchn_virq", "name=handler -- role=handler"),
                    module("evtchn_virq", "name=victim -- role=victim")],
                   waits=True, plans=FEW_PLANS)
    # Domains: domctl on a domain built paused (armed from:build: the
    # domctls themselves allocate nothing), and the builder itself.
    t += run_plans("domctl-build",
                   [module("domctl_build", "name=builder -- role=builder"),
                    module("domctl_build", "name=guest paused -- role=guest")],
                   waits=True, plans=["every:11,from:build", "every:37,from:build",
                          "seed:12,rate:5,from:build"])
    t += [builder(plan) for plan in BUILD_PLANS]
    t += [builder(plan, "flask") for plan in ("every:13", "seed:13,rate:4")]
    t += [builder_sweep(n) for n in range(1, SWEEP_CALLS + 1)]
    # FLASK policies loaded at run time (xsm_op): a load refused for memory
    # leaves the old policy in force. The fuzzer's loads, and reloads that
    # change the next answer.
    t += run_plans("xsm-fuzz", [module("xsm_fuzz", "name=fuzz mem=32M -- seed=7 iterations=300")],
                   cmdline="xsm=flask ", plans=["every:5", "seed:14,rate:20"])
    t += run_plans("xsm-reload",
                   [module("xsm_policy", "name=guest no-priv -- role=reloadguest"),
                    module("xsm_policy", "name=boss priv -- role=reloadboss guest=0")],
                   cmdline="xsm=flask ", waits=True, plans=FEW_PLANS)
    return t
