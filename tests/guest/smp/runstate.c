/*
 * Runstates (docs/hypercalls.md, vcpu_op and vm_assist): how long each vCPU
 * has been running, runnable, blocked and offline, read with
 * VCPUOP_get_runstate_info and kept in guest memory after
 * VCPUOP_register_runstate_memory_area, as Linux uses them for steal time.
 *
 * Run with 2 vCPUs and the argument vcpus=2; vCPU 1 is never started, so
 * it is offline throughout. Without the argument (Xen's oracle, whose dom0
 * has one vCPU: tools/test-xen.sh) the checks of vCPU 1 need a vCPU 1.
 * - vm_assist: runstate_update_flag (5) may be turned on and off; another
 *   type is -EINVAL (checked before the command), another command -ENOSYS.
 * - get_runstate_info: vCPU 0 (the caller) is running and has run; vCPU 1
 *   is offline and has never run; a vCPU that does not exist is -ENOENT;
 *   an unwritable buffer -EFAULT.
 * - register_runstate_memory_area: the copy is written at once (vCPU 0's
 *   says running, vCPU 1's offline); after vCPU 0 blocks a few times its
 *   copy has been rewritten (it was scheduled in again): more time blocked,
 *   a later state_entry_time, and never XEN_RUNSTATE_UPDATE left set (the
 *   blocks poll VIRQ_TIMER's port, so they end under Xen too, which, unlike
 *   Mica, wakes a blocked vCPU only for an event). An
 *   area Mica cannot write is no error (the copy is dropped); an unreadable
 *   argument is -EFAULT.
 */
#include "test.h"
#include "args.h"
#include "evtchn.h"

TEST_NAME("runstate");

/* An address with no RAM behind it (16 MiB domains; paging is off in the
 * 32-bit flavour, so NULL would be valid there). */
#define NO_RAM 0x20000000UL

static struct vcpu_runstate_info area0, area1;

static long runstate_info(unsigned int vcpu, struct vcpu_runstate_info *info)
{
    return HYPERVISOR_vcpu_op(VCPUOP_get_runstate_info, vcpu, info);
}

static long register_area(unsigned int vcpu, unsigned long addr)
{
    struct vcpu_register_runstate_memory_area reg = { .addr = addr };

    return HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, vcpu, &reg);
}

static uint64_t total(const struct vcpu_runstate_info *info)
{
    return info->time[RUNSTATE_running] + info->time[RUNSTATE_runnable] +
           info->time[RUNSTATE_blocked] + info->time[RUNSTATE_offline];
}

static void show(const char *what, const struct vcpu_runstate_info *info)
{
    gprintf("%s: state %d since %llu ns; running %llu, runnable %llu, blocked %llu, offline %llu\n",
            what, info->state, (unsigned long long)info->state_entry_time,
            (unsigned long long)info->time[RUNSTATE_running],
            (unsigned long long)info->time[RUNSTATE_runnable],
            (unsigned long long)info->time[RUNSTATE_blocked],
            (unsigned long long)info->time[RUNSTATE_offline]);
}

static void check_vm_assist(void)
{
    CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0);
    CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_runstate_update_flag), 0);
    CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, 0), -XEN_EINVAL);  /* PV's 4gb_segments */
    CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, 64), -XEN_EINVAL); /* past the bit mask */
    CHECK_EQ(HYPERVISOR_vm_assist(7, 0), -XEN_EINVAL);                  /* the type first */
    CHECK_EQ(HYPERVISOR_vm_assist(7, VMASST_TYPE_runstate_update_flag), -XEN_ENOSYS);
    CHECK_EQ(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0);
}

static unsigned int nr_vcpus; /* VCPUOP_is_up answers -ENOENT past the last */

static void count_vcpus(void)
{
    unsigned long expect;

    while (HYPERVISOR_vcpu_op(VCPUOP_is_up, nr_vcpus, NULL) >= 0)
        nr_vcpus++;
    if (guest_arg_ulong("vcpus", &expect) == 0)
        CHECK_EQ(nr_vcpus, expect);
}

