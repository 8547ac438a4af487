/*
 * The clocks a guest reads (docs/platform.md, "Time and timers"): its
 * pvclock (the version protocol; monotonic over many reads and reschedules
 * and, in the 64-bit flavour, between two vCPUs on two CPUs; its scale
 * against the TSC and CPUID's TSC rate), Xen's TSC and HVM CPUID leaves, and
 * the wallclock in shared_info.
 *
 * Argument tsc_khz=N: the TSC rate the clocks must report, to 0.1%. Under
 * QEMU's -icount shift=0 the TSC counts one executed instruction per
 * nanosecond of virtual time, so the test list passes 1000000 (1 GHz).
 */
#include "args.h"
#include "test.h"
#include "time_guest.h"

TEST_NAME("time_pvclock");

#define JAN_1_2024 1704067200ULL /* seconds since 1970 */
#define JAN_1_2100 4102444800ULL

static void check_pvclock_fields(void)
{
    struct vcpu_time_info c = pvclock_snapshot(pvclock_of(0));

    gprintf("pvclock: version %u, system time %llu ns at TSC %llu, mul %u shift %d, flags 0x%x\n",
            c.version, (unsigned long long)c.system_time, (unsigned long long)c.tsc_timestamp,
            c.tsc_to_system_mul, c.tsc_shift, c.flags);
    CHECK(c.version != 0); /* written when the vCPU was scheduled in (and even: snapshot) */
    CHECK(c.tsc_to_system_mul != 0);
    CHECK_EQ(c.flags, XEN_PVCLOCK_TSC_STABLE_BIT);
    CHECK(c.tsc_timestamp <= guest_rdtsc());
}

/* Many reads, a yield now and then (the pvclock is rewritten when the
 * vCPU is scheduled in again): never a step back. */
