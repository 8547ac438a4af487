/*
 * Mica's guest ABI: HVM parameter indices for HVMOP_set_param/get_param
 * (mirrors xen/include/public/hvm/params.h).
 */
#ifndef MICA_PUBLIC_HVM_PARAMS_H
#define MICA_PUBLIC_HVM_PARAMS_H

#include "hvm_op.h"

#define HVM_PARAM_CALLBACK_IRQ          0   /* event-channel upcall method */
#define HVM_PARAM_STORE_PFN             1   /* xenstore ring page */
#define HVM_PARAM_STORE_EVTCHN          2   /* xenstore event channel */
#define HVM_PARAM_PAE_ENABLED           4
#define HVM_PARAM_IOREQ_PFN             5
#define HVM_PARAM_BUFIOREQ_PFN          6
#define HVM_PARAM_VIRIDIAN              9
#define HVM_PARAM_TIMER_MODE           10
#define HVM_PARAM_HPET_ENABLED         11
#define HVM_PARAM_IDENT_PT             12
#define HVM_PARAM_ACPI_S_STATE         14
#define HVM_PARAM_VM86_TSS             15
#define HVM_PARAM_VPT_ALIGN            16
#define HVM_PARAM_CONSOLE_PFN          17   /* console ring page */
#define HVM_PARAM_CONSOLE_EVTCHN       18   /* console event channel */
#define HVM_PARAM_ACPI_IOPORTS_LOCATION 19
#define HVM_PARAM_NESTEDHVM            24
#define HVM_PARAM_BUFIOREQ_EVTCHN      26
#define HVM_PARAM_PAGING_RING_PFN      27
#define HVM_PARAM_MONITOR_RING_PFN     28
#define HVM_PARAM_SHARING_RING_PFN     29
#define HVM_PARAM_TRIPLE_FAULT_REASON  31
#define HVM_PARAM_IOREQ_SERVER_PFN     32
#define HVM_PARAM_NR_IOREQ_SERVER_PAGES 33
#define HVM_PARAM_VM_GENERATION_ID_ADDR 34
#define HVM_PARAM_ALTP2M               35
#define HVM_PARAM_X87_FIP_WIDTH        36
#define HVM_PARAM_VM86_TSS_SIZED       37
#define HVM_PARAM_MCA_CAP              38

#define HVM_NR_PARAMS                  39

/* HVM_PARAM_CALLBACK_IRQ's value: the delivery type in bits 63:56. */
#define HVM_PARAM_CALLBACK_IRQ_TYPE_SHIFT   56
#define HVM_PARAM_CALLBACK_TYPE_GSI         0   /* value = GSI (0: none)   */
#define HVM_PARAM_CALLBACK_TYPE_PCI_INTX    1
#define HVM_PARAM_CALLBACK_TYPE_VECTOR      2   /* bits 7:0 = the vector   */
#define HVM_PARAM_CALLBACK_TYPE_PPI         3   /* Arm                     */

#endif /* MICA_PUBLIC_HVM_PARAMS_H */
