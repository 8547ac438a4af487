/*
 * The nested page fault (#NPF, exit code 0x400): a guest access that its
 * p2m does not allow (AMD APM vol. 2 §15.25.6). EXITINFO2 holds the
 * guest-physical address, EXITINFO1 an error code like #PF's, with bit 32
 * set when the final translation faulted and bit 33 when the CPU's walk of
 * the guest's own page tables did.
 *
 * What Mica does, as Xen does for an HVM guest without a device model:
 *   - a data access to a gfn with no RAM, or a write to a read-only type,
 *     is emulated (arch/x86/svm/guest_emulate.c): an MMIO handler serves
 *     its gfn, or it is a hole (reads all ones, writes dropped), or the
 *     write to ram_ro / grant_map_ro is discarded; the guest goes on;
 *   - a fault during the guest's page walk (its page tables in a hole, or
 *     the CPU's Accessed/Dirty update to a read-only page table) crashes the
 *     domain: page tables outside writable RAM are not supported (Xen does
 *     not emulate page-table walks through MMIO either), and retrying would
 *     fault again forever;
 *   - an instruction fetch from outside executable RAM crashes it too: no
 *     device here holds code;
 *   - so does a fault while the CPU delivers an exception or interrupt
 *     (EXITINTINFO valid, §15.7.2): the access is the CPU's own (a push to
 *     the guest's stack, a read of its IDT), not the instruction at RIP,
 *     which must not be emulated in its place;
 *   - with `npf=crash` (on Mica's command line for every domain, or as a
 *     domain's module option) every #NPF crashes the domain with the full
 *     fault, as before emulation existed: for teaching and debugging.
 * If the p2m allows the access by the time Mica looks (another CPU changed
 * it since), the guest simply executes the instruction again.
 */
#include "x86/svm_exits.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "p2m/p2m_gfn.h"
#include "public/errno.h"
#include "printk.h"
#include "x86/guest_emulate.h"
#include "x86/npt.h"
#include "x86/vmcb.h"

/* EXITINFO1 of a #NPF (§15.25.6). */
#define NPF_PRESENT (1UL << 0)
#define NPF_WRITE (1UL << 1)
#define NPF_FETCH (1UL << 4)
#define NPF_GUEST_WALK (1UL << 33)

/* `npf=crash`: every domain's #NPF crashes it; `npf=emulate` (the default)
 * emulates. A domain's own module option npf=crash adds to this. */
static bool npf_crash_all;

static int parse_npf(const char *value)
{
    if (value && !strcmp(value, "crash"))
        npf_crash_all = true;
    else if (value && !strcmp(value, "emulate"))
        npf_crash_all = false;
    else
        return -XEN_EINVAL; /* the parser warns; the setting stays */
    return 0;
}
CUSTOM_PARAM("npf", parse_npf);

/* The fault as the CPU reported it, and why Mica stops the domain on it. */
static void crash_on_fault(struct vcpu *v, const struct vmcb *vmcb, const char *why)
{
    uint64_t error = vmcb->control.exit_info1;
    uint64_t gpa = vmcb->control.exit_info2;

    domain_crash(v->domain,
                 "d%u v%u: #NPF at gfn %#lx (gpa %#lx): %s %s%s, error %#lx, RIP %#lx, RSP %#lx, "
                 "CR0 %#lx, CR3 %#lx, CR4 %#lx, EFER %#lx: %s",
                 v->domain->domid, v->id, gpa >> PAGE_SHIFT, gpa,
                 error & NPF_FETCH   ? "fetch"
                 : error & NPF_WRITE ? "write"
                                     : "read",
                 error & NPF_PRESENT ? "of a read-only page" : "of an unmapped gfn",
                 error & NPF_GUEST_WALK ? " during the guest's page walk" : "", error,
                 vmcb->save.rip, vmcb->save.rsp, vmcb->save.cr0, vmcb->save.cr3, vmcb->save.cr4,
                 vmcb->save.efer, why);
}

/* Does the p2m allow this access now? (npt_type_bits gives the permissions
 * the entry has in the NPT, so this agrees with the CPU.) */
static bool allowed_now(struct domain *d, uint64_t gpa, uint64_t error)
{
    gfn_t gfn = _gfn(gpa >> PAGE_SHIFT);
    enum p2m_type type;
    unsigned int order;
    npt_entry_t bits;

    get_gfn(&d->p2m, gfn, &type, &order);
    bits = npt_type_bits(type);
    put_gfn(&d->p2m, gfn);
    if (!(bits & PTE_PRESENT))
        return false;
    if ((error & NPF_WRITE) && !(bits & PTE_WRITE))
        return false;
    return !((error & NPF_FETCH) && (bits & PTE_NX));
}

void svm_exit_npf(struct vcpu *v, struct vmcb *vmcb)
{
    uint64_t error = vmcb->control.exit_info1;
    uint64_t gpa = vmcb->control.exit_info2;

    if (npf_crash_all || v->domain->npf_crash) {
        crash_on_fault(v, vmcb, "npf=crash");
        return;
    }
    if (allowed_now(v->domain, gpa, error))
        return; /* the p2m changed since: the guest retries */
    if (vmcb->control.exit_int_info & EVENT_INJECT_VALID)
        crash_on_fault(v, vmcb,
                       "the CPU was delivering an event: its IDT, GDT and stack must "
                       "lie in RAM");
    else if (error & NPF_GUEST_WALK)
        crash_on_fault(v, vmcb, "the guest's page tables must lie in writable RAM");
    else if (error & NPF_FETCH)
        crash_on_fault(v, vmcb, "code must lie in executable RAM");
    else
        guest_emulate(v);
}
