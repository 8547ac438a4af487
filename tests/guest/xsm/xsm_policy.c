/*
 * Loading FLASK policies at run time (xsm_op FLASK_LOAD), with policies
 * built here in C (xsm_util.h). The role comes after " -- ":
 *
 *   role=reloadguest
 *                   (unprivileged, domU_t) its own memory_map, three times:
 *                   allowed (the decision is now in the AVC), -EPERM right
 *                   after the boss loaded a policy without memorymap, and
 *                   allowed again after the default policy came back. It
 *                   tells the boss each step by giving back one of its own
 *                   pages (SIGNAL_GFN..); the boss answers with a poke.
 *   role=reloadboss guest=ID
 *                   (privileged, dom0_t) the same with FLASK_ACCESS and its
 *                   own memory_map: each load changes the very next answer
 *                   (no stale AVC entry), and seqno counts the loads.
 *   role=badload [bystander=ID]
 *                   (privileged) malformed policies, one that lacks a type
 *                   in use (the bystander's label stub_t) or one of the three
 *                   types every policy needs, and unreadable or oversized
 *                   buffers: -EINVAL or -EFAULT, and afterwards every answer
 *                   of the old policy is unchanged, seqno too. Then a good
 *                   load, and a poke to let the bystander go.
 *   role=bystander  (unprivileged, label=stub_t) waits for one poke.
 */
#include "xsm_util.h"

TEST_NAME("xsm_policy");

#define SIGNAL_GFN 0x8e0UL   /* the guest's own signals to the boss */
#define UNMAPPED 0xF0000000u /* no RAM of the guest */

static uint8_t buf[4096];

static long own_memory_map(void)
{
    struct xen_e820_entry e[4];
    struct xen_memory_map m = { .nr_entries = 4 };
    set_xen_guest_handle(m.buffer, e);
    return HYPERVISOR_memory_op(XENMEM_memory_map, &m);
}

static domid_t arg_domid(const char *key)
{
    unsigned long v;
    if (guest_arg_ulong(key, &v))
        guest_test_abort("a domid argument is missing");
    return (domid_t)v;
}

/* The default policy, or the default one without memorymap on self for
 * domU_t and dom0_t. Not inlined: each inlined copy in badload() would keep
 * its own builder on the guest's 16 KiB stack. */
static __attribute__((noinline)) uint32_t build_policy(int memorymap)
{
    struct policy_builder b;
    uint32_t size;

    pb_default(&b);
    if (!memorymap) {
        pb_deny(&b, "domU_t", "domU_t", FLASK_CLASS_MMU, MMU__MEMORYMAP);
        pb_deny(&b, "dom0_t", "dom0_t", FLASK_CLASS_MMU, MMU__MEMORYMAP);
    }
    size = pb_write(&b, buf, sizeof(buf));
    if (!size)
        guest_test_abort("the policy does not fit");
    return size;
}

/* ---- a reload takes effect at once ----------------------------------------------- */

static void reloadguest(void)
{
    long max = max_pages(DOMID_SELF);

    CHECK(!domain_is_privileged());
    CHECK_EQ(own_memory_map(), 0);
    CHECK_EQ(own_memory_map(), 0); /* now from the AVC */
    gprintf("memory_map: allowed\n");
    CHECK_EQ(decrease_one(SIGNAL_GFN, 0), 1); /* max - 1: "done" */
    wait_pages(DOMID_SELF, max - 2);          /* the boss loaded the strict one */
    CHECK_EQ(own_memory_map(), -XEN_EPERM);
    gprintf("memory_map after the reload: -EPERM\n");
    CHECK_EQ(decrease_one(SIGNAL_GFN + 1, 0), 1);
    wait_pages(DOMID_SELF, max - 4); /* the default one is back */
    CHECK_EQ(own_memory_map(), 0);
    gprintf("memory_map after the second reload: allowed\n");
}

/* FLASK_ACCESS domU_t -> domU_t mmu memorymap: allowed or not; the seqno. */
static uint32_t check_memorymap(int allowed)
{
    struct xen_flask_access a;
    uint32_t u = sid_of("domU_t"), d = sid_of("dom0_t");

    CHECK_EQ(flask_access(u, u, FLASK_CLASS_MMU, MMU__MEMORYMAP, &a), 0);
    CHECK_EQ(a.allowed & MMU__MEMORYMAP, allowed ? MMU__MEMORYMAP : 0);
    CHECK_EQ(a.audit_deny, allowed ? 0 : MMU__MEMORYMAP);
    CHECK_EQ(a.allowed, allowed ? MMU__SELF : MMU__SELF & ~MMU__MEMORYMAP);
    uint32_t seq = a.seqno;
    CHECK_EQ(flask_access(d, d, FLASK_CLASS_MMU, MMU__MEMORYMAP, &a), 0);
    CHECK_EQ(a.audit_deny, allowed ? 0 : MMU__MEMORYMAP);
    CHECK_EQ(a.seqno, seq);
    CHECK_EQ(own_memory_map(), allowed ? 0 : -XEN_EPERM);
    return seq;
}

