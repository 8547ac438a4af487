/*
 * HYPERVISOR_xen_version sub-commands (docs/xen-abi.md). String
 * results must be NUL-terminated and zero-padded to the field's full size:
 * the buffers are pre-filled with 0xAA to see every byte the call writes.
 */
#include "test.h"

TEST_NAME("version");

/* Check buf[0..size) holds a string followed only by zero bytes. */
static void check_zero_padded(const char *what, const char *buf, unsigned size)
{
    unsigned len = 0;
    while (len < size && buf[len])
        len++;
    if (!CHECK(len < size)) {
        gprintf("  %s: not NUL-terminated\n", what);
        return;
    }
    unsigned bad = 0;
    for (unsigned i = len; i < size; i++)
        if (buf[i] != 0)
            bad++;
    if (!CHECK_EQ(bad, 0))
        gprintf("  %s: %u non-zero bytes after the string\n", what, bad);
    gprintf("%s (%u bytes): \"%s\"\n", what, len, buf);
}

static char big[1024];

void test_main(void)
{
    long rc;
    long v = HYPERVISOR_xen_version(XENVER_version, 0);
    gprintf("XENVER_version -> 0x%lx (%ld.%ld)\n", v, v >> 16, v & 0xffff);
    CHECK(v > 0);
    CHECK_EQ(v, guest_cpuid(xen_cpuid_base + 1, 0).eax);

    xen_extraversion_t extra;
    memset(extra, 0xAA, sizeof(extra));
    CHECK_EQ(HYPERVISOR_xen_version(XENVER_extraversion, extra), 0);
    check_zero_padded("extraversion", extra, sizeof(extra));

    struct xen_compile_info ci;
    memset(&ci, 0xAA, sizeof(ci));
    CHECK_EQ(HYPERVISOR_xen_version(XENVER_compile_info, &ci), 0);
    check_zero_padded("compiler", ci.compiler, sizeof(ci.compiler));
    check_zero_padded("compile_by", ci.compile_by, sizeof(ci.compile_by));
    check_zero_padded("compile_domain", ci.compile_domain, sizeof(ci.compile_domain));
    check_zero_padded("compile_date", ci.compile_date, sizeof(ci.compile_date));

    memset(big, 0xAA, sizeof(big));
    CHECK_EQ(HYPERVISOR_xen_version(XENVER_capabilities, big), 0);
    check_zero_padded("capabilities", big, sizeof(xen_capabilities_info_t));

    xen_changeset_info_t cs;
    memset(cs, 0xAA, sizeof(cs));
    CHECK_EQ(HYPERVISOR_xen_version(XENVER_changeset, cs), 0);
    check_zero_padded("changeset", cs, sizeof(cs));

    long ps = HYPERVISOR_xen_version(XENVER_pagesize, 0);
    gprintf("XENVER_pagesize -> %ld\n", ps);
    CHECK_EQ(ps, 4096);

    /* Xen 4.17 insists on a NULL argument for pagesize. */
    long rcp = HYPERVISOR_xen_version(XENVER_pagesize, big);
    gprintf("XENVER_pagesize with non-NULL arg -> %ld\n", rcp);
    CHECK_EQ(rcp, -XEN_EINVAL);
    long rcv = HYPERVISOR_xen_version(XENVER_version, big);
    gprintf("XENVER_version with non-NULL arg -> 0x%lx\n", rcv);

    struct xen_feature_info fi = { .submap_idx = 0, .submap = 0xAAAAAAAA };
    rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
    gprintf("XENVER_get_features[0] -> %ld, submap 0x%x\n", rc, fi.submap);
    CHECK_EQ(rc, 0);
    /* Both Xen 4.17 (0x12b05 for its PVH dom0) and Mica: writable page
     * tables, translated physmap, callback vector, safe pvclock, not
     * direct-mapped; and dom0 exactly for the hardware (privileged) domain. */
    uint32_t both = (1u << 0) | (1u << 2) | (1u << 8) | (1u << 9) | (1u << 16);
    CHECK_EQ(fi.submap & both, both);
    CHECK_EQ(!!(fi.submap & (1u << 11)), !!(guest_start_info()->flags & SIF_PRIVILEGED));

    fi = (struct xen_feature_info){ .submap_idx = XENFEAT_NR_SUBMAPS, .submap = 0xAAAAAAAA };
    rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
    gprintf("XENVER_get_features[%u] -> %ld, submap 0x%x\n", XENFEAT_NR_SUBMAPS, rc, fi.submap);
    CHECK_EQ(rc, -XEN_EINVAL);

    rc = HYPERVISOR_xen_version(1000, big);
    gprintf("xen_version subop 1000 -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_ENOSYS);

#ifdef __x86_64__
    /* A string sub-command into a buffer our page tables do not map. */
    rc = HYPERVISOR_xen_version(XENVER_extraversion, (void *)0x100000000ull);
    gprintf("XENVER_extraversion into unmapped 4 GiB -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_EFAULT);
#endif
}
