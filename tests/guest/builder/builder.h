/*
 * A domain builder in a guest (tests/guest/builder/): the domctl calls a
 * toolstack makes to build a PVH domain, reading the child's ELF image the
 * builder got as a boot module and writing it through foreign mappings, as
 * Xen's libxenguest does (docs/domains.md, "Building a domain from a
 * guest"). Shared by the builder guests and the child (builder_child.c),
 * which agree on a mailbox page. Everything is static inline so each
 * guest stays one translation unit.
 *
 * The child's guest-physical layout:
 *
 *   [0, CHILD_MEM)              RAM, populated by the builder (one 2 MiB extent)
 *   CHILD_START_INFO_GFN        hvm_start_info, its memory map, its command line
 *   CHILD_MAILBOX_GFN           struct child_mailbox: the builder's task and the
 *                               child's answer; the builder keeps it mapped
 *                               until the child is gone
 *   1 MiB ...                   the image, at its PT_LOAD addresses
 */
#ifndef GUEST_BUILDER_H
#define GUEST_BUILDER_H

#include "../memop/memop.h"
#include "evtchn.h"
#include <public/domctl.h>
#include <public/sysctl.h>

#define CHILD_MEM_ORDER 9 /* 2 MiB, one extent */
#define CHILD_MEM_PAGES (1UL << CHILD_MEM_ORDER)
#define CHILD_MEM_KB (CHILD_MEM_PAGES * 4)
#define CHILD_START_INFO_GFN 1UL
#define CHILD_MAILBOX_GFN 2UL
/* The child's image: its pages from 1 MiB. */
#define CHILD_IMAGE_GFN 0x100UL
#define CHILD_IMAGE_MAX_PAGES 64

/* Where the builder maps the child's pages: gfns that are a hole in every
 * builder (512 MiB up), mapped by the 64-bit flavour's 4 GiB of page
 * tables and reachable by the 32-bit flavour with paging off. The mailbox
 * is at FOREIGN_GFN, the start info page after it, the image after that. */
#define FOREIGN_GFN 0x20000UL
#define FOREIGN_MAILBOX FOREIGN_GFN
#define FOREIGN_START_INFO (FOREIGN_GFN + 1)
#define FOREIGN_IMAGE (FOREIGN_GFN + 2)

/* ---- the mailbox --------------------------------------------------------------------- */

#define MAILBOX_MAGIC 0x4D696361u /* "Mica" */

enum child_mode {
    CHILD_EXIT = 1, /* answer, then power off */
    CHILD_WAIT = 2, /* answer, then wait to be destroyed */
};

struct child_mailbox {
    uint32_t magic;    /* MAILBOX_MAGIC: the task is there */
    uint32_t seq;      /* which child of the run */
    uint32_t mode;     /* enum child_mode */
    uint32_t done;     /* set by the child last */
    uint64_t sum_addr; /* what the child sums: its own code, where the builder */
    uint64_t sum_len;  /* wrote it (guest-physical, identity-mapped) */
    uint64_t result;   /* the child's answer: child_sum(seq, its code) */
    uint32_t domid;    /* the child's own domid (CPUID leaf base+4) */
    uint32_t pad;
};

/* FNV-1a over p[0, len), seeded with seq: the child proves it runs the very
 * bytes the builder read from the ELF file. */
static inline uint64_t child_sum(uint32_t seq, const volatile uint8_t *p, uint64_t len)
{
    uint64_t h = 0xCBF29CE484222325ULL ^ seq;

    for (uint64_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001B3ULL;
    }
    return h;
}

/* ---- domctl ----------------------------------------------------------------------- */

static inline long domctl_op(struct xen_domctl *op, uint32_t cmd, domid_t domid)
{
    op->h.cmd = cmd;
    op->h.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    op->h.domain = domid;
    return hypercall5(__HYPERVISOR_domctl, (unsigned long)op, 0, 0, 0, 0);
}

/* A createdomain configuration Mica takes: a PVH domain (HVM with nested
 * paging and the local APIC), grant table v1 of the default size. */
