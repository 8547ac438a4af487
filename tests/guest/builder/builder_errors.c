/*
 * The errors of the domain-building domctls (builder.h), as Xen 4.17 gives
 * them, and where Mica differs (docs/hypercalls.md, "domctl"). Every
 * refused createdomain leaves no domain behind; the run's end checks that
 * no frame leaked. The role comes after " -- ":
 *
 *   role=builder  (d0, privileged; its boot module is the child's image)
 *                 every bad createdomain configuration and domid, max_vcpus,
 *                 max_mem below what a domain owns, setvcpucontext on the
 *                 caller, a vCPU it lacks, a bad pointer or context, a vCPU
 *                 that runs; unpause before vCPU 0 has a start state; the
 *                 ssidref (xsm=flask: a SID, else ignored); sysctl physinfo.
 *                 Then it waits for the unprivileged domain to be done.
 *   role=unpriv   (d1, unprivileged) every building domctl, and physinfo,
 *                 is -EPERM.
 */
#include "../platform/time_guest.h"
#include "args.h"
#include "builder.h"
#include <public/xsm/flask_op.h>

TEST_NAME("builder_errors");

#define BUILDER 0
#define UNPRIV 1
#define WAIT_BLOCKS 3000
/* A gfn that is a hole in every domain: no guest pointer may reach it. */
#define HOLE_ADDR 0xF0000000UL

static evtchn_port_t dom_exc;

/* createdomain with pvh_config changed by `change`, expecting rc. */
static void create_fails(int change, long rc)
{
    struct xen_domctl_createdomain c;
    domid_t d = DOMID_INVALID;

    pvh_config(&c, 1);
    switch (change) {
    case 0:
        c.flags = 0;
        break; /* PV */
    case 1:
        c.flags = XEN_DOMCTL_CDF_hvm;
        break; /* shadow paging */
    case 2:
        c.flags = XEN_DOMCTL_CDF_hap;
        break; /* HAP without HVM */
    case 3:
        c.flags |= 1u << 8;
        break; /* no such flag */
    case 4:
        c.flags |= XEN_DOMCTL_CDF_iommu;
        break;
    case 5:
        c.flags |= XEN_DOMCTL_CDF_nested_virt;
        break;
    case 6:
        c.flags |= XEN_DOMCTL_CDF_vpmu;
        break;
    case 7:
        c.flags |= XEN_DOMCTL_CDF_s3_integrity;
        break;
    case 8:
        c.iommu_opts = 1;
        break;
    case 9:
        c.max_vcpus = 0;
        break;
    case 10:
        c.max_vcpus = 9;
        break;
    case 11:
        c.grant_opts = 0;
        break; /* grant table version 0 */
    case 12:
        c.grant_opts = 2;
        break; /* v2: Mica has v1 only */
    case 13:
        c.grant_opts = 0x11;
        break;
    case 14:
        c.max_grant_frames = 0;
        break;
    case 15:
        c.max_grant_frames = 65;
        break;
    case 16:
        c.max_maptrack_frames = 1025;
        break;
    case 17:
        c.vmtrace_size = 4096;
        break;
    case 18:
        c.cpupool_id = 1;
        break;
    case 19:
        c.arch.emulation_flags = 0;
        break; /* PV's */
    case 20:
        c.arch.emulation_flags = XEN_X86_EMU_ALL;
        break; /* HVM's */
    case 21:
        c.arch.emulation_flags = 1u << 11;
        break;
    case 22:
        c.arch.misc_flags = XEN_X86_MSR_RELAXED;
        break;
    case 23:
        c.arch.misc_flags = 2;
        break;
    }
    if (!CHECK_EQ(create_domain(&c, 0, &d), rc))
        gprintf("createdomain change %d: d%u\n", change, d);
}

