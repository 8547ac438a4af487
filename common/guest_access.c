/*
 * Copying to and from guest memory (see guest_access.h). Work goes one
 * guest page at a time: each page is translated separately, so a buffer
 * that runs from a mapped page into an unmapped one fails with -EFAULT
 * when it gets there (what was copied before stays copied, as in Xen).
 */
#include "guest_access.h"
#include "lib/string.h"
#include "p2m/p2m_gfn.h"
#include "page_alloc.h"
#include "public/errno.h"
#include "arch.h"

/*
 * Which p2m types may hold a buffer Mica copies on a guest's behalf: only
 * the domain's own RAM (read-only RAM only for reading). A grant mapping,
 * a foreign mapping or MMIO is not: as Xen, whose __hvm_copy refuses grant
 * mappings (HVMTRANS_unhandleable) and finds no page for foreign or MMIO
 * entries (HVMTRANS_bad_gfn_to_mfn), so the copy is -EFAULT. A buffer there
 * would let a hypercall reach another domain's frame, which only the
 * guest's own accesses through its p2m may do.
 */
static bool readable(enum p2m_type t)
{
    return p2m_is_ram(t);
}

static bool writable(enum p2m_type t)
{
    return t == p2m_ram_rw;
}

/* Copy within one guest page. */
static int phys_page_access(struct domain *d, uint64_t gpa, void *buf, size_t len, bool write)
{
    enum p2m_type t;
    unsigned int order;
    mfn_t mfn;
    int rc = -XEN_EFAULT;

    mfn = get_gfn(&d->p2m, _gfn(gpa >> PAGE_SHIFT), &t, &order);
    if (!mfn_eq(mfn, INVALID_MFN) && (write ? writable(t) : readable(t))) {
        char *page = (char *)mfn_to_virt(mfn) + (gpa & (PAGE_SIZE - 1));
        if (write)
            memcpy(page, buf, len);
        else
            memcpy(buf, page, len);
        rc = 0;
    }
    put_gfn(&d->p2m, _gfn(gpa >> PAGE_SHIFT));
    return rc;
}

static int phys_access(struct domain *d, uint64_t gpa, void *buf, size_t len, bool write)
{
    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
        int rc = phys_page_access(d, gpa, buf, chunk, write);

        if (rc)
            return rc;
        gpa += chunk;
        buf = (char *)buf + chunk;
        len -= chunk;
    }
    return 0;
}

int guest_phys_read(struct domain *d, uint64_t gpa, void *dst, size_t len)
{
    return phys_access(d, gpa, dst, len, false);
}

int guest_phys_write(struct domain *d, uint64_t gpa, const void *src, size_t len)
{
    return phys_access(d, gpa, (void *)src, len, true);
}

static int linear_access(struct vcpu *v, uint64_t gva, void *buf, size_t len, bool write)
{
    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));
        uint64_t gpa;
        int rc;

        if (!guest_walk(v, gva, write, &gpa))
            return -XEN_EFAULT;
        rc = phys_page_access(v->domain, gpa, buf, chunk, write);
        if (rc)
            return rc;
        gva += chunk;
        buf = (char *)buf + chunk;
        len -= chunk;
    }
    return 0;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t guest_va, size_t len)
{
    return linear_access(v, guest_va, dst, len, false);
}

int copy_to_guest(struct vcpu *v, uint64_t guest_va, const void *src, size_t len)
{
    return linear_access(v, guest_va, (void *)src, len, true);
}