static inline void pvh_config(struct xen_domctl_createdomain *c, unsigned int vcpus)
{
    memset(c, 0, sizeof(*c));
    c->flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
    c->max_vcpus = vcpus;
    c->max_evtchn_port = 1023;
    c->max_grant_frames = -1;
    c->max_maptrack_frames = -1;
    c->grant_opts = 1;
    c->arch.emulation_flags = XEN_X86_EMU_LAPIC;
}

/* createdomain with config c: the new domid in *domid, or the error. */
static inline long create_domain(const struct xen_domctl_createdomain *c, domid_t want,
                                 domid_t *domid)
{
    static struct xen_domctl op;
    long rc;

    memset(&op, 0, sizeof(op));
    op.u.createdomain = *c;
    rc = domctl_op(&op, XEN_DOMCTL_createdomain, want);
    if (!rc)
        *domid = op.h.domain;
    return rc;
}

static inline long domctl_simple(uint32_t cmd, domid_t domid)
{
    static struct xen_domctl op;

    memset(&op, 0, sizeof(op));
    return domctl_op(&op, cmd, domid);
}

static inline long set_max_vcpus(domid_t domid, uint32_t max)
{
    static struct xen_domctl op;

    memset(&op, 0, sizeof(op));
    op.u.max_vcpus.max = max;
    return domctl_op(&op, XEN_DOMCTL_max_vcpus, domid);
}

static inline long set_max_mem(domid_t domid, uint64_t kb)
{
    static struct xen_domctl op;

    memset(&op, 0, sizeof(op));
    op.u.max_mem.max_memkb = kb;
    return domctl_op(&op, XEN_DOMCTL_max_mem, domid);
}

/* setvcpucontext; ctx NULL resets the vCPU. */
static inline long set_vcpu_context(domid_t domid, uint32_t vcpu,
                                    const struct vcpu_hvm_context *ctx)
{
    static struct xen_domctl op;

    memset(&op, 0, sizeof(op));
    op.u.vcpucontext.vcpu = vcpu;
    op.u.vcpucontext.ctxt = (uintptr_t)ctx;
    return domctl_op(&op, XEN_DOMCTL_setvcpucontext, domid);
}

/* getdomaininfo of exactly domid: 0, -ESRCH if it does not exist (or no
 * longer: a dying domain is not reported), or the error. */
static inline long domain_info(domid_t domid, struct xen_domctl_getdomaininfo *info)
{
    static struct xen_domctl op;
    long rc;

    memset(&op, 0, sizeof(op));
    rc = domctl_op(&op, XEN_DOMCTL_getdomaininfo, domid);
    if (rc)
        return rc;
    if (op.h.domain != domid)
        return -XEN_ESRCH;
    *info = op.u.getdomaininfo;
    return 0;
}

/* sysctl physinfo into *pi: 0 or the error. */
static inline long physinfo(struct xen_sysctl_physinfo *pi)
{
    static struct xen_sysctl op;
    long rc;

    memset(&op, 0, sizeof(op));
    op.cmd = XEN_SYSCTL_physinfo;
    op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    rc = hypercall5(__HYPERVISOR_sysctl, (unsigned long)&op, 0, 0, 0, 0);
    if (!rc)
        *pi = op.u.physinfo;
    return rc;
}

/* The machine's free frames now (physinfo), or 0 if it cannot say. */
static inline uint64_t free_frames(void)
{
    struct xen_sysctl_physinfo pi;

    return physinfo(&pi) ? 0 : pi.free_pages;
}

/* The PVH entry state (docs/xen-abi.md), as a toolstack gives it: 32-bit
 * protected mode, paging off, flat code and data segments, a busy TSS,
 * EIP the entry point, EBX the start info. */
