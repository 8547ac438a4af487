/*
 * xsm_op's FLASK argument (struct xen_flask_op, include/public/xsm/flask_op.h)
 * in Mica's own form, read from either layout; results go back through
 * common/compat/xsm_op.c.
 */
#ifndef MICA_COMPAT_XSM_OP_H
#define MICA_COMPAT_XSM_OP_H

#include "compat/xlat.h"
#include "public/xsm/flask_op.h"

struct flask_request {
    uint32_t cmd, version;
    uint64_t buffer; /* load: policy; sid_context: context */
    uint32_t size, sid, enforcing;
    struct xen_flask_access access;
};

static inline bool flask_cmd_has_context(uint32_t cmd)
{
    return cmd == FLASK_CONTEXT_TO_SID || cmd == FLASK_SID_TO_CONTEXT;
}

/* xen_flask_op: cmd @0, interface_version @4, the union u @8:32 (40 bytes
 * in both layouts). Of u, load is { buffer handle, size } (16 bytes; compat
 * 8) and sid_context { sid @0, size @4, context handle @8 } (16; compat 12);
 * enforce and access have one layout. Only the command's member is read. */
#define FLASK_OP_IN(op)                                                                           \
    ((struct flask_request){ .cmd = (op).cmd,                                                     \
                             .version = (op).interface_version,                                   \
                             .buffer = (op).cmd == FLASK_LOAD                                     \
                                           ? guest_handle_addr((op).u.load.buffer)                \
                                       : flask_cmd_has_context((op).cmd)                          \
                                           ? guest_handle_addr((op).u.sid_context.context)        \
                                           : 0,                                                   \
                             .size = (op).cmd == FLASK_LOAD            ? (op).u.load.size         \
                                     : flask_cmd_has_context((op).cmd) ? (op).u.sid_context.size  \
                                                                       : 0,                       \
                             .sid = flask_cmd_has_context((op).cmd) ? (op).u.sid_context.sid : 0, \
                             .enforcing = (op).u.enforce.enforcing,                               \
                             .access = (op).u.access })
XLAT_DEFINE_IN(flask_op, struct flask_request, FLASK_OP_IN)

/* Write len bytes of results to the start of u in the xen_flask_op at arg
 * (sid_context's sid and size, or access: one layout for every guest):
 * 0, or -EFAULT. */
int xlat_flask_op_u_out(struct vcpu *v, uint64_t arg, const void *part, size_t len);

#endif /* MICA_COMPAT_XSM_OP_H */
