/*
 * Accesses to a hole: guest-physical 0x40000000 (1 GiB), far above the
 * guest's RAM (run with mem=16M), where nothing is mapped and no emulated
 * device answers. Mica emulates each faulting instruction (docs/platform.md,
 * "MMIO emulation and holes"): reads return all ones at every width, writes
 * are dropped, flags come out as the CPU computes them from all ones, and
 * the guest goes on. The 64-bit flavour's page tables map 0..4 GiB one to
 * one and the 32-bit flavour runs with paging off, so the addresses here are
 * guest-physical ones in both.
 *
 * Checked, in order (the first access, a 1-byte read, is the one Mica logs):
 * mov reads of 1, 2, 4 (and 8) bytes, the moffs form, movzx and movsx (and
 * movsxd), cmp, test, bt with an immediate and with a register, add/or/xchg
 * on the hole, writes that are dropped, a read across two hole pages and one
 * that starts in RAM and ends in a hole the test makes (remove_from_physmap
 * of a RAM page), rep movs from the hole into RAM,
 * rep stos of a whole page into the hole (more iterations than Mica does in
 * one exit) and, 64-bit only, a rep movs from the hole to an unmapped
 * guest-virtual page, which must raise #PF as the CPU would.
 */
#include "test.h"

TEST_NAME("hole_access");

#define HOLE 0x40000000UL
#define FLAGS_CF 0x001UL
#define FLAGS_ZF 0x040UL
#define FLAGS_SF 0x080UL
#define FLAGS_OF 0x800UL

static void reads(volatile void *hole)
{
    uint8_t b;
    uint16_t w;
    uint32_t l, zx, sx;

    __asm__ volatile("movb (%1), %0" : "=q"(b) : "r"(hole) : "memory");
    CHECK_EQ(b, 0xFF);
    __asm__ volatile("movw (%1), %0" : "=r"(w) : "r"(hole) : "memory");
    CHECK_EQ(w, 0xFFFF);
    __asm__ volatile("movl (%1), %0" : "=r"(l) : "r"(hole) : "memory");
    CHECK_EQ(l, 0xFFFFFFFFU);
#ifdef __x86_64__
    uint64_t q;
    __asm__ volatile("movq (%1), %0" : "=r"(q) : "r"(hole) : "memory");
    CHECK_EQ(q, ~0UL);
    __asm__ volatile("movabs 0x40000008, %%eax" : "=a"(l) : : "memory"); /* A1, moffs64 */
    CHECK_EQ(l, 0xFFFFFFFFU);
    int64_t sq;
    __asm__ volatile("movslq (%1), %0" : "=r"(sq) : "r"(hole) : "memory"); /* movsxd */
    CHECK_EQ(sq, -1);
#else
    __asm__ volatile("movl 0x40000008, %%eax" : "=a"(l) : : "memory"); /* A1, moffs32 */
    CHECK_EQ(l, 0xFFFFFFFFU);
#endif
    __asm__ volatile("movzbl 3(%1), %0" : "=r"(zx) : "r"(hole) : "memory");
    CHECK_EQ(zx, 0xFF);
    __asm__ volatile("movzwl 6(%1), %0" : "=r"(zx) : "r"(hole) : "memory");
    CHECK_EQ(zx, 0xFFFF);
    __asm__ volatile("movsbl 5(%1), %0" : "=r"(sx) : "r"(hole) : "memory");
    CHECK_EQ(sx, 0xFFFFFFFFU);
    __asm__ volatile("movswl 10(%1), %0" : "=r"(sx) : "r"(hole) : "memory");
    CHECK_EQ(sx, 0xFFFFFFFFU);
}

static void compares_and_bits(volatile void *hole)
{
    uintptr_t f;
    uint8_t set;

    /* cmp against all ones: equal; against 0: above, no carry. */
    __asm__ volatile("cmpl $-1, (%2)\n\tsete %0\n\tpushf\n\tpop %1"
                     : "=q"(set), "=r"(f)
                     : "r"(hole)
                     : "cc", "memory");
    CHECK_EQ(set, 1);
    __asm__ volatile("cmpw $0, (%1)\n\tpushf\n\tpop %0" : "=r"(f) : "r"(hole) : "cc", "memory");
    CHECK_EQ(f & (FLAGS_ZF | FLAGS_CF | FLAGS_SF | FLAGS_OF), FLAGS_SF);
    /* test: every bit is set. */
    __asm__ volatile("testl $0x80000000, (%1)\n\tpushf\n\tpop %0"
                     : "=r"(f)
                     : "r"(hole)
                     : "cc", "memory");
    CHECK_EQ(f & (FLAGS_ZF | FLAGS_SF | FLAGS_CF), FLAGS_SF);
    __asm__ volatile("testb $1, 2(%1)\n\tsetnz %0" : "=q"(set) : "r"(hole) : "cc", "memory");
    CHECK_EQ(set, 1);
    /* bt: with an immediate, and with a register reaching 12 bytes in. */
    __asm__ volatile("btl $17, (%1)\n\tsetc %0" : "=q"(set) : "r"(hole) : "cc", "memory");
    CHECK_EQ(set, 1);
    __asm__ volatile("clc\n\tbtl %2, (%1)\n\tsetc %0"
                     : "=q"(set)
                     : "r"(hole), "r"(100)
                     : "cc", "memory");
    CHECK_EQ(set, 1);
}