static void check_get_info(void)
{
    struct vcpu_runstate_info a, b;

    CHECK_EQ(runstate_info(0, &a), 0);
    show("vCPU 0", &a);
    CHECK_EQ(a.state, RUNSTATE_running);
    CHECK(a.time[RUNSTATE_running] > 0);
    CHECK_EQ(runstate_info(0, &b), 0);
    CHECK(total(&b) >= total(&a)); /* counted up to each call */
    CHECK(b.time[RUNSTATE_running] >= a.time[RUNSTATE_running]);

    if (nr_vcpus >= 2) {
        CHECK_EQ(runstate_info(1, &a), 0);
        show("vCPU 1", &a);
        CHECK_EQ(a.state, RUNSTATE_offline);
        CHECK_EQ(a.time[RUNSTATE_running], 0);
        CHECK(a.time[RUNSTATE_offline] > 0);
    }
    CHECK_EQ(runstate_info(nr_vcpus, &a), -XEN_ENOENT);
    CHECK_EQ(runstate_info(0, (struct vcpu_runstate_info *)NO_RAM), -XEN_EFAULT);
}

static void check_areas(void)
{
    struct vcpu_runstate_info before;

    CHECK_EQ(register_area(0, (unsigned long)&area0), 0);
    CHECK_EQ(area0.state, RUNSTATE_running);
    CHECK(area0.state_entry_time != 0);
    if (nr_vcpus >= 2) {
        CHECK_EQ(register_area(1, (unsigned long)&area1), 0);
        CHECK_EQ(area1.state, RUNSTATE_offline);
        CHECK_EQ(area1.time[RUNSTATE_running], 0);
    }

    /* Block three times until VIRQ_TIMER: set_timer_op with a negative
     * timeout fires 100 ms later (Xen's rule for a wrapped timeout), and
     * SCHEDOP_poll sleeps until its port is pending (a plain SCHEDOP_block
     * would need an upcall, which this guest does not take). */
    long timer = evtchn_bind_virq(VIRQ_TIMER, 0);
    evtchn_port_t ports[1] = { (evtchn_port_t)timer };
    struct sched_poll poll = { .nr_ports = 1, .timeout = 0 };

    CHECK(timer > 0);
    set_xen_guest_handle(poll.ports, ports);
    evtchn_set_mask((evtchn_port_t)timer, 1);
    before = area0;
    for (int i = 0; i < 3 && timer > 0; i++) {
        CHECK_EQ(hypercall5(__HYPERVISOR_set_timer_op, ~0UL, ~0UL, 0, 0, 0), 0);
        CHECK_EQ(HYPERVISOR_sched_op(SCHEDOP_poll, &poll), 0);
        CHECK(evtchn_test_and_clear((evtchn_port_t)timer));
    }
    show("vCPU 0's copy after 3 blocks", &area0);
    CHECK_EQ(area0.state, RUNSTATE_running);
    CHECK(area0.time[RUNSTATE_blocked] > before.time[RUNSTATE_blocked]);
    CHECK(area0.state_entry_time > before.state_entry_time);
    CHECK_EQ(area0.state_entry_time & XEN_RUNSTATE_UPDATE, 0);
    CHECK(total(&area0) > total(&before));

    /* An area Mica cannot write: the registration succeeds, the copies are
     * dropped; an unreadable argument is the only -EFAULT. */
    CHECK_EQ(register_area(0, NO_RAM), 0);
    HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    CHECK_EQ(HYPERVISOR_vcpu_op(VCPUOP_register_runstate_memory_area, 0, (void *)NO_RAM),
             -XEN_EFAULT);
    CHECK_EQ(register_area(0, 0), 0); /* none */
}

void test_main(void)
{
    if (!CHECK_EQ(evtchn_map_shared_info(), 0))
        return;
    count_vcpus();
    check_vm_assist();
    check_get_info();
    check_areas();
}
