/*
 * Mica's guest ABI: HYPERVISOR_hvm_op(op, arg)
 * (mirrors xen/include/public/hvm/hvm_op.h).
 */
#ifndef MICA_PUBLIC_HVM_HVM_OP_H
#define MICA_PUBLIC_HVM_HVM_OP_H

#include "../xen.h"

#define HVMOP_set_param           0
#define HVMOP_get_param           1
#define HVMOP_set_pci_intx_level  2
#define HVMOP_set_isa_irq_level   3
#define HVMOP_set_pci_link_route  4
#define HVMOP_flush_tlbs          5
#define HVMOP_pagetable_dying     9
#define HVMOP_get_time           10
#define HVMOP_xentrace           11
#define HVMOP_get_mem_type       15
#define HVMOP_set_evtchn_upcall_vector 23
#define HVMOP_guest_request_vm_event 24
#define HVMOP_altp2m             25

/* Mirrors hvm_op.h (and params.h) struct xen_hvm_param: same in both ABIs. */
struct xen_hvm_param {
    domid_t  domid;     /* IN: DOMID_SELF or a domain id */
    uint32_t index;     /* IN: HVM_PARAM_* */
    uint64_t value;     /* IN/OUT */
};
typedef struct xen_hvm_param xen_hvm_param_t;
_Static_assert(sizeof(struct xen_hvm_param) == 16, "xen_hvm_param is 16 bytes");
_Static_assert(__builtin_offsetof(struct xen_hvm_param, index) == 4, "index @4");
_Static_assert(__builtin_offsetof(struct xen_hvm_param, value) == 8, "value @8");

/* HVMOP_set_evtchn_upcall_vector: deliver vCPU `vcpu`'s event upcalls as
 * interrupt `vector` (0x10..0xff), in place of HVM_PARAM_CALLBACK_IRQ. */
struct xen_hvm_evtchn_upcall_vector {
    uint32_t vcpu;
    uint8_t vector;
};
_Static_assert(sizeof(struct xen_hvm_evtchn_upcall_vector) == 8, "upcall_vector is 8 bytes");

#endif /* MICA_PUBLIC_HVM_HVM_OP_H */