static void check_monotonic(void)
{
    uint64_t last = time_now(0), backwards = 0;
    uint32_t first_version = pvclock_of(0)->version, versions = 0, last_version = first_version;

    for (unsigned int i = 0; i < 200000; i++) {
        uint64_t now = time_now(0);
        if (now < last)
            backwards++;
        last = now;
        if (pvclock_of(0)->version != last_version) {
            last_version = pvclock_of(0)->version;
            versions++;
        }
        if (i % 20000 == 0)
            HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    gprintf("pvclock: 200000 reads, rewritten %u times meanwhile, %llu steps back\n", versions,
            (unsigned long long)backwards);
    CHECK_EQ(backwards, 0);
    CHECK(versions >= 1);
}

/* CPUID's time leaf against the pvclock, and elapsed time against the
 * TSC at the rate CPUID gives. */
static void check_tsc_rate(void)
{
    uint32_t base = xen_cpuid_base;
    struct cpuid_regs l0 = guest_cpuid(base + 3, 0), l1 = guest_cpuid(base + 3, 1),
                      l2 = guest_cpuid(base + 3, 2), l3 = guest_cpuid(base + 3, 3);
    struct vcpu_time_info c = pvclock_snapshot(pvclock_of(0));
    uint32_t khz = l0.ecx;
    unsigned long want;

    gprintf("cpuid 0x%x.0: eax 0x%x ebx %u ecx %u kHz edx %u; .1: 0x%x 0x%x mul %u shift %d; "
            ".2: %u kHz\n",
            base + 3, l0.eax, l0.ebx, l0.ecx, l0.edx, l1.eax, l1.ebx, l1.ecx, (int)l1.edx, l2.eax);
    CHECK_EQ(l0.eax & XEN_CPUID_TSC_EMULATED, 0);
    CHECK(l0.eax & XEN_CPUID_HOST_TSC_RELIABLE);
    CHECK_EQ(l0.ebx, XEN_CPUID_TSC_MODE_NEVER_EMULATE);
    CHECK(khz != 0);
    CHECK_EQ(l0.edx, 0);
    CHECK_EQ(l1.eax, 0); /* the guest's TSC is the host's: no offset */
    CHECK_EQ(l1.ebx, 0);
    CHECK_EQ(l1.ecx, c.tsc_to_system_mul);
    CHECK_EQ(l1.edx, (uint32_t)(int32_t)c.tsc_shift);
    CHECK_EQ(l2.eax, khz);
    CHECK_EQ(l3.eax | l3.ebx | l3.ecx | l3.edx, 0);

    /* The pvclock's scale is that rate: khz * 1000 ticks are one second (to
     * the kHz CPUID rounds to). */
    uint64_t one_second = pvclock_scale((uint64_t)khz * 1000, c.tsc_to_system_mul, c.tsc_shift);
    CHECK(one_second + NS_PER_SEC / khz + 2 >= NS_PER_SEC);
    CHECK(one_second <= NS_PER_SEC + NS_PER_SEC / khz + 2);

    /* Elapsed system time over a busy span is its TSC ticks at that rate
     * (to 10 ppm, the kHz rounding and the reads' own rounding). */
    uint64_t tsc0, tsc1, t0 = time_now_tsc(0, &tsc0);
    for (volatile unsigned int i = 0; i < 2000000; i++)
        ;
    uint64_t t1 = time_now_tsc(0, &tsc1), elapsed = t1 - t0;
    uint64_t expected = (tsc1 - tsc0) * 1000000 / khz;
    uint64_t diff = elapsed > expected ? elapsed - expected : expected - elapsed;
    gprintf("pvclock: %llu ns over %llu TSC ticks (%llu ns at %u kHz)\n",
            (unsigned long long)elapsed, (unsigned long long)(tsc1 - tsc0),
            (unsigned long long)expected, khz);
    CHECK(diff <= expected / 100000 + 2);

    if (guest_arg_ulong("tsc_khz", &want) == 0) {
        gprintf("TSC rate: %u kHz, expected %lu kHz\n", khz, want);
        CHECK(khz >= want - want / 1000 && khz <= want + want / 1000);
    }
}

/* HVM features: exactly what Mica offers (docs/platform.md), subleaf 0
 * only. */
static void check_hvm_leaf(void)
{
    uint32_t base = xen_cpuid_base;
    struct cpuid_regs r = guest_cpuid(base + 4, 0), r1 = guest_cpuid(base + 4, 1);

    gprintf("cpuid 0x%x.0: eax 0x%x ebx %u ecx %u\n", base + 4, r.eax, r.ebx, r.ecx);
    CHECK_EQ(r.eax, XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
                        XEN_HVM_CPUID_UPCALL_VECTOR);
    CHECK_EQ(r.ebx, 0); /* vCPU 0 */
    CHECK_EQ(r.ecx, 0); /* the only domain: d0 */
    CHECK_EQ(r1.eax | r1.ebx | r1.ecx | r1.edx, 0);
}

static void check_wallclock(void)
{
    uint32_t v1, v2;
    uint64_t wc = wallclock_ns(&v1), again = wallclock_ns(&v2);
    uint64_t now_s = (wc + time_now(0)) / NS_PER_SEC;

    gprintf("wallclock: %llu.%09llu s since 1970 at system time 0 (version %u); now %llu s\n",
            (unsigned long long)(wc / NS_PER_SEC), (unsigned long long)(wc % NS_PER_SEC), v1,
            (unsigned long long)now_s);
    CHECK(v1 != 0); /* written (and even: wallclock_ns waits for that) */
    CHECK_EQ(v1, v2);
    CHECK_EQ(wc, again);
    CHECK(wc / NS_PER_SEC >= JAN_1_2024);
    CHECK(now_s >= wc / NS_PER_SEC && now_s < JAN_1_2100);
}

#ifdef __x86_64__
/* Two vCPUs pass a baton 200 times, each reading its own pvclock: every
 * reading is at or after the one before it, whichever vCPU made it. */
#define ROUNDS 200
static uint8_t stack1[16384] __attribute__((aligned(16)));
static volatile unsigned int baton;
static volatile uint64_t baton_time;
static volatile unsigned int backwards1, same_scale1 = 1;

static int wait_baton(unsigned int want, unsigned int vcpu, uint64_t give_up)
{
    while (baton != want) {
        if (time_now(vcpu) > give_up)
            return 0;
        __asm__ volatile("pause");
    }
    return 1;
}

static void vcpu1_main(unsigned int id)
{
    struct vcpu_time_info c0 = pvclock_snapshot(pvclock_of(0));
    struct vcpu_time_info c1 = pvclock_snapshot(pvclock_of(id));
    uint64_t give_up = time_now(id) + 10 * NS_PER_SEC;

    same_scale1 = c0.tsc_to_system_mul == c1.tsc_to_system_mul && c0.tsc_shift == c1.tsc_shift;
    for (unsigned int round = 1; round <= ROUNDS; round++) {
        if (!wait_baton(2 * round - 1, id, give_up))
            return;
        uint64_t now = time_now(id);
        if (now < baton_time)
            backwards1++;
        baton_time = now;
        baton = 2 * round;
    }
}

static void check_across_vcpus(void)
{
    uint64_t give_up;
    unsigned int backwards0 = 0, round;

    if (!CHECK_EQ(guest_start_vcpu(1, vcpu1_main, stack1 + sizeof(stack1)), 0))
        return;
    give_up = time_now(0) + 10 * NS_PER_SEC;
    for (round = 1; round <= ROUNDS; round++) {
        uint64_t now = time_now(0);
        if (now < baton_time)
            backwards0++;
        baton_time = now;
        baton = 2 * round - 1;
        if (!wait_baton(2 * round, 0, give_up))
            break;
    }
    gprintf("two vCPUs: %u hand-offs, %u + %u steps back\n", round - 1, backwards0, backwards1);
    CHECK_EQ(round - 1, ROUNDS);
    CHECK_EQ(backwards0 + backwards1, 0);
    CHECK(same_scale1);
}
#endif

void test_main(void)
{
    if (!CHECK_EQ(evtchn_map_shared_info(), 0))
        return;
    check_pvclock_fields();
    check_monotonic();
    check_tsc_rate();
    check_hvm_leaf();
    check_wallclock();
#ifdef __x86_64__
    check_across_vcpus();
#else
    gprintf("two vCPUs: 64-bit flavour only (the guest library starts vCPUs in long mode)\n");
#endif
}
