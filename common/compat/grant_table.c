/*
 * grant_table_op's results written back in either layout (the layouts and
 * the reads: include/compat/grant_table.h).
 */
#include "compat/grant_table.h"

int xlat_gnttab_frame_out(struct vcpu *v, const struct hypercall_args *a, uint64_t list, uint32_t i,
                          uint64_t gfn)
{
    unsigned int size = guest_ulong_size(a);

    /* A 32-bit guest sees the low 32 bits (INVALID becomes 0xffffffff). */
    return copy_to_guest(v, list + (uint64_t)i * size, &gfn, size) ? -XEN_EFAULT : 0;
}

int xlat_gnttab_copy_status_out(struct vcpu *v, const struct hypercall_args *a, uint64_t arg,
                                int16_t status)
{
    size_t off = a->compat ? __builtin_offsetof(struct compat_gnttab_copy, status)
                           : __builtin_offsetof(struct gnttab_copy, status);

    return copy_to_guest(v, arg + off, &status, sizeof(status)) ? -XEN_EFAULT : 0;
}
