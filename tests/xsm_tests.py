"""QEMU tests of XSM (docs/xsm.md): the same guests under xsm=dummy, flask
and silo, FLASK's permissive mode, the target relation of stub domains,
xsm_op, policy reloads, bad policies, and a fuzzer of the policy loader.

tests(QemuTest) returns the list. Guests are tests/guest/xsm_*.c. A test
that boots with a policy of its own compiles it with build/tools/policyc
into build/xsm-policies/ when tests() runs (a test entry cannot run a
generator itself), and passes it as the FIRST module, with the module
command line "flask-policy".

Domains find each other by domid (0, 1, ... in module order, the policy
module not counted) and wait for each other as tests/guest/xsm_util.h
explains: a domain that must outlive another is built after it, or waits
for a signal in its own page count.
"""
import os
import re
import subprocess

from mica_boot import EXIT_FAILURE, EXIT_SUCCESS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
G = "build/guest/"
POLICIES = "build/xsm-policies/"
NO_FAULT = (r"MICA FAULT", r"MICA PANIC")
NO_LEAK = r"Memory: (\d+) frames free before the domains, \1 after"
ALL_OFF = r"^Mica: run ended, every domain powered off$"
REJECT = NO_FAULT + (r"FAIL guest/",)
MODULES = ("dummy", "flask", "silo")


def compile_policy(source):
    """xsm/policy/... .te -> build/xsm-policies/NAME.bin (relative path).
    A failure is left for the test to report (its module file is missing)."""
    name = os.path.splitext(os.path.basename(source))[0]
    out = POLICIES + name + ".bin"
    os.makedirs(os.path.join(ROOT, POLICIES), exist_ok=True)
    policyc = os.path.join(ROOT, "build", "tools", "policyc")
    if not os.path.exists(policyc):
        subprocess.run(["make", "-s", "-C", ROOT, "build/tools/policyc"])
    subprocess.run([policyc, os.path.join(ROOT, source), "-o", os.path.join(ROOT, out)])
    return out


def avc(perms, source, target, tclass):
    """The exact denial line FLASK logs."""
    return r"^avc: denied \{ %s \} for source=%s target=%s tclass=%s$" % (
        perms, source, target, tclass)


def ended(*domains):
    """Every domain (domid, name) powered off, the run ended well, no leak."""
    return [r"^  d%d \(%s\): powered off$" % (d, re.escape(n)) for d, n in domains] + \
        [ALL_OFF, NO_LEAK]


def cmdline(xsm, extra=""):
    return ("xsm=%s %s" % (xsm, extra)).strip()


# ---- 1, 2: an unprivileged domain on the privileged one -----------------------------

def deny_test(QemuTest, xsm, permissive=False):
    """d0 (unprivileged) tries add_to_physmap, remove_from_physmap,
    current_reservation on d1 (privileged) and machine_memory_map: -EPERM
    under every module (FLASK: logged), or allowed and logged under FLASK's
    permissive mode; on itself they succeed."""
    expect = "allow" if permissive else "deny"
    name = "xsm/deny-" + xsm + ("-permissive" if permissive else "")
    log = [r"\(actor\) PASS guest/xsm_roles$", r"\(boss\) PASS guest/xsm_roles$",
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
        modules=[(G + "xsm_roles.elf", "name=actor no-priv -- role=actor boss=1 expect=" + expect),
                 (G + "xsm_roles.elf", "name=boss priv -- role=boss actor=0")],
        expect=log + ended((0, "actor"), (1, "boss")), reject=reject)


# ---- 3: the target relation ----------------------------------------------------------

def stub_test(QemuTest, xsm, policy=None, guest_label="domU_t", stub_label="stub_t"):
    """d0 a guest, d1 its stub domain (target=guest), d2 privileged. The stub
    may act on its target under dummy (TARGET) and FLASK (the policy's
    rules for its label), not under SILO; on d2 it gets -EPERM everywhere."""
    allowed = xsm != "silo"
    name = "xsm/stub-" + xsm + ("-" + os.path.splitext(os.path.basename(policy))[0]
                               if policy else "")
    modules = []
    if policy:
        modules.append((compile_policy(policy), "flask-policy"))
    labels = xsm == "flask"
    modules += [
        (G + "xsm_roles.elf", "name=guest no-priv%s -- role=stubguest"
         % (" label=" + guest_label if labels else "")),
        (G + "xsm_roles.elf", "name=stub no-priv target=guest%s -- role=stub target=0 third=2 "
         "expect=%s" % (" label=" + stub_label if labels else "", "allow" if allowed else "deny")),
        (G + "xsm_roles.elf", "name=boss priv -- role=stubboss stub=1 guest=0 poke=%d"
         % (0 if allowed else 1)),
    ]
    log = [r"\(stub\) the third domain d2: -EPERM$",
           r"\(stub\) add_to_physmap on the target d0 -> %d$" % (0 if allowed else -1),
           r"\(stub\) remove_from_physmap on the target d0 -> %d$" % (0 if allowed else -1),
           r"\(guest\) two pages gone; leaving$",
           r"\(boss\) the stub and its target are gone$"] + \
        [r"\(%s\) PASS guest/xsm_roles$" % n for n in ("guest", "stub", "boss")]
    reject = REJECT
    if xsm == "flask":
        log += [avc("physmap", stub_label, "dom0_t", "mmu"),
                avc("map_read map_write", stub_label, "dom0_t", "mmu")]
        if policy:
            log += [r"^FLASK: policy from module 0 loaded: "]
        reject += (r"source=%s target=%s" % (stub_label, guest_label),
                   r"avc: denied .* source=(dom0_t|%s)" % guest_label)
    else:
        reject += (r"avc: denied",)
    return QemuTest(name, cmdline(xsm), cpus=2, modules=modules,
                    expect=log + ended((0, "guest"), (1, "stub"), (2, "boss")), reject=reject)


def tests(QemuTest):
    t = []
    for xsm in MODULES:
        t.append(deny_test(QemuTest, xsm))
    t.append(deny_test(QemuTest, "flask", permissive=True))
    for xsm in MODULES:
        t.append(stub_test(QemuTest, xsm))
    t.append(stub_test(QemuTest, "flask", "xsm/policy/examples/stubdom.te",
                       guest_label="hvm_t", stub_label="dm_t"))
    return t
