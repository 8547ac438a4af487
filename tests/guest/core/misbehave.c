/*
 * A guest that misbehaves on purpose, in the way the test asks for after
 * " -- " in the module command line ("do=WHAT"):
 *
 *   do=triple-fault  load an empty IDT (limit 0) and execute INT3: the #BP
 *                    cannot be delivered (#GP), nor can that (#DF), so the
 *                    CPU shuts down: a triple fault (AMD APM vol. 2, 8.2.9
 *                    "Double-Fault Exception"), which Mica intercepts.
 *   do=unmapped      read guest-physical 0x40000000 (1 GiB), far above the
 *                    guest's RAM (run it with mem=16M): the nested page
 *                    tables have no entry there, so the read is a nested
 *                    page fault, which crashes the domain when it runs with
 *                    the module option npf=crash (without it Mica emulates
 *                    the read: all ones). (The 64-bit flavour's page tables map
 *                    0..4 GiB one to one, the 32-bit one has paging off,
 *                    so in both the address is also the guest-physical one.)
 *   do=spin          CLI and loop forever: only Mica's timeout= ends it.
 *   do=flood         write console lines as fast as it can, forever.
 *   do=hlt-cli       HLT with interrupts disabled: nothing can ever wake it.
 *
 * None of these returns. If one does, the guest says so with a FAIL verdict.
 */
#include "test.h"
#include "args.h"

TEST_NAME("misbehave");

#define UNMAPPED_GPA 0x40000000UL

static void triple_fault(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uintptr_t base;
    } empty_idt = { 0, 0 };

    __asm__ volatile("lidt %0\n\t"
                     "int3"
                     :
                     : "m"(empty_idt)
                     : "memory");
}

static void read_unmapped(void)
{
    /* Make sure the address really lies beyond the guest's RAM. */
    struct hvm_memmap_table_entry map[16];
    int n = guest_memory_map(map, 16);
    for (int i = 0; i < n; i++)
        if (UNMAPPED_GPA < map[i].addr + map[i].size && map[i].addr <= UNMAPPED_GPA)
            guest_test_abort("0x40000000 is RAM here: run with a smaller mem=");

    volatile const uint32_t *p = (volatile const uint32_t *)UNMAPPED_GPA;
    uint32_t value = *p;
    gprintf("read 0x%x from an unmapped guest-physical address\n", value);
}

static void spin(void)
{
    __asm__ volatile("cli\n\t"
                     "1: jmp 1b");
}

static void flood(void)
{
    char line[64];
    for (unsigned long n = 0;; n++) {
        int len = gsnprintf(line, sizeof(line), "flood line %lu\n", n);
        HYPERVISOR_console_io(CONSOLEIO_write, (unsigned)len, line);
    }
}

static void hlt_cli(void)
{
    __asm__ volatile("cli\n\t"
                     "hlt");
}

static const struct {
    const char *name;
    void (*misbehave)(void);
} ways[] = {
    { "triple-fault", triple_fault },
    { "unmapped", read_unmapped },
    { "spin", spin },
    { "flood", flood },
    { "hlt-cli", hlt_cli },
};

void test_main(void)
{
    for (unsigned i = 0; i < sizeof(ways) / sizeof(ways[0]); i++) {
        if (guest_arg_is("do", ways[i].name)) {
            gprintf("misbehaving on purpose: %s\n", ways[i].name);
            ways[i].misbehave();
            guest_test_abort("still running after misbehaving");
        }
    }
    guest_test_abort("no \"do=triple-fault|unmapped|spin|flood|hlt-cli\" after \" -- \"");
}
