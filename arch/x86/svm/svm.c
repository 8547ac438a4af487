/*
 * Turning SVM on (AMD APM vol. 2 §15.4) and handing out ASIDs (§15.16).
 */
#include "x86/svm.h"
#include "lib/string.h"
#include "page_alloc.h"
#include "panic.h"
#include "percpu.h"
#include "printk.h"
#include "x86/asm.h"
#include "x86/control_regs.h"
#include "x86/cpuid_bits.h"
#include "x86/msr.h"
#include "x86/paging.h"

static uint32_t max_asids;

/* Each CPU's SVM state. */
struct svm_cpu {
    paddr_t hsave_pa;         /* VM_HSAVE_PA: where VMRUN saves host state */
    paddr_t host_area_pa;     /* VMSAVE area for the host's FS/GS/TR/... */
    uint32_t asid_next;       /* next free ASID in this generation */
    uint64_t asid_generation; /* bumped when the ASIDs run out */
};
static DEFINE_PER_CPU(struct svm_cpu, svm_cpu);

bool svm_supported(void)
{
    struct cpuid_result ext = cpuid(CPUID_LEAF_EXT_FEATURES, 0);

    if (!(ext.ecx & CPUID_E1_ECX_SVM)) {
        pr_err("SVM: this CPU has no AMD SVM (CPUID 0x80000001 ECX bit 2). "
               "Under QEMU use -cpu qemu64,+svm,+npt.\n");
        return false;
    }
    if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
        pr_err("SVM: disabled by the firmware (VM_CR.SVMDIS)\n");
        return false;
    }
    struct cpuid_result svm = cpuid(CPUID_LEAF_SVM, 0);
    if (!(svm.edx & CPUID_SVM_EDX_NPT)) {
        /* QEMU's plain qemu64 runs NPT without advertising it; Mica trusts
         * only what CPUID says (docs/qemu.md). */
        pr_err("SVM: no nested paging (CPUID 0x8000000A EDX bit 0). "
               "Under QEMU use -cpu qemu64,+svm,+npt.\n");
        return false;
    }
    max_asids = svm.ebx;
    printk("SVM: revision %u, %u ASIDs, nested paging\n", svm.eax & CPUID_SVM_EAX_REVISION_MASK,
           max_asids);
    return true;
}

uint32_t svm_max_asids(void)
{
    return max_asids;
}

static paddr_t alloc_zeroed_page(void)
{
    struct frame *f = alloc_frames(0);

    if (!f)
        panic("SVM: out of memory for per-CPU areas\n");
    memset(frame_to_virt(f), 0, PAGE_SIZE);
    return mfn_to_paddr(frame_to_mfn(f));
}

void svm_cpu_init(void)
{
    struct svm_cpu *cpu = &this_cpu_var(svm_cpu);

    cpu->hsave_pa = alloc_zeroed_page();
    cpu->host_area_pa = alloc_zeroed_page();
    cpu->asid_next = 1; /* ASID 0 belongs to the host */
    cpu->asid_generation = 1;
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    /* QEMU accepts VM_HSAVE_PA = 0 and then overwrites physical page 0. */
    wrmsr(MSR_VM_HSAVE_PA, cpu->hsave_pa);
}

paddr_t svm_host_area(void)
{
    return this_cpu_var(svm_cpu).host_area_pa;
}

bool svm_asid_assign(struct svm_asid *asid)
{
    struct svm_cpu *cpu = &this_cpu_var(svm_cpu);
    bool flush = false;

    if (asid->generation == cpu->asid_generation)
        return false;
    if (cpu->asid_next >= max_asids) {
        cpu->asid_generation++;
        cpu->asid_next = 1;
        flush = true; /* old-generation ASIDs may still be in the TLB */
    }
    asid->asid = cpu->asid_next++;
    asid->generation = cpu->asid_generation;
    return flush;
}
