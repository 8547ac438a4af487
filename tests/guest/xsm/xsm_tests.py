"""QEMU tests of XSM (docs/xsm.md): the same guests under xsm=dummy, flask
and silo, FLASK's permissive mode, the target relation of stub domains,
xsm_op, policy reloads, bad policies, and a fuzzer of the policy loader.

tests() returns the list (tests/mica_test.py). Guests are
tests/guest/xsm/xsm_*.c. A test that boots with a policy of its own compiles
it with build/tools/policyc into build/xsm-policies/ when tests() runs (a test entry cannot run a
generator itself), and passes it as the FIRST module, with the module
command line "flask-policy".

Domains find each other by domid (0, 1, ... in module order, the policy
module not counted) and wait for each other as tests/guest/xsm/xsm_util.h
explains: a domain that must outlive another is built after it, or waits
for a signal in its own page count.
"""
import os
import re
import subprocess

from mica_test import (ALL_OFF, EXIT_FAILURE, FLAVOURS, NO_LEAK, REJECT, ROOT, QemuTest,
                       guest_elf, policy_module, summary, verdict)

MODULES = ("dummy", "flask", "silo")


def avc(perms, source, target, tclass):
    """The exact denial line FLASK logs."""
    return r"^avc: denied \{ %s \} for source=%s target=%s tclass=%s$" % (
        perms, source, target, tclass)


def ended(*domains):
    """Every domain (domid, name) powered off, the run ended well, no leak."""
    return [summary(n, domid=d) for d, n in domains] + [ALL_OFF, NO_LEAK]


def cmdline(xsm, extra=""):
    return ("xsm=%s %s" % (xsm, extra)).strip()


# ---- 1, 2: an unprivileged domain on the privileged one -----------------------------

def deny_test(xsm, permissive=False):
    """d0 (unprivileged) tries add_to_physmap, remove_from_physmap,
    current_reservation on d1 (privileged) and machine_memory_map: -EPERM
    under every module (FLASK: logged), or allowed and logged under FLASK's
    permissive mode; on itself they succeed."""
    expect = "allow" if permissive else "deny"
    name = "xsm/deny-" + xsm + ("-permissive" if permissive else "")
    log = [verdict("actor", "xsm_roles"), verdict("boss", "xsm_roles"),
           r"\(actor\) add_to_physmap on d1 -> %d$" % (0 if permissive else -1),
           r"\(actor\) remove_from_physmap on d1 -> %d$" % (0 if permissive else -1)]
    reject = REJECT
    if xsm == "flask":
        log += [r"^XSM: module flask, %s mode$" % ("permissive" if permissive else "enforcing"),
                avc("physmap", "domU_t", "dom0_t", "mmu"),
                avc("stat", "domU_t", "dom0_t", "mmu"),
                avc("machine_memory_map", "domU_t", "xen_t", "xen")]
        # Nothing the domains do on themselves, nor dom0 on domU, is denied.
        reject += (r"avc: denied .* source=dom0_t", r"source=domU_t target=domU_t")
    else:
        log += [r"^XSM: module %s$" % xsm]
        reject += (r"avc: denied",)
    return QemuTest(
        name, cmdline(xsm, "flask=permissive" if permissive else ""),
        modules=[(guest_elf("xsm_roles"), "name=actor no-priv -- role=actor boss=1 expect=" + expect),
                 (guest_elf("xsm_roles"), "name=boss priv -- role=boss actor=0")],
        expect=log + ended((0, "actor"), (1, "boss")), reject=reject)


# ---- 3: the target relation ----------------------------------------------------------