static void reloadboss(void)
{
    domid_t guest = arg_domid("guest");
    long gmax = max_pages(guest);

    CHECK(domain_is_privileged());
    /* Both decisions in the AVC before anything is loaded. */
    uint32_t seq = check_memorymap(1);
    check_memorymap(1);
    wait_pages(guest, gmax - 1);

    CHECK_EQ(flask_load(buf, build_policy(0)), 0);
    CHECK_EQ(check_memorymap(0), seq + 1);
    gprintf("the very next answers after the load: denied\n");
    CHECK_EQ(poke(guest, 0), 1);
    wait_pages(guest, gmax - 3);

    CHECK_EQ(flask_load(buf, build_policy(1)), 0);
    CHECK_EQ(check_memorymap(1), seq + 2);
    gprintf("the very next answers after the second load: allowed\n");
    CHECK_EQ(poke(guest, 1), 1);
    wait_gone(guest);
}

/* ---- bad loads change nothing ------------------------------------------------------ */

#define MAX_SIDS 8

static uint32_t before[MAX_SIDS][MAX_SIDS][FLASK_NR_CLASSES];
static uint32_t nr_sids, before_seqno;

/* Every answer of the policy for SIDs 1..nr_sids-1 (and nr_sids: none). */
static uint32_t snapshot(uint32_t out[MAX_SIDS][MAX_SIDS][FLASK_NR_CLASSES])
{
    struct xen_flask_access a = { 0 };
    uint32_t seqno = 0;

    for (uint32_t s = 1; s < nr_sids; s++)
        for (uint32_t t = 1; t < nr_sids; t++)
            for (uint32_t c = 0; c < FLASK_NR_CLASSES; c++) {
                CHECK_EQ(flask_access(s, t, c, 0xffffffffu, &a), 0);
                out[s][t][c] = a.allowed;
                seqno = a.seqno;
            }
    CHECK_EQ(flask_access(1, nr_sids, FLASK_CLASS_MMU, 1, &a), -XEN_EINVAL);
    return seqno;
}

static unsigned int unchanged_checks;

/* Nothing changed since before[]. */
static void check_unchanged(const char *what)
{
    static uint32_t now[MAX_SIDS][MAX_SIDS][FLASK_NR_CLASSES];
    uint32_t seq = snapshot(now);
    unsigned int fails = guest_test_failures();

    CHECK_EQ(seq, before_seqno);
    CHECK(!memcmp(now, before, sizeof(now)));
    CHECK_EQ(flask_getenforce(), 1);
    CHECK_EQ(own_memory_map(), 0);
    if (guest_test_failures() != fails)
        gprintf("after %s: the policy changed\n", what);
    unchanged_checks++;
}

/* The header of buf, to edit. */
static struct flask_policy_header *hdr(void)
{
    return (struct flask_policy_header *)buf;
}

static struct flask_policy_rule *rule(unsigned int i)
{
    return (struct flask_policy_rule *)(buf + sizeof(struct flask_policy_header) +
                                        hdr()->nr_types * sizeof(uint32_t)) +
           i;
}

static uint32_t *type_off(unsigned int t)
{
    return (uint32_t *)(buf + sizeof(struct flask_policy_header)) + t;
}

static char *strings(void)
{
    return (char *)rule(hdr()->nr_rules);
}

/* Rename a type in the strings of buf (same length). */
static void rename_type(const char *from, const char *to)
{
    for (unsigned int t = 1; t < hdr()->nr_types; t++) {
        char *name = strings() + *type_off(t);
        if (!strcmp(name, from)) {
            memcpy(name, to, strlen(to));
            return;
        }
    }
    guest_test_abort("no such type to rename");
}

/* Load buf[0..size) and expect `expect`; then the old policy is intact. */
static void bad_load(const char *what, uint32_t size, long expect)
{
    long rc = flask_load(buf, size);

    gprintf("%s: %ld\n", what, rc);
    CHECK_EQ(rc, expect);
    check_unchanged(what);
}

