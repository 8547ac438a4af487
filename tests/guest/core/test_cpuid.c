/*
 * CPUID hypervisor leaves and the hypercall page's bytes
 * (docs/xen-abi.md, "Finding the hypervisor", "Hypercall page").
 */
#include "test.h"

TEST_NAME("cpuid");

/* What the hypervisor writes into the hypercall page. Measured under Xen 4.17
 * on AMD (SVM): the page is first filled with 0xcc (int3); stub i is then
 *   b8 <i le32>   mov $i, %eax
 *   0f 01 d9      vmmcall
 *   c3            ret
 * and the rest of its 32 bytes stay 0xcc. Stub 23 (__HYPERVISOR_iret, a PV-only
 * call) is instead 0f 0b (ud2) followed by 30 bytes of 0xcc. */
static void expected_stub(unsigned i, uint8_t out[32])
{
    memset(out, 0xcc, 32);
    if (i == __HYPERVISOR_iret) {
        out[0] = 0x0f;
        out[1] = 0x0b;
        return;
    }
    out[0] = 0xb8;
    out[1] = (uint8_t)i;
    out[2] = (uint8_t)(i >> 8);
    out[3] = (uint8_t)(i >> 16);
    out[4] = (uint8_t)(i >> 24);
    out[5] = 0x0f;
    out[6] = 0x01;
    out[7] = 0xd9;
    out[8] = 0xc3;
}

static void dump_stub(unsigned i)
{
    gprintf("stub %3u:", i);
    for (unsigned b = 0; b < 32; b++)
        gprintf(" %02x", hypercall_page[i * 32 + b]);
    gprintf("\n");
}

void test_main(void)
{
    uint32_t base = xen_cpuid_base;
    struct cpuid_regs r = guest_cpuid(base, 0);
    gprintf("hypervisor leaves at 0x%x, max leaf 0x%x\n", base, r.eax);
    CHECK_EQ(base, XEN_CPUID_FIRST_LEAF);
    CHECK_EQ(r.ebx, XEN_CPUID_SIGNATURE_EBX);
    CHECK_EQ(r.ecx, XEN_CPUID_SIGNATURE_ECX);
    CHECK_EQ(r.edx, XEN_CPUID_SIGNATURE_EDX);
    CHECK(r.eax >= base + 2);

    /* base+1: version, the same number as XENVER_version. */
    r = guest_cpuid(base + 1, 0);
    gprintf("leaf +1: eax 0x%x\n", r.eax);
    CHECK_EQ(r.eax, HYPERVISOR_xen_version(XENVER_version, 0));

    /* base+2: one hypercall page, installed through MSR 0x40000000. */
    r = guest_cpuid(base + 2, 0);
    gprintf("leaf +2: eax %u ebx 0x%x\n", r.eax, r.ebx);
    CHECK_EQ(r.eax, 1);
    CHECK_EQ(r.ebx, 0x40000000);

    /* base+4 (HVM leaf): domid and vCPU id flags. */
    r = guest_cpuid(base + 4, 0);
    gprintf("leaf +4: eax 0x%x ebx 0x%x ecx 0x%x\n", r.eax, r.ebx, r.ecx);
    CHECK(r.eax & XEN_HVM_CPUID_VCPU_ID_PRESENT);
    CHECK(r.eax & XEN_HVM_CPUID_DOMID_PRESENT);

    /* The page itself: every one of the 128 stubs, byte for byte. */
    dump_stub(0);
    dump_stub(__HYPERVISOR_iret);
    dump_stub(127);
    unsigned bad = 0;
    for (unsigned i = 0; i < XEN_HYPERCALL_PAGE_STUBS; i++) {
        uint8_t want[32];
        expected_stub(i, want);
        if (memcmp(want, hypercall_page + i * 32, 32) != 0) {
            if (bad++ < 4)
                dump_stub(i);
        }
    }
    CHECK_EQ(bad, 0);

#ifdef __x86_64__
    /* An MSR nobody implements: the read raises #GP in the guest. */
    uint64_t v;
    CHECK_EQ(guest_rdmsr_safe(0x4b564dffu + 0x1000, &v), X86_EXC_GP);
    /* The hypercall MSR: Xen 4.17 lets it be read (no #GP); record the value. */
    v = 0xdeadbeef;
    int rc = guest_rdmsr_safe(0x40000000, &v);
    gprintf("rdmsr 0x40000000: %s, value 0x%llx\n", rc ? "#GP" : "ok", (unsigned long long)v);
#endif
}
