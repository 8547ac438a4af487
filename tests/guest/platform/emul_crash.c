/*
 * Accesses to a hole (guest-physical 0x40000000, run with mem=16M) that
 * Mica does not emulate: it crashes the domain with a diagnostic
 * (docs/platform.md, "MMIO emulation and holes"). After " -- ":
 *
 *   do=unsupported  inc dword [hole]: an instruction the emulator does not
 *                   know (FF /0); the crash names its bytes.
 *   do=walk-hole    (64-bit) point a page-directory entry of its own page
 *                   tables at a "page table" in the hole and read through
 *                   it: the CPU's walk of the guest's tables faults (#NPF
 *                   during the guest's page walk), which Mica does not
 *                   emulate.
 *   do=stack-hole   (64-bit) move the stack into the hole and execute INT3:
 *                   the CPU's push of the #BP frame faults while it
 *                   delivers the exception, which Mica does not emulate.
 *
 * Neither returns; if one does, the guest says so with a FAIL verdict.
 */
#include "test.h"
#include "args.h"

TEST_NAME("emul_crash");

#define HOLE 0x40000000UL

static void unsupported(void)
{
    __asm__ volatile("incl (%0)" : : "r"(HOLE) : "cc", "memory");
}

#ifdef __x86_64__
#define PTE_P 0x1UL
#define PTE_W 0x2UL
#define PTE_ADDR 0x000FFFFFFFFFF000UL
#define WALK_VA 0xFFE00000UL /* the last 2 MiB below 4 GiB: PD 3, entry 511 */

/* The guest's tables are identity-mapped, so table addresses are usable as
 * pointers. */
static void walk_hole(void)
{
    uint64_t cr3;

    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    uint64_t *pml4 = (uint64_t *)(cr3 & PTE_ADDR);
    uint64_t *pdpt = (uint64_t *)(pml4[0] & PTE_ADDR);
    uint64_t *pd = (uint64_t *)(pdpt[3] & PTE_ADDR);

    pd[511] = HOLE | PTE_P | PTE_W; /* a table, not a 2 MiB page */
    __asm__ volatile("invlpg (%0)" : : "r"(WALK_VA) : "memory");
    gprintf("read %#x through a page table in the hole\n", *(volatile uint32_t *)WALK_VA);
}

static void stack_hole(void)
{
    guest_trap_init(); /* an IDT, so #BP is delivered (onto the stack) */
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "int3"
                     :
                     : "r"(HOLE + 0x1000)
                     : "memory");
}
#else
static void walk_hole(void)
{
    guest_test_abort("do=walk-hole needs the 64-bit flavour (the 32-bit one has paging off)");
}

static void stack_hole(void)
{
    guest_test_abort("do=stack-hole needs the 64-bit flavour (the 32-bit one has no IDT)");
}
#endif

void test_main(void)
{
    if (guest_arg_is("do", "unsupported")) {
        gprintf("executing inc dword [0x40000000]\n");
        unsupported();
    } else if (guest_arg_is("do", "walk-hole")) {
        gprintf("walking a page table in the hole\n");
        walk_hole();
    } else if (guest_arg_is("do", "stack-hole")) {
        gprintf("taking #BP with the stack in the hole\n");
        stack_hole();
    } else {
        guest_test_abort("no \"do=unsupported|walk-hole|stack-hole\" after \" -- \"");
    }
    guest_test_abort("still running after an access Mica must not emulate");
}
