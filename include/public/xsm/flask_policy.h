/*
 * Mica's binary FLASK policy: what tools/policyc writes from a policy source
 * (docs/xsm.md) and what Mica loads at boot (a multiboot2 module) or through
 * xsm_op FLASK_LOAD. It is Mica's own format, not SELinux's: a small header,
 * the type names, and the allow rules with attributes already expanded.
 *
 * Layout (all little-endian, no padding between parts):
 *   struct flask_policy_header
 *   uint32_t type_name[nr_types]          offsets into the string table
 *   struct flask_policy_rule rule[nr_rules]
 *   char strings[strings_size]            NUL-terminated names
 * Type 0 is reserved (no type, its name is empty); types are numbered
 * 1..nr_types-1, their names are [A-Za-z_][A-Za-z0-9_]* and unique.
 * A rule grants `perms` (a bit per permission of the class, in the order of
 * include/public/xsm/flask_classes.h) to source type `src` on target type
 * `tgt`. Several rules may name the same triple; their perms add up.
 * Everything is validated on load; a policy that fails is refused whole
 * (-EINVAL) and the old one stays.
 */
#ifndef MICA_PUBLIC_XSM_FLASK_POLICY_H
#define MICA_PUBLIC_XSM_FLASK_POLICY_H

#include <stdint.h>

#define FLASK_POLICY_MAGIC 0x4B4C464Du     /* "MFLK" */
#define FLASK_POLICY_VERSION 1
#define FLASK_POLICY_MAX_TYPES 1024
#define FLASK_POLICY_MAX_RULES 65536
#define FLASK_POLICY_MAX_STRINGS (256 * 1024)
#define FLASK_POLICY_MAX_NAME 64           /* bytes, including the NUL */

struct flask_policy_header {
    uint32_t magic;           /* FLASK_POLICY_MAGIC */
    uint32_t version;         /* FLASK_POLICY_VERSION */
    uint32_t nr_types;        /* including the reserved type 0 */
    uint32_t nr_rules;
    uint32_t strings_size;
    uint32_t nr_classes;      /* must equal FLASK_NR_CLASSES of the reader */
};

struct flask_policy_rule {
    uint16_t src;             /* type index */
    uint16_t tgt;             /* type index */
    uint16_t tclass;          /* class index (flask_classes.h) */
    uint16_t reserved;        /* zero */
    uint32_t perms;           /* permission bits of that class */
};

_Static_assert(sizeof(struct flask_policy_header) == 24, "policy header is 24 bytes");
_Static_assert(sizeof(struct flask_policy_rule) == 12, "policy rule is 12 bytes");

#endif
