/*
 * Unknown hypercall numbers, and which registers a hypercall may change
 * (docs/xen-abi.md: "Unknown: -ENOSYS"; "Every register that is not
 * the result must be preserved for the guest").
 */
#include "test.h"

TEST_NAME("hypercall_errors");

#ifdef __x86_64__
static const char *const reg_names[16] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
    "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "?",
};

/* Load distinct patterns into every GPR, make the call through `target` with
 * RAX = nr, and check that everything but RAX came back unchanged. */
static long probe(const char *what, unsigned long nr, const void *target)
{
    struct probe_regs in, out;
    uint64_t *pi = (uint64_t *)&in;
    for (unsigned i = 0; i < 15; i++)
        pi[i] = 0x1111111111111111ull * (i + 1) ^ 0x0123456789abcdefull;
    in.rax = nr;
    long rc = hypercall_probe(&in, &out, target);
    const uint64_t *po = (const uint64_t *)&out;
    for (unsigned i = 1; i < 15; i++)
        if (po[i] != pi[i])
            guest_test_fail(__FILE__, __LINE__, "%s: %s changed 0x%llx -> 0x%llx", what,
                            reg_names[i], (unsigned long long)pi[i], (unsigned long long)po[i]);
    return rc;
}
#endif

void test_main(void)
{
    /* Every number with a stub in the page but no hypercall behind it:
     * not declared in include/hypercall_defs.h, not in the experiment range
     * (a scratch hypercall may sit there), not iret (its stub is ud2).
     * Under Xen, only the numbers its ABI leaves unassigned. */
    static const unsigned char declared[XEN_HYPERCALL_PAGE_STUBS] = {
#define HYPERCALL(nr, ...) [nr] = 1,
#include <hypercall_defs.h>
    };
    int mica = running_on_mica();
    unsigned probed = 0, last_unknown = 0;
    for (unsigned nr = 0; nr < XEN_HYPERCALL_PAGE_STUBS; nr++) {
        if (declared[nr] || nr == __HYPERVISOR_iret ||
            (nr >= HYPERCALL_EXPERIMENT_FIRST && nr <= HYPERCALL_EXPERIMENT_LAST))
            continue;
        if (!mica && (nr <= __HYPERVISOR_hypfs_op ||
                      (nr >= __HYPERVISOR_arch_0 && nr <= __HYPERVISOR_arch_7)))
            continue;
        long rc = hypercall5(nr, 0, 0, 0, 0, 0);
        if (rc != -XEN_ENOSYS)
            guest_test_fail(__FILE__, __LINE__, "hypercall %u -> %ld, expected -ENOSYS", nr, rc);
        probed++;
        last_unknown = nr;
    }
    gprintf("%u unknown hypercall numbers -> -ENOSYS (the highest: %u)\n", probed, last_unknown);
    /* At least every number from 64 up but the experiments. */
    CHECK(probed >= XEN_HYPERCALL_PAGE_STUBS - 64 -
                        (HYPERCALL_EXPERIMENT_LAST + 1 - HYPERCALL_EXPERIMENT_FIRST));

    /* Beyond the page's 128 stubs: a bare VMMCALL with RAX = nr. */
    static const unsigned long beyond[] = { 128, 200, 0x7fffffff, 0xffffffffu };
    for (unsigned i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++) {
        long rc = hypercall_raw5(beyond[i], 0, 0, 0, 0, 0);
        gprintf("vmmcall rax=0x%lx -> %ld\n", beyond[i], rc);
        CHECK_EQ(rc, -XEN_ENOSYS);
    }

    /* A raw VMMCALL of a real hypercall works like its stub. */
    CHECK_EQ(hypercall_raw5(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0, 0, 0), 4096);

#ifdef __x86_64__
    long rc = probe("an unknown hypercall via its stub", 0, hypercall_page + last_unknown * 32);
    CHECK_EQ(rc, -XEN_ENOSYS);
    rc = probe("vmmcall rax=200", 200, guest_vmmcall_ret);
    CHECK_EQ(rc, -XEN_ENOSYS);
    /* 64-bit only: a number with junk in the upper half is not a known call. */
    rc = probe("vmmcall rax=2^32+17", (1ull << 32) + __HYPERVISOR_xen_version, guest_vmmcall_ret);
    gprintf("vmmcall rax=0x%llx -> %ld\n", (1ull << 32) + __HYPERVISOR_xen_version, rc);

    /* A real call: xen_version(XENVER_pagesize, rsi = pattern) through its stub.
     * hypercall_probe loads rdi from the pattern table, so set it here. */
    struct probe_regs in, out;
    uint64_t *pi = (uint64_t *)&in;
    for (unsigned i = 0; i < 15; i++)
        pi[i] = 0xa5a5a5a500000000ull | (i * 0x01010101u);
    in.rdi = XENVER_pagesize;
    in.rsi = 0; /* pagesize insists on a NULL argument */
    rc = hypercall_probe(&in, &out, hypercall_page + __HYPERVISOR_xen_version * 32);
    CHECK_EQ(rc, 4096);
    const uint64_t *po = (const uint64_t *)&out;
    for (unsigned i = 1; i < 15; i++)
        if (po[i] != pi[i])
            guest_test_fail(__FILE__, __LINE__, "xen_version: %s changed 0x%llx -> 0x%llx",
                            reg_names[i], (unsigned long long)pi[i], (unsigned long long)po[i]);
#endif
}
