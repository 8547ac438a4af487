/*
 * vcpu_op: starting, stopping and querying secondary vCPUs.
 *
 * Run with at least 2 vCPUs (Mica: vcpus=2 or more; Xen: dom0_max_vcpus and
 * QEMU -smp). The test counts its vCPUs by asking VCPUOP_is_up until it gets
 * -ENOENT. The 64-bit flavour starts vCPU 1, which increments a shared
 * counter, takes itself down, is brought up again by vCPU 0 and parks; the
 * 32-bit flavour checks the errors only (the library starts vCPUs in 64-bit
 * mode), which exercises the 32-bit calling convention.
 *
 * A third vCPU, if there is one, receives a context that Xen's own checks
 * accept but whose state would fail VMRUN (CR0.PG without CR0.PE): Mica
 * refuses it with -EINVAL; Xen 4.17 accepts it (a documented difference,
 * docs/hypercalls.md), so there the value is only printed.
 */
#include "test.h"

TEST_NAME("smp");

#define CR0_PE (1ULL << 0)
#define CR0_PG (1ULL << 31)

/* An address with no RAM behind it, under Mica (16 MiB domains by default)
 * and under Xen (64 MiB dom0). Paging is off in the 32-bit flavour, so
 * NULL would be a valid pointer there. */
#define NO_RAM ((void *)0x20000000)

/* Bounded waits: each round gives the CPU away once. */
#define WAIT_ROUNDS 200000

static long vcpu_op(int cmd, unsigned int id, void *arg)
{
    return HYPERVISOR_vcpu_op(cmd, id, arg);
}

static int on_mica(void)
{
    xen_extraversion_t extra;

    memset(extra, 0, sizeof(extra));
    HYPERVISOR_xen_version(XENVER_extraversion, extra);
    for (unsigned i = 0; i + 4 < sizeof(extra); i++) {
        if (!memcmp(&extra[i], "mica", 4))
            return 1;
    }
    return 0;
}

static unsigned count_vcpus(void)
{
    unsigned n = 0;

    while (n < 64 && vcpu_op(VCPUOP_is_up, n, NULL) >= 0)
        n++;
    return n;
}

/* A 64-bit context that is valid in every respect the tests vary. */
static void good_context(struct vcpu_hvm_context *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->mode = VCPU_HVM_MODE_64B;
    ctx->cpu_regs.x86_64.rip = 0x100000;
    ctx->cpu_regs.x86_64.rflags = 0x2;
    ctx->cpu_regs.x86_64.cr0 = CR0_PE | CR0_PG;
    ctx->cpu_regs.x86_64.cr4 = 1ULL << 5;  /* PAE */
    ctx->cpu_regs.x86_64.efer = 1ULL << 8; /* LME */
}

/* Errors that leave vCPU 1 uninitialised. */
static void check_errors(unsigned nr)
{
    struct vcpu_hvm_context ctx;

    CHECK_EQ(vcpu_op(VCPUOP_is_up, 0, NULL), 1);
    CHECK_EQ(vcpu_op(VCPUOP_is_up, 1, NULL), 0);
    CHECK_EQ(vcpu_op(VCPUOP_up, 0, NULL), 0);           /* already up */
    CHECK_EQ(vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL); /* not initialised */

    /* No such vCPU. */
    good_context(&ctx);
    CHECK_EQ(vcpu_op(VCPUOP_initialise, nr, &ctx), -XEN_ENOENT);
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1000, &ctx), -XEN_ENOENT);
    CHECK_EQ(vcpu_op(VCPUOP_up, nr, NULL), -XEN_ENOENT);
    CHECK_EQ(vcpu_op(VCPUOP_down, nr, NULL), -XEN_ENOENT);
    CHECK_EQ(vcpu_op(VCPUOP_is_up, nr, NULL), -XEN_ENOENT);
    CHECK_EQ(vcpu_op(VCPUOP_is_up, -1, NULL), -XEN_ENOENT);

    /* Unknown commands. */
    gprintf("vcpu_op(99, 1) -> %ld\n", vcpu_op(99, 1, NULL));
    CHECK_EQ(vcpu_op(99, 1, NULL), -XEN_ENOSYS);

    /* vCPU 0 was initialised by the builder: -EEXIST, but a bad pointer is
     * noticed first. */
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 0, &ctx), -XEN_EEXIST);
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 0, NO_RAM), -XEN_EFAULT);

    /* Bad pointers: beyond RAM; in the 64-bit flavour also page 0 (left
     * unmapped by its page tables) and a non-canonical address. */
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, NO_RAM), -XEN_EFAULT);
#ifdef __x86_64__
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, NULL), -XEN_EFAULT);
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, (void *)0x8000000000000000UL), -XEN_EFAULT);
#endif

    /* Bad contexts. */
    good_context(&ctx);
    ctx.mode = 2;
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EINVAL);
    good_context(&ctx);
    ctx.pad = 1;
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EINVAL);
    good_context(&ctx);
    ctx.cpu_regs.x86_64.cr0 = CR0_PE; /* 64-bit mode without paging */
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EINVAL);
    good_context(&ctx);
    ctx.cpu_regs.x86_64.cr4 = 0; /* without PAE */
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EINVAL);
    good_context(&ctx);
    ctx.cpu_regs.x86_64.efer = 0; /* without LME */
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EINVAL);
    good_context(&ctx);
    ctx.cpu_regs.x86_64.rip = 0x0000800000000000ULL; /* non-canonical */
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EINVAL);
    good_context(&ctx);
    ctx.cpu_regs.x86_64.efer |= 1ULL << 9; /* reserved EFER bit */
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EINVAL);
    good_context(&ctx);
    ctx.cpu_regs.x86_64.cr4 |= 1ULL << 40; /* reserved CR4 bit */
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EINVAL);
    good_context(&ctx);
    ctx.mode = VCPU_HVM_MODE_32B; /* CS attributes 0: null CS */
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EINVAL);

    /* None of these initialised vCPU 1. */
    CHECK_EQ(vcpu_op(VCPUOP_up, 1, NULL), -XEN_EINVAL);
    CHECK_EQ(vcpu_op(VCPUOP_is_up, 1, NULL), 0);
}