static inline void pvh_entry_context(struct vcpu_hvm_context *ctx, uint32_t entry,
                                     uint32_t start_info)
{
    struct vcpu_hvm_x86_32 *r = &ctx->cpu_regs.x86_32;

    memset(ctx, 0, sizeof(*ctx));
    ctx->mode = VCPU_HVM_MODE_32B;
    r->eip = entry;
    r->ebx = start_info;
    r->eflags = 0x2;
    r->cr0 = 0x11; /* PE | ET */
    r->cs_limit = r->ds_limit = r->ss_limit = r->es_limit = 0xFFFFFFFFu;
    r->cs_ar = 0xC9B;                       /* 32-bit code, execute/read, present, G */
    r->ds_ar = r->ss_ar = r->es_ar = 0xC93; /* data, read/write, present, G */
    r->tr_limit = 0x67;
    r->tr_ar = 0x8B; /* busy 32-bit TSS, present */
}

/* ---- the child's image ------------------------------------------------------------- */

#define ELF_PT_LOAD 1
#define ELF_PT_NOTE 4
#define ELFNOTE_PHYS32_ENTRY 18 /* Xen's PVH entry note */
#define MAX_SEGMENTS 4

struct child_image {
    const uint8_t *file;
    uint64_t size;
    uint32_t entry; /* the PVH entry note's */
    unsigned int nr_segments;
    struct {
        uint64_t paddr, offset, filesz, memsz;
    } seg[MAX_SEGMENTS];
    uint64_t image_end; /* the end of the highest segment */
    uint64_t code_len;  /* the first segment's bytes before the PVH note: the
                           code (the read-only data after the note holds
                           the GDT, whose accessed bits the CPU sets) */
};

static inline uint64_t read_le(const uint8_t *p, unsigned int bytes)
{
    uint64_t v = 0;

    for (unsigned int i = bytes; i-- > 0;)
        v = (v << 8) | p[i];
    return v;
}

/* The PVH entry in the notes at [off, off + len) of the file, or 0. */
static inline uint32_t find_pvh_entry(const struct child_image *ci, uint64_t off, uint64_t len)
{
    uint64_t pos = off, end = off + len;

    while (pos + 12 <= end && end <= ci->size) {
        uint64_t namesz = read_le(ci->file + pos, 4), descsz = read_le(ci->file + pos + 4, 4);
        uint64_t type = read_le(ci->file + pos + 8, 4);
        uint64_t desc = pos + 12 + ((namesz + 3) & ~3ULL);

        if (namesz == 4 && !memcmp(ci->file + pos + 12, "Xen", 4) && type == ELFNOTE_PHYS32_ENTRY &&
            descsz >= 4 && desc + 4 <= end)
            return (uint32_t)read_le(ci->file + desc, 4);
        pos = desc + ((descsz + 3) & ~3ULL);
    }
    return 0;
}

/* Read an ELF32 or ELF64 PVH image (the System V ABI's header and program
 * headers, little-endian): 0, or -1 if it is not one the child area takes. */
static inline int parse_child(const uint8_t *file, uint64_t size, struct child_image *ci)
{
    int is64 = size > 4 && file[4] == 2;
    uint64_t phoff, phentsize, phnum, note_paddr = 0;

    memset(ci, 0, sizeof(*ci));
    ci->file = file;
    ci->size = size;
    if (size < 64 || memcmp(file, "\177ELF", 4) || file[5] != 1)
        return -1;
    phoff = is64 ? read_le(file + 32, 8) : read_le(file + 28, 4);
    phentsize = read_le(file + (is64 ? 54 : 42), 2);
    phnum = read_le(file + (is64 ? 56 : 44), 2);
    if (phentsize != (is64 ? 56u : 32u) || phoff + phnum * phentsize > size)
        return -1;
    for (uint64_t i = 0; i < phnum; i++) {
        const uint8_t *ph = file + phoff + i * phentsize;
        uint64_t type = read_le(ph, 4);
        uint64_t offset = is64 ? read_le(ph + 8, 8) : read_le(ph + 4, 4);
        uint64_t paddr = is64 ? read_le(ph + 24, 8) : read_le(ph + 12, 4);
        uint64_t filesz = is64 ? read_le(ph + 32, 8) : read_le(ph + 16, 4);
        uint64_t memsz = is64 ? read_le(ph + 40, 8) : read_le(ph + 20, 4);

        if (offset + filesz > size || filesz > memsz)
            return -1;
        if (type == ELF_PT_NOTE && !ci->entry) {
            ci->entry = find_pvh_entry(ci, offset, filesz);
            note_paddr = paddr;
        }
        if (type != ELF_PT_LOAD || !memsz)
            continue;
        if (ci->nr_segments == MAX_SEGMENTS || paddr < CHILD_IMAGE_GFN * PAGE_SIZE)
            return -1;
        ci->seg[ci->nr_segments].paddr = paddr;
        ci->seg[ci->nr_segments].offset = offset;
        ci->seg[ci->nr_segments].filesz = filesz;
        ci->seg[ci->nr_segments].memsz = memsz;
        ci->nr_segments++;
        if (paddr + memsz > ci->image_end)
            ci->image_end = paddr + memsz;
    }
    if (!ci->entry || !ci->nr_segments ||
        ci->image_end > (CHILD_IMAGE_GFN + CHILD_IMAGE_MAX_PAGES) * PAGE_SIZE)
        return -1;
    if (note_paddr <= ci->seg[0].paddr || note_paddr > ci->seg[0].paddr + ci->seg[0].filesz)
        return -1;
    ci->code_len = note_paddr - ci->seg[0].paddr;
    return 0;
}

