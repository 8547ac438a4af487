/*
 * The domain builder (see domain_build.h): validate the module's options and
 * ELF image completely, then create the domain, give it RAM (largest pages
 * first), load the image, write hvm_start_info and start vCPU 0 in the PVH
 * entry state (the caller starts it, once every module is built). A module
 * that fails validation creates nothing.
 */
#include "domain_build.h"
#include "assert.h"
#include "console_ring.h"
#include "lib/cmdline.h"
#include "p2m/p2m_debug.h"
#include "elf.h"
#include "guest_access.h"
#include "hypercall_trace.h"
#include "lib/string.h"
#include "printk.h"
#include "public/elfnote.h"
#include "public/errno.h"
#include "public/hvm/start_info.h"
#include "public/sched.h"
#include "lib/vsnprintf.h"
#include "arch.h"
#include "p2m/physmap.h"
#include "xsm.h"

#define MAX_SEGMENTS 16
#define DEFAULT_MEM (16UL << 20)
#define MIN_MEM (2UL << 20)
#define MAX_MEM (64UL << 30)

struct guest_options {
    char name[DOMAIN_NAME_LEN];
    unsigned long mem;
    unsigned long vcpus;
    bool priv;
    bool paused;   /* started paused, for a builder domain to unpause */
    bool xenstore; /* the xenstore domain (XSM class XS_PRIV) */
    char label[DOMAIN_LABEL_LEN];
    char target[DOMAIN_NAME_LEN];
    unsigned long max_grant_frames;
    char trace[16]; /* trace=hypercalls */
    char npf[8];    /* "emulate" or "crash" (arch/x86/svm/npf.c) */
};

struct segment {
    uint64_t paddr, offset, filesz, memsz;
};

struct guest_image {
    unsigned int elf_class; /* 32 or 64 */
    uint32_t entry;         /* PVH 32-bit entry point (guest-physical) */
    unsigned int nr_segments;
    struct segment segments[MAX_SEGMENTS];
};

/* ---- options ---------------------------------------------------------------- */

struct option_problems {
    unsigned int index;
};

static void option_warning(void *ctx, const char *fmt, ...)
{
    const struct option_problems *p = ctx;
    char msg[192];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    pr_err("module %u: %s\n", p->index, msg);
}

static bool valid_name(const char *name)
{
    if (!name[0])
        return false;
    for (const char *c = name; *c; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.';
        if (!ok)
            return false;
    }
    return true;
}

/* Mica reads the module command line up to " -- "; the guest gets the rest
 * (guest_cmdline). */
static bool parse_options(const char *cmdline, unsigned int index, bool first_guest,
                          struct guest_options *o)
{
    char mica_part[BOOT_MODULE_CMDLINE_LEN];
    const char *guest_part = strstr(cmdline, " -- ");
    size_t len = guest_part ? (size_t)(guest_part - cmdline) : strlen(cmdline);
    struct option_problems problems = { index };
    const struct param params[] = {
        { "name", PARAM_STRING, o->name, sizeof(o->name), NULL },
        { "mem", PARAM_SIZE, &o->mem, 0, NULL },
        { "vcpus", PARAM_UINT, &o->vcpus, 0, NULL },
        { "priv", PARAM_BOOL, &o->priv, 0, NULL },
        { "paused", PARAM_BOOL, &o->paused, 0, NULL },
        { "xenstore", PARAM_BOOL, &o->xenstore, 0, NULL },
        { "trace", PARAM_STRING, o->trace, sizeof(o->trace), NULL },
        { "label", PARAM_STRING, o->label, sizeof(o->label), NULL },
        { "target", PARAM_STRING, o->target, sizeof(o->target), NULL },
        { "max_grant_frames", PARAM_UINT, &o->max_grant_frames, 0, NULL },
        { "npf", PARAM_STRING, o->npf, sizeof(o->npf), NULL },
    };