def stub_test(xsm, policy=None, guest_label="domU_t", stub_label="stub_t"):
    """d0 a guest, d1 its stub domain (target=guest), d2 privileged. The stub
    may act on its target under dummy (TARGET) and FLASK (the policy's
    rules for its label), not under SILO; on d2 it gets -EPERM everywhere."""
    allowed = xsm != "silo"
    name = "xsm/stub-" + xsm + ("-" + os.path.splitext(os.path.basename(policy))[0]
                               if policy else "")
    modules = []
    if policy:
        modules.append((policy_module(policy), "flask-policy"))
    labels = xsm == "flask"
    modules += [
        (guest_elf("xsm_roles"), "name=guest no-priv%s -- role=stubguest"
         % (" label=" + guest_label if labels else "")),
        (guest_elf("xsm_roles"), "name=stub no-priv target=guest%s -- role=stub target=0 third=2 "
         "expect=%s" % (" label=" + stub_label if labels else "", "allow" if allowed else "deny")),
        (guest_elf("xsm_roles"), "name=boss priv -- role=stubboss stub=1 guest=0 poke=%d"
         % (0 if allowed else 1)),
    ]
    log = [r"\(stub\) the third domain d2: -EPERM$",
           r"\(stub\) add_to_physmap on the target d0 -> %d$" % (0 if allowed else -1),
           r"\(stub\) remove_from_physmap on the target d0 -> %d$" % (0 if allowed else -1),
           r"\(guest\) two pages gone; leaving$",
           r"\(boss\) the stub and its target are gone$"] + \
        [verdict(n, "xsm_roles") for n in ("guest", "stub", "boss")]
    reject = REJECT
    if xsm == "flask":
        log += [r"^XSM: module flask, enforcing mode$",
                avc("stat", stub_label, "dom0_t", "mmu"),
                avc("physmap", stub_label, "dom0_t", "mmu"),
                avc("map_read map_write", stub_label, "dom0_t", "mmu")]
        if policy:
            # The module's policy, not the built-in one.
            log += [r"^FLASK: policy from module 0 loaded: 6 types, \d+ rules \(load 2\)$"]
            reject += (r"policy from the built-in default",)
        reject += (r"source=%s target=%s" % (stub_label, guest_label),
                   r"avc: denied .* source=(dom0_t|%s)" % guest_label)
    else:
        log += [r"^XSM: module %s$" % xsm]
        reject += (r"avc: denied",)
    return QemuTest(name, cmdline(xsm), cpus=2, modules=modules,
                    expect=log + ended((0, "guest"), (1, "stub"), (2, "boss")), reject=reject)


def unknown_label_test():
    """Under FLASK a domain whose label= is no type of the policy is refused
    (and the run ends with a failure status); the others run."""
    return QemuTest(
        "xsm/flask-unknown-label", cmdline("flask"), status=EXIT_FAILURE,
        modules=[(guest_elf("xsm_op"), "name=boss priv -- role=priv"),
                 (guest_elf("xsm_op"), "name=ghost no-priv label=ghost_t -- role=unpriv")],
        expect=[r"^ERROR: FLASK: d1 \(ghost\): label 'ghost_t' is not a type of the policy$",
                r"^ERROR: module 1 \(ghost\) refused by XSM$",
                r"^Domain d1 \(ghost\): crashed$", r"^  1 module\(s\) refused$",
                verdict("boss", "xsm_op"), summary("boss", domid=0),
                r"^Mica: run ended with a failure ", NO_LEAK],
        # The refused domain never ran.
        reject=REJECT + (r"^\(ghost\)",))


# ---- 4: xsm_op ------------------------------------------------------------------------

def xsm_op_nosys(xsm, flavour=""):
    """Under dummy and SILO every FLASK command is -ENOSYS (38)."""
    name = "op" + flavour
    return QemuTest(
        "xsm/op-%s%s" % (xsm, flavour), cmdline(xsm),
        modules=[(guest_elf("xsm_op" + flavour), "name=%s -- role=nosys" % name)],
        expect=[r"\(%s\) every FLASK command: -ENOSYS$" % name,
                verdict(name, "xsm_op" + flavour)] + ended((0, name)),
        reject=REJECT + (r"avc: denied",))


