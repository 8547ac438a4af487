/*
 * The PV console ring Mica serves an unprivileged domain (console_ring.h):
 * HVM_PARAM_CONSOLE_PFN and _EVTCHN, the page just after RAM and listed as
 * reserved in both memory maps, its port bound to Mica (status: interdomain
 * with DOMID_XEN), output printed with the domain's name, input typed on
 * the serial console (the test switches input to this domain's console),
 * corrupt indices survived. Run unprivileged (no-priv), mem=16M.
 */
#include "evtchn.h"
#include "test.h"
#include <public/hvm/hvm_op.h>
#include <public/hvm/params.h>
#include <public/io/console.h>
#include <public/memory.h>

TEST_NAME("console_ring");

#define RAM_END (16UL << 20)
#define WAIT 3000UL /* blocks: 30 s of 10 ms scheduler ticks */

static long get_param(uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
    long rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p);

    *value = p.value;
    return rc;
}

static void ring_write(volatile struct xencons_interface *intf, const char *s)
{
    XENCONS_RING_IDX prod = intf->out_prod;

    for (; *s; s++)
        intf->out[MASK_XENCONS_IDX(prod++, intf->out)] = *s;
    __atomic_store_n(&intf->out_prod, prod, __ATOMIC_RELEASE);
}

static void check_memory_maps(void)
{
    struct hvm_memmap_table_entry map[8];
    static struct xen_e820_entry e820[8];
    struct xen_memory_map mm = { .nr_entries = 8 };

    /* RAM, its last page the ACPI tables, then the console page. */
    CHECK_EQ(guest_memory_map(map, 8), 3);
    CHECK_EQ(map[0].addr, 0);
    CHECK_EQ(map[0].size, RAM_END - 4096);
    CHECK_EQ(map[0].type, XEN_HVM_MEMMAP_TYPE_RAM);
    CHECK_EQ(map[1].addr, RAM_END - 4096);
    CHECK_EQ(map[1].type, XEN_HVM_MEMMAP_TYPE_ACPI);
    CHECK_EQ(map[2].addr, RAM_END);
    CHECK_EQ(map[2].size, 4096);
    CHECK_EQ(map[2].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
    /* XENMEM_memory_map gives the same map. */
    set_xen_guest_handle(mm.buffer, e820);
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_memory_map, &mm), 0);
    CHECK_EQ(mm.nr_entries, 3);
    CHECK_EQ(e820[2].addr, RAM_END);
    CHECK_EQ(e820[2].type, XEN_HVM_MEMMAP_TYPE_RESERVED);
}

void test_main(void)
{
    uint64_t gfn = 0, port64 = 0;
    struct evtchn_status st;
    volatile struct xencons_interface *intf;
    evtchn_port_t port;
    char in[8];
    unsigned int got = 0;

    if (!CHECK_EQ(evtchn_map_shared_info(), 0))
        return;
    CHECK_EQ(get_param(HVM_PARAM_CONSOLE_PFN, &gfn), 0);
    CHECK_EQ(get_param(HVM_PARAM_CONSOLE_EVTCHN, &port64), 0);
    if (!CHECK_EQ(gfn, RAM_END >> 12) || !CHECK(port64 > 0 && port64 < 1024))
        return;
    check_memory_maps();
    port = (evtchn_port_t)port64;
    CHECK_EQ(evtchn_status(DOMID_SELF, port, &st), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(st.u.interdomain.dom, DOMID_XEN);
    /* Interdomain to the guest, so it may move to another vCPU and back
     * (Linux sets the affinity of hvc0's interrupt). */
    CHECK_EQ(evtchn_bind_vcpu(port, 0), 0);

    intf = (volatile struct xencons_interface *)(uintptr_t)(gfn << 12);
    CHECK_EQ(intf->out_prod, 0);
    ring_write(intf, "hello through the console ring\n");
    CHECK_EQ(evtchn_send(port), 0);
    CHECK(evtchn_wait(port, WAIT));
    CHECK_EQ(intf->out_cons, intf->out_prod); /* Mica took it all */

    /* Corrupt indices: a producer far ahead is skipped, not read. */
    intf->out_prod = intf->out_cons + 5000;
    CHECK_EQ(evtchn_send(port), 0);
    CHECK(evtchn_wait(port, WAIT));
    CHECK_EQ(intf->out_cons, intf->out_prod);

    /* Input: the test switches serial input to our console and types. */
    ring_write(intf, "ring: ready for input\n");
    CHECK_EQ(evtchn_send(port), 0);
    for (unsigned long i = 0; i < WAIT && got < 5; i++) {
        XENCONS_RING_IDX cons = intf->in_cons;
        XENCONS_RING_IDX prod = __atomic_load_n(&intf->in_prod, __ATOMIC_ACQUIRE);

        while (cons != prod && got < sizeof(in))
            in[got++] = intf->in[MASK_XENCONS_IDX(cons++, intf->in)];
        __atomic_store_n(&intf->in_cons, cons, __ATOMIC_RELEASE);
        if (got < 5)
            evtchn_block();
    }
    if (CHECK_EQ(got, 5) && CHECK(memcmp(in, "ping\r", 5) == 0)) {
        ring_write(intf, "pong\n");
        CHECK_EQ(evtchn_send(port), 0);
        CHECK(evtchn_wait(port, WAIT));
    }

    /* Closed by the guest: Mica's notifications go nowhere. */
    CHECK_EQ(evtchn_close(port), 0);
    CHECK_EQ(evtchn_send(port), -XEN_EINVAL);
}