/* A state Xen's checks let through but VMRUN would refuse (see the top). */
static void check_vmrun_refused(unsigned nr)
{
    struct vcpu_hvm_context ctx;
    long rc;

    if (nr < 3) {
        gprintf("only %u vCPUs: VMRUN-check case skipped\n", nr);
        return;
    }
    good_context(&ctx);
    ctx.cpu_regs.x86_64.cr0 = CR0_PG; /* paging without protection */
    rc = vcpu_op(VCPUOP_initialise, 2, &ctx);
    gprintf("initialise with CR0.PG and no CR0.PE -> %ld\n", rc);
    if (on_mica())
        CHECK_EQ(rc, -XEN_EINVAL);
    CHECK_EQ(vcpu_op(VCPUOP_is_up, 2, NULL), 0); /* either way, still down */
}

#ifdef __x86_64__
/* Wait until *flag == value (yielding), or give up: returns whether it did. */
static int wait_for(volatile unsigned *flag, unsigned value)
{
    for (unsigned i = 0; i < WAIT_ROUNDS; i++) {
        if (__atomic_load_n(flag, __ATOMIC_ACQUIRE) == value)
            return 1;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    return 0;
}

/* Wait until VCPUOP_is_up(id) == value. */
static int wait_is_up(unsigned int id, long value)
{
    for (unsigned i = 0; i < WAIT_ROUNDS; i++) {
        if (vcpu_op(VCPUOP_is_up, id, NULL) == value)
            return 1;
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    }
    return 0;
}

static volatile unsigned counter, started_id = ~0u, counted, resumed;
static uint8_t ap_stack[16384] __attribute__((aligned(16)));

/* vCPU 1: count, take itself down, and when brought back up say so. */
static void ap_main(unsigned int id)
{
    __atomic_fetch_add(&counter, 1, __ATOMIC_ACQ_REL);
    started_id = id;
    __atomic_store_n(&counted, 1, __ATOMIC_RELEASE);
    /* Down synchronously: nothing after this runs until VCPUOP_up. */
    if (vcpu_op(VCPUOP_down, id, NULL) != 0)
        return;
    __atomic_store_n(&resumed, 1, __ATOMIC_RELEASE);
}

static void check_start(void)
{
    struct vcpu_hvm_context ctx;

    CHECK_EQ(guest_start_vcpu(1, ap_main, ap_stack + sizeof(ap_stack)), 0);
    if (!CHECK(wait_for(&counted, 1)))
        return;
    CHECK_EQ(counter, 1);
    CHECK_EQ(started_id, 1);

    /* It has been initialised once: -EEXIST now, -EFAULT still first. */
    guest_vcpu_context(&ctx, 1, ap_main, ap_stack + sizeof(ap_stack));
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, &ctx), -XEN_EEXIST);
    CHECK_EQ(vcpu_op(VCPUOP_initialise, 1, NO_RAM), -XEN_EFAULT);

    /* It takes itself down; VCPUOP_up resumes it after its VCPUOP_down. */
    CHECK(wait_is_up(1, 0));
    CHECK_EQ(resumed, 0);
    CHECK_EQ(vcpu_op(VCPUOP_up, 1, NULL), 0);
    CHECK(wait_for(&resumed, 1));
    /* Then fn returns and the library parks it: down again. */
    CHECK(wait_is_up(1, 0));
    CHECK_EQ(counter, 1);
}
#endif

void test_main(void)
{
    unsigned nr = count_vcpus();

    gprintf("%u vCPUs\n", nr);
    if (nr < 2) {
        guest_test_fail(__FILE__, __LINE__, "needs at least 2 vCPUs, has %u", nr);
        return;
    }
    check_errors(nr);
#ifdef __x86_64__
    check_start();
#endif
    check_vmrun_refused(nr);
}