static void bad_configs(void)
{
    static const long expect[] = {
        -XEN_EINVAL, -XEN_EINVAL,     -XEN_EINVAL,     -XEN_EINVAL, -XEN_EINVAL,     -XEN_EINVAL,
        -XEN_EINVAL, -XEN_EINVAL,     -XEN_EINVAL,     -XEN_EINVAL, -XEN_EINVAL,     -XEN_EINVAL,
        -XEN_EINVAL, -XEN_EINVAL,     -XEN_EINVAL,     -XEN_EINVAL, -XEN_EINVAL,     -XEN_EINVAL,
        -XEN_ESRCH,  -XEN_EOPNOTSUPP, -XEN_EOPNOTSUPP, -XEN_EINVAL, -XEN_EOPNOTSUPP, -XEN_EINVAL,
    };
    struct xen_domctl_getdomaininfo info = { 0 };
    static struct xen_domctl op;

    for (int i = 0; i < (int)(sizeof(expect) / sizeof(expect[0])); i++)
        create_fails(i, expect[i]);
    /* An interface version not 4.17's, and an argument we cannot read. */
    memset(&op, 0, sizeof(op));
    pvh_config(&op.u.createdomain, 1);
    op.h.cmd = XEN_DOMCTL_createdomain;
    op.h.interface_version = 0x14;
    CHECK_EQ(hypercall5(__HYPERVISOR_domctl, (unsigned long)&op, 0, 0, 0, 0), -XEN_EACCES);
    CHECK_EQ(hypercall5(__HYPERVISOR_domctl, HOLE_ADDR, 0, 0, 0, 0), -XEN_EFAULT);
    /* None of them left a domain: none but the two of us exists. */
    CHECK_EQ(domain_info(UNPRIV + 1, &info), -XEN_ESRCH);
    gprintf("bad configurations refused\n");
}

/* The domids createdomain gives: a free one we ask for, or any but 0. */
static void domids(void)
{
    struct xen_domctl_createdomain c;
    domid_t a = DOMID_INVALID, b = DOMID_INVALID, e = DOMID_INVALID;
    struct xen_domctl_getdomaininfo info = { 0 };

    pvh_config(&c, 1);
    c.flags |= XEN_DOMCTL_CDF_oos_off | XEN_DOMCTL_CDF_xs_domain; /* both taken */
    CHECK_EQ(create_domain(&c, 0, &a), 0);
    CHECK(a != 0 && a != DOMID_INVALID);
    CHECK_EQ(create_domain(&c, a, &e), -XEN_EEXIST);
    CHECK_EQ(create_domain(&c, BUILDER, &b), 0); /* 0: any */
    CHECK(b != BUILDER && b != a);
    CHECK_EQ(domctl_simple(XEN_DOMCTL_destroydomain, b), 0);
    CHECK_EQ(create_domain(&c, DOMID_SELF, &b), 0); /* reserved: any */
    CHECK(b < DOMID_FIRST_RESERVED && b != a);
    CHECK_EQ(domctl_simple(XEN_DOMCTL_destroydomain, b), 0);
    CHECK_EQ(create_domain(&c, 0x1234, &b), 0);
    CHECK_EQ(b, 0x1234);
    CHECK_EQ(domain_info(a, &info), 0);
    CHECK(info.flags & XEN_DOMINF_xs_domain);
    CHECK(info.flags & XEN_DOMINF_paused);
    /* A domain never started is destroyed like any other. */
    CHECK_EQ(domctl_simple(XEN_DOMCTL_destroydomain, a), 0);
    CHECK_EQ(domctl_simple(XEN_DOMCTL_destroydomain, 0x1234), 0);
    CHECK(wait_gone(a, dom_exc, WAIT_BLOCKS));
    CHECK(wait_gone(0x1234, dom_exc, WAIT_BLOCKS));
    gprintf("domids: d%u, then d%u asked for\n", a, 0x1234);
}

