/*
 * Mica's guest ABI: HYPERVISOR_event_channel_op(cmd, arg), hypercall 32
 * (mirrors xen/include/public/event_channel.h: numbers and layouts, both ABIs).
 *
 * Every argument structure here has the same layout for 64-bit and 32-bit
 * callers (only fixed-width members), so there is no compat translation.
 */
#ifndef MICA_PUBLIC_EVENT_CHANNEL_H
#define MICA_PUBLIC_EVENT_CHANNEL_H

#include "xen.h"

#define EVTCHNOP_bind_interdomain  0
#define EVTCHNOP_bind_virq         1
#define EVTCHNOP_bind_pirq         2
#define EVTCHNOP_close             3
#define EVTCHNOP_send              4
#define EVTCHNOP_status            5
#define EVTCHNOP_alloc_unbound     6
#define EVTCHNOP_bind_ipi          7
#define EVTCHNOP_bind_vcpu         8
#define EVTCHNOP_unmask            9
#define EVTCHNOP_reset            10
#define EVTCHNOP_init_control     11
#define EVTCHNOP_expand_array     12
#define EVTCHNOP_set_priority     13
#define EVTCHNOP_reset_cont       14

typedef uint32_t evtchn_port_t;

/* alloc_unbound: a fresh port in <dom> that <remote_dom> may bind to. */
struct evtchn_alloc_unbound {
    domid_t dom, remote_dom;    /* IN (either may be DOMID_SELF) */
    evtchn_port_t port;         /* OUT */
};
_Static_assert(sizeof(struct evtchn_alloc_unbound) == 8, "evtchn_alloc_unbound is 8 bytes");

/* bind_interdomain: connect a fresh local port to <remote_dom, remote_port>. */
struct evtchn_bind_interdomain {
    domid_t remote_dom;         /* IN */
    evtchn_port_t remote_port;  /* IN (offset 4) */
    evtchn_port_t local_port;   /* OUT */
};
_Static_assert(sizeof(struct evtchn_bind_interdomain) == 12, "evtchn_bind_interdomain is 12 bytes");
_Static_assert(__builtin_offsetof(struct evtchn_bind_interdomain, remote_port) == 4, "@4");

/* bind_virq: a port for VIRQ <virq> of vCPU <vcpu>. */
struct evtchn_bind_virq {
    uint32_t virq;              /* IN: VIRQ_* */
    uint32_t vcpu;              /* IN */
    evtchn_port_t port;         /* OUT */
};
_Static_assert(sizeof(struct evtchn_bind_virq) == 12, "evtchn_bind_virq is 12 bytes");

/* bind_ipi: a port whose sends notify vCPU <vcpu> of the same domain. */
struct evtchn_bind_ipi {
    uint32_t vcpu;              /* IN */
    evtchn_port_t port;         /* OUT */
};
_Static_assert(sizeof(struct evtchn_bind_ipi) == 8, "evtchn_bind_ipi is 8 bytes");

/* close, send, unmask: one port. */
struct evtchn_close {
    evtchn_port_t port;
};
struct evtchn_send {
    evtchn_port_t port;
};
struct evtchn_unmask {
    evtchn_port_t port;
};

/* status of <dom, port>. */
#define EVTCHNSTAT_closed       0   /* not in use */
#define EVTCHNSTAT_unbound      1   /* waiting for a remote domain to bind */
#define EVTCHNSTAT_interdomain  2   /* connected to a remote domain */
#define EVTCHNSTAT_pirq         3   /* bound to a physical IRQ */
#define EVTCHNSTAT_virq         4   /* bound to a virtual IRQ */
#define EVTCHNSTAT_ipi          5   /* bound to an IPI */
struct evtchn_status {
    domid_t dom;                /* IN (offset 0) */
    evtchn_port_t port;         /* IN (offset 4) */
    uint32_t status;            /* OUT (offset 8): EVTCHNSTAT_* */
    uint32_t vcpu;              /* OUT (offset 12): the vCPU notified */
    union {                     /* OUT (offset 16) */
        struct {
            domid_t dom;
        } unbound;              /* EVTCHNSTAT_unbound */
        struct {
            domid_t dom;
            evtchn_port_t port;
        } interdomain;          /* EVTCHNSTAT_interdomain */
        uint32_t pirq;          /* EVTCHNSTAT_pirq */
        uint32_t virq;          /* EVTCHNSTAT_virq */
    } u;
};
_Static_assert(sizeof(struct evtchn_status) == 24, "evtchn_status is 24 bytes");
_Static_assert(__builtin_offsetof(struct evtchn_status, u) == 16, "u @16");

/* bind_vcpu: notify another vCPU for this port. */
struct evtchn_bind_vcpu {
    evtchn_port_t port;
    uint32_t vcpu;
};
_Static_assert(sizeof(struct evtchn_bind_vcpu) == 8, "evtchn_bind_vcpu is 8 bytes");

/* reset: close every port of <dom>. */
struct evtchn_reset {
    domid_t dom;
};

/* ---- the FIFO ABI (EVTCHNOP_init_control, expand_array, set_priority) ---- */
struct evtchn_init_control {
    uint64_t control_gfn;       /* IN: the page holding the control block */
    uint32_t offset;            /* IN: its offset in that page */
    uint32_t vcpu;              /* IN */
    uint8_t link_bits;          /* OUT */
    uint8_t _pad[7];
};
_Static_assert(sizeof(struct evtchn_init_control) == 24, "evtchn_init_control is 24 bytes");

struct evtchn_expand_array {
    uint64_t array_gfn;         /* IN: one more page of event words */
};

struct evtchn_set_priority {
    evtchn_port_t port;
    uint32_t priority;
};

typedef uint32_t event_word_t;
#define EVTCHN_FIFO_PENDING     31
#define EVTCHN_FIFO_MASKED      30
#define EVTCHN_FIFO_LINKED      29
#define EVTCHN_FIFO_BUSY        28
#define EVTCHN_FIFO_LINK_BITS   17
#define EVTCHN_FIFO_LINK_MASK   ((1u << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS (1u << EVTCHN_FIFO_LINK_BITS)
#define EVTCHN_FIFO_PRIORITY_MAX     0
#define EVTCHN_FIFO_PRIORITY_DEFAULT 7
#define EVTCHN_FIFO_PRIORITY_MIN     15
#define EVTCHN_FIFO_MAX_QUEUES  (EVTCHN_FIFO_PRIORITY_MIN + 1)

struct evtchn_fifo_control_block {
    uint32_t ready;
    uint32_t _rsvd;
    event_word_t head[EVTCHN_FIFO_MAX_QUEUES];
};
_Static_assert(sizeof(struct evtchn_fifo_control_block) == 72, "control block is 72 bytes");

#endif /* MICA_PUBLIC_EVENT_CHANNEL_H */