static void writes_dropped(volatile void *hole)
{
    uint32_t l;
    uintptr_t f;

    __asm__ volatile("movl $0x12345678, (%0)" : : "r"(hole) : "memory");
    __asm__ volatile("movb $0, 1(%0)" : : "r"(hole) : "memory");
    __asm__ volatile("movl (%1), %0" : "=r"(l) : "r"(hole) : "memory");
    CHECK_EQ(l, 0xFFFFFFFFU);
    /* add 1 to all ones: zero with carry, and the zero is dropped too. */
    __asm__ volatile("addl $1, (%1)\n\tpushf\n\tpop %0" : "=r"(f) : "r"(hole) : "cc", "memory");
    CHECK_EQ(f & (FLAGS_ZF | FLAGS_CF | FLAGS_SF | FLAGS_OF), FLAGS_ZF | FLAGS_CF);
    __asm__ volatile("lock orl $1, 4(%0)" : : "r"(hole) : "cc", "memory");
    l = 0x5A5A5A5A;
    __asm__ volatile("xchgl %0, 8(%1)" : "+r"(l) : "r"(hole) : "memory");
    CHECK_EQ(l, 0xFFFFFFFFU);
    __asm__ volatile("movl (%1), %0" : "=r"(l) : "r"(hole) : "memory");
    CHECK_EQ(l, 0xFFFFFFFFU);
}

/* A RAM page the test turns into a hole (9 MiB: RAM with mem=16M, far
 * from the image), so a read can start in RAM and end in a hole. */
#define MADE_HOLE_GFN 0x900UL

static void page_crossings(volatile void *hole)
{
    struct xen_remove_from_physmap rm = { .domid = DOMID_SELF, .gpfn = MADE_HOLE_GFN };
    volatile uint8_t *end = (volatile uint8_t *)(MADE_HOLE_GFN << 12); /* RAM ends here */
    uint32_t l;

    /* Both halves in the hole: two pages. */
    __asm__ volatile("movl 0xFFE(%1), %0" : "=r"(l) : "r"(hole) : "memory");
    CHECK_EQ(l, 0xFFFFFFFFU);
    /* Two bytes of RAM, then two of hole. */
    end[-2] = 0x34;
    end[-1] = 0x12;
    CHECK_EQ(HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &rm), 0);
    __asm__ volatile("movl -2(%1), %0" : "=r"(l) : "r"(end) : "memory");
    CHECK_EQ(l, 0xFFFF1234U);
}

static uint8_t ram_buffer[64];

static void strings(volatile void *hole)
{
    uintptr_t count = sizeof(ram_buffer), src = (uintptr_t)hole, dst = (uintptr_t)ram_buffer;

    memset(ram_buffer, 0, sizeof(ram_buffer));
    __asm__ volatile("cld\n\trep movsb" : "+c"(count), "+S"(src), "+D"(dst) : : "memory");
    CHECK_EQ(count, 0);
    CHECK_EQ(src, (uintptr_t)hole + sizeof(ram_buffer));
    CHECK_EQ(dst, (uintptr_t)ram_buffer + sizeof(ram_buffer));
    for (unsigned i = 0; i < sizeof(ram_buffer); i++)
        if (ram_buffer[i] != 0xFF) {
            guest_test_fail(__FILE__, __LINE__, "ram_buffer[%u] = %#x after rep movsb", i,
                            ram_buffer[i]);
            break;
        }
    /* A whole page of dwords: 1024 iterations, more than one exit does. */
    count = 1024;
    dst = (uintptr_t)hole + 0x1000;
    __asm__ volatile("rep stosl" : "+c"(count), "+D"(dst) : "a"(0) : "memory");
    CHECK_EQ(count, 0);
    CHECK_EQ(dst, (uintptr_t)hole + 0x2000);
    CHECK_EQ(*(volatile uint32_t *)((uintptr_t)hole + 0x1FFC), 0xFFFFFFFFU);
}

#ifdef __x86_64__
static volatile uint64_t pf_cr2, pf_error, pf_count;

static void on_page_fault(struct guest_trap_frame *f)
{
    uint64_t cr2;

    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    pf_cr2 = cr2;
    pf_error = f->error_code;
    pf_count++;
    f->rip += 2; /* past rep movsb (F3 A4) */
}

/* The destination is guest-virtual 0x10, in page 0, which the guest's page
 * tables leave unmapped: the emulated write must fault as the CPU's would,
 * with nothing done (rCX, rSI, rDI as they were). */
static void fault_on_ram_side(volatile void *hole)
{
    uintptr_t count = 4, src = (uintptr_t)hole, dst = 0x10;

    guest_trap_init();
    guest_set_trap_handler(X86_EXC_PF, on_page_fault);
    __asm__ volatile("rep movsb" : "+c"(count), "+S"(src), "+D"(dst) : : "memory");
    guest_set_trap_handler(X86_EXC_PF, NULL);
    CHECK_EQ(pf_count, 1);
    CHECK_EQ(pf_cr2, 0x10);
    CHECK_EQ(pf_error, 0x2); /* a supervisor write to a page not present */
    CHECK_EQ(count, 4);
    CHECK_EQ(src, (uintptr_t)hole);
    CHECK_EQ(dst, 0x10);
}
#endif

void test_main(void)
{
    volatile void *hole = (volatile void *)HOLE;

    reads(hole);
    compares_and_bits(hole);
    writes_dropped(hole);
    page_crossings(hole);
    strings(hole);
#ifdef __x86_64__
    fault_on_ram_side(hole);
#endif
    gprintf("every access to the hole read all ones and dropped its writes\n");
}