/* max_vcpus and max_mem on a 2-vCPU domain, memory through populate_physmap. */
static void limits(domid_t d)
{
    struct xen_domctl_getdomaininfo info = { 0 };
    xen_pfn_t gfn = 0;

    CHECK_EQ(set_max_vcpus(d, 1), -XEN_EINVAL); /* not createdomain's */
    CHECK_EQ(set_max_vcpus(d, 2), 0);
    CHECK_EQ(set_max_vcpus(BUILDER, 1), -XEN_EINVAL); /* the caller itself */
    CHECK_EQ(set_max_vcpus(0x7000, 2), -XEN_ESRCH);

    /* No memory before max_mem: not an extent. */
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, &gfn, 1, 0, d), 0);
    CHECK_EQ(set_max_mem(d, CHILD_MEM_KB), 0);
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, &gfn, 1, CHILD_MEM_ORDER, d), 1);
    /* Below what it owns: taken (as Xen), it keeps its pages, gets no more. */
    CHECK_EQ(set_max_mem(d, CHILD_MEM_KB / 2), 0);
    CHECK_EQ(domain_info(d, &info), 0);
    CHECK_EQ(info.max_pages, CHILD_MEM_PAGES / 2);
    CHECK_EQ(info.tot_pages, CHILD_MEM_PAGES);
    CHECK_EQ(info.max_vcpu_id, 1);
    gfn = CHILD_MEM_PAGES;
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, &gfn, 1, 0, d), 0);
    CHECK_EQ(set_max_mem(d, 2 * CHILD_MEM_KB), 0);
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, &gfn, 1, 0, d), 1);
    CHECK_EQ(domain_info(d, &info), 0);
    CHECK_EQ(info.tot_pages, CHILD_MEM_PAGES + 1);
    gprintf("max_vcpus and max_mem checked\n");
}

/* setvcpucontext before the domain starts, and unpause without it. */
static void contexts_before_start(domid_t d, const struct child_image *ci)
{
    struct vcpu_hvm_context ctx, bad;
    struct xen_domctl_getdomaininfo info = { 0 };

    pvh_entry_context(&ctx, ci->entry, CHILD_START_INFO_GFN * PAGE_SIZE);
    CHECK_EQ(set_vcpu_context(d, 2, &ctx), -XEN_EINVAL);       /* no vCPU 2 */
    CHECK_EQ(set_vcpu_context(BUILDER, 0, &ctx), -XEN_EINVAL); /* the caller */
    CHECK_EQ(set_vcpu_context(d, 0, (const void *)HOLE_ADDR), -XEN_EFAULT);
    bad = ctx;
    bad.mode = 7;
    CHECK_EQ(set_vcpu_context(d, 0, &bad), -XEN_EINVAL);
    bad = ctx;
    bad.cpu_regs.x86_32.cs_ar = 0xC93; /* CS a data segment */
    CHECK_EQ(set_vcpu_context(d, 0, &bad), -XEN_EINVAL);

    /* Unpause needs vCPU 0's start state (Xen would run a domain whose
     * vCPUs are all down, for ever). */
    CHECK_EQ(domctl_simple(XEN_DOMCTL_unpausedomain, d), -XEN_EINVAL);
    CHECK_EQ(set_vcpu_context(d, 1, &ctx), 0); /* vCPU 1's is not enough */
    CHECK_EQ(domctl_simple(XEN_DOMCTL_unpausedomain, d), -XEN_EINVAL);
    CHECK_EQ(set_vcpu_context(d, 0, &ctx), 0);
    CHECK_EQ(set_vcpu_context(d, 0, NULL), 0); /* reset: none again */
    CHECK_EQ(domctl_simple(XEN_DOMCTL_unpausedomain, d), -XEN_EINVAL);
    CHECK_EQ(set_vcpu_context(d, 1, NULL), 0);
    /* A created domain is not running: it cannot be paused. */
    CHECK_EQ(domctl_simple(XEN_DOMCTL_pausedomain, d), -XEN_EINVAL);
    CHECK_EQ(domain_info(d, &info), 0);
    CHECK(info.flags & XEN_DOMINF_paused);
    CHECK_EQ(info.nr_online_vcpus, 0);
    gprintf("start states checked before the start\n");
}

/* The domain runs: its vCPUs' start states are fixed, those it has not
 * got yet may still be given. */
