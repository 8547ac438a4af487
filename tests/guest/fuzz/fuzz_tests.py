"""QEMU tests of Mica under hostile guests (tests/guest/fuzz/): the hypercall
fuzzer (fuzz.c) and races on the same gfns (race.c), each beside a bystander
(bystander.c) that must finish its own checked work. docs/reliability.md has
the figures and the commands that reproduce them.

tests() returns the list (tests/mica_test.py); tools/soak.py (make soak) runs
the same tests, longer. Every run is judged the same way: no Mica fault or
panic (the debug build's lock-order checker panics on a violation; the
log's "Build: debug" line shows it was on), every
p2m audit clean (the fuzzers' sampled with p2m-audit-every and through the
debug key `a` typed while they run and as they end, the race's after every
4th memory_op, every domain's at its end), no frame leaked, and every guest's
PASS. Also here: the regression test of domains inspected while they are
torn down (teardown_watch.c).
"""
from mica_test import (ALL_OFF, AUDIT_REJECT, DEBUG_BUILD, NO_LEAK, QemuTest, audited, guest_elf,
                       summary, verdict)

# CI: 200,000 fuzzed calls in all (two tests of two fuzzers, 50,000 calls
# each) and 100,000 race operations (tools/soak.py, make soak: 1,000,000 of
# each).
FUZZ_CALLS = 50000
RACE_OPS = 100000
# The fuzzers audit the caller's p2m after every N-th memory_op of any
# domain (an audit costs time in proportion to the domain's memory: one
# after each of 70,000 memory_op calls of 32 MiB domains would triple the
# run; docs/reliability.md).
FUZZ_AUDIT_EVERY = 32
# The race audits after every 4th memory_op of either racer, so each side is
# still audited while the other changes what it maps. After each one, the
# audits (each holds the owner's locks for milliseconds under TCG, which the
# other racers spin for) made the race 3 times slower on a quiet host and up
# to 27 times on a busy one, where a QEMU thread descheduled while it holds
# the locks keeps the others spinning (docs/reliability.md, Races).
RACE_AUDIT_EVERY = 4
# The fuzzers' memory: both the same (the privileged one changes the other's
# scratch gfns, which fuzz.h lays out by its own RAM size).
FUZZ_MEM = "32M"


def fuzz(name, priv_flavour, unpriv_flavour, seed, calls=FUZZ_CALLS, xsm="dummy", timeout=600):
    """d0 a privileged fuzzer, d1 an unprivileged one (seeds seed and seed+1),
    `calls` calls each (a 64-bit fuzzer makes them from two vCPUs), d2 a
    bystander checking its memory and an event channel until they are
    gone, d3 a third fuzzer (64-bit, unprivileged, seed+2) that d0 destroys
    halfway through, busy as it is; Mica with the XSM module `xsm`. While
    they run, the key `a` audits every domain."""
    cmdline = "xsm=%s p2m-audit-every=%d" % (xsm, FUZZ_AUDIT_EVERY)
    args = "calls=%d bystander=2 victim=3" % calls
    modules = [
        (guest_elf("fuzz" + priv_flavour),
         "name=fuzz-p mem=%s vcpus=4 priv -- seed=%d peer=1 %s" % (FUZZ_MEM, seed, args)),
        (guest_elf("fuzz" + unpriv_flavour),
         "name=fuzz-u mem=%s vcpus=4 -- seed=%d peer=0 %s" % (FUZZ_MEM, seed + 1, args)),
        (guest_elf("bystander"), "name=bystander mem=16M -- watch=0,1,3"),
        # Never done with its calls: it ends destroyed.
        (guest_elf("fuzz"), "name=victim mem=%s vcpus=4 -- seed=%d peer=0 calls=1000000000 "
         "bystander=2 victim=1" % (FUZZ_MEM, seed + 2)),
    ]
    # The key `a` audits every domain while they run, and again as the first
    # fuzzer finishes (an audit racing with a teardown: teardown_watch below).
    typed = [(r"\(fuzz-[pu]\) fuzz: %d/8 " % eighth, b"a") for eighth in (2, 4, 6)]
    typed.append((r"\(fuzz-[pu]\) PASS", b"a" * 20))
    return QemuTest(
        "fuzz/" + name, cmdline, cpus=2, mem="512M", modules=modules, timeout=timeout,
        typed=typed,
        expect=[r"\(fuzz-p\) fuzz: seed 0x%x, %d calls, privileged d0" % (seed, calls),
                r"\(fuzz-u\) fuzz: seed 0x%x, %d calls, unprivileged d1" % (seed + 1, calls),
                r"\(fuzz-p\) fuzz: done, \d+ calls, .*, 0 bad results$",
                r"\(fuzz-u\) fuzz: done, \d+ calls, .*, 0 bad results$",
                r"\(bystander\) bystander: \d+ rounds, .* every page as written$",
                verdict("fuzz-p", "fuzz" + priv_flavour),
                verdict("fuzz-u", "fuzz" + unpriv_flavour),
                verdict("bystander", "bystander"),
                r"\(fuzz-p\) fuzz: destroyed d3, the victim, in the middle of its calls",
                audited("fuzz-p", 0), audited("fuzz-u", 1), audited("bystander", 2),
                audited("victim", 3),
                summary("fuzz-p", domid=0), summary("fuzz-u", domid=1),
                summary("bystander", domid=2), summary("victim", "destroyed", domid=3),
                DEBUG_BUILD, ALL_OFF, NO_LEAK],
        reject=AUDIT_REJECT)


