/*
 * The 32-bit hypercall ABI with junk in the upper halves of the registers.
 *
 * A 64-bit guest can run 32-bit code without leaving long mode: a code
 * segment with L=0 and D=1 runs in compatibility mode (AMD APM vol. 2, 1.2.3
 * "Compatibility Mode", 4.8.1 "Code-Segment Descriptors"). Code there sees
 * only EAX..EDI, but the registers keep their 64-bit contents: the upper
 * halves hold whatever 64-bit code left there. A VMMCALL from compatibility
 * mode is a 32-bit hypercall (EAX = number, EBX ECX EDX ESI EDI = arguments),
 * so the hypervisor must decide the ABI by the mode (EFER.LMA && CS.L), and
 * use only the low 32 bits of every register (docs/xen-abi.md). We
 * load junk into bits 63:32 in 64-bit mode, far-return into a compatibility
 * code segment, VMMCALL there, far-jump back, and look at the result.
 *
 * The converse: a 64-bit call uses the whole registers. A number or a
 * pointer with junk above bit 31 is a different number or pointer. (Not so
 * every argument: Xen declares some, such as xen_version's sub-command, as
 * a C int, and so ignores their upper halves even from 64-bit callers.)
 *
 * 64-bit only: the 32-bit flavour (stuck in protected mode, where the upper
 * halves cannot be reached) has nothing to test and just passes.
 */
#include "test.h"

TEST_NAME("compat_junk");

#ifdef __x86_64__

#define JUNK 0xDEADBEEF00000000ULL

/* Our own GDT. The 64-bit code and data selectors are the ones the entry
 * code's GDT uses (the IDT's gates name 0x08), plus a 32-bit code segment
 * (L=0, D=1: compatibility mode while EFER.LMA is set). */
#define SEL_CODE64 0x08
#define SEL_DATA 0x10
#define SEL_CODE32 0x18

static const uint64_t gdt[] __attribute__((aligned(16))) = {
    0, 0x00af9a000000ffffULL, /* 0x08: 64-bit code, DPL 0 (L=1, D=0) */
    0x00cf92000000ffffULL,    /* 0x10: data, base 0, limit 4 GiB */
    0x00cf9a000000ffffULL,    /* 0x18: 32-bit code, base 0, limit 4 GiB (L=0, D=1) */
};

static void load_own_gdt(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } gdtr = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };

    /* LGDT does not reload the segment registers: reload CS with a far
     * return and the data segments by hand, so every one comes from our
     * table. */
    __asm__ volatile("lgdt %[gdtr]\n\t"
                     "pushq %[code64]\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %[data], %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\t"
                     :
                     : [gdtr] "m"(gdtr), [code64] "i"(SEL_CODE64), [data] "i"(SEL_DATA)
                     : "rax", "memory");
}

/* The registers of a hypercall made from compatibility mode. */
struct compat_regs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi;
};

/*
 * Load the six registers whole (in 64-bit mode), switch to compatibility
 * mode, VMMCALL, and come back. Returns RAX as the hypervisor left it; a
 * 32-bit caller would see only EAX, so compare (uint32_t) of it.
 *
 * The image lives below 4 GiB (linked at 1 MiB), so the far jump back can
 * name its 32-bit target address directly. No interrupts can arrive in
 * between: test guests run with IF=0.
 */
static uint64_t vmmcall_in_compat_mode(const struct compat_regs *r)
{
    uint64_t rax = r->rax, rbx = r->rbx, rcx = r->rcx;
    uint64_t rdx = r->rdx, rsi = r->rsi, rdi = r->rdi;

    __asm__ volatile("pushq %[code32]\n\t"
                     "leaq 1f(%%rip), %%r11\n\t"
                     "pushq %%r11\n\t"
                     "lretq\n\t" /* pops RIP, then CS = 32-bit code */
                     ".code32\n"
                     "1:\n\t"
                     "vmmcall\n\t"
                     "ljmp %[code64], $2f\n\t"
                     ".code64\n"
                     "2:\n\t"
                     : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx), "+S"(rsi), "+D"(rdi)
                     : [code32] "i"(SEL_CODE32), [code64] "i"(SEL_CODE64)
                     : "r11", "memory", "cc");
    return rax;
}

/* The result a 32-bit caller sees: EAX, sign-extended like a 32-bit long. */
static long compat_result(uint64_t rax)
{
    return (long)(int32_t)(uint32_t)rax;
}

static void compat_calls(void)
{
    long version = HYPERVISOR_xen_version(XENVER_version, 0);
    gprintf("64-bit XENVER_version -> 0x%lx\n", version);
    CHECK_EQ(version, 0x40011); /* Xen 4.17, which Mica reports */

    /* XENVER_version: EAX = 17, EBX = 0, with junk above both. RDI holds an
     * unknown sub-command: were the 64-bit convention used, we would get
     * -ENOSYS. */
    struct compat_regs r = {
        .rax = JUNK | __HYPERVISOR_xen_version,
        .rbx = JUNK | XENVER_version,
        .rcx = JUNK,
        .rdx = JUNK,
        .rsi = JUNK,
        .rdi = 0xBAD,
    };
    long rc = compat_result(vmmcall_in_compat_mode(&r));
    gprintf("compat XENVER_version, junk in bits 63:32 -> 0x%lx\n", rc);
    CHECK_EQ(rc, version);

    /* XENVER_pagesize insists on a NULL argument: ECX is 0 but RCX is not. */
    r.rbx = JUNK | XENVER_pagesize;
    r.rcx = JUNK;
    rc = compat_result(vmmcall_in_compat_mode(&r));
    gprintf("compat XENVER_pagesize, junk above a NULL ECX -> %ld\n", rc);
    CHECK_EQ(rc, 4096);

    /* XENVER_extraversion into a buffer named by ECX, junk above it. */
    static xen_extraversion_t expected, got;
    memset(expected, 0xAA, sizeof(expected));
    memset(got, 0x55, sizeof(got));
    CHECK_EQ(HYPERVISOR_xen_version(XENVER_extraversion, expected), 0);
    CHECK((uintptr_t)got < (1ULL << 32));
    r.rbx = JUNK | XENVER_extraversion;
    r.rcx = JUNK | (uint64_t)(uintptr_t)got;
    rc = compat_result(vmmcall_in_compat_mode(&r));
    got[sizeof(got) - 1] = '\0';
    gprintf("compat XENVER_extraversion, junk above the buffer address -> %ld, \"%s\"\n", rc, got);
    CHECK_EQ(rc, 0);
    CHECK(memcmp(got, expected, sizeof(got)) == 0);
}

static void long_mode_calls(void)
{
    /* The same junk in a 64-bit call is part of the value. A number with
     * junk above bit 31 is no hypercall at all. */
    long rc = hypercall_raw5(JUNK | __HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
    gprintf("64-bit vmmcall, junk above RAX = xen_version -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_ENOSYS);

    /* A pointer argument with junk above bit 31 is a non-NULL pointer. */
    rc = hypercall_raw5(__HYPERVISOR_xen_version, XENVER_pagesize, JUNK, 0, 0, 0);
    gprintf("64-bit XENVER_pagesize, junk above a NULL RSI -> %ld\n", rc);
    CHECK_EQ(rc, -XEN_EINVAL);
}

void test_main(void)
{
    load_own_gdt();
    compat_calls();
    long_mode_calls();
}

#else /* 32-bit flavour */

void test_main(void)
{
    gprintf("compat_junk: nothing to test from 32-bit protected mode\n");
}

#endif