    memcpy(mica_part, cmdline, len);
    mica_part[len] = '\0';
    snprintf(o->name, sizeof(o->name), "d%u", index);
    o->mem = DEFAULT_MEM;
    o->vcpus = 1;
    o->priv = first_guest;
    o->paused = false;
    o->xenstore = false;
    o->label[0] = '\0';
    o->target[0] = '\0';
    o->trace[0] = '\0';
    o->max_grant_frames = DEFAULT_GRANT_FRAMES;
    snprintf(o->npf, sizeof(o->npf), "emulate");
    if (cmdline_parse(mica_part, params, ARRAY_SIZE(params), option_warning, &problems))
        return false;
    if (!valid_name(o->name)) {
        pr_err("module %u: name '%s' must be letters, digits, '-', '_' or '.'\n", index, o->name);
        return false;
    }
    if (o->mem < MIN_MEM || o->mem > MAX_MEM || (o->mem & (PAGE_SIZE - 1))) {
        pr_err("module %u: mem=%lu must be a whole number of pages from 2M to 64G\n", index,
               o->mem);
        return false;
    }
    if (o->vcpus < 1 || o->vcpus > MAX_VCPUS) {
        pr_err("module %u: vcpus=%lu must be 1..%d\n", index, o->vcpus, MAX_VCPUS);
        return false;
    }
    if (o->trace[0] && !hypercall_trace_value_ok(o->trace)) {
        pr_err("module %u: trace=%s: the only trace is trace=hypercalls\n", index, o->trace);
        return false;
    }
    if (o->max_grant_frames < 1 || o->max_grant_frames > MAX_GRANT_FRAMES) {
        pr_err("module %u: max_grant_frames=%lu must be 1..%d\n", index, o->max_grant_frames,
               MAX_GRANT_FRAMES);
        return false;
    }
    if (strcmp(o->npf, "emulate") && strcmp(o->npf, "crash")) {
        pr_err("module %u: npf=%s must be emulate or crash\n", index, o->npf);
        return false;
    }
    return true;
}

/* The guest's own command line: what follows " -- ", or nothing. */
static const char *guest_cmdline(const char *cmdline)
{
    const char *sep = strstr(cmdline, " -- ");

    return sep ? sep + 4 : "";
}

/* ---- where the ACPI tables go ------------------------------------------------- */

/* The guest's ACPI tables (arch_guest_acpi_build) fill the last
 * ARCH_GUEST_ACPI_SIZE bytes of its RAM below 4 GiB: near the top of low
 * memory, where firmware keeps them, and where a 32-bit guest reaches them.
 * Its memory map lists them as ACPI (E820 type 3), as Xen's PVH toolstack
 * lists its own. Nothing else the builder places may overlap them. */
static uint64_t acpi_tables_gpa(uint64_t mem)
{
    return MIN(mem, 1ULL << 32) - ARCH_GUEST_ACPI_SIZE;
}

static bool overlaps_acpi_tables(uint64_t addr, uint64_t len, uint64_t mem)
{
    uint64_t tables = acpi_tables_gpa(mem);

    return addr < tables + ARCH_GUEST_ACPI_SIZE && tables < addr + len;
}

/* ---- boot modules (module-of=NAME) ------------------------------------------ */

#define MODULE_OF "module-of="

bool domain_build_is_boot_module(const struct boot_module *module)
{
    return !strncmp(module->cmdline, MODULE_OF, sizeof(MODULE_OF) - 1);
}

/* Does module belong to the domain called name? */
static bool is_module_of(const struct boot_module *module, const char *name)
{
    const char *owner = module->cmdline + sizeof(MODULE_OF) - 1;
    size_t len = strlen(name);

    return domain_build_is_boot_module(module) && !strncmp(owner, name, len) &&
           (owner[len] == '\0' || owner[len] == ' ');
}

/* A domain's boot modules and where they go in its RAM. */
struct boot_modules {
    unsigned int nr;
    struct boot_module *module[DOMAIN_BOOT_MODULES_MAX];
    uint64_t gpa[DOMAIN_BOOT_MODULES_MAX];
};

/* Find name's modules and place them one after the other from the first
 * page above the image (as Xen's PVH builder does), past the ACPI tables if
 * they are in the way; NULL or why not. */