static void badload(void)
{
    uint32_t size;
    unsigned long bystander;

    CHECK(domain_is_privileged());
    nr_sids = 1;
    while (nr_sids < MAX_SIDS) {
        char name[64];
        if (flask_sid_to_context(nr_sids, name, sizeof(name), NULL))
            break;
        nr_sids++;
    }
    CHECK_EQ(nr_sids, 5); /* xen_t dom0_t domU_t stub_t */
    before_seqno = snapshot(before);

#define BAD(what, edit, expect)       \
    do {                              \
        size = build_policy(1);       \
        edit;                         \
        bad_load(what, size, expect); \
    } while (0)

    BAD("bad magic", hdr()->magic ^= 1, -XEN_EINVAL);
    BAD("bad version", hdr()->version = 2, -XEN_EINVAL);
    BAD("other class count", hdr()->nr_classes = FLASK_NR_CLASSES + 1, -XEN_EINVAL);
    BAD("truncated by one byte", size -= 1, -XEN_EINVAL);
    BAD("truncated to the header", size = sizeof(struct flask_policy_header), -XEN_EINVAL);
    BAD("shorter than a header", size = 10, -XEN_EINVAL);
    BAD("one byte too many", buf[size++] = 0, -XEN_EINVAL);
    BAD("no type but 0", hdr()->nr_types = 1, -XEN_EINVAL);
    BAD("too many types", hdr()->nr_types = FLASK_POLICY_MAX_TYPES + 1, -XEN_EINVAL);
    BAD("too many rules", hdr()->nr_rules = FLASK_POLICY_MAX_RULES + 1, -XEN_EINVAL);
    BAD("no strings", hdr()->strings_size = 0, -XEN_EINVAL);
    BAD("unsorted rules", ({
            struct flask_policy_rule r = *rule(0);
            *rule(0) = *rule(1);
            *rule(1) = r;
        }),
        -XEN_EINVAL);
    BAD("a duplicate rule", *rule(1) = *rule(0), -XEN_EINVAL);
    BAD("a rule of type 0", rule(0)->src = 0, -XEN_EINVAL);
    BAD("a rule of no type", rule(hdr()->nr_rules - 1)->tgt = (uint16_t)hdr()->nr_types,
        -XEN_EINVAL);
    BAD("a rule of no class", rule(hdr()->nr_rules - 1)->tclass = FLASK_NR_CLASSES, -XEN_EINVAL);
    BAD("reserved bits", rule(3)->reserved = 1, -XEN_EINVAL);
    BAD("no permission", rule(3)->perms = 0, -XEN_EINVAL);
    BAD("an unknown permission", ({
            unsigned int i = 0;
            while (rule(i)->tclass != FLASK_CLASS_MMU)
                i++;
            rule(i)->perms |= 1u << 6;
        }),
        -XEN_EINVAL);
    BAD("a name outside the strings", *type_off(2) = hdr()->strings_size, -XEN_EINVAL);
    BAD("an unterminated name", strings()[hdr()->strings_size - 1] = 'x', -XEN_EINVAL);
    BAD("an empty name", *type_off(1) = 0, -XEN_EINVAL);
    BAD("a name twice", *type_off(2) = *type_off(3), -XEN_EINVAL);
    BAD("a name of 64 bytes", ({
            /* The last type's name, grown to 64 characters at the end. */
            uint32_t last = hdr()->nr_types - 1;
            *type_off(last) = hdr()->strings_size;
            memset(strings() + hdr()->strings_size, 'n', 64);
            strings()[hdr()->strings_size + 64] = '\0';
            hdr()->strings_size += 65;
            size += 65;
        }),
        -XEN_EINVAL);
    BAD("a control character in a name", rename_type("stub_t", "stu\033_t"), -XEN_EINVAL);
    BAD("a name with a space", rename_type("stub_t", "stub t"), -XEN_EINVAL);
    BAD("a name starting with a digit", rename_type("stub_t", "9tub_t"), -XEN_EINVAL);
    BAD("no dom0_t", rename_type("dom0_t", "dom9_t"), -XEN_EINVAL);
    BAD("no domU_t", rename_type("domU_t", "domV_t"), -XEN_EINVAL);
    BAD("no xen_t", rename_type("xen_t", "xyz_t"), -XEN_EINVAL);
    if (!guest_arg_ulong("bystander", &bystander))
        BAD("no stub_t (the bystander's label)", rename_type("stub_t", "stubXt"), -XEN_EINVAL);
    BAD("empty", size = 0, -XEN_EINVAL);
    BAD("more than 1 MiB", size = 1024 * 1024 + 1, -XEN_EINVAL);

    /* Buffers Mica cannot read. */
    size = build_policy(1);
    gprintf("unreadable buffer: %ld\n", flask_load((void *)(uintptr_t)UNMAPPED, size));
    CHECK_EQ(flask_load((void *)(uintptr_t)UNMAPPED, size), -XEN_EFAULT);
    check_unchanged("an unreadable buffer");
    /* Starts in RAM, ends beyond it (16 MiB of RAM). */
    CHECK_EQ(flask_load((void *)(uintptr_t)(16 * 1024 * 1024 - 64), size), -XEN_EFAULT);
    check_unchanged("a buffer past the end of RAM");
    gprintf("%u bad loads, the old policy unchanged after each\n", unchanged_checks);

    /* A good one still loads. */
    CHECK_EQ(flask_load(buf, build_policy(1)), 0);
    struct xen_flask_access a;
    CHECK_EQ(flask_access(sid_of("dom0_t"), sid_of("domU_t"), FLASK_CLASS_MMU, MMU__ALL, &a), 0);
    CHECK_EQ(a.allowed, MMU__ALL);
    CHECK_EQ(a.seqno, before_seqno + 1);
    if (!guest_arg_ulong("bystander", &bystander)) {
        CHECK_EQ(poke((domid_t)bystander, 0), 1);
        wait_gone((domid_t)bystander);
    }
}

static void bystander(void)
{
    wait_pages(DOMID_SELF, max_pages(DOMID_SELF) - 1);
}

void test_main(void)
{
    GUEST_PLAY_ROLE({ "reloadguest", reloadguest }, { "reloadboss", reloadboss },
                    { "badload", badload }, { "bystander", bystander });
}
