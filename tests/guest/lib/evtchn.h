/*
 * Event channels for test guests: the event_channel_op wrappers, shared_info
 * and its 2-level bitmaps, and (64-bit) an upcall handler on an interrupt
 * vector that scans the bitmaps as a Xen guest does (public/xen.h,
 * public/event_channel.h; docs/hypercalls.md "event_channel_op").
 */
#ifndef GUEST_EVTCHN_H
#define GUEST_EVTCHN_H

#include "hypercall.h"

/* Where evtchn_map_shared_info puts shared_info: a RAM gfn of every test
 * domain (Mica 16 MiB, Xen's dom0 64 MiB), which it replaces. */
#define EVTCHN_SHINFO_GFN 0xF00UL

extern struct shared_info *evtchn_shinfo;

/* Map shared_info at EVTCHN_SHINFO_GFN (the layout follows this guest's
 * word size). 0 or the error. */
long evtchn_map_shared_info(void);

/* The calls: a port (>= 0) or -errno. */
long evtchn_alloc_unbound(domid_t dom, domid_t remote);
long evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port);
long evtchn_bind_virq(uint32_t virq, uint32_t vcpu);
long evtchn_bind_ipi(uint32_t vcpu);
/* 0 or -errno. */
long evtchn_send(evtchn_port_t port);
long evtchn_close(evtchn_port_t port);
long evtchn_unmask(evtchn_port_t port);
long evtchn_bind_vcpu(evtchn_port_t port, uint32_t vcpu);
long evtchn_status(domid_t dom, evtchn_port_t port, struct evtchn_status *st);

/* The bitmaps in shared_info. */
int evtchn_pending(evtchn_port_t port);
int evtchn_test_and_clear(evtchn_port_t port);
void evtchn_clear(evtchn_port_t port);
void evtchn_set_mask(evtchn_port_t port, int masked);

/* The vcpu_info each vCPU uses (shared_info's, or the registered one). */
extern struct vcpu_info *volatile evtchn_vcpu_info[8];

/* This vCPU's id (CPUID leaf base+4, EBX). */
unsigned int evtchn_this_vcpu(void);

/* SCHEDOP_block for a guest that reads its ports itself (no upcall
 * handler): first clears this vCPU's evtchn_upcall_pending, which nothing
 * else would clear and which makes SCHEDOP_block return at once (as Xen's
 * does), so the block lasts until the next event or scheduler tick. The
 * caller checks its ports after it returns. */
void evtchn_block(void);

/* Wait for port to become pending and clear it: 1, or 0 after `blocks`
 * evtchn_block()s (each lasts until an event or the next 10 ms tick). */
int evtchn_wait(evtchn_port_t port, unsigned long blocks);

#ifdef __x86_64__
/* Called for each pending, unmasked port the upcall finds (interrupts
 * off, on the vCPU that took the upcall). */
typedef void (*evtchn_handler_t)(evtchn_port_t port, unsigned int vcpu);

/* Install the upcall handler on vector (IDT gate) and route the domain's
 * upcalls there (HVM_PARAM_CALLBACK_IRQ, type 2). 0 or the error. */
long evtchn_upcall_init(uint8_t vector, evtchn_handler_t handler);
/* Per vCPU (HVMOP_set_evtchn_upcall_vector); the same IDT gate. As under
 * Xen, that vCPU's upcalls are then local APIC interrupts: it enables its
 * APIC (lapic_enable_x2apic) before any arrives, a disabled APIC drops
 * them, and the handler ends each with an EOI. */
long evtchn_vcpu_upcall_vector(unsigned int vcpu, uint8_t vector);
/* Upcalls taken by each vCPU. */
extern volatile unsigned long evtchn_upcalls[8];
#endif

static inline uint64_t guest_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#endif /* GUEST_EVTCHN_H */
