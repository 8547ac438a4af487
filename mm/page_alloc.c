/*
 * The machine's frame allocator: builds the frame table from the memory map
 * and puts the buddy allocator (mm/buddy.c) behind one lock.
 *
 * Never handed out: the first 1 MiB (BIOS data, the AP trampoline), Mica's
 * image, the multiboot2 information, the boot modules (guest images), the
 * pages the boot allocator used (page tables, the frame table itself), and
 * everything the memory map does not call usable.
 */
#include "page_alloc.h"
#include "alloc_fail.h"
#include "bootinfo.h"
#include "buddy.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"
#include "lib/vsnprintf.h"
#include "x86/paging.h"

extern char _image_start[], _image_end[];

struct frame *frame_table;
uint64_t frame_table_size;

static struct buddy machine_buddy;
static DEFINE_SPINLOCK(page_alloc_lock, LOCK_LEVEL_PAGE_ALLOC);
static uint64_t usable_frames; /* frames handed to the allocator at boot */

struct range {
    paddr_t start, end;
};

#define MAX_RESERVED (BOOT_MAX_MODULES + 8)

static unsigned int collect_reserved(struct range *r)
{
    unsigned int n = 0;

    r[n++] = (struct range){ 0, 1UL << 20 };
    r[n++] = (struct range){ (uintptr_t)_image_start - KERNEL_VBASE,
                             (uintptr_t)_image_end - KERNEL_VBASE };
    r[n++] = (struct range){ boot_info.info_start, boot_info.info_end };
    r[n++] = (struct range){ paging_boot_alloc_start(), paging_boot_alloc_end() };
    for (unsigned int i = 0; i < boot_info.nr_modules; i++)
        r[n++] = (struct range){ boot_info.modules[i].start, boot_info.modules[i].end };

    /* Sort by start (insertion sort: a handful of entries). */
    for (unsigned int i = 1; i < n; i++) {
        struct range key = r[i];
        unsigned int j = i;
        for (; j > 0 && r[j - 1].start > key.start; j--)
            r[j] = r[j - 1];
        r[j] = key;
    }
    return n;
}

/* Give [start, end) minus the reserved ranges to the buddy allocator. */
static void add_usable(paddr_t start, paddr_t end, const struct range *reserved,
                       unsigned int nr_reserved)
{
    for (unsigned int i = 0; i < nr_reserved && start < end; i++) {
        paddr_t rs = ALIGN_DOWN(reserved[i].start, PAGE_SIZE);
        paddr_t re = ALIGN_UP(reserved[i].end, PAGE_SIZE);

        if (re <= start || rs >= end)
            continue;
        if (rs > start)
            add_usable(start, rs, reserved + i + 1, nr_reserved - i - 1);
        start = re;
    }
    start = ALIGN_UP(start, PAGE_SIZE);
    end = ALIGN_DOWN(end, PAGE_SIZE);
    if (start < end) {
        buddy_add_range(&machine_buddy, start >> PAGE_SHIFT, end >> PAGE_SHIFT);
        usable_frames += (end - start) >> PAGE_SHIFT;
    }
}

void page_alloc_init(void)
{
    struct range reserved[MAX_RESERVED];
    paddr_t max_paddr = 0;
    unsigned int nr_reserved;

    for (unsigned int i = 0; i < boot_info.nr_mem; i++) {
        if (boot_info.mem[i].type == BOOT_MEM_USABLE && boot_info.mem[i].end > max_paddr)
            max_paddr = boot_info.mem[i].end;
    }
    frame_table_size = max_paddr >> PAGE_SHIFT;
    frame_table = boot_alloc(frame_table_size * sizeof(struct frame));
    buddy_init(&machine_buddy, frame_table, frame_table_size);

    /* Collect after the frame table exists: the boot allocator is final now. */
    nr_reserved = collect_reserved(reserved);
    for (unsigned int i = 0; i < boot_info.nr_mem; i++) {
        const struct boot_mem_range *m = &boot_info.mem[i];
        if (m->type == BOOT_MEM_USABLE)
            add_usable(m->start, MIN(m->end, max_paddr), reserved, nr_reserved);
    }
}

struct frame *alloc_frames_uninjected(unsigned int order)
{
    struct frame *f;
    unsigned long flags;

    if (order > BUDDY_MAX_ORDER)
        return NULL;
    flags = spin_lock_irqsave(&page_alloc_lock);
    f = buddy_alloc(&machine_buddy, order);
    spin_unlock_irqrestore(&page_alloc_lock, flags);
    return f;
}

struct frame *alloc_frames(unsigned int order)
{
    if (alloc_fail_now(ALLOC_FAIL_FRAMES))
        return NULL; /* fail-alloc= picked this call */
    return alloc_frames_uninjected(order);
}

void free_frames(struct frame *head, unsigned int order)
{
    unsigned long flags = spin_lock_irqsave(&page_alloc_lock);
    buddy_free(&machine_buddy, head, order);
    spin_unlock_irqrestore(&page_alloc_lock, flags);
}

void *mfn_to_virt(mfn_t mfn)
{
    return phys_to_virt(mfn_to_paddr(mfn));
}

mfn_t virt_to_mfn(const void *va)
{
    return paddr_to_mfn(virt_to_phys(va));
}

uint64_t page_alloc_free_frames(void)
{
    return __atomic_load_n(&machine_buddy.nr_free_frames, __ATOMIC_RELAXED);
}

uint64_t page_alloc_usable_frames(void)
{
    return usable_frames;
}

void page_alloc_free_blocks(uint64_t blocks[BUDDY_NR_ORDERS])
{
    unsigned long flags = spin_lock_irqsave(&page_alloc_lock);

    for (unsigned int o = 0; o < BUDDY_NR_ORDERS; o++)
        blocks[o] = machine_buddy.nr_free_blocks[o];
    spin_unlock_irqrestore(&page_alloc_lock, flags);
}

void page_alloc_print_summary(void)
{
    uint64_t blocks[BUDDY_NR_ORDERS];
    char line[256];
    int len = 0;

    page_alloc_free_blocks(blocks);
    for (unsigned int o = 0; o < BUDDY_NR_ORDERS && len < (int)sizeof(line); o++)
        len += snprintf(line + len, sizeof(line) - (size_t)len, " %u:%lu", o, blocks[o]);

    printk("Memory: %lu KiB total, %lu KiB usable, %lu KiB free\n", frame_table_size * 4,
           usable_frames * 4, page_alloc_free_frames() * 4);
    printk("Memory: free blocks by order (order:count):%s\n", line);
}