def xsm_op_flask(flavour=""):
    """Under FLASK: d0 (unprivileged) may not setenforce, load, getenforce
    or ask FLASK_ACCESS; d1 (privileged) toggles the mode, maps contexts to
    SIDs and back, gets the default policy's answers from FLASK_ACCESS,
    reloads the default policy, and gets -ENOSYS for bad commands and
    interface versions."""
    return QemuTest(
        "xsm/op-flask" + flavour, cmdline("flask"),
        modules=[(guest_elf("xsm_op" + flavour), "name=guest no-priv -- role=unpriv"),
                 (guest_elf("xsm_op" + flavour), "name=boss priv -- role=priv unpriv=0")],
        expect=[r"\(guest\) setenforce, load, getenforce, access, contexts: -EPERM$",
                avc("getenforce", "domU_t", "xen_t", "xen"),
                avc("compute_av", "domU_t", "xen_t", "xen"),
                avc("check_context", "domU_t", "xen_t", "xen"),
                r"\(boss\) getenforce 1, setenforce 0 then 1$",
                r"^FLASK: permissive mode \(set by d1\)$",
                r"^FLASK: enforcing mode \(set by d1\)$",
                r"\(boss\) sid \d+ <-> system_u:system_r:dom0_t$",
                r"\(boss\) access: dom0_t->domU_t mmu 0x3f, domU_t->dom0_t mmu 0x0 deny 0x1, "
                r"seqno 2$",
                r"^FLASK: policy from d1 \(boss\) loaded: 4 types, 23 rules \(load 3\)$",
                r"\(boss\) bad commands and versions: -ENOSYS$",
                verdict("guest", "xsm_op" + flavour),
                verdict("boss", "xsm_op" + flavour)] + ended((0, "guest"), (1, "boss")),
        # The unprivileged domain's setenforce and load never reach the policy.
        reject=REJECT + (r"avc: denied \{ (setenforce|load_policy) \}", r"source=dom0_t"))


# ---- 5, 6: loading policies ------------------------------------------------------------

def reload_test():
    """d1 (privileged) loads a policy without memorymap on self, then the
    default one again; the very next check after each load, FLASK_ACCESS and
    real memory_map hooks of d1 and of d0 (unprivileged), follows the new
    policy although the old decision was in the AVC."""
    return QemuTest(
        "xsm/reload-no-stale-avc", cmdline("flask"),
        modules=[(guest_elf("xsm_policy"), "name=guest no-priv -- role=reloadguest"),
                 (guest_elf("xsm_policy"), "name=boss priv -- role=reloadboss guest=0")],
        expect=[r"\(guest\) memory_map: allowed$",
                r"^FLASK: policy from d1 \(boss\) loaded: 4 types, 23 rules \(load 3\)$",
                avc("memorymap", "dom0_t", "dom0_t", "mmu"),
                r"\(boss\) the very next answers after the load: denied$",
                avc("memorymap", "domU_t", "domU_t", "mmu"),
                r"\(guest\) memory_map after the reload: -EPERM$",
                r"^FLASK: policy from d1 \(boss\) loaded: 4 types, 23 rules \(load 4\)$",
                r"\(boss\) the very next answers after the second load: allowed$",
                r"\(guest\) memory_map after the second reload: allowed$",
                verdict("guest", "xsm_policy"),
                verdict("boss", "xsm_policy")] + ended((0, "guest"), (1, "boss")),
        # Only the two memory_map calls made under the strict policy are denied.
        reject=REJECT + (r"avc: denied \{ (?!memorymap \})",))


# The malformed policies of xsm_policy.c (role=badload) and their results.
BAD_LOADS = ["bad magic", "bad version", "other class count", "truncated by one byte",
             "truncated to the header", "shorter than a header", "one byte too many",
             "no type but 0", "too many types", "too many rules", "no strings",
             "unsorted rules", "a duplicate rule", "a rule of type 0", "a rule of no type",
             "a rule of no class", "reserved bits", "no permission", "an unknown permission",
             "a name outside the strings", "an unterminated name", "an empty name",
             "a name twice", "a name of 64 bytes", "a control character in a name",
             "a name with a space", "a name starting with a digit", "no dom0_t", "no domU_t", "no xen_t",
             "no stub_t \\(the bystander's label\\)", "empty", "more than 1 MiB"]


