/*
 * xsm_op (hypercall 27): FLASK's commands, and their absence under the other
 * modules (docs/xsm.md, "xsm_op: FLASK at run time"). The role comes after
 * " -- " in the module command line:
 *
 *   role=nosys      (dummy, SILO) every command, with any interface version,
 *                   is -ENOSYS.
 *   role=unpriv     (FLASK, unprivileged, domU_t) may not setenforce nor
 *                   load (-EPERM, not even asked of the policy), nor
 *                   getenforce, FLASK_ACCESS, context_to_sid or
 *                   sid_to_context (the policy says no, logged: contexts
 *                   need xen:check_context, as Xen's security:check_context,
 *                   so a guest cannot list the policy's type names).
 *   role=priv unpriv=ID
 *                   (FLASK, privileged, dom0_t) waits until the unprivileged
 *                   domain is gone (it must not see the permissive window),
 *                   then: getenforce / setenforce, context_to_sid and
 *                   sid_to_context, FLASK_ACCESS against the default policy,
 *                   reloading the default policy (seqno + 1), unknown
 *                   commands and interface versions.
 */
#include "xsm_util.h"

TEST_NAME("xsm_op");

/* An address that is no RAM of the guest (identity-mapped in 64-bit mode,
 * physical in 32-bit mode). */
#define UNMAPPED ((void *)(uintptr_t)0xF0000000u)

static uint8_t policy_buf[4096];

/* A command with a given interface version (flask_op() sets the right one). */
static long flask_op_version(uint32_t cmd, uint32_t version)
{
    struct xen_flask_op op = { .cmd = cmd, .interface_version = version };
    return HYPERVISOR_xsm_op(&op);
}

static uint32_t default_policy(void)
{
    struct policy_builder b;
    pb_default(&b);
    uint32_t size = pb_write(&b, policy_buf, sizeof(policy_buf));
    if (!size)
        guest_test_abort("the default policy does not fit");
    return size;
}

static void nosys(void)
{
    struct xen_flask_access a;
    char buf[64];

    CHECK_EQ(flask_load(policy_buf, default_policy()), -XEN_ENOSYS);
    CHECK_EQ(flask_getenforce(), -XEN_ENOSYS);
    CHECK_EQ(flask_setenforce(0), -XEN_ENOSYS);
    CHECK_EQ(flask_setenforce(1), -XEN_ENOSYS);
    CHECK_EQ(flask_context_to_sid("system_u:system_r:domU_t"), -XEN_ENOSYS);
    CHECK_EQ(flask_sid_to_context(1, buf, sizeof(buf), NULL), -XEN_ENOSYS);
    CHECK_EQ(flask_access(1, 1, FLASK_CLASS_MMU, MMU__PHYSMAP, &a), -XEN_ENOSYS);
    for (uint32_t cmd = 0; cmd <= 10; cmd++) {
        CHECK_EQ(flask_op_version(cmd, XEN_FLASK_INTERFACE_VERSION), -XEN_ENOSYS);
        CHECK_EQ(flask_op_version(cmd, 0), -XEN_ENOSYS);
    }
    gprintf("every FLASK command: -ENOSYS\n");
}

