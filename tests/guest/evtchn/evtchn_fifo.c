/*
 * The FIFO event-channel ABI on the caller's own domain (Mica only):
 * init_control's and expand_array's errors, the switch from the 2-level ABI
 * (a port pending before it is linked once its event word exists), then a
 * loopback channel: a send links the port at the tail of its priority's
 * queue, the queue's head and ready bit in the control block; coalescing,
 * set_priority, masking and unmask, close.
 */
#include "evtchn.h"
#include "test.h"

TEST_NAME("evtchn_fifo");

#define NO_RAM_GFN 0x800000UL /* a hole: no RAM there */
#define CB_GFN 0xF02UL        /* RAM: the control block of vCPU 0 */
#define ARRAY_GFN 0xF03UL     /* RAM: the event words of ports 0..1023 */
#define BAD_PORT 5000

#define PENDING (1u << EVTCHN_FIFO_PENDING)
#define MASKED (1u << EVTCHN_FIFO_MASKED)
#define LINKED (1u << EVTCHN_FIFO_LINKED)

static volatile struct evtchn_fifo_control_block *const cb =
    (volatile struct evtchn_fifo_control_block *)(uintptr_t)(CB_GFN << 12);
static volatile event_word_t *const words = (volatile event_word_t *)(uintptr_t)(ARRAY_GFN << 12);

static long op(int cmd, void *arg)
{
    return HYPERVISOR_event_channel_op(cmd, arg);
}

static long init_control(uint64_t gfn, uint32_t offset, uint32_t vcpu)
{
    struct evtchn_init_control ic = { .control_gfn = gfn, .offset = offset, .vcpu = vcpu };
    long rc = op(EVTCHNOP_init_control, &ic);

    if (!rc)
        CHECK_EQ(ic.link_bits, EVTCHN_FIFO_LINK_BITS);
    return rc;
}

static long expand(uint64_t gfn)
{
    struct evtchn_expand_array ea = { .array_gfn = gfn };
    return op(EVTCHNOP_expand_array, &ea);
}

static long set_priority(evtchn_port_t port, uint32_t priority)
{
    struct evtchn_set_priority sp = { .port = port, .priority = priority };
    return op(EVTCHNOP_set_priority, &sp);
}

/* The guest has consumed everything: words, heads and ready bits clear. */
static void consumed(void)
{
    for (unsigned int i = 0; i < 64; i++)
        words[i] = 0;
    cb->ready = 0;
    for (unsigned int i = 0; i < EVTCHN_FIFO_MAX_QUEUES; i++)
        cb->head[i] = 0;
    evtchn_vcpu_info[0]->evtchn_upcall_pending = 0;
}