def badload_test():
    """d1 (privileged) loads malformed policies, policies without a type in
    use or a required one, and unreadable buffers: -EINVAL (22) or -EFAULT
    (14), and every FLASK_ACCESS answer and the seqno are unchanged after
    each. d0 (label=stub_t) keeps stub_t in use until d1 lets it go."""
    return QemuTest(
        "xsm/bad-policy-loads", cmdline("flask"),
        modules=[(guest_elf("xsm_policy"), "name=stubby no-priv label=stub_t -- role=bystander"),
                 (guest_elf("xsm_policy"), "name=boss priv -- role=badload bystander=0")],
        expect=[r"\(boss\) %s: -22$" % what for what in BAD_LOADS] +
               # Names are identifiers: refused by the parser, before the
               # label check could refuse them for lacking stub_t.
               [r"^ERROR: FLASK: policy from d1 \(boss\) refused: malformed\n"
                r"\(boss\) %s: -22$" % what
                for what in ("a control character in a name", "a name with a space",
                             "a name starting with a digit")] +
               [r"\(boss\) unreadable buffer: -14$",
                r"\(boss\) %d bad loads, the old policy unchanged after each$"
                % (len(BAD_LOADS) + 2),
                r"^ERROR: FLASK: policy from d1 \(boss\) refused: malformed$",
                r"^ERROR: FLASK: policy from d1 \(boss\) refused: it must declare xen_t, dom0_t and "
                r"domU_t$",
                r"^ERROR: FLASK: new policy lacks type 'dom0_t' of d1 \(boss\)$",
                r"^ERROR: FLASK: new policy lacks type 'stub_t' of d0 \(stubby\)$",
                # Only the good policy at the end loads.
                r"^FLASK: policy from d1 \(boss\) loaded: 4 types, 23 rules \(load 3\)$",
                verdict("boss", "xsm_policy"), verdict("stubby", "xsm_policy")] +
               ended((0, "stubby"), (1, "boss")),
        reject=REJECT + (r"avc: denied", r"\(load [4-9]\)", r"the policy changed"))


# ---- 7: fuzzing the policy loader ------------------------------------------------------

FUZZ_SEED = 20240601
FUZZ_POLICIES = 5000
FUZZ_ORACLE = os.path.join(ROOT, "build", "unit", "flask_fuzz_oracle")
ACCEPTED_LINE = re.compile(r"^\(fuzz\) fuzz: accepted((?: \d+:\d+:[0-9a-f]{8})+)$", re.MULTILINE)
ENTRY = re.compile(r"(\d+):(\d+):([0-9a-f]{8})")
NO_MEMORY = re.compile(r"^\(fuzz\) fuzz: policy (\d+): -ENOMEM$", re.MULTILINE)
SUMMARY = re.compile(r"^\(fuzz\) fuzz: \d+ policies: (\d+) accepted,", re.MULTILINE)


def entries(text):
    """{policy number: "QUESTIONS:HASH"} from "N:QUESTIONS:HASH" entries."""
    return {int(n): "%s:%s" % (q, h) for n, q, h in ENTRY.findall(text)}