def race(name, ops=RACE_OPS, seed=1, timeout=600,
         cmdline="p2m-audit-every=%d" % RACE_AUDIT_EVERY):
    """d1's two vCPUs populate, decrease, move, remove and put shared_info on
    16 gfns, granting them to d0, which foreign-maps and grant-maps them,
    writes through the mappings and copies through the grants; a bystander
    checks its memory (frames they free are reused there) until both are
    gone. `ops` in all at least: a third for each of the owner's two vCPUs
    and for the mapper; the owner's go on until the mapper is done."""
    per_vcpu = (ops + 2) // 3
    args = "seed=%d ops=%d" % (seed, per_vcpu)
    modules = [(guest_elf("race"), "name=mapper mem=8M priv -- role=mapper other=1 " + args),
               (guest_elf("race"), "name=owner mem=16M vcpus=2 -- role=owner other=0 " + args),
               (guest_elf("bystander"), "name=bystander mem=16M -- watch=0,1")]
    return QemuTest(
        "fuzz/" + name, cmdline, cpus=2, mem="256M", modules=modules, timeout=timeout,
        expect=[r"\(owner\) race: owner: \d+ operations on 16 gfns from 2 vCPUs",
                r"\(mapper\) race: mapper: %d operations, \d+ succeeded$" % per_vcpu,
                r"\(bystander\) bystander: \d+ rounds, .* every page as written$",
                verdict("mapper", "race"), verdict("owner", "race"),
                verdict("bystander", "bystander"),
                audited("mapper", 0), audited("owner", 1), audited("bystander", 2),
                summary("mapper", domid=0), summary("owner", domid=1),
                summary("bystander", domid=2), DEBUG_BUILD, ALL_OFF, NO_LEAK],
        reject=AUDIT_REJECT)


def teardown_watch(others=12):
    """Domains looked at while they are torn down (teardown_watch.c): d0, big,
    asks getdomaininfo about the others until all are gone; they end one
    after another (bystanders of 3, 6, 9 ... rounds); meanwhile the keys `a`
    and `p` audit and dump every p2m without pause. Before the fix (DOMAIN_DEAD
    under the domain's lock) the key's audit faulted on a domain torn down
    under it in most runs."""
    modules = [(guest_elf("teardown_watch"), "name=watch mem=128M -- others=%d" % others)]
    modules += [(guest_elf("bystander"), "name=end%d mem=4M -- min=%d" % (i, 3 * i))
                for i in range(1, others + 1)]
    return QemuTest(
        "fuzz/teardown-watch", cpus=2, mem="1G", modules=modules, timeout=300,
        typed=[(r"Mica: \d+ domain\(s\) started", (b"a" * 60 + b"p") * 60)],
        expect=[r"\(watch\) teardown_watch: \d+ getdomaininfo calls",
                verdict("watch", "teardown_watch"), summary("watch", domid=0)]
        + [verdict("end%d" % i, "bystander") for i in range(1, others + 1)]
        + [ALL_OFF, NO_LEAK],
        reject=AUDIT_REJECT)


def tests():
    return [
        # A 64-bit privileged fuzzer beside a 32-bit unprivileged one, and
        # the other way round (the 32-bit layouts of the privileged calls)
        # under FLASK (its hooks, and xsm_op's commands for real).
        fuzz("fuzz", "", "-32", seed=1),
        fuzz("fuzz-32-flask", "-32", "", seed=3, xsm="flask"),
        race("race"),
        # Regression: the debug keys and getdomaininfo on domains being torn down.
        teardown_watch(),
    ]