/* Contexts and SIDs: for domains with xen:check_context (dom0_t). */
static void contexts(void)
{
    char buf[64];
    uint32_t len = 0;
    long u = flask_context_to_sid("system_u:system_r:domU_t");

    CHECK(u > 0);
    CHECK_EQ(flask_context_to_sid("domU_t"), u);
    CHECK_EQ(flask_context_to_sid("anyone:any_r:domU_t"), u);
    long d = flask_context_to_sid("system_u:system_r:dom0_t");
    long x = flask_context_to_sid("xen_t");
    CHECK(d > 0 && x > 0 && d != u && x != u && x != d);
    CHECK_EQ(flask_context_to_sid("system_u:system_r:nosuch_t"), -XEN_EINVAL);
    CHECK_EQ(flask_context_to_sid("system_u:system_r:"), -XEN_EINVAL);
    CHECK_EQ(flask_context_to_sid(""), -XEN_EINVAL); /* size 0 */

    /* The round trip. */
    memset(buf, 'x', sizeof(buf));
    CHECK_EQ(flask_sid_to_context((uint32_t)u, buf, sizeof(buf), &len), 0);
    CHECK_EQ(len, sizeof("system_u:system_r:domU_t"));
    CHECK(!strcmp(buf, "system_u:system_r:domU_t"));
    CHECK_EQ(flask_context_to_sid(buf), u);
    CHECK_EQ(flask_sid_to_context((uint32_t)d, buf, sizeof(buf), &len), 0);
    CHECK(!strcmp(buf, "system_u:system_r:dom0_t"));
    gprintf("sid %ld <-> %s\n", d, buf);
    /* A short buffer: -ERANGE, the size needed, and the buffer untouched. */
    memset(buf, 'x', sizeof(buf));
    CHECK_EQ(flask_sid_to_context((uint32_t)u, buf, 10, &len), -XEN_ERANGE);
    CHECK_EQ(len, sizeof("system_u:system_r:domU_t"));
    CHECK_EQ(buf[0], 'x');
    CHECK_EQ(flask_sid_to_context((uint32_t)u, buf, 24, &len), -XEN_ERANGE);
    CHECK_EQ(flask_sid_to_context((uint32_t)u, buf, 25, &len), 0);
    /* No such SID. */
    CHECK_EQ(flask_sid_to_context(0, buf, sizeof(buf), &len), -XEN_EINVAL);
    CHECK_EQ(flask_sid_to_context(5000, buf, sizeof(buf), &len), -XEN_EINVAL);
    /* A context buffer Mica cannot read. */
    struct xen_flask_op op = { .cmd = FLASK_CONTEXT_TO_SID };
    set_xen_guest_handle(op.u.sid_context.context, (char *)UNMAPPED);
    op.u.sid_context.size = 8;
    CHECK_EQ(flask_op(&op), -XEN_EFAULT);
}

static void unpriv(void)
{
    struct xen_flask_access a;
    char buf[64];
    uint32_t len = 0;

    CHECK(!domain_is_privileged());
    /* Privileged domains only: refused before the policy is asked. */
    CHECK_EQ(flask_setenforce(0), -XEN_EPERM);
    CHECK_EQ(flask_setenforce(1), -XEN_EPERM);
    CHECK_EQ(flask_load(policy_buf, default_policy()), -XEN_EPERM);
    /* The default policy gives domU_t neither getenforce nor compute_av. */
    CHECK_EQ(flask_getenforce(), -XEN_EPERM);
    CHECK_EQ(flask_access(1, 1, FLASK_CLASS_MMU, MMU__PHYSMAP, &a), -XEN_EPERM);
    CHECK_EQ(flask_context_to_sid("system_u:system_r:domU_t"), -XEN_EPERM);
    CHECK_EQ(flask_context_to_sid("xen_t"), -XEN_EPERM);
    CHECK_EQ(flask_sid_to_context(1, buf, sizeof(buf), &len), -XEN_EPERM);
    CHECK_EQ(flask_op_version(FLASK_GETENFORCE, 0), -XEN_ENOSYS);
    gprintf("setenforce, load, getenforce, access, contexts: -EPERM\n");
}

/* FLASK_ACCESS must succeed and answer exactly `allowed`. */
static uint32_t check_access(uint32_t s, uint32_t t, uint32_t tclass, uint32_t req,
                             uint32_t allowed)
{
    struct xen_flask_access a;

    CHECK_EQ(flask_access(s, t, tclass, req, &a), 0);
    CHECK_EQ(a.ssid, s);
    CHECK_EQ(a.tsid, t);
    CHECK_EQ(a.tclass, tclass);
    CHECK_EQ(a.req, req);
    CHECK_EQ(a.allowed, allowed);
    CHECK_EQ(a.audit_allow, 0);
    CHECK_EQ(a.audit_deny, req & ~allowed);
    return a.seqno;
}