static void contexts_while_running(domid_t d, const struct child_image *ci)
{
    volatile struct child_mailbox *mb = gfn_ptr(FOREIGN_MAILBOX);
    struct xen_domctl_getdomaininfo info = { 0 };
    struct vcpu_hvm_context ctx;
    uint64_t until;

    CHECK_EQ(load_child(d, ci, 7, CHILD_WAIT), 0);
    pvh_entry_context(&ctx, ci->entry, CHILD_START_INFO_GFN * PAGE_SIZE);
    CHECK_EQ(set_vcpu_context(d, 0, &ctx), 0);
    CHECK_EQ(domctl_simple(XEN_DOMCTL_unpausedomain, d), 0);
    CHECK_EQ(domctl_simple(XEN_DOMCTL_unpausedomain, d), -XEN_EINVAL); /* not paused */
    CHECK_EQ(set_vcpu_context(d, 0, &ctx), -XEN_EBUSY);
    CHECK_EQ(set_vcpu_context(d, 0, NULL), -XEN_EBUSY);
    CHECK_EQ(set_vcpu_context(d, 1, &ctx), 0); /* vCPU 1 has never run */
    CHECK_EQ(set_vcpu_context(d, 1, &ctx), -XEN_EBUSY);
    CHECK_EQ(domctl_simple(XEN_DOMCTL_pausedomain, d), 0);
    CHECK_EQ(domain_info(d, &info), 0);
    CHECK(info.flags & XEN_DOMINF_paused);
    CHECK_EQ(domctl_simple(XEN_DOMCTL_unpausedomain, d), 0);

    until = time_now(0) + 30 * NS_PER_SEC;
    while (!__atomic_load_n(&mb->done, __ATOMIC_ACQUIRE) && time_now(0) < until)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    CHECK_EQ(mb->done, 1);
    CHECK_EQ(mb->domid, d);
    CHECK_EQ(mb->result, expected_sum(ci, 7));
    CHECK_EQ(domctl_simple(XEN_DOMCTL_destroydomain, d), 0);
    CHECK(wait_gone(d, dom_exc, WAIT_BLOCKS));
    CHECK_EQ(set_vcpu_context(d, 0, &ctx), -XEN_ESRCH);
    CHECK_EQ(set_max_mem(d, CHILD_MEM_KB), -XEN_ESRCH);
    CHECK_EQ(unmap_pages(FOREIGN_MAILBOX, 1), 0);
    gprintf("start states checked while it runs\n");
}

/* FLASK_CONTEXT_TO_SID: the SID of a type, or -errno. */
static long sid_of(const char *type)
{
    static struct xen_flask_op op;

    memset(&op, 0, sizeof(op));
    op.cmd = FLASK_CONTEXT_TO_SID;
    op.interface_version = XEN_FLASK_INTERFACE_VERSION;
    set_xen_guest_handle(op.u.sid_context.context, (char *)(uintptr_t)type);
    op.u.sid_context.size = (uint32_t)strlen(type);
    long rc = HYPERVISOR_xsm_op(&op);
    return rc ? rc : (long)op.u.sid_context.sid;
}

/* createdomain's ssidref: FLASK's SID of the new domain's label; the
 * dummy module ignores it. */
static void ssidrefs(int flask)
{
    struct xen_domctl_createdomain c;
    domid_t d = DOMID_INVALID;

    pvh_config(&c, 1);
    c.ssidref = 0x7777;
    CHECK_EQ(create_domain(&c, 0, &d), flask ? -XEN_EINVAL : 0);
    if (!flask) {
        CHECK_EQ(domctl_simple(XEN_DOMCTL_destroydomain, d), 0);
        CHECK(wait_gone(d, dom_exc, WAIT_BLOCKS));
        return;
    }
    c.ssidref = (uint32_t)sid_of("stub_t");
    CHECK(c.ssidref > 0);
    CHECK_EQ(create_domain(&c, 0, &d), 0);
    CHECK_EQ(domctl_simple(XEN_DOMCTL_destroydomain, d), 0);
    CHECK(wait_gone(d, dom_exc, WAIT_BLOCKS));
    gprintf("ssidref: a label's SID\n");
}