static const char *place_boot_modules(const char *name, uint64_t image_end, uint64_t mem,
                                      struct boot_modules *bm)
{
    uint64_t at = (image_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

    bm->nr = 0;
    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        struct boot_module *m = &boot_info.modules[i];
        uint64_t size = m->end - m->start;

        if (!is_module_of(m, name) || m->taken)
            continue;
        if (bm->nr == DOMAIN_BOOT_MODULES_MAX)
            return "more boot modules (module-of=) than a domain may have";
        if (overlaps_acpi_tables(at, size, mem))
            at = acpi_tables_gpa(mem) + ARCH_GUEST_ACPI_SIZE;
        if (size > mem || at > mem - size)
            return "its boot modules do not fit in its RAM above the image";
        bm->module[bm->nr] = m;
        bm->gpa[bm->nr++] = at;
        at = (at + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    }
    return NULL;
}

static int load_boot_modules(struct domain *d, const struct boot_modules *bm)
{
    for (unsigned int i = 0; i < bm->nr; i++) {
        const struct boot_module *m = bm->module[i];
        int rc = guest_phys_write(d, bm->gpa[i], phys_to_virt(m->start), m->end - m->start);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- the ELF image ------------------------------------------------------- */

static bool in_file(uint64_t offset, uint64_t len, uint64_t size)
{
    return offset <= size && len <= size - offset;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

/* Look for the PVH entry note (name "Xen", type XEN_ELFNOTE_PHYS32_ENTRY). */
static bool find_pvh_entry(const uint8_t *img, uint64_t offset, uint64_t len, uint32_t *entry)
{
    uint64_t pos = offset, end = offset + len;

    while (pos + sizeof(struct elf_note) <= end) {
        struct elf_note n;
        memcpy(&n, img + pos, sizeof(n));
        uint64_t name = pos + sizeof(n);
        uint64_t desc = name + ALIGN_UP((uint64_t)n.namesz, 4);
        uint64_t next = desc + ALIGN_UP((uint64_t)n.descsz, 4);

        if (n.namesz > len || n.descsz > len || next > end)
            return false;
        if (n.namesz == 4 && !memcmp(img + name, "Xen", 4) && n.type == XEN_ELFNOTE_PHYS32_ENTRY &&
            n.descsz >= 4) {
            memcpy(entry, img + desc, 4);
            return true;
        }
        pos = next;
    }
    return false;
}

static const char *add_segment(struct guest_image *gi, const struct segment *s, uint64_t size,
                               uint64_t mem)
{
    if (gi->nr_segments == MAX_SEGMENTS)
        return "too many loadable segments";
    if (s->filesz > s->memsz)
        return "a segment's file size exceeds its memory size";
    if (!in_file(s->offset, s->filesz, size))
        return "a segment lies outside the file (truncated image?)";
    if (s->paddr > mem || s->memsz > mem - s->paddr)
        return "a segment lies outside the guest's RAM (raise mem=?)";
    if (overlaps(s->paddr, s->memsz, START_INFO_GPA, PAGE_SIZE))
        return "a segment overlaps the start info page (guest-physical 0x1000)";
    if (overlaps_acpi_tables(s->paddr, s->memsz, mem))
        return "a segment overlaps the ACPI tables (the last page of RAM below 4 GiB; "
               "raise mem=?)";
    gi->segments[gi->nr_segments++] = *s;
    return NULL;
}

static const char *parse_elf(const uint8_t *img, uint64_t size, uint64_t mem,
                             struct guest_image *gi)
{
    struct elf64_ehdr h;
    bool found_entry = false;

    gi->nr_segments = 0;
    if (size < sizeof(struct elf_ident) || memcmp(img, ELF_MAGIC, 4))
        return "not an ELF image";
    const struct elf_ident *id = (const void *)img;
    if (id->data != ELFDATA2LSB)
        return "not a little-endian ELF image";
    if (id->class == ELFCLASS64) {
        if (size < sizeof(struct elf64_ehdr))
            return "truncated ELF header";
        memcpy(&h, img, sizeof(h));
        if (h.machine != EM_X86_64)
            return "ELF64 image for another machine (e_machine is not x86-64)";
        if (h.phentsize != sizeof(struct elf64_phdr))
            return "unexpected program header size";
    } else if (id->class == ELFCLASS32) {
        struct elf32_ehdr h32;
        if (size < sizeof(h32))
            return "truncated ELF header";
        memcpy(&h32, img, sizeof(h32));
        /* EM_X86_64 too: binutils' elf32-x86-64, which a 64-bit kernel may
         * be linked as. Only the container differs; a PVH guest starts at
         * the note's 32-bit entry either way, as Xen's loader boots it. */
        if (h32.machine != EM_386 && h32.machine != EM_X86_64)
            return "ELF32 image for another machine (e_machine is neither i386 nor x86-64)";
        if (h32.phentsize != sizeof(struct elf32_phdr))
            return "unexpected program header size";
        h.phoff = h32.phoff;
        h.phnum = h32.phnum;
        h.phentsize = h32.phentsize;
    } else {
        return "unknown ELF class";
    }
    gi->elf_class = id->class == ELFCLASS64 ? 64 : 32;
    if (!in_file(h.phoff, (uint64_t)h.phnum * h.phentsize, size))
        return "program headers lie outside the file (truncated image?)";

    for (unsigned int i = 0; i < h.phnum; i++) {
        const uint8_t *ph = img + h.phoff + (uint64_t)i * h.phentsize;
        struct segment s;
        uint32_t type;

        if (gi->elf_class == 64) {
            struct elf64_phdr p;
            memcpy(&p, ph, sizeof(p));
            type = p.type;
            s = (struct segment){ p.paddr, p.offset, p.filesz, p.memsz };
        } else {
            struct elf32_phdr p;
            memcpy(&p, ph, sizeof(p));
            type = p.type;
            s = (struct segment){ p.paddr, p.offset, p.filesz, p.memsz };
        }
        if (type == PT_LOAD && s.memsz) {
            const char *bad = add_segment(gi, &s, size, mem);
            if (bad)
                return bad;
        } else if (type == PT_NOTE) {
            if (!in_file(s.offset, s.filesz, size))
                return "a note segment lies outside the file (truncated image?)";
            found_entry = found_entry || find_pvh_entry(img, s.offset, s.filesz, &gi->entry);
        }
    }
    if (!gi->nr_segments)
        return "no loadable segment";
    if (!found_entry)
        return "no PVH entry note (ELF note \"Xen\", type 18 XEN_ELFNOTE_PHYS32_ENTRY)";
    for (unsigned int i = 0; i < gi->nr_segments; i++) {
        const struct segment *s = &gi->segments[i];
        if (gi->entry >= s->paddr && gi->entry < s->paddr + s->memsz)
            return NULL;
    }
    return "the PVH entry point lies in no loadable segment";
}

/* ---- building -------------------------------------------------------------- */

/* All of [0, mem) as RAM, in the largest naturally aligned pieces that fit;
 * a smaller order if memory is too fragmented for a large one. */
static int populate_ram(struct domain *d, uint64_t nr_pages)
{
    static const unsigned int orders[] = { P2M_ORDER_1G, P2M_ORDER_2M, P2M_ORDER_4K };
    uint64_t gfn = 0;

    while (gfn < nr_pages) {
        int rc = -XEN_ENOMEM;
        for (unsigned int i = 0; i < ARRAY_SIZE(orders) && rc; i++) {
            unsigned int order = orders[i];
            if (order > d->p2m.max_order || (gfn & ((1UL << order) - 1)) ||
                gfn + (1UL << order) > nr_pages)
                continue;
            rc = physmap_populate(d, _gfn(gfn), order);
            if (!rc)
                gfn += 1UL << order;
        }
        if (rc)
            return rc;
    }
    return 0;
}

static void memmap_add(struct domain *d, uint64_t addr, uint64_t size, uint32_t type)
{
    ASSERT(d->nr_memmap < DOMAIN_MEMMAP_MAX);
    d->memmap[d->nr_memmap++] = (struct domain_memmap_entry){ addr, size, type };
}

/* RAM [0, mem) in the memory map: RAM, the ACPI tables' page(s) as ACPI,
 * and RAM again above them if mem passes 4 GiB. */
static void memmap_add_ram(struct domain *d, uint64_t mem)
{
    uint64_t tables = acpi_tables_gpa(mem), tables_end = tables + ARCH_GUEST_ACPI_SIZE;

    memmap_add(d, 0, tables, XEN_HVM_MEMMAP_TYPE_RAM);
    memmap_add(d, tables, ARCH_GUEST_ACPI_SIZE, XEN_HVM_MEMMAP_TYPE_ACPI);
    if (mem > tables_end)
        memmap_add(d, tables_end, mem - tables_end, XEN_HVM_MEMMAP_TYPE_RAM);
}

/* The tables describe d's vCPUs; they are d's own RAM, freed with it. */
static int write_acpi_tables(struct domain *d, uint64_t gpa)
{
    static uint8_t tables[ARCH_GUEST_ACPI_SIZE]; /* boot CPU only, as write_start_info's page */
    int rc = arch_guest_acpi_build(tables, sizeof(tables), gpa, d->nr_vcpus);

    return rc ? rc : guest_phys_write(d, gpa, tables, sizeof(tables));
}

/* The start_info page: hvm_start_info at 0, the memory map at MEMMAP_OFFSET,
 * the module list at MODLIST_OFFSET, the command line at CMDLINE_OFFSET. */
#define MEMMAP_OFFSET 64
#define MODLIST_OFFSET (MEMMAP_OFFSET + DOMAIN_MEMMAP_MAX * sizeof(struct hvm_memmap_table_entry))
#define CMDLINE_OFFSET (MODLIST_OFFSET + DOMAIN_BOOT_MODULES_MAX * sizeof(struct hvm_modlist_entry))

static int write_start_info(struct domain *d, const char *cmdline, const struct boot_modules *bm,
                            uint64_t rsdp_gpa)
{
    static uint8_t page[PAGE_SIZE]; /* boot CPU only: builds one domain at a time */
    struct hvm_start_info *si = (void *)page;
    struct hvm_memmap_table_entry *map = (void *)(page + MEMMAP_OFFSET);
    struct hvm_modlist_entry *modlist = (void *)(page + MODLIST_OFFSET);
    char *cmdline_copy = (char *)(page + CMDLINE_OFFSET);

    memset(page, 0, sizeof(page));
    si->magic = XEN_HVM_START_MAGIC_VALUE;
    si->version = 1;
    si->flags = d->privileged ? SIF_PRIVILEGED | SIF_INITDOMAIN : 0;
    si->cmdline_paddr = START_INFO_GPA + CMDLINE_OFFSET;
    si->memmap_paddr = START_INFO_GPA + MEMMAP_OFFSET;
    si->memmap_entries = d->nr_memmap;
    si->rsdp_paddr = rsdp_gpa;
    for (unsigned int i = 0; i < d->nr_memmap; i++) {
        map[i].addr = d->memmap[i].addr;
        map[i].size = d->memmap[i].size;
        map[i].type = d->memmap[i].type;
    }
    if (bm->nr) {
        si->nr_modules = bm->nr;
        si->modlist_paddr = START_INFO_GPA + MODLIST_OFFSET;
    }
    for (unsigned int i = 0; i < bm->nr; i++) {
        modlist[i].paddr = bm->gpa[i];
        modlist[i].size = bm->module[i]->end - bm->module[i]->start;
    }
    snprintf(cmdline_copy, PAGE_SIZE - CMDLINE_OFFSET, "%s", cmdline);
    return guest_phys_write(d, START_INFO_GPA, page, sizeof(page));
}

static int load_image(struct domain *d, const uint8_t *img, const struct guest_image *gi)
{
    for (unsigned int i = 0; i < gi->nr_segments; i++) {
        const struct segment *s = &gi->segments[i];
        /* The rest up to memsz is already zero: fresh frames are zeroed. */
        int rc = guest_phys_write(d, s->paddr, img + s->offset, s->filesz);
        if (rc)
            return rc;
    }
    return 0;
}

bool domain_build_module(const struct boot_module *module, unsigned int index, bool first_guest)
{
    const uint8_t *img = phys_to_virt(module->start);
    uint64_t size = module->end - module->start;
    struct guest_options o;
    struct guest_image gi;
    struct boot_modules bm;
    uint64_t image_end = 0;
    struct domain *d;
    const char *bad;
    int rc;

    if (!parse_options(module->cmdline, index, first_guest, &o)) {
        pr_err("module %u refused: bad options in '%s'\n", index, module->cmdline);
        return false;
    }
    bad = parse_elf(img, size, o.mem, &gi);
    for (unsigned int i = 0; !bad && i < gi.nr_segments; i++)
        image_end = MAX(image_end, gi.segments[i].paddr + gi.segments[i].memsz);
    if (!bad)
        bad = place_boot_modules(o.name, image_end, o.mem, &bm);
    if (bad) {
        pr_err("module %u (%s) refused: %s\n", index, o.name, bad);
        return false;
    }

    rc = domain_create(o.name, o.priv, (unsigned int)o.vcpus, o.mem >> PAGE_SHIFT,
                       (unsigned int)o.max_grant_frames, &d);
    if (rc) {
        pr_err("module %u (%s) refused: cannot create the domain (error %d)\n", index, o.name, rc);
        return false;
    }
    snprintf(d->cmdline, sizeof(d->cmdline), "%s", guest_cmdline(module->cmdline));
    snprintf(d->label, sizeof(d->label), "%s", o.label);
    d->ram_end = o.mem;
    d->start_paused = o.paused;
    d->xenstore = o.xenstore;
    d->trace_hypercalls = o.trace[0] || hypercall_trace_all();
    d->npf_crash = !strcmp(o.npf, "crash");
    if (o.target[0]) {
        d->target = domain_find_by_name(o.target);
        if (d->target == DOMID_INVALID) {
            pr_err("module %u (%s) refused: target=%s names no domain built before it\n", index,
                   o.name, o.target);
            domain_shutdown(d, SHUTDOWN_crash);
            return false;
        }
    }
    rc = xsm->alloc_security_domain(d);
    if (rc == -XEN_ENOMEM) {
        pr_err("module %u (%s) refused: no memory for its security state (error %d)\n", index,
               o.name, rc);
        domain_shutdown(d, SHUTDOWN_crash);
        return false;
    }
    if (rc || XSM_CALL(domain_create, NULL, d->label)) {
        pr_err("module %u (%s) refused by XSM\n", index, o.name);
        domain_shutdown(d, SHUTDOWN_crash);
        return false;
    }

    memmap_add_ram(d, o.mem);
    rc = populate_ram(d, o.mem >> PAGE_SHIFT);
    if (!rc && !d->privileged) {
        /* A domU's console, as Xen's toolstack gives one: just after RAM. */
        rc = console_ring_setup(d);
        memmap_add(d, o.mem, PAGE_SIZE, XEN_HVM_MEMMAP_TYPE_RESERVED);
    }
    if (!rc)
        rc = load_image(d, img, &gi);
    if (!rc)
        rc = load_boot_modules(d, &bm);
    if (!rc)
        rc = write_acpi_tables(d, acpi_tables_gpa(o.mem));
    if (!rc) /* the RSDP opens the tables */
        rc = write_start_info(d, d->cmdline, &bm, acpi_tables_gpa(o.mem));
    for (unsigned int i = 0; !rc && i < d->nr_vcpus; i++)
        rc = arch_vcpu_init(d->vcpus[i], i == 0 ? gi.entry : 0, i == 0 ? START_INFO_GPA : 0);
    if (rc) {
        pr_err("module %u (%s) refused: building the domain failed (error %d)\n", index, o.name,
               rc);
        domain_shutdown(d, SHUTDOWN_crash);
        return false;
    }
    printk("Domain d%u (%s): %lu MiB, %u vCPU(s), %sprivileged, ELF%u, entry %#x, "
           "%lu p2m table pages\n",
           d->domid, d->name, o.mem >> 20, d->nr_vcpus, d->privileged ? "" : "un", gi.elf_class,
           gi.entry, d->p2m.table_pages);
    for (unsigned int i = 0; i < bm.nr; i++) {
        bm.module[i]->taken = true;
        printk("Domain d%u (%s): boot module %u at %#lx, %lu bytes\n", d->domid, d->name, i,
               bm.gpa[i], bm.module[i]->end - bm.module[i]->start);
    }
    p2m_debug_domain_built(d);
    return true;
}
