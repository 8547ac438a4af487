/* The hypercall table and the arch-neutral half of dispatch (hypercall.h);
 * the VMMCALL side is arch/x86/svm/hypercall.c. */
#include "hypercall.h"
#include "public/errno.h"
#include "public/xen.h"

struct hypercall {
    hypercall_fn fn;
    unsigned int nr_args; /* how many argument registers it reads */
    const char *name;
};

/* One row per HYPERCALL line of include/hypercall_defs.h, at its number. */
static const struct hypercall hypercall_table[] = {
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

const char *hypercall_name(uint64_t nr)
{
    return nr < ARRAY_SIZE(hypercall_table) ? hypercall_table[nr].name : NULL;
}

long hypercall_call(struct vcpu *v, uint64_t nr, const uint64_t regs[HYPERCALL_MAX_ARGS],
                    bool compat)
{
    struct hypercall_args a = { .compat = compat };
    const struct hypercall *h;

    if (nr >= ARRAY_SIZE(hypercall_table) || !hypercall_table[nr].fn)
        return -XEN_ENOSYS;
    h = &hypercall_table[nr];
    /* A 32-bit caller's arguments are 32 bits: whatever the upper halves
     * of its registers hold is ignored. */
    for (unsigned int i = 0; i < h->nr_args; i++)
        a.arg[i] = compat ? (uint32_t)regs[i] : regs[i];
    return h->fn(v, &a);
}