static void priv(void)
{
    unsigned long other;
    struct xen_flask_access a;

    CHECK(domain_is_privileged());
    if (!guest_arg_ulong("unpriv", &other))
        wait_gone((domid_t)other);

    /* getenforce / setenforce. */
    CHECK_EQ(flask_getenforce(), 1);
    CHECK_EQ(flask_setenforce(0), 0);
    CHECK_EQ(flask_getenforce(), 0);
    CHECK_EQ(flask_setenforce(0), 0);
    CHECK_EQ(flask_setenforce(1), 0);
    CHECK_EQ(flask_getenforce(), 1);
    CHECK_EQ(flask_setenforce(2), -XEN_EINVAL);
    CHECK_EQ(flask_setenforce(0xffffffffu), -XEN_EINVAL);
    CHECK_EQ(flask_getenforce(), 1);
    gprintf("getenforce 1, setenforce 0 then 1\n");

    contexts();

    /* FLASK_ACCESS answers like the default policy. */
    uint32_t d = sid_of("dom0_t"), u = sid_of("domU_t"), x = sid_of("xen_t"), s = sid_of("stub_t");
    uint32_t seq = check_access(d, u, FLASK_CLASS_MMU, MMU__PHYSMAP, MMU__ALL);
    CHECK_EQ(check_access(u, d, FLASK_CLASS_MMU, MMU__PHYSMAP, 0), seq);
    check_access(u, u, FLASK_CLASS_MMU, MMU__PHYSMAP | MMU__MAP_READ, MMU__SELF);
    check_access(d, x, FLASK_CLASS_XEN, XEN__ALL, XEN__ALL);
    check_access(u, x, FLASK_CLASS_XEN, XEN__ALL, XEN__WRITECONSOLE);
    check_access(s, u, FLASK_CLASS_MMU, MMU__ALL,
                 MMU__PHYSMAP | MMU__MAP_READ | MMU__MAP_WRITE | MMU__STAT);
    check_access(s, d, FLASK_CLASS_MMU, MMU__ALL, 0);
    check_access(d, s, FLASK_CLASS_EVENT, EVENT__ALL, EVENT__ALL);
    check_access(u, u, FLASK_CLASS_GRANT, GRANT__ALL, GRANT__SELF);
    check_access(u, d, FLASK_CLASS_GRANT, GRANT__ALL, GRANT__TO_DOM0);
    /* Asked twice (the second from the AVC): the same answer. */
    check_access(u, d, FLASK_CLASS_MMU, MMU__PHYSMAP, 0);
    CHECK_EQ(flask_access(u, d, FLASK_CLASS_MMU, MMU__PHYSMAP, &a), 0);
    CHECK_EQ(a.audit_deny, MMU__PHYSMAP);
    gprintf("access: dom0_t->domU_t mmu 0x%x, domU_t->dom0_t mmu 0x%x deny 0x%x, seqno %u\n",
            MMU__ALL, a.allowed, a.audit_deny, a.seqno);
    /* No such SID or class. */
    CHECK_EQ(flask_access(0, u, FLASK_CLASS_MMU, MMU__PHYSMAP, &a), -XEN_EINVAL);
    CHECK_EQ(flask_access(u, 0, FLASK_CLASS_MMU, MMU__PHYSMAP, &a), -XEN_EINVAL);
    CHECK_EQ(flask_access(u, 5000, FLASK_CLASS_MMU, MMU__PHYSMAP, &a), -XEN_EINVAL);
    CHECK_EQ(flask_access(u, u, FLASK_NR_CLASSES, 1, &a), -XEN_EINVAL);

    /* Loading (a policy equal to the default one): seqno + 1, same answers. */
    CHECK_EQ(flask_load(policy_buf, default_policy()), 0);
    d = sid_of("dom0_t");
    u = sid_of("domU_t");
    CHECK_EQ(check_access(d, u, FLASK_CLASS_MMU, MMU__PHYSMAP, MMU__ALL), seq + 1);
    check_access(u, d, FLASK_CLASS_MMU, MMU__PHYSMAP, 0);
    CHECK_EQ(flask_getenforce(), 1);

    /* Unknown commands and interface versions; an unreadable argument. */
    for (uint32_t cmd = FLASK_LOAD; cmd <= FLASK_ACCESS; cmd++) {
        CHECK_EQ(flask_op_version(cmd, 0), -XEN_ENOSYS);
        CHECK_EQ(flask_op_version(cmd, XEN_FLASK_INTERFACE_VERSION + 1), -XEN_ENOSYS);
    }
    CHECK_EQ(flask_op_version(0, XEN_FLASK_INTERFACE_VERSION), -XEN_ENOSYS);
    CHECK_EQ(flask_op_version(7, XEN_FLASK_INTERFACE_VERSION), -XEN_ENOSYS);
    CHECK_EQ(flask_op_version(0x80000001u, XEN_FLASK_INTERFACE_VERSION), -XEN_ENOSYS);
    CHECK_EQ(HYPERVISOR_xsm_op(UNMAPPED), -XEN_EFAULT);
    gprintf("bad commands and versions: -ENOSYS\n");
}

void test_main(void)
{
    GUEST_PLAY_ROLE({ "nosys", nosys }, { "unpriv", unpriv }, { "priv", priv });
}
