/*
 * sysctl (hypercall 35): what a control domain may ask about the machine
 * (include/public/sysctl.h, Xen 4.17's layout).
 *
 *   XEN_SYSCTL_physinfo  sysctl_physinfo (dummy: PRIV; FLASK xen: physinfo):
 *                        the CPUs, the TSC's rate, what Mica offers (HVM
 *                        guests on nested paging, grant tables v1), and the
 *                        machine's memory: the frames Mica's allocator
 *                        manages and how many of them are free now (a
 *                        domain builder watches that number come back).
 *                        Mica reads no CPU topology: each CPU is a core of
 *                        one socket, one NUMA node; hw_cap stays zero.
 *   a wrong interface version -EACCES (as Xen), other commands -ENOSYS,
 *   a bad pointer -EFAULT
 */
#include "arch.h"
#include "frame.h"
#include "guest_access.h"
#include "hypercall.h"
#include "lib/string.h"
#include "mm.h"
#include "percpu.h"
#include "public/errno.h"
#include "public/sysctl.h"
#include "xsm.h"

static void fill_physinfo(struct xen_sysctl_physinfo *pi)
{
    unsigned int online = 0;

    memset(pi, 0, sizeof(*pi));
    for (unsigned int cpu = 0; cpu < nr_cpus; cpu++)
        online += percpu_areas[cpu].online;
    pi->threads_per_core = 1;
    pi->cores_per_socket = online;
    pi->nr_cpus = online;
    pi->max_cpu_id = nr_cpus - 1;
    pi->nr_nodes = 1;
    pi->max_node_id = 0;
    pi->cpu_khz = (uint32_t)(arch_tsc_hz() / 1000);
    pi->capabilities = XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap |
                       XEN_SYSCTL_PHYSCAP_gnttab_v1;
    pi->total_pages = page_alloc_usable_frames();
    pi->free_pages = page_alloc_free_frames();
    pi->max_mfn = frame_table_size - 1;
}

long do_sysctl(struct vcpu *v, const struct hypercall_args *a)
{
    struct xen_sysctl op;

    if (copy_from_guest(v, &op, a->arg[0], offsetof(struct xen_sysctl, u)))
        return -XEN_EFAULT;
    if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
        return -XEN_EACCES;
    if (op.cmd != XEN_SYSCTL_physinfo)
        return -XEN_ENOSYS;
    if (XSM_CALL(sysctl_physinfo, v->domain))
        return -XEN_EPERM;
    fill_physinfo(&op.u.physinfo);
    if (copy_to_guest(v, a->arg[0] + offsetof(struct xen_sysctl, u), &op.u.physinfo,
                      sizeof(op.u.physinfo)))
        return -XEN_EFAULT;
    return 0;
}
