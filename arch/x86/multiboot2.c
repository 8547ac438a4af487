/*
 * Reading the multiboot2 boot information (Multiboot2 specification §3.6).
 *
 * It is a u32 total_size, a u32 reserved, then tags, each 8-byte aligned:
 * u32 type, u32 size (including the 8-byte tag header), payload.
 * A tag of type 0 ends the list.
 */
#include "bootinfo.h"
#include "lib/string.h"
#include "printk.h"
#include "x86/memlayout.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289

enum mb2_tag_type {
    MB2_TAG_END = 0,
    MB2_TAG_CMDLINE = 1,
    MB2_TAG_MODULE = 3,
    MB2_TAG_MMAP = 6,
    MB2_TAG_ACPI_OLD = 14,
    MB2_TAG_ACPI_NEW = 15,
};

struct mb2_tag {
    uint32_t type;
    uint32_t size;
};

struct mb2_tag_module {
    struct mb2_tag tag;
    uint32_t mod_start, mod_end;
    char cmdline[];
};

struct mb2_tag_mmap {
    struct mb2_tag tag;
    uint32_t entry_size, entry_version;
};

struct mb2_mmap_entry {
    uint64_t base, length;
    uint32_t type, reserved;
};

struct boot_info boot_info;

/* Before paging_init the boot page tables map physical 0..1 GiB at
 * KERNEL_VBASE; GRUB puts its structures low. */
static const void *early_phys_to_virt(paddr_t pa)
{
    return (const void *)(KERNEL_VBASE + pa);
}

static void copy_string(char *dst, size_t size, const char *src, const char *what)
{
    size_t len = strnlen(src, size);

    if (len == size) {
        pr_warn("boot: %s longer than %zu bytes, cut\n", what, size - 1);
        len = size - 1;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static void parse_mmap(const struct mb2_tag_mmap *mmap)
{
    const uint8_t *entry = (const uint8_t *)(mmap + 1);
    const uint8_t *end = (const uint8_t *)mmap + mmap->tag.size;

    for (; entry + sizeof(struct mb2_mmap_entry) <= end; entry += mmap->entry_size) {
        const struct mb2_mmap_entry *e = (const void *)entry;

        if (boot_info.nr_mem == BOOT_MAX_MEM_RANGES) {
            pr_warn("boot: more than %d memory ranges, rest ignored\n", BOOT_MAX_MEM_RANGES);
            return;
        }
        if (!e->length)
            continue;
        boot_info.mem[boot_info.nr_mem++] = (struct boot_mem_range){
            .start = e->base,
            .end = e->base + e->length,
            .type = e->type,
        };
    }
}

static void parse_module(const struct mb2_tag_module *mod)
{
    struct boot_module *m;

    if (boot_info.nr_modules == BOOT_MAX_MODULES) {
        pr_warn("boot: more than %d modules, rest ignored\n", BOOT_MAX_MODULES);
        return;
    }
    m = &boot_info.modules[boot_info.nr_modules++];
    m->start = mod->mod_start;
    m->end = mod->mod_end;
    copy_string(m->cmdline, sizeof(m->cmdline), mod->cmdline, "module command line");
}

bool multiboot2_parse(uint32_t magic, paddr_t info)
{
    const uint8_t *base = early_phys_to_virt(info);
    uint32_t total_size = *(const uint32_t *)base;

    if (magic != MB2_BOOTLOADER_MAGIC) {
        pr_err("boot: not started by a multiboot2 loader (magic %#x)\n", magic);
        return false;
    }
    boot_info.info_start = info;
    boot_info.info_end = info + total_size;

    for (uint32_t off = 8; off + sizeof(struct mb2_tag) <= total_size;) {
        const struct mb2_tag *tag = (const void *)(base + off);

        if (tag->type == MB2_TAG_END || tag->size < sizeof(*tag))
            break;
        switch (tag->type) {
        case MB2_TAG_CMDLINE:
            copy_string(boot_info.cmdline, sizeof(boot_info.cmdline), (const char *)(tag + 1),
                        "command line");
            break;
        case MB2_TAG_MODULE:
            parse_module((const void *)tag);
            break;
        case MB2_TAG_MMAP:
            parse_mmap((const void *)tag);
            break;
        case MB2_TAG_ACPI_OLD:
        case MB2_TAG_ACPI_NEW:
            /* The tag holds a copy of the RSDP; prefer the ACPI 2.0 one. */
            if (!boot_info.acpi_rsdp || tag->type == MB2_TAG_ACPI_NEW)
                boot_info.acpi_rsdp = info + off + sizeof(*tag);
            break;
        default:
            break;
        }
        off += ALIGN_UP(tag->size, 8);
    }
    return true;
}
