/*
 * Event channels for test guests (see evtchn.h). The upcall handler is the
 * 2-level scan every Xen guest does: clear evtchn_upcall_pending, take the
 * selector word, and for each word it names take the pending and unmasked
 * bits, clearing each before handling it.
 */
#include "evtchn.h"
#include "test.h"
#include "lapic.h"

struct shared_info *evtchn_shinfo;
struct vcpu_info *volatile evtchn_vcpu_info[8];

long evtchn_map_shared_info(void)
{
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = EVTCHN_SHINFO_GFN,
    };
    long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);

    if (rc)
        return rc;
    evtchn_shinfo = (struct shared_info *)(uintptr_t)(EVTCHN_SHINFO_GFN << 12);
    for (unsigned int i = 0; i < 8; i++)
        evtchn_vcpu_info[i] = &evtchn_shinfo->vcpu_info[i];
    return 0;
}

long evtchn_alloc_unbound(domid_t dom, domid_t remote)
{
    struct evtchn_alloc_unbound op = { .dom = dom, .remote_dom = remote };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &op);
    return rc ? rc : (long)op.port;
}

long evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port)
{
    struct evtchn_bind_interdomain op = { .remote_dom = remote, .remote_port = remote_port };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &op);
    return rc ? rc : (long)op.local_port;
}

long evtchn_bind_virq(uint32_t virq, uint32_t vcpu)
{
    struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_virq, &op);
    return rc ? rc : (long)op.port;
}

long evtchn_bind_ipi(uint32_t vcpu)
{
    struct evtchn_bind_ipi op = { .vcpu = vcpu };
    long rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_ipi, &op);
    return rc ? rc : (long)op.port;
}

long evtchn_send(evtchn_port_t port)
{
    struct evtchn_send op = { .port = port };
    return HYPERVISOR_event_channel_op(EVTCHNOP_send, &op);
}

long evtchn_close(evtchn_port_t port)
{
    struct evtchn_close op = { .port = port };
    return HYPERVISOR_event_channel_op(EVTCHNOP_close, &op);
}

long evtchn_unmask(evtchn_port_t port)
{
    struct evtchn_unmask op = { .port = port };
    return HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &op);
}

long evtchn_bind_vcpu(evtchn_port_t port, uint32_t vcpu)
{
    struct evtchn_bind_vcpu op = { .port = port, .vcpu = vcpu };
    return HYPERVISOR_event_channel_op(EVTCHNOP_bind_vcpu, &op);
}

long evtchn_status(domid_t dom, evtchn_port_t port, struct evtchn_status *st)
{
    memset(st, 0, sizeof(*st));
    st->dom = dom;
    st->port = port;
    return HYPERVISOR_event_channel_op(EVTCHNOP_status, st);
}

#define WORD_BITS (sizeof(xen_ulong_t) * 8)

int evtchn_pending(evtchn_port_t port)
{
    return !!(__atomic_load_n(&evtchn_shinfo->evtchn_pending[port / WORD_BITS], __ATOMIC_SEQ_CST) &
              ((xen_ulong_t)1 << (port % WORD_BITS)));
}

int evtchn_test_and_clear(evtchn_port_t port)
{
    xen_ulong_t m = (xen_ulong_t)1 << (port % WORD_BITS);
    return !!(
        __atomic_fetch_and(&evtchn_shinfo->evtchn_pending[port / WORD_BITS], ~m, __ATOMIC_SEQ_CST) &
        m);
}

void evtchn_block(void)
{
    __atomic_store_n(&evtchn_vcpu_info[evtchn_this_vcpu()]->evtchn_upcall_pending, 0,
                     __ATOMIC_SEQ_CST);
    HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

int evtchn_wait(evtchn_port_t port, unsigned long blocks)
{
    for (unsigned long i = 0; i < blocks; i++) {
        if (evtchn_test_and_clear(port))
            return 1;
        evtchn_block();
    }
    return 0;
}

void evtchn_clear(evtchn_port_t port)
{
    evtchn_test_and_clear(port);
}

void evtchn_set_mask(evtchn_port_t port, int masked)
{
    xen_ulong_t m = (xen_ulong_t)1 << (port % WORD_BITS);
    if (masked)
        __atomic_fetch_or(&evtchn_shinfo->evtchn_mask[port / WORD_BITS], m, __ATOMIC_SEQ_CST);
    else
        __atomic_fetch_and(&evtchn_shinfo->evtchn_mask[port / WORD_BITS], ~m, __ATOMIC_SEQ_CST);
}

unsigned int evtchn_this_vcpu(void)
{
    return guest_cpuid(xen_cpuid_base + 4, 0).ebx;
}

#ifdef __x86_64__
volatile unsigned long evtchn_upcalls[8];
static evtchn_handler_t port_handler;
/* The vCPUs with a vector of their own: theirs is a local APIC interrupt. */
static volatile uint8_t own_vector[8];

void evtchn_upcall_entry(void);
void evtchn_upcall_dispatch(void);

/* The interrupt stub: save the registers C may clobber, call the scan,
 * iretq. The CPU aligned RSP to 16 and pushed 5 words; 9 more make the
 * call see an ABI-aligned stack. */
__asm__("    .text\n"
        "    .globl evtchn_upcall_entry\n"
        "evtchn_upcall_entry:\n"
        "    push %rax\n    push %rcx\n    push %rdx\n    push %rsi\n    push %rdi\n"
        "    push %r8\n    push %r9\n    push %r10\n    push %r11\n"
        "    cld\n"
        "    call evtchn_upcall_dispatch\n"
        "    pop %r11\n    pop %r10\n    pop %r9\n    pop %r8\n"
        "    pop %rdi\n    pop %rsi\n    pop %rdx\n    pop %rcx\n    pop %rax\n"
        "    iretq\n");

void evtchn_upcall_dispatch(void)
{
    unsigned int cpu = evtchn_this_vcpu() & 7;
    struct vcpu_info *vi = evtchn_vcpu_info[cpu];

    evtchn_upcalls[cpu]++;
    __atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
    xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned int w = (unsigned int)__builtin_ctzl(sel);
        sel &= sel - 1;
        xen_ulong_t bits = __atomic_load_n(&evtchn_shinfo->evtchn_pending[w], __ATOMIC_SEQ_CST) &
                           ~__atomic_load_n(&evtchn_shinfo->evtchn_mask[w], __ATOMIC_SEQ_CST);
        while (bits) {
            unsigned int b = (unsigned int)__builtin_ctzl(bits);
            evtchn_port_t port = w * WORD_BITS + b;
            bits &= bits - 1;
            if (evtchn_test_and_clear(port) && port_handler)
                port_handler(port, cpu);
        }
    }
    if (own_vector[cpu])
        lapic_eoi(); /* as Linux's sysvec_xen_hvm_callback with xen_percpu_upcall */
}

long evtchn_upcall_init(uint8_t vector, evtchn_handler_t handler)
{
    struct xen_hvm_param p = {
        .domid = DOMID_SELF,
        .index = HVM_PARAM_CALLBACK_IRQ,
        .value = ((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT) |
                 vector,
    };

    port_handler = handler;
    guest_set_idt_gate(vector, evtchn_upcall_entry);
    return HYPERVISOR_hvm_op(HVMOP_set_param, &p);
}

long evtchn_vcpu_upcall_vector(unsigned int vcpu, uint8_t vector)
{
    struct xen_hvm_evtchn_upcall_vector op = { .vcpu = vcpu, .vector = vector };

    guest_set_idt_gate(vector, evtchn_upcall_entry);
    own_vector[vcpu & 7] = vector;
    return HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector, &op);
}
#endif
