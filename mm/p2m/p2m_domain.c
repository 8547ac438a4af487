/*
 * A domain's p2m from creation to teardown: its limits, the TLB shootdown
 * that ends every change, and the teardown that drops each mapping's frame
 * reference before the table pages go.
 */
#include "p2m/p2m_domain.h"
#include "arch.h"
#include "call_function.h"
#include "frame_ref.h"
#include "percpu.h"
#include "x86/npt_caps.h"

/* Table pages a guest may have beyond what mapping its RAM needs. */
#define P2M_TABLE_SLACK 64

/* TLB shootdown for the p2m: every vCPU gets a fresh ASID at its next VMRUN,
 * and every CPU running one of them is interrupted (a #VMEXIT) and has
 * answered before we return, so none still uses an old translation. */
static void shootdown_ack(void *unused)
{
    (void)unused;
}

static void p2m_domain_flush_tlbs(struct p2m *p2m)
{
    struct domain *d = container_of(p2m, struct domain, p2m);
    bool on_cpu[MAX_CPUS] = { false };

    /* Fresh ASIDs first, then look where the vCPUs run. The fence pairs
     * with the one in prepare_entry (arch/x86/svm/vcpu.c): a CPU that starts a
     * vCPU after we looked sees the reset and takes a new ASID; one that
     * started before is seen here and interrupted. */
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        arch_vcpu_flush_tlb(d->vcpus[i]);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        int cpu = __atomic_load_n(&d->vcpus[i]->processor, __ATOMIC_ACQUIRE);
        if (cpu >= 0)
            on_cpu[cpu] = true;
    }
    for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
        if (on_cpu[cpu] && cpu != smp_processor_id())
            call_function_on(cpu, shootdown_ack, NULL);
    }
}

int p2m_domain_init(struct domain *d)
{
    int rc = p2m_init(&d->p2m, npt_max_order(), p2m_domain_flush_tlbs);

    if (rc)
        return rc;
    /* Table pages are Mica's memory: a guest gets twice what mapping all its
     * RAM with 4 KiB pages needs, plus room for a few scattered mappings,
     * and -ENOMEM beyond (XSA-409's lesson: bound what a guest can make
     * the hypervisor allocate). */
    d->p2m.table_limit = P2M_TABLE_SLACK + 2 * (d->max_pages / PT_ENTRIES);
    return 0;
}

/* Every leaf's frames lose the reference their p2m entry held. No vCPU of
 * the domain runs any more and its ASIDs are never handed out again in this
 * generation, so no TLB can still use these translations. */
static void drop_mapping_refs(gfn_t gfn, mfn_t mfn, unsigned int order, enum p2m_type t, void *arg)
{
    (void)gfn;
    (void)arg;
    for (uint64_t i = 0; i < (1UL << order); i++) {
        struct frame *f = mfn_to_frame(mfn_add(mfn, i));
        if (p2m_is_foreign_map(t)) { /* grant mappings are normally gone already
                                        (grant_table_teardown) */
            frame_put_foreign(f);
            continue;
        }
        f->gfn = INVALID_GFN;
        frame_put(f);
    }
}

void p2m_domain_teardown(struct domain *d)
{
    p2m_flush(&d->p2m);
    p2m_for_each_leaf(&d->p2m, drop_mapping_refs, NULL);
    p2m_teardown(&d->p2m);
}
