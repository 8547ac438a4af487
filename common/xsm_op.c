/*
 * xsm_op (hypercall 27): the XSM module's own commands (FLASK: load a
 * policy, get and set the mode, translate contexts, ask for a decision;
 * include/public/xsm/flask_op.h). The xsm_op hook decides whether the
 * caller may use it at all; the module's do_xsm_op checks each command
 * (dummy and SILO answer -ENOSYS to everything).
 */
#include "hypercall.h"
#include "public/errno.h"
#include "xsm.h"

long do_xsm_op(struct vcpu *v, const struct hypercall_args *a)
{
    if (XSM_CALL(xsm_op, v->domain))
        return -XEN_EPERM;
    return xsm->do_xsm_op(v, a);
}
