/*
 * Mica's page tables.
 *
 * paging_init builds, from the memory map, the layout of memlayout.h:
 *   - Mica's image with 4 KiB pages and W^X permissions per section;
 *   - the direct map of every range the firmware's memory map lists below
 *     4 GiB (RAM, ACPI tables, firmware), usable RAM above it, and the first
 *     1 MiB (BIOS data, where ACPI's RSDP may live): writable, NX, with
 *     2 MiB pages where alignment allows;
 *   - the local APIC page, uncached (PCD|PWT), at MMIO_VBASE;
 *   - an identity mapping of the AP trampoline page, which an AP needs in
 *     the instant it turns paging on (removed once all APs are up).
 * Then it loads CR3. Table pages come from a bump allocator placed after the
 * image, the modules and the boot information, since the frame allocator
 * does not exist yet; page_alloc later marks those frames as Mica's.
 */
#include "x86/paging.h"
#include "assert.h"
#include "bootinfo.h"
#include "call_function.h"
#include "lib/string.h"
#include "panic.h"
#include "printk.h"
#include "x86/apic.h"
#include "x86/asm.h"
#include "x86/msr.h"

extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _data_end[], _symbols_start[], _symbols_end[];
extern char _image_end[];

#define SIZE_2M (1UL << PT_LEVEL_SHIFT(1)) /* a large page: PS in a level-1 entry */
#define SIZE_1G (1UL << PT_LEVEL_SHIFT(2))
#define LOW_MEMORY_END (1UL << 20) /* BIOS data, perhaps ACPI's RSDP */
#define DIRECT_MAP_ALL_BELOW (4 * SIZE_1G)
#define BOOT_ALLOC_LIMIT SIZE_1G /* reachable through the boot map */

static paddr_t pml4_paddr;
static paddr_t boot_alloc_start, boot_alloc_next;
static bool own_tables_live; /* CR3 holds pml4_paddr */

/* Before the switch, the boot map reaches physical 0..1 GiB at KERNEL_VBASE;
 * after it, the direct map reaches everything. */
static void *early_phys_to_virt(paddr_t pa)
{
    return own_tables_live ? phys_to_virt(pa) : (void *)(KERNEL_VBASE + pa);
}

/* ---- the bump allocator ------------------------------------------------ */

static void boot_alloc_init(void)
{
    paddr_t start = (uintptr_t)_image_end - KERNEL_VBASE;

    if (boot_info.info_end > start)
        start = boot_info.info_end;
    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        if (boot_info.modules[i].end > start)
            start = boot_info.modules[i].end;
    }
    boot_alloc_start = boot_alloc_next = ALIGN_UP(start, PAGE_SIZE);
}

/* Is [start, end) inside one usable range of the memory map? */
static bool is_usable_ram(paddr_t start, paddr_t end)
{
    for (unsigned int i = 0; i < boot_info.nr_mem; i++) {
        const struct boot_mem_range *r = &boot_info.mem[i];
        if (r->type == BOOT_MEM_USABLE && r->start <= start && end <= r->end)
            return true;
    }
    return false;
}

static paddr_t boot_alloc_phys(size_t size)
{
    paddr_t pa = boot_alloc_next;
    size = ALIGN_UP(size, PAGE_SIZE);

    if (pa + size > BOOT_ALLOC_LIMIT || !is_usable_ram(pa, pa + size))
        panic("boot_alloc: no usable RAM for %zu bytes at %#lx\n", size, pa);
    boot_alloc_next += size;
    memset(early_phys_to_virt(pa), 0, size);
    return pa;
}

void *boot_alloc(size_t size)
{
    return early_phys_to_virt(boot_alloc_phys(size));
}

paddr_t paging_boot_alloc_start(void)
{
    return boot_alloc_start;
}
paddr_t paging_boot_alloc_end(void)
{
    return boot_alloc_next;
}
paddr_t paging_root(void)
{
    return pml4_paddr;
}

/* ---- building tables ---------------------------------------------------- */

static uint64_t *table_virt(uint64_t entry)
{
    return early_phys_to_virt(entry & PTE_ADDR_MASK);
}

