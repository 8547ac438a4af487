/*
 * Hypervisor detection and hypercalls (docs/xen-abi.md).
 */
#include "hypercall.h"

uint8_t hypercall_page[4096] __attribute__((aligned(4096)));
uint32_t xen_cpuid_base;
int hypercall_ready;

int hypercall_init(void)
{
    /* The signature may sit at 0x40000000 or, when another interface (e.g.
     * Viridian) takes the first range, at a later multiple of 0x100. */
    for (uint32_t base = XEN_CPUID_FIRST_LEAF; base < XEN_CPUID_FIRST_LEAF + 0x10000;
         base += 0x100) {
        struct cpuid_regs r = guest_cpuid(base, 0);
        if (r.ebx == XEN_CPUID_SIGNATURE_EBX && r.ecx == XEN_CPUID_SIGNATURE_ECX &&
            r.edx == XEN_CPUID_SIGNATURE_EDX && r.eax >= base + 2) {
            xen_cpuid_base = base;
            break;
        }
    }
    if (!xen_cpuid_base)
        return -1;

    /* Leaf base+2: EAX = number of hypercall pages, EBX = MSR that installs
     * them. The MSR value is the page's guest-physical address; its low 12
     * bits select which page (0 here). Our image is identity-mapped (or
     * paging is off), so the address of the array is its physical address. */
    struct cpuid_regs r = guest_cpuid(xen_cpuid_base + 2, 0);
    if (r.eax < 1)
        return -1;
    guest_wrmsr(r.ebx, (uint64_t)(uintptr_t)hypercall_page);
    hypercall_ready = 1;
    return 0;
}

#ifdef __x86_64__
long hypercall5(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4,
                unsigned long a5)
{
    register unsigned long r10 __asm__("r10") = a4;
    register unsigned long r8 __asm__("r8") = a5;
    long ret;
    /* Arguments are "+" operands: a hypervisor may legitimately update
     * them (continuations), so the compiler must not assume they survive. */
    __asm__ volatile("call *%[stub]"
                     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                     : [stub] "r"(hypercall_page + nr * XEN_HYPERCALL_STUB_SIZE)
                     : "memory");
    return ret;
}

long hypercall_raw5(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
                    unsigned long a4, unsigned long a5)
{
    register unsigned long r10 __asm__("r10") = a4;
    register unsigned long r8 __asm__("r8") = a5;
    long ret = (long)nr;
    __asm__ volatile("vmmcall"
                     : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                     :
                     : "memory");
    return ret;
}
#else
long hypercall5(unsigned nr, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4,
                unsigned long a5)
{
    /* EAX carries the stub's address in and the result out; the stub itself
     * loads EAX with nr before its VMMCALL. */
    long ret = (long)(uintptr_t)(hypercall_page + nr * XEN_HYPERCALL_STUB_SIZE);
    __asm__ volatile("call *%%eax"
                     : "+a"(ret), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5)
                     :
                     : "memory");
    return ret;
}

long hypercall_raw5(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
                    unsigned long a4, unsigned long a5)
{
    long ret = (long)nr;
    __asm__ volatile("vmmcall"
                     : "+a"(ret), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5)
                     :
                     : "memory");
    return ret;
}
#endif
