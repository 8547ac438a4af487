/*
 * xsm_op (hypercall 27) for the FLASK module: Xen's flask_op interface
 * (xen/include/public/xsm/flask_op.h), the subset Mica implements:
 * FLASK_LOAD, FLASK_GETENFORCE, FLASK_SETENFORCE, FLASK_CONTEXT_TO_SID,
 * FLASK_SID_TO_CONTEXT, FLASK_ACCESS. Other commands are -ENOSYS; under the
 * dummy and SILO modules every command is -ENOSYS.
 *
 * A SID names a type of the loaded policy (Mica has no users, roles or MLS):
 * contexts are "TYPE" or "USER:ROLE:TYPE" (only TYPE counts), and
 * FLASK_SID_TO_CONTEXT answers "system_u:system_r:TYPE".
 */
#ifndef MICA_PUBLIC_XSM_FLASK_OP_H
#define MICA_PUBLIC_XSM_FLASK_OP_H

#include "../xen.h"

#define XEN_FLASK_INTERFACE_VERSION 1

#define FLASK_LOAD              1
#define FLASK_GETENFORCE        2
#define FLASK_SETENFORCE        3
#define FLASK_CONTEXT_TO_SID    4
#define FLASK_SID_TO_CONTEXT    5
#define FLASK_ACCESS            6

struct xen_flask_load {
    XEN_GUEST_HANDLE(char) buffer;   /* IN: a binary policy (flask_policy.h) */
    uint32_t size;
};

struct xen_flask_setenforce {
    uint32_t enforcing;              /* IN: 1 enforcing, 0 permissive */
};

struct xen_flask_sid_context {
    uint32_t sid;                    /* IN/OUT */
    uint32_t size;                   /* IN: buffer size; OUT: context length */
    XEN_GUEST_HANDLE(char) context;
};

struct xen_flask_access {
    uint32_t ssid;                   /* IN: may ssid ... */
    uint32_t tsid;                   /* ... on tsid ... */
    uint32_t tclass;                 /* ... of class tclass ... */
    uint32_t req;                    /* ... do these permissions? */
    uint32_t allowed;                /* OUT: the permissions granted */
    uint32_t audit_allow;            /* OUT: 0 (Mica does not audit grants) */
    uint32_t audit_deny;             /* OUT: the requested ones denied */
    uint32_t seqno;                  /* OUT: policy load sequence number */
};

struct xen_flask_op {
    uint32_t cmd;
    uint32_t interface_version;      /* XEN_FLASK_INTERFACE_VERSION */
    union {
        struct xen_flask_load load;
        struct xen_flask_setenforce enforce;
        struct xen_flask_sid_context sid_context;
        struct xen_flask_access access;
    } u;
};

/* The same for a 32-bit guest: handles are 32 bits. */
struct compat_flask_load {
    compat_handle_t buffer;
    uint32_t size;
};

struct compat_flask_sid_context {
    uint32_t sid;
    uint32_t size;
    compat_handle_t context;
};

struct compat_flask_op {
    uint32_t cmd;
    uint32_t interface_version;
    union {
        struct compat_flask_load load;
        struct xen_flask_setenforce enforce;
        struct compat_flask_sid_context sid_context;
        struct xen_flask_access access;
    } u;
};

_Static_assert(__builtin_offsetof(struct compat_flask_op, u) == 8, "compat flask_op u at 8");
_Static_assert(sizeof(struct xen_flask_access) == 32, "flask_access is 32 bytes");

#endif
