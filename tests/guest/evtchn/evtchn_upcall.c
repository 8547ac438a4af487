/*
 * Event delivery inside one domain with two vCPUs (64-bit flavour; the
 * 32-bit one only reports that it skips): upcalls on the domain's callback
 * vector and on a per-vCPU vector, honouring RFLAGS.IF (the V_IRQ path) and
 * evtchn_upcall_mask; an IPI between the vCPUs; a blocked vCPU woken by a
 * send long before the scheduler tick (measured against the tick itself);
 * SCHEDOP_poll; VCPUOP_register_vcpu_info and its errors.
 */
#include "evtchn.h"
#include "lapic.h"
#include "test.h"

TEST_NAME("evtchn_upcall");

#ifdef __x86_64__
#define VECTOR 0xF3       /* the domain's callback */
#define VCPU1_VECTOR 0xE5 /* vCPU 1's own */
#define NO_RAM_GFN 0x800000UL
#define VINFO_GFN 0xF01UL /* RAM: vCPU 0's vcpu_info moves here */
#define WAIT 20000000UL

static volatile unsigned long count[1024];
static volatile unsigned int last_vcpu = 99;

static void handler(evtchn_port_t port, unsigned int vcpu)
{
    if (port < 1024)
        count[port]++;
    last_vcpu = vcpu;
}

static int wait_count(evtchn_port_t port, unsigned long n)
{
    for (unsigned long i = 0; i < WAIT; i++) {
        if (count[port] >= n)
            return 1;
        __asm__ volatile("pause");
    }
    return 0;
}

static void sti(void)
{
    __asm__ volatile("sti; nop" ::: "memory");
}

static void cli(void)
{
    __asm__ volatile("cli" ::: "memory");
}

/* One vCPU: the callback vector, IF and the upcall mask. */
static void one_vcpu(evtchn_port_t *pa, evtchn_port_t *pb)
{
    long a = evtchn_alloc_unbound(DOMID_SELF, DOMID_SELF);
    long b = evtchn_bind_interdomain(DOMID_SELF, (evtchn_port_t)a);

    CHECK(a > 0 && b > 0);
    *pa = (evtchn_port_t)a, *pb = (evtchn_port_t)b;
    sti(); /* the bind left b pending: its upcall arrives now */
    CHECK(wait_count(*pb, 1));
    for (unsigned int i = 0; i < 10; i++)
        CHECK_EQ(evtchn_send(*pa), 0);
    /* Each send's upcall arrives before the hypercall returns. */
    CHECK_EQ(count[*pb], 11);

    /* With IF=0 the upcall waits (V_IRQ + VINTR) until STI. */
    cli();
    CHECK_EQ(evtchn_send(*pa), 0);
    CHECK_EQ(count[*pb], 11);
    sti();
    CHECK_EQ(count[*pb], 12);

    /* evtchn_upcall_mask holds it back; a hypercall after clearing it lets
     * it through. */
    evtchn_vcpu_info[0]->evtchn_upcall_mask = 1;
    CHECK_EQ(evtchn_send(*pa), 0);
    CHECK_EQ(count[*pb], 12);
    evtchn_vcpu_info[0]->evtchn_upcall_mask = 0;
    HYPERVISOR_xen_version(XENVER_version, NULL);
    CHECK_EQ(count[*pb], 13);

    /* A masked port: pending, no upcall; unmask delivers it. */
    evtchn_set_mask(*pb, 1);
    CHECK_EQ(evtchn_send(*pa), 0);
    CHECK_EQ(count[*pb], 13);
    CHECK(evtchn_pending(*pb));
    CHECK_EQ(evtchn_unmask(*pb), 0);
    CHECK_EQ(count[*pb], 14);
}

/* ---- vCPU 1 ------------------------------------------------------------- */

static uint8_t stack1[16384] __attribute__((aligned(16)));
static volatile int v1_phase, v1_ready;
static volatile uint64_t v1_woke_tsc;

static void vcpu1_main(unsigned int id)
{
    (void)id;
    /* Its own vector, set by vCPU 0 before it started: a local APIC
     * interrupt, which needs the APIC on. */
    lapic_enable_x2apic();
    sti();
    v1_ready = 1;
    while (v1_phase != 99) {
        if (v1_phase == 1) {
            /* Sleep until an event: SCHEDOP_block returns when woken. */
            unsigned long before = evtchn_upcalls[1];
            v1_ready = 2;
            while (evtchn_upcalls[1] == before) {
                HYPERVISOR_sched_op(SCHEDOP_block, NULL);
            }
            v1_woke_tsc = guest_rdtsc();
            v1_phase = 0;
        }
        __asm__ volatile("pause");
    }
}

#define SAMPLES 7

