/*
 * xsm_op's FLASK results written back to the guest's xen_flask_op, in either
 * layout (the layouts and the read: include/compat/xsm_op.h).
 */
#include "compat/xsm_op.h"

#define FLASK_OP_U __builtin_offsetof(struct xen_flask_op, u)
_Static_assert(FLASK_OP_U == 8 && __builtin_offsetof(struct compat_flask_op, u) == FLASK_OP_U,
               "xen_flask_op's u @8 in both layouts");
_Static_assert(sizeof(struct xen_flask_op) == 40 && sizeof(struct compat_flask_op) == 40,
               "xen_flask_op is 40 bytes in both layouts");
_Static_assert(__builtin_offsetof(struct compat_flask_sid_context, size) ==
                   __builtin_offsetof(struct xen_flask_sid_context, size),
               "sid_context's sid @0 and size @4 in both layouts");

int xlat_flask_op_u_out(struct vcpu *v, uint64_t arg, const void *part, size_t len)
{
    return copy_to_guest(v, arg + FLASK_OP_U, part, len) ? -XEN_EFAULT : 0;
}
