/* The hypercall table and the arch-neutral half of dispatch (hypercall.h);
 * the VMMCALL side is arch/x86/svm/hypercall.c. */
#include "hypercall.h"
#include "public/errno.h"
#include "public/xen.h"

/* One row per HYPERCALL line of include/hypercall_defs.h, at its number. */
const struct hypercall hypercall_table[] = {
#define HYPERCALL(nr, name, compat, ...) [nr] = { do_##name, HYPERCALL_NARGS(__VA_ARGS__), #name },
#include "hypercall_defs.h"
};

/* A declared number beyond what the page's stubs reach, or one in the
 * experiment range that is not an experiment, is a typo. */
#define HYPERCALL(nr, name, ...)                                                                  \
    _Static_assert((nr) < 128, #name ": a hypercall number has a stub (0..127)");                 \
    _Static_assert((nr) < 64 ||                                                                   \
                       ((nr) >= HYPERCALL_EXPERIMENT_FIRST && (nr) <= HYPERCALL_EXPERIMENT_LAST), \
                   #name ": numbers above Xen's 0..63 are for experiments (64..71)");
#include "hypercall_defs.h"

const unsigned int hypercall_table_size = ARRAY_SIZE(hypercall_table);

const char *hypercall_name(uint64_t nr)
{
    return nr < ARRAY_SIZE(hypercall_table) ? hypercall_table[nr].name : NULL;
}