/* The image's pages from CHILD_IMAGE_GFN. */
static inline unsigned long image_pages(const struct child_image *ci)
{
    return (ci->image_end + PAGE_SIZE - 1) / PAGE_SIZE - CHILD_IMAGE_GFN;
}

/* The builder's boot module (docs/domains.md, "module-of="): the child's
 * ELF image. */
static inline int child_image_from_module(struct child_image *ci)
{
    const struct hvm_start_info *si = guest_start_info();
    const struct hvm_modlist_entry *m;

    if (si->nr_modules < 1 || !si->modlist_paddr)
        return -1;
    m = (const struct hvm_modlist_entry *)(uintptr_t)si->modlist_paddr;
    return parse_child((const uint8_t *)(uintptr_t)m[0].paddr, m[0].size, ci);
}

/* ---- building -------------------------------------------------------------------- */

/* Map count of the child's gfns (from child_gfn) at our gfns from gpfn, in
 * one add_to_physmap_batch(gmfn_foreign): 0, or the first error. */
static inline long map_child_pages(domid_t child, unsigned long child_gfn, unsigned long gpfn,
                                   unsigned int count)
{
    static xen_ulong_t idxs[CHILD_IMAGE_MAX_PAGES];
    static xen_pfn_t gpfns[CHILD_IMAGE_MAX_PAGES];
    static int errs[CHILD_IMAGE_MAX_PAGES];
    long rc;

    for (unsigned int i = 0; i < count; i++) {
        idxs[i] = child_gfn + i;
        gpfns[i] = gpfn + i;
        errs[i] = 1;
    }
    rc = add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_gmfn_foreign, child, idxs, gpfns, errs,
                              count);
    for (unsigned int i = 0; !rc && i < count; i++)
        rc = errs[i];
    return rc;
}

static inline long unmap_pages(unsigned long gpfn, unsigned int count)
{
    long rc = 0;

    for (unsigned int i = 0; i < count && !rc; i++)
        rc = remove_from_physmap(DOMID_SELF, gpfn + i);
    return rc;
}

/* The child's hvm_start_info (version 1): its RAM in the memory map, a
 * command line, no modules, no ACPI tables. */
static inline void write_start_info(void *page, uint32_t seq)
{
    struct hvm_start_info *si = page;
    struct hvm_memmap_table_entry *map = (void *)((uint8_t *)page + 64);
    char *cmdline = (char *)page + 128;
    static const char hex[] = "0123456789abcdef";
    const char prefix[] = "builder_child -- seq=0x";
    unsigned int n = sizeof(prefix) - 1;

    memset(page, 0, PAGE_SIZE);
    si->magic = XEN_HVM_START_MAGIC_VALUE;
    si->version = 1;
    si->cmdline_paddr = CHILD_START_INFO_GFN * PAGE_SIZE + 128;
    si->memmap_paddr = CHILD_START_INFO_GFN * PAGE_SIZE + 64;
    si->memmap_entries = 1;
    map->addr = 0;
    map->size = CHILD_MEM_PAGES * PAGE_SIZE;
    map->type = XEN_HVM_MEMMAP_TYPE_RAM;
    memcpy(cmdline, prefix, n);
    for (int shift = 28; shift >= 0; shift -= 4)
        cmdline[n++] = hex[(seq >> shift) & 0xF];
}

