/* Each vCPU's runstate: the times the scheduler accounts, and the copy in
 * the guest's memory (include/runstate.h). */
#include "runstate.h"
#include "domain.h"
#include "compat/vcpu.h"
#include "guest_access.h"
#include "lib/string.h"
#include "public/errno.h"
#include "public/xen.h"
#include "schedule.h"
#include "timer.h"

void runstate_init(struct vcpu *v)
{
    v->runstate.info.state = RUNSTATE_offline;
    v->runstate.info.state_entry_time = system_time_ns();
}

void runstate_change(struct vcpu *v, int state)
{
    struct vcpu_runstate_info *info = &v->runstate.info;
    uint64_t now;

    if (info->state == state)
        return;
    now = system_time_ns();
    info->time[info->state] += now - info->state_entry_time;
    info->state = state;
    info->state_entry_time = now;
}

void runstate_count_to_now(struct vcpu_runstate_info *info)
{
    info->time[info->state] += system_time_ns() - info->state_entry_time;
}

void runstate_publish(struct vcpu *v)
{
    uint64_t area = __atomic_load_n(&v->runstate.area, __ATOMIC_ACQUIRE);
    bool compat = v->runstate.area_compat;
    bool flag = __atomic_load_n(&v->domain->vm_assist, __ATOMIC_RELAXED) &
                (1UL << VMASST_TYPE_runstate_update_flag);
    struct vcpu_runstate_info info;
    uint8_t bytes[sizeof(info)];
    size_t size;

    if (!area)
        return;
    sched_runstate_read(v, &info);

    /* With the update flag the guest can tell a copy in progress: Xen
     * first sets XEN_RUNSTATE_UPDATE in the copy's state_entry_time, then
     * writes it all, then clears the flag, a write barrier between each
     * (x86 keeps stores in order: APM vol. 2, 7.2). */
    if (flag) {
        uint64_t marked = info.state_entry_time | XEN_RUNSTATE_UPDATE;
        if (copy_to_guest(v, xlat_vcpu_runstate_entry_time(area, compat), &marked, sizeof(marked)))
            return;
        info.state_entry_time = marked;
    }
    size = xlat_vcpu_runstate_info_out(&info, compat, bytes);
    if (copy_to_guest(v, area, bytes, size) || !flag)
        return;
    info.state_entry_time &= ~XEN_RUNSTATE_UPDATE;
    copy_to_guest(v, xlat_vcpu_runstate_entry_time(area, compat), &info.state_entry_time,
                  sizeof(info.state_entry_time));
}

long runstate_register_area(struct vcpu *caller, struct vcpu *v, uint64_t arg, bool compat)
{
    struct vcpu_runstate_info info;
    uint8_t bytes[sizeof(info)];
    uint64_t area;

    if (xlat_vcpu_register_runstate_in(caller, compat, arg, &area))
        return -XEN_EFAULT;
    v->runstate.area_compat = compat;
    __atomic_store_n(&v->runstate.area, area, __ATOMIC_RELEASE);

    /* The first copy at once, through the caller's page tables (Xen's
     * order: the registering vCPU's address space, whichever vCPU the
     * area is for); like every later one, a copy that fails is no error. */
    if (area) {
        size_t size;

        sched_runstate_read(v, &info);
        size = xlat_vcpu_runstate_info_out(&info, compat, bytes);
        copy_to_guest(caller, area, bytes, size);
    }
    return 0;
}

long runstate_get_info(struct vcpu *caller, struct vcpu *v, uint64_t arg, bool compat)
{
    struct vcpu_runstate_info info;
    uint8_t bytes[sizeof(info)];

    size_t size;

    sched_runstate_read(v, &info);
    runstate_count_to_now(&info);
    size = xlat_vcpu_runstate_info_out(&info, compat, bytes);
    if (copy_to_guest(caller, arg, bytes, size))
        return -XEN_EFAULT;
    return 0;
}