void test_main(void)
{
    long a, b;

    if (!CHECK_EQ(evtchn_map_shared_info(), 0))
        return;
    if (!running_on_mica()) {
        gprintf("Mica only\n");
        return;
    }
    a = evtchn_alloc_unbound(DOMID_SELF, DOMID_SELF);
    b = evtchn_bind_interdomain(DOMID_SELF, (evtchn_port_t)a);
    CHECK(a > 0 && b > 0);
    CHECK(evtchn_pending((evtchn_port_t)b)); /* 2-level, pending after the bind */

    /* Before init_control: the 2-level ABI. */
    CHECK_EQ(set_priority((evtchn_port_t)a, 3), -XEN_ENOSYS);
    CHECK_EQ(expand(ARRAY_GFN), -XEN_EOPNOTSUPP);

    /* init_control's errors: nothing changes. */
    CHECK_EQ(init_control(CB_GFN, 4, 0), -XEN_EINVAL);         /* not 8-aligned */
    CHECK_EQ(init_control(CB_GFN, 4096 - 64, 0), -XEN_EINVAL); /* crosses the page */
    CHECK_EQ(init_control(CB_GFN, 0xFFFFFFF8u, 0), -XEN_EINVAL);
    CHECK_EQ(init_control(NO_RAM_GFN, 0, 0), -XEN_EINVAL);        /* a hole */
    CHECK_EQ(init_control(EVTCHN_SHINFO_GFN, 0, 0), -XEN_EINVAL); /* not ordinary RAM */
    CHECK_EQ(init_control(CB_GFN, 0, 99), -XEN_ENOENT);           /* no such vCPU */
    CHECK_EQ(op(EVTCHNOP_init_control, (void *)0x20000000), -XEN_EFAULT);
    CHECK_EQ(set_priority((evtchn_port_t)a, 3), -XEN_ENOSYS); /* still 2-level */

    /* The switch. The control block's page is the guest's to clear. */
    for (unsigned int i = 0; i < 1024; i++)
        words[i] = 0;
    cb->ready = 0;
    for (unsigned int i = 0; i < EVTCHN_FIFO_MAX_QUEUES; i++)
        cb->head[i] = 0;
    CHECK_EQ(init_control(CB_GFN, 0, 0), 0);
    CHECK_EQ(init_control(CB_GFN, 0, 0), -XEN_EINVAL); /* once per vCPU */
    CHECK_EQ(expand(NO_RAM_GFN), -XEN_EINVAL);         /* a hole */
    CHECK_EQ(expand(EVTCHN_SHINFO_GFN), -XEN_EINVAL);
    evtchn_vcpu_info[0]->evtchn_upcall_pending = 0;
    CHECK_EQ(expand(ARRAY_GFN), 0);
    /* b was pending in the 2-level ABI: linked now it has an event word. */
    gprintf("after expand_array: word[%ld] = 0x%x, head[7] = %u, ready = 0x%x\n", b, words[b],
            cb->head[7], cb->ready);
    CHECK_EQ(words[b], PENDING | LINKED);
    CHECK_EQ(cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT], b);
    CHECK_EQ(cb->ready, 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
    CHECK_EQ(evtchn_vcpu_info[0]->evtchn_upcall_pending, 1);
    CHECK_EQ(expand(ARRAY_GFN), -XEN_ENOSPC); /* Mica's 1024 ports all have words */

    /* A send: the peer's word PENDING|LINKED, the head of queue 7, ready
     * bit 7, the upcall. */
    consumed();
    CHECK_EQ(evtchn_send((evtchn_port_t)a), 0);
    CHECK_EQ(words[b], PENDING | LINKED);
    CHECK_EQ(words[a], 0);
    CHECK_EQ(cb->head[7], b);
    CHECK_EQ(cb->ready, 1u << 7);
    CHECK_EQ(evtchn_vcpu_info[0]->evtchn_upcall_pending, 1);
    /* Coalesced; the other way: a linked behind b, no new upcall. */
    evtchn_vcpu_info[0]->evtchn_upcall_pending = 0;
    CHECK_EQ(evtchn_send((evtchn_port_t)a), 0);
    CHECK_EQ(words[b], PENDING | LINKED);
    CHECK_EQ(evtchn_send((evtchn_port_t)b), 0);
    CHECK_EQ(words[b], PENDING | LINKED | (uint32_t)a);
    CHECK_EQ(words[a], PENDING | LINKED);
    CHECK_EQ(cb->head[7], b);
    CHECK_EQ(evtchn_vcpu_info[0]->evtchn_upcall_pending, 0);

    /* set_priority: a's queue becomes 2. */
    CHECK_EQ(set_priority((evtchn_port_t)a, 16), -XEN_EINVAL);
    CHECK_EQ(set_priority(BAD_PORT, 2), -XEN_EINVAL);
    CHECK_EQ(set_priority((evtchn_port_t)a, 2), 0);
    consumed();
    CHECK_EQ(evtchn_send((evtchn_port_t)b), 0);
    CHECK_EQ(words[a], PENDING | LINKED);
    CHECK_EQ(cb->head[2], a);
    CHECK_EQ(cb->head[7], 0);
    CHECK_EQ(cb->ready, 1u << 2);
    /* Queue 7's last link was a, now in queue 2: b starts queue 7 afresh
     * rather than following a. */
    CHECK_EQ(evtchn_send((evtchn_port_t)a), 0);
    CHECK_EQ(words[a], PENDING | LINKED);
    CHECK_EQ(words[b], PENDING | LINKED);
    CHECK_EQ(cb->head[7], b);
    CHECK_EQ(cb->ready, (1u << 2) | (1u << 7));

    /* Masked: pending, not linked; unmask links it. */
    consumed();
    words[a] = MASKED;
    CHECK_EQ(evtchn_send((evtchn_port_t)b), 0);
    CHECK_EQ(words[a], PENDING | MASKED);
    CHECK_EQ(cb->ready, 0);
    CHECK_EQ(evtchn_vcpu_info[0]->evtchn_upcall_pending, 0);
    CHECK_EQ(evtchn_unmask((evtchn_port_t)a), 0);
    CHECK_EQ(words[a], PENDING | LINKED);
    CHECK_EQ(cb->head[2], a);
    CHECK_EQ(cb->ready, 1u << 2);
    CHECK_EQ(evtchn_vcpu_info[0]->evtchn_upcall_pending, 1);
    CHECK_EQ(evtchn_unmask(BAD_PORT), -XEN_EINVAL);

    /* An IPI port is delivered the same way. */
    consumed();
    long i = evtchn_bind_ipi(0);
    CHECK(i > 0);
    CHECK_EQ(evtchn_send((evtchn_port_t)i), 0);
    CHECK_EQ(words[i], PENDING | LINKED);
    CHECK_EQ(cb->head[7], i);

    /* Close clears PENDING. */
    CHECK_EQ(evtchn_close((evtchn_port_t)a), 0);
    CHECK_EQ(evtchn_close((evtchn_port_t)b), 0);
    CHECK_EQ(evtchn_close((evtchn_port_t)i), 0);
    CHECK_EQ(words[i] & PENDING, 0);
    gprintf("FIFO: init_control, expand_array, set_priority, links and unmask as Xen\n");
}