/* The entry for va at the given level (3 = PML4 ... 0 = PT), creating
 * intermediate tables. Intermediate entries are permissive (W, no NX): the
 * leaf decides (APM vol. 2 §5.6: permissions combine across levels). */
static uint64_t *walk_create(uintptr_t va, int leaf_level)
{
    uint64_t *table = early_phys_to_virt(pml4_paddr);

    for (int level = PT_LEVELS - 1; level > leaf_level; level--) {
        uint64_t *entry = &table[pt_index(va, level)];
        if (!(*entry & PTE_PRESENT)) {
            *entry = boot_alloc_phys(PAGE_SIZE) | PTE_PRESENT | PTE_WRITE;
        }
        ASSERT(!(*entry & PTE_LARGE));
        table = table_virt(*entry);
    }
    return &table[pt_index(va, leaf_level)];
}

/* Map [pa, pa + size) at va, 2 MiB pages where both are aligned. */
static void map_range(uintptr_t va, paddr_t pa, size_t size, uint64_t flags)
{
    while (size) {
        if (!(va & (SIZE_2M - 1)) && !(pa & (SIZE_2M - 1)) && size >= SIZE_2M) {
            uint64_t *pde = walk_create(va, 1);
            if (!(*pde & PTE_PRESENT))
                *pde = pa | flags | PTE_PRESENT | PTE_LARGE;
            va += SIZE_2M;
            pa += SIZE_2M;
            size -= SIZE_2M;
        } else {
            uint64_t *pde = walk_create(va, 1);
            if (*pde & PTE_LARGE) { /* already covered by a 2 MiB page */
                va += PAGE_SIZE;
                pa += PAGE_SIZE;
                size -= PAGE_SIZE;
                continue;
            }
            uint64_t *pte = walk_create(va, 0);
            *pte = pa | flags | PTE_PRESENT;
            va += PAGE_SIZE;
            pa += PAGE_SIZE;
            size -= PAGE_SIZE;
        }
    }
}

static void map_image_section(const char *start, const char *end, uint64_t flags)
{
    map_range((uintptr_t)start, (uintptr_t)start - KERNEL_VBASE, (size_t)(end - start),
              flags | PTE_GLOBAL);
}

static void map_direct(paddr_t start, paddr_t end)
{
    start = ALIGN_DOWN(start, PAGE_SIZE);
    end = ALIGN_UP(end, PAGE_SIZE);
    if (end > start)
        map_range(DIRECTMAP_BASE + start, start, end - start, PTE_WRITE | PTE_NX | PTE_GLOBAL);
}

void paging_init(void)
{
    boot_alloc_init();
    pml4_paddr = boot_alloc_phys(PAGE_SIZE);

    map_image_section(_text_start, _text_end, 0);                  /* R X */
    map_image_section(_rodata_start, _rodata_end, PTE_NX);         /* R   */
    map_image_section(_data_start, _data_end, PTE_WRITE | PTE_NX); /* RW  */
    map_image_section(_symbols_start, _symbols_end, PTE_NX);       /* R   */

    map_direct(0, LOW_MEMORY_END);
    for (unsigned int i = 0; i < boot_info.nr_mem; i++) {
        const struct boot_mem_range *r = &boot_info.mem[i];
        /* Above 4 GiB only RAM: firmware reserves huge windows up there. */
        if (r->type == BOOT_MEM_USABLE || r->end <= DIRECT_MAP_ALL_BELOW)
            map_direct(r->start, r->end);
    }

    map_range(MMIO_VBASE, rdmsr(MSR_APIC_BASE) & APIC_BASE_ADDR_MASK, PAGE_SIZE,
              PTE_WRITE | PTE_NX | PTE_PCD | PTE_PWT);
    map_range(TRAMPOLINE_PADDR, TRAMPOLINE_PADDR, PAGE_SIZE, 0);

    write_cr3(pml4_paddr);
    own_tables_live = true;
}

static void flush_all_tlb(void *unused)
{
    (void)unused;
    write_cr3(read_cr3());
}

void paging_drop_identity_map(void)
{
    uint64_t *pte = walk_create(TRAMPOLINE_PADDR, 0);

    *pte = 0;
    call_function_all(flush_all_tlb, NULL);
}