/*
 * Give domain child its memory, image, start info and task, through
 * foreign mappings: populate_physmap on its domid, map its pages into our
 * hole, write them, unmap all but the mailbox (left at FOREIGN_MAILBOX).
 * 0, or a step's error (printed, load_failed).
 */
static inline long load_failed(const char *what, long rc)
{
    gprintf("%s: %ld\n", what, rc);
    return rc;
}

static inline long load_child(domid_t child, const struct child_image *ci, uint32_t seq,
                              enum child_mode mode)
{
    xen_pfn_t extent = 0;
    unsigned long pages = image_pages(ci);
    struct child_mailbox *mb = gfn_ptr(FOREIGN_MAILBOX);
    uint8_t *image = gfn_ptr(FOREIGN_IMAGE);
    long rc;

    rc = set_max_mem(child, CHILD_MEM_KB);
    if (rc)
        return load_failed("max_mem", rc);
    rc = memop_reservation(XENMEM_populate_physmap, &extent, 1, CHILD_MEM_ORDER, child);
    if (rc != 1)
        return load_failed("populate_physmap (no extent: -ENOMEM)", rc < 0 ? rc : -XEN_ENOMEM);
    rc = map_child_pages(child, CHILD_MAILBOX_GFN, FOREIGN_MAILBOX, 1);
    if (!rc)
        rc = map_child_pages(child, CHILD_START_INFO_GFN, FOREIGN_START_INFO, 1);
    if (!rc)
        rc = map_child_pages(child, CHILD_IMAGE_GFN, FOREIGN_IMAGE, (unsigned int)pages);
    if (rc)
        return load_failed("mapping the child's pages", rc);

    write_start_info(gfn_ptr(FOREIGN_START_INFO), seq);
    memset(image, 0, pages * PAGE_SIZE);
    for (unsigned int i = 0; i < ci->nr_segments; i++)
        memcpy(image + ci->seg[i].paddr - CHILD_IMAGE_GFN * PAGE_SIZE, ci->file + ci->seg[i].offset,
               ci->seg[i].filesz);
    memset(mb, 0, PAGE_SIZE);
    mb->seq = seq;
    mb->mode = mode;
    mb->sum_addr = ci->seg[0].paddr;
    mb->sum_len = ci->code_len;
    __atomic_store_n(&mb->magic, MAILBOX_MAGIC, __ATOMIC_RELEASE);

    rc = unmap_pages(FOREIGN_START_INFO, 1);
    if (!rc)
        rc = unmap_pages(FOREIGN_IMAGE, (unsigned int)pages);
    return rc ? load_failed("unmapping the child's pages", rc) : 0;
}

/* What the child must answer: the sum of the code the builder wrote. */
static inline uint64_t expected_sum(const struct child_image *ci, uint32_t seq)
{
    return child_sum(seq, ci->file + ci->seg[0].offset, ci->code_len);
}

/* Wait (SCHEDOP_block, woken by VIRQ_DOM_EXC on port or Mica's tick) until
 * getdomaininfo no longer reports domid: 1, or 0 after `blocks` blocks. */
static inline int wait_gone(domid_t domid, evtchn_port_t port, unsigned long blocks)
{
    struct xen_domctl_getdomaininfo info = { 0 };

    for (unsigned long i = 0; i < blocks; i++) {
        if (domain_info(domid, &info) == -XEN_ESRCH)
            return 1;
        evtchn_wait(port, 1);
    }
    return domain_info(domid, &info) == -XEN_ESRCH;
}

#endif /* GUEST_BUILDER_H */