/* sysctl physinfo: the machine as QEMU gives it (2 CPUs), and its errors. */
static void machine(void)
{
    struct xen_sysctl_physinfo pi;
    static struct xen_sysctl op;

    memset(&pi, 0, sizeof(pi));
    CHECK_EQ(physinfo(&pi), 0);
    CHECK_EQ(pi.nr_cpus, 2);
    CHECK_EQ(pi.max_cpu_id, 1);
    CHECK_EQ(pi.threads_per_core * pi.cores_per_socket, 2);
    CHECK_EQ(pi.nr_nodes, 1);
    CHECK_EQ(pi.capabilities,
             XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap | XEN_SYSCTL_PHYSCAP_gnttab_v1);
    CHECK(pi.cpu_khz > 0);
    CHECK(pi.free_pages > 0 && pi.free_pages < pi.total_pages);
    CHECK(pi.max_mfn >= pi.total_pages);
    memset(&op, 0, sizeof(op));
    op.cmd = XEN_SYSCTL_physinfo;
    op.interface_version = 0x14;
    CHECK_EQ(hypercall5(__HYPERVISOR_sysctl, (unsigned long)&op, 0, 0, 0, 0), -XEN_EACCES);
    op.cmd = 99;
    op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    CHECK_EQ(hypercall5(__HYPERVISOR_sysctl, (unsigned long)&op, 0, 0, 0, 0), -XEN_ENOSYS);
    CHECK_EQ(hypercall5(__HYPERVISOR_sysctl, HOLE_ADDR, 0, 0, 0, 0), -XEN_EFAULT);
    gprintf("physinfo: %u CPUs, %llu of %llu frames free\n", pi.nr_cpus,
            (unsigned long long)pi.free_pages, (unsigned long long)pi.total_pages);
}

static void builder(void)
{
    struct xen_domctl_createdomain c;
    struct child_image ci;
    domid_t d = DOMID_INVALID;
    long port;

    if (child_image_from_module(&ci))
        guest_test_abort("the child's ELF image (the boot module) is missing or not PVH");
    CHECK_EQ(evtchn_map_shared_info(), 0);
    port = evtchn_bind_virq(VIRQ_DOM_EXC, 0);
    if (!CHECK(port > 0))
        return;
    dom_exc = (evtchn_port_t)port;

    machine();
    bad_configs();
    domids();
    pvh_config(&c, 2);
    if (CHECK_EQ(create_domain(&c, 0, &d), 0)) {
        limits(d);
        contexts_before_start(d, &ci);
        /* Back to no memory, and then the child's (load_child). */
        xen_pfn_t first = 0, last = CHILD_MEM_PAGES;
        CHECK_EQ(memop_reservation(XENMEM_decrease_reservation, &first, 1, CHILD_MEM_ORDER, d), 1);
        CHECK_EQ(memop_reservation(XENMEM_decrease_reservation, &last, 1, 0, d), 1);
        contexts_while_running(d, &ci);
    }
    ssidrefs(guest_arg_is("xsm", "flask"));
    /* The unprivileged domain's refusals are done when it is gone. */
    CHECK(wait_gone(UNPRIV, dom_exc, WAIT_BLOCKS));
}

/* Every building domctl, by an unprivileged domain: -EPERM, before it
 * looks at anything else. */
static void unpriv(void)
{
    struct xen_domctl_createdomain c;
    struct vcpu_hvm_context ctx;
    domid_t d = DOMID_INVALID;
    xen_pfn_t gfn = 0x800;

    pvh_config(&c, 1);
    CHECK_EQ(create_domain(&c, 0, &d), -XEN_EPERM);
    c.max_vcpus = 0; /* XSM first, as Xen: nothing else is looked at */
    CHECK_EQ(create_domain(&c, 0, &d), -XEN_EPERM);
    pvh_entry_context(&ctx, 0x100000, 0x1000);
    CHECK_EQ(set_max_vcpus(BUILDER, 1), -XEN_EPERM);
    CHECK_EQ(set_max_mem(BUILDER, 1024), -XEN_EPERM);
    CHECK_EQ(set_vcpu_context(BUILDER, 0, &ctx), -XEN_EPERM);
    CHECK_EQ(memop_reservation(XENMEM_populate_physmap, &gfn, 1, 0, BUILDER), -XEN_EPERM);
    CHECK_EQ(domctl_simple(XEN_DOMCTL_unpausedomain, BUILDER), -XEN_EPERM);
    struct xen_sysctl_physinfo pi;
    CHECK_EQ(physinfo(&pi), -XEN_EPERM);
    gprintf("every building domctl refused\n");
}

void test_main(void)
{
    GUEST_PLAY_ROLE({ "builder", builder }, { "unpriv", unpriv });
}