def oracle_answers(seed, count):
    """The entries of every policy the host's parser and Mica's loading
    rules accept (tests/unit/flask_fuzz_oracle.c)."""
    subprocess.run(["make", "-s", "-C", ROOT, "build/unit/flask_fuzz_oracle"], check=True)
    out = subprocess.run([FUZZ_ORACLE, str(seed), str(count)], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    return entries(out)


def compare_with_oracle(log, seed, count):
    """Mica's verdict on each policy against the oracle's, one by one; the
    answers of each policy both accepted. A policy Mica refused for want of
    memory proves nothing either way and is left out."""
    mica = entries(" ".join(ACCEPTED_LINE.findall(log)))
    no_memory = {int(n) for n in NO_MEMORY.findall(log)}
    oracle = oracle_answers(seed, count)
    summary_line = SUMMARY.search(log)
    if not summary_line or int(summary_line.group(1)) != len(mica):
        return ["the log does not hold every accepted policy's entry (lines lost?): "
                "the comparison cannot be made"]
    problems = []
    for n in sorted(set(mica) | set(oracle)):
        if n in no_memory:
            continue
        if n not in oracle:
            problems.append("policy %d: Mica loaded it, the host's parser refuses it" % n)
        elif n not in mica:
            problems.append("policy %d: Mica refused it, the host's parser accepts it" % n)
        elif mica[n] != oracle[n]:
            problems.append("policy %d: Mica's answers %s, the host's %s" % (n, mica[n], oracle[n]))
    if not oracle:
        problems.append("the oracle accepts none of the policies: the comparison proves nothing")
    return problems[:5] + (["... %d more" % (len(problems) - 5)] if len(problems) > 5 else [])


class FuzzTest(QemuTest):
    """The fuzz run, then its oracle: the QEMU test's own checks, and the
    comparison policy by policy with the host's parser."""

    def __init__(self, seed, count, **kwargs):
        QemuTest.__init__(self, **kwargs)
        self.seed, self.count = seed, count

    def run(self):
        problems, log = QemuTest.run(self)
        return problems + compare_with_oracle(log, self.seed, self.count), log


def fuzz_test():
    """A privileged guest loads FUZZ_POLICIES random and mutated policies
    (seeded): each gives 0, -EINVAL or -ENOMEM, Mica never crashes, and the
    good policy reloaded after each accepted one keeps the guest in
    control. Some mutated policies do load (the log shows them).

    The oracle: the same seeded policies go through the host's build of the
    parser (tests/unit/flask_fuzz_oracle.c) with Mica's loading rules. Every
    policy must get the same verdict in both, one by one, and every policy
    both accept the same answers to FLASK_ACCESS questions (Mica's through
    its AVC, the host's straight from the policy). A loader that accepts or
    refuses wrongly, or an AVC or security server that answers wrongly, fails
    here, where the counts alone would not show it.

    A policy that locked the guest out would end the fuzz early, gracefully;
    this seed has none, so the test insists on 0 lockouts."""
    return FuzzTest(
        FUZZ_SEED, FUZZ_POLICIES,
        name="xsm/fuzz-policy-loader", cmdline=cmdline("flask"), timeout=180,
        modules=[(guest_elf("xsm_fuzz"), "name=fuzz mem=32M -- seed=%d iterations=%d"
                  % (FUZZ_SEED, FUZZ_POLICIES))],
        expect=[r"\(fuzz\) fuzzing the policy loader: seed %d, %d policies$"
                % (FUZZ_SEED, FUZZ_POLICIES),
                r"\(fuzz\) fuzz: %d policies: [1-9]\d* accepted, [1-9]\d* -EINVAL, \d+ -ENOMEM, "
                r"0 other, 0 lockouts$" % FUZZ_POLICIES,
                r"^FLASK: policy from d0 \(fuzz\) loaded: (?!4 types, 23 rules)",
                verdict("fuzz", "xsm_fuzz")] + ended((0, "fuzz")),
        reject=REJECT + (r"unexpected -?\d+$", r"locked out"))


def tests():
    t = []
    for xsm in MODULES:
        t.append(deny_test(xsm))
    t.append(deny_test("flask", permissive=True))
    for xsm in MODULES:
        t.append(stub_test(xsm))
    t.append(stub_test("flask", "xsm/policy/examples/stubdom.te",
                       guest_label="hvm_t", stub_label="dm_t"))
    t.append(unknown_label_test())
    for flavour in FLAVOURS:
        for xsm in ("dummy", "silo"):
            t.append(xsm_op_nosys(xsm, flavour))
        t.append(xsm_op_flask(flavour))
    t += [reload_test(), badload_test(), fuzz_test()]
    return t
