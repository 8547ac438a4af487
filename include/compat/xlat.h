/*
 * What every hypercall's 32-bit (compat) translation shares: guest handles
 * and registers in either layout (docs/xen-abi.md, "Layouts").
 */
#ifndef MICA_COMPAT_XLAT_H
#define MICA_COMPAT_XLAT_H

#include "guest_access.h"
#include "hypercall.h"
#include "public/errno.h"
#include "public/xen.h"

/*
 * A guest handle is a struct holding one pointer: 8 bytes from a 64-bit
 * guest (XEN_GUEST_HANDLE), 4 from a 32-bit one (compat_handle_t). x86 is
 * little-endian, so copying its sizeof(h) bytes into (or out of) the low
 * end of a uint64_t reads (or writes) the address in either layout. That
 * lets one field list serve both layouts of a structure.
 */
static inline uint64_t guest_handle_load(const void *h, size_t size)
{
    uint64_t addr = 0;

    __builtin_memcpy(&addr, h, size);
    return addr;
}

static inline void guest_handle_store(void *h, size_t size, uint64_t addr)
{
    __builtin_memcpy(h, &addr, size);
}

#define guest_handle_addr(h) guest_handle_load(&(h), sizeof(h))
#define guest_handle_set(h, addr) guest_handle_store(&(h), sizeof(h), addr)

/* Structure X in either layout: .n the 64-bit one (xen_X), .c the 32-bit one
 * (compat_X). xlat_copy_in/out copy it from or to the guest, as many bytes
 * as the caller's layout has. */
#define XLAT_UNION(x)        \
    union {                  \
        struct xen_##x n;    \
        struct compat_##x c; \
    }
#define xlat_copy_in(v, a, arg, u) \
    copy_from_guest(v, &(u), arg, (a)->compat ? sizeof((u).c) : sizeof((u).n))
#define xlat_copy_out(v, a, arg, u) \
    copy_to_guest(v, arg, &(u), (a)->compat ? sizeof((u).c) : sizeof((u).n))

/*
 * Define the translation of structure X (struct xen_X or compat_X, by the
 * caller's layout) into Mica's own form T, and back:
 *   xlat_X_in(v, a, arg, T *dst)        read arg into *dst; static inline,
 *                                       as every call of X reads it
 *   xlat_X_out(v, a, arg, const T *src) write *src back to arg (a function:
 *                                       continuations and errors only)
 * both 0, or -EFAULT. FIELDS is the structure's field list, the same names
 * in both layouts: FIELDS_IN(s) is a T compound literal built from s,
 * FIELDS_OUT(s, src) fills s from src.
 */
#define XLAT_DEFINE_IN(x, T, FIELDS_IN)                                                           \
    static inline int xlat_##x##_in(struct vcpu *v, const struct hypercall_args *a, uint64_t arg, \
                                    T *dst)                                                       \
    {                                                                                             \
        XLAT_UNION(x) u;                                                                          \
                                                                                                  \
        if (xlat_copy_in(v, a, arg, u))                                                           \
            return -XEN_EFAULT;                                                                   \
        *dst = a->compat ? FIELDS_IN(u.c) : FIELDS_IN(u.n);                                       \
        return 0;                                                                                 \
    }
#define XLAT_DEFINE_OUT(x, T, FIELDS_OUT)                                                          \
    int xlat_##x##_out(struct vcpu *v, const struct hypercall_args *a, uint64_t arg, const T *src) \
    {                                                                                              \
        XLAT_UNION(x) u;                                                                           \
                                                                                                   \
        if (a->compat)                                                                             \
            FIELDS_OUT(u.c, src);                                                                  \
        else                                                                                       \
            FIELDS_OUT(u.n, src);                                                                  \
        return xlat_copy_out(v, a, arg, u) ? -XEN_EFAULT : 0;                                      \
    }

/* Bytes in a xen_ulong_t or xen_pfn_t (an element of a guest's array):
 * x86's unsigned long, 8 bytes for a 64-bit guest, 4 for a 32-bit one. */
_Static_assert(sizeof(xen_pfn_t) == sizeof(xen_ulong_t), "xen_pfn_t is a xen_ulong_t");
_Static_assert(sizeof(compat_pfn_t) == sizeof(compat_ulong_t), "compat_pfn_t is a compat_ulong_t");
static inline unsigned int guest_ulong_size(const struct hypercall_args *a)
{
    return a->compat ? sizeof(compat_ulong_t) : sizeof(xen_ulong_t);
}

/* Whether a value fits in one of the caller's registers (32 bits for a
 * 32-bit guest), e.g. an argument rewritten for a continuation. */
static inline bool guest_reg_fits(const struct hypercall_args *a, uint64_t value)
{
    return !a->compat || value <= UINT32_MAX;
}

#endif /* MICA_COMPAT_XLAT_H */
