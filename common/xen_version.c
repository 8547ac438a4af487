/*
 * xen_version: what Mica tells guests about itself. Mica speaks a subset of
 * Xen 4.17's guest ABI, so it reports version 4.17 (guests decide what to
 * use from that); the strings name Mica. Every string is copied whole, its
 * field zero-padded to the end (guests compare fixed-size fields).
 */
#include "guest_access.h"
#include "hypercall.h"
#include "lib/string.h"
#include "public/errno.h"
#include "public/version.h"
#include "version.h"
#include "lib/vsnprintf.h"

/* XENFEAT_* bits Mica offers every domain in submap 0, as Xen 4.17 does a
 * PVH domain (it reports 0x12b05 to its PVH dom0): a translated physmap
 * written directly (nested paging), upcalls on a vector, a pvclock kept
 * current (common/guest_time.c), not direct-mapped. Not offered:
 * memory_op_vnode_supported (no vNUMA). The hardware domain also gets
 * XENFEAT_dom0. */
#define MICA_FEATURES_SUBMAP0                                                         \
    ((1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) | \
     (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock) |         \
     (1u << XENFEAT_not_direct_mapped))

/* Copy a string into a guest field of `size` bytes, zero-padded. */
static long copy_string(struct vcpu *v, uint64_t buffer, const char *s, size_t size)
{
    char field[sizeof(xen_capabilities_info_t)]; /* the largest string field */

    memset(field, 0, size);
    snprintf(field, size, "%s", s);
    return copy_to_guest(v, buffer, field, size) ? -XEN_EFAULT : 0;
}

long do_xen_version(struct vcpu *v, const struct hypercall_args *a)
{
    /* Xen declares the command `int`: only the low 32 bits count. */
    uint32_t cmd = (uint32_t)a->arg[0];
    uint64_t arg = a->arg[1];

    switch (cmd) {
    case XENVER_version:
        return (MICA_XEN_ABI_MAJOR << XENVER_MAJOR_SHIFT) | MICA_XEN_ABI_MINOR;
    case XENVER_extraversion:
        return copy_string(v, arg, "-mica" MICA_VERSION, sizeof(xen_extraversion_t));
    case XENVER_compile_info: {
        struct xen_compile_info info;
        memset(&info, 0, sizeof(info));
        snprintf(info.compiler, sizeof(info.compiler), "gcc %s", __VERSION__);
        snprintf(info.compile_by, sizeof(info.compile_by), "mica");
        snprintf(info.compile_domain, sizeof(info.compile_domain), "mica.build");
        snprintf(info.compile_date, sizeof(info.compile_date), "%s %s", __DATE__, __TIME__);
        return copy_to_guest(v, arg, &info, sizeof(info)) ? -XEN_EFAULT : 0;
    }
    case XENVER_capabilities:
        /* HVM/PVH guests only: no PV ("xen-3.0-...") entries. */
        return copy_string(v, arg, "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64",
                           sizeof(xen_capabilities_info_t));
    case XENVER_changeset:
        return copy_string(v, arg, "mica " MICA_VERSION, sizeof(xen_changeset_info_t));
    case XENVER_get_features: {
        struct xen_feature_info fi;
        if (copy_from_guest(v, &fi, arg, sizeof(fi)))
            return -XEN_EFAULT;
        if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
            return -XEN_EINVAL;
        fi.submap = MICA_FEATURES_SUBMAP0 | (v->domain->privileged ? 1u << XENFEAT_dom0 : 0);
        return copy_to_guest(v, arg, &fi, sizeof(fi)) ? -XEN_EFAULT : 0;
    }
    case XENVER_pagesize:
        /* Xen 4.17 insists on a NULL argument here. */
        return arg ? -XEN_EINVAL : (long)PAGE_SIZE;
    default:
        return -XEN_ENOSYS;
    }
}
