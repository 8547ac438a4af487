/* Event-channel state embedded in struct domain and struct vcpu (domain.h
 * includes this; the code is common/event_channel.c, the API include/event.h). */
#ifndef MICA_EVENT_TYPES_H
#define MICA_EVENT_TYPES_H

#include "spinlock.h"
#include "types.h"

struct domain;
struct frame;
struct vcpu_info;

/* Ports a domain may have: 1 .. EVTCHN_MAX_PORTS-1 (port 0 is reserved, as
 * in Xen). 1024 is the 2-level ABI's limit for a 32-bit guest (32 x 32
 * bits), so every port fits both shared_info layouts. */
#define EVTCHN_MAX_PORTS 1024
/* The port table grows by buckets of this many ports (xmalloc'd on demand,
 * freed at teardown); a port is valid once its bucket exists, as in Xen. */
#define EVTCHN_BUCKET_PORTS 64
#define EVTCHN_NR_BUCKETS (EVTCHN_MAX_PORTS / EVTCHN_BUCKET_PORTS)

enum evtchn_state {
    ECS_FREE = 0,    /* not in use */
    ECS_RESERVED,    /* port 0 */
    ECS_UNBOUND,     /* waiting for remote_domid to bind */
    ECS_INTERDOMAIN, /* connected to (remote, remote_port) */
    ECS_VIRQ,        /* bound to VIRQ virq */
    ECS_IPI,         /* sends notify notify_vcpu of the same domain */
    ECS_MICA,        /* bound to a service of Mica's (the console ring): a
                        send calls its mica_notify; status shows it as
                        interdomain with DOMID_XEN, as Xen's own ports */
};

struct evtchn {
    uint8_t state;         /* enum evtchn_state */
    uint8_t notify_vcpu;   /* the vCPU whose upcall this port raises */
    uint16_t virq;         /* ECS_VIRQ */
    uint16_t remote_domid; /* ECS_UNBOUND: who may bind (a domid) */
    uint32_t remote_port;  /* ECS_INTERDOMAIN */
    union {
        struct domain *remote;                 /* ECS_INTERDOMAIN (no reference:
                                                    both ends are closed, under
                                                    evtchn_bind_lock, before
                                                    either domain goes) */
        void (*mica_notify)(struct domain *d); /* ECS_MICA */
    };
    uint8_t priority;  /* FIFO ABI: its queue, 0 (highest) .. 15 */
    bool fifo_pending; /* FIFO ABI: pending while it has no event word */
};

/* FIFO ABI: pages of event words (1024 each) a domain may give, and the
 * queues (priorities) per vCPU. */
#define EVTCHN_FIFO_WORDS_PER_PAGE 1024
#define EVTCHN_FIFO_PAGES (EVTCHN_MAX_PORTS / EVTCHN_FIFO_WORDS_PER_PAGE)
#define EVTCHN_FIFO_QUEUES 16

/* A domain's event channels (struct domain member `evtchn`). */
struct evtchn_domain {
    spinlock_t lock;                                   /* the port table, the VIRQ
                                                    bindings, pending bits */
    struct evtchn *bucket[EVTCHN_NR_BUCKETS];          /* ports [i*64, i*64+64) */
    bool dead;                                         /* torn down: no more events */
    bool shinfo_32bit;                                 /* 32-bit shared_info layout */
    uint8_t callback_vector;                           /* HVM_PARAM_CALLBACK_IRQ
                                                    vector (type 2), 0: none */
    uint64_t callback_param;                           /* ... as the guest set it */
    uint32_t poll_mask;                                /* vCPUs in SCHEDOP_poll (bit = id) */
    bool fifo;                                         /* FIFO ABI (after init_control) */
    unsigned int fifo_words;                           /* ports with an event word */
    uint32_t *fifo_array[EVTCHN_FIFO_PAGES];           /* expand_array's pages ... */
    struct frame *fifo_array_frame[EVTCHN_FIFO_PAGES]; /* ... (references held) */
    struct evtchn bucket0[EVTCHN_BUCKET_PORTS];        /* ports 0..63: always there */
};

/* A vCPU's event delivery (struct vcpu member `evtchn`). */
struct evtchn_vcpu {
    /* Where its vcpu_info is: its slot in shared_info, or the place it
     * registered (VCPUOP_register_vcpu_info), never NULL. The run loop reads
     * evtchn_upcall_pending through it before every VMRUN. */
    struct vcpu_info *vcpu_info;
    struct frame *vcpu_info_frame;          /* the registered page (a reference held) */
    uint32_t *fifo_ready;                   /* FIFO control block: ready, then head[16] */
    struct frame *fifo_cb_frame;            /* its page (a reference held) */
    uint32_t fifo_tail[EVTCHN_FIFO_QUEUES]; /* port linked last per queue, 0: none */
    uint8_t upcall_vector;                  /* HVMOP_set_evtchn_upcall_vector, 0: none */
    uint16_t virq_port[32];                 /* VIRQ -> port, 0: unbound (global VIRQs: on vCPU 0) */
    /* SCHEDOP_poll in progress (under runq_lock with the BLOCKED state):
     * the one port polled (0: several, any port wakes it), the deadline in
     * ns of sched_now_ns() (0: none). */
    bool polling;
    uint32_t poll_port;
    uint64_t poll_deadline;
    uint64_t upcalls; /* upcalls injected (statistics, debug key 'e') */
};

#endif