static uint64_t median(uint64_t *v, unsigned int n)
{
    for (unsigned int i = 1; i < n; i++) /* insertion sort */
        for (unsigned int j = i; j && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

/* TSC ticks between scheduler ticks: vCPU 0 blocks with nothing pending
 * (interrupts on, so nothing stays pending), so only the tick wakes it.
 * Wall-clock TSC under TCG is noisy (the host schedules QEMU's threads):
 * the median of a few sleeps. */
static uint64_t tick_tsc(void)
{
    uint64_t t[SAMPLES];

    HYPERVISOR_sched_op(SCHEDOP_block, NULL); /* start at a tick */
    for (unsigned int i = 0; i < SAMPLES; i++) {
        uint64_t t0 = guest_rdtsc();
        HYPERVISOR_sched_op(SCHEDOP_block, NULL);
        t[i] = guest_rdtsc() - t0;
    }
    return median(t, SAMPLES);
}

static void two_vcpus(void)
{
    uint64_t tick, lat[SAMPLES], med;
    long ipi;

    CHECK_EQ(evtchn_vcpu_upcall_vector(1, VCPU1_VECTOR), 0);
    CHECK_EQ(evtchn_vcpu_upcall_vector(2, VCPU1_VECTOR), -XEN_ENOENT);
    CHECK_EQ(evtchn_vcpu_upcall_vector(1, 0x0F), -XEN_EINVAL);
    ipi = evtchn_bind_ipi(1);
    CHECK(ipi > 0);
    if (!CHECK_EQ(guest_start_vcpu(1, vcpu1_main, stack1 + sizeof(stack1)), 0))
        return;
    for (unsigned long i = 0; i < WAIT && v1_ready != 1; i++)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);

    /* The IPI reaches vCPU 1 (its own vector), not vCPU 0. */
    last_vcpu = 99;
    CHECK_EQ(evtchn_send((evtchn_port_t)ipi), 0);
    CHECK(wait_count((evtchn_port_t)ipi, 1));
    CHECK_EQ(last_vcpu, 1);

    /* A blocked vCPU 1 wakes at once: compare with the tick. */
    tick = tick_tsc();
    for (unsigned int round = 0; round < SAMPLES; round++) {
        v1_ready = 0;
        v1_phase = 1;
        while (v1_ready != 2)
            __asm__ volatile("pause");
        for (volatile unsigned long spin = 0; spin < 200000; spin++) /* let it block */
            ;
        uint64_t sent = guest_rdtsc();
        CHECK_EQ(evtchn_send((evtchn_port_t)ipi), 0);
        for (unsigned long i = 0; i < WAIT && v1_phase; i++)
            __asm__ volatile("pause");
        CHECK_EQ(v1_phase, 0);
        lat[round] = v1_woke_tsc - sent;
    }
    med = median(lat, SAMPLES);
    gprintf("wake-up: median %lu TSC ticks after the send (%lu .. %lu), scheduler tick %lu (%s)\n",
            (unsigned long)med, (unsigned long)lat[0], (unsigned long)lat[SAMPLES - 1],
            (unsigned long)tick, med * 4 < tick ? "well before the tick" : "NOT before the tick");
    CHECK(med * 4 < tick);
    CHECK(count[ipi] >= SAMPLES + 1);
    v1_phase = 99;
}

/* SCHEDOP_poll on vCPU 0, with upcalls off for the polled port. */
static void poll(evtchn_port_t a, evtchn_port_t b)
{
    evtchn_port_t ports[130];
    struct sched_poll p;

    memset(ports, 0, sizeof(ports));
    evtchn_set_mask(b, 1);
    /* Pending already: returns at once. */
    CHECK_EQ(evtchn_send(a), 0);
    ports[0] = b;
    set_xen_guest_handle(p.ports, ports);
    p.nr_ports = 1;
    p.timeout = 0;
    CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &p), 0);
    CHECK(evtchn_test_and_clear(b));
    /* A timeout in the past: returns (the port is not pending). */
    p.timeout = 1;
    CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &p), 0);
    CHECK(!evtchn_pending(b));
    /* Errors. */
    p.nr_ports = 129;
    CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &p), -XEN_EINVAL);
    ports[0] = 5000;
    p.nr_ports = 1;
    CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &p), -XEN_EINVAL);
    set_xen_guest_handle(p.ports, (evtchn_port_t *)0x20000000);
    CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &p), -XEN_EFAULT);
    CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, (void *)0x20000000), -XEN_EFAULT);
    evtchn_set_mask(b, 0);
}

static void register_vcpu_info(evtchn_port_t a, evtchn_port_t b)
{
    struct vcpu_register_vcpu_info r = { .mfn = VINFO_GFN, .offset = 64 };
    struct vcpu_info *moved = (struct vcpu_info *)(uintptr_t)((VINFO_GFN << 12) + 64);
    unsigned long before;

    r.offset = 4096 - 32; /* would cross the page */
    CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
    r.offset = 64;
    r.mfn = NO_RAM_GFN;
    CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
    r.mfn = EVTCHN_SHINFO_GFN; /* not RAM either: shared_info itself */
    CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL);
    CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 5, &r), -XEN_ENOENT);
    CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, (void *)0x20000000), -XEN_EFAULT);

    /* Move vCPU 0's vcpu_info: everything is marked pending there, and the
     * upcalls follow it. */
    r.mfn = VINFO_GFN;
    cli();
    CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), 0);
    CHECK_EQ(moved->evtchn_upcall_pending, 1);
    evtchn_vcpu_info[0] = moved;
    CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), -XEN_EINVAL); /* once */
    sti();
    before = count[b];
    CHECK_EQ(evtchn_send(a), 0);
    CHECK_EQ(count[b], before + 1);
    CHECK_EQ(evtchn_shinfo->vcpu_info[0].evtchn_upcall_pending, 0); /* the old one is unused */
}

void test_main(void)
{
    evtchn_port_t a, b;

    if (!CHECK_EQ(evtchn_map_shared_info(), 0))
        return;
    if (!CHECK_EQ(evtchn_upcall_init(VECTOR, handler), 0))
        return;
    one_vcpu(&a, &b);
    two_vcpus();
    poll(a, b);
    register_vcpu_info(a, b);
    cli();
}
#else
void test_main(void)
{
    gprintf("64-bit only (the library's upcall handler needs a long-mode IDT)\n");
}
#endif
