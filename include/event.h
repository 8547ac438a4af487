/*
 * Event channels: Xen's event_channel_op (2-level and FIFO ABIs), their delivery to
 * vCPUs, VIRQs and the global VIRQ handler (common/event_channel.c,
 * docs/hypercalls.md "event_channel_op").
 *
 * Locks (include/lock_order.h): evtchn_bind_lock (one, machine-wide) is
 * taken around every change of an interdomain binding and every close;
 * each domain's evtchn.lock guards its ports. No code holds two domains'
 * event locks at once: an interdomain operation locks one side, then the
 * other, under evtchn_bind_lock, which keeps the pair consistent.
 */
#ifndef MICA_EVENT_H
#define MICA_EVENT_H

#include "domain.h"
#include "public/xen.h" /* struct vcpu_info */

/* Set up d's event state (domain_create, after the special frames exist):
 * every vCPU's vcpu_info is its slot in shared_info. */
void evtchn_domain_init(struct domain *d);

/* d has its domid (domain_create, once published): the first privileged
 * domain becomes the default handler of global VIRQs. */
void evtchn_domain_published(struct domain *d);

/* Close every port of a DYING domain (peers see EVTCHNSTAT_unbound), drop
 * the registered vcpu_info pages, free the port table, and clear any global
 * VIRQ d handles (dropping the reference the delegation held). */
void evtchn_domain_destroy(struct domain *d);

/* Raise a per-vCPU VIRQ on v / a global VIRQ on its handler domain (the
 * delegate of XEN_DOMCTL_set_virq_handler, else the privileged domain).
 * Nothing if no port is bound. Callable with no lock held. */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
void send_global_virq(unsigned int virq);

/* A port of d bound to a service of Mica's (ECS_MICA): the guest's sends on
 * it call notify(d), with no lock held. The port number, or -ENOSPC /
 * -ENOMEM. evtchn_send_from_mica makes it pending (nothing if the guest has
 * closed it meanwhile). Callable with no lock held. */
long evtchn_alloc_mica_port(struct domain *d, void (*notify)(struct domain *d));
void evtchn_send_from_mica(struct domain *d, uint32_t port);

/* XEN_DOMCTL_set_virq_handler: make d the handler of global virq. 0,
 * -EINVAL (not a global VIRQ), -ESRCH (d is dying). */
int evtchn_set_virq_handler(struct domain *d, unsigned int virq);

/* VCPUOP_register_vcpu_info for v (the caller itself or an offline vCPU). */
long evtchn_register_vcpu_info(struct vcpu *v, uint64_t gfn, uint32_t offset);

/* HVM_PARAM_CALLBACK_IRQ / HVMOP_set_evtchn_upcall_vector. */
long evtchn_set_callback_param(struct domain *d, uint64_t value);
uint64_t evtchn_get_callback_param(struct domain *d);
long evtchn_set_upcall_vector(struct vcpu *v, uint8_t vector);

/* Record the caller's word size as its shared_info layout (Xen latches it
 * when a guest maps shared_info or sets its callback). */
void evtchn_latch_shinfo_size(struct domain *d, bool compat);

/* SCHEDOP_poll, its argument read (include/compat/sched.h): 0 (returns at
 * once if a port is pending, else blocks v); -EINVAL, -EFAULT, -EPERM. */
struct schedop_poll;
long evtchn_poll(struct vcpu *v, const struct schedop_poll *p);

/* Has v's SCHEDOP_poll timeout passed? (The scheduler asks at its tick.) */
bool evtchn_poll_expired(const struct vcpu *v);

/* Should a blocked v wake? An upcall is pending and not masked. */
bool evtchn_vcpu_wants_upcall(const struct vcpu *v);

/* The vector to inject for v's pending upcall, or 0 (none configured). */
unsigned int evtchn_upcall_vector(const struct vcpu *v);

/* Debug key 'e': print every domain's bound ports and raise VIRQ_DEBUG on
 * every vCPU. */
void evtchn_key_dump(void);

#endif
