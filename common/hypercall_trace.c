/* trace=hypercalls (see hypercall_trace.h). */
#include "hypercall_trace.h"
#include "domain.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "lib/vsnprintf.h"
#include "printk.h"
#include "public/errno.h"

static bool trace_all;

bool hypercall_trace_value_ok(const char *value)
{
    return value && !strcmp(value, "hypercalls");
}

static int parse_trace(const char *value)
{
    if (!hypercall_trace_value_ok(value))
        return -XEN_EINVAL;
    trace_all = true;
    return 0;
}
CUSTOM_PARAM("trace", parse_trace);

bool hypercall_trace_all(void)
{
    return trace_all;
}

void hypercall_trace(struct vcpu *v, uint64_t nr, const struct hypercall_args *a, long result)
{
    const char *name = hypercall_name(nr);
    unsigned int nr_args = name ? hypercall_table[nr].nr_args : 0;
    char line[160];
    size_t len = (size_t)snprintf(line, sizeof(line), "hypercall %s", name ? name : "?");

    if (!name)
        len += (size_t)snprintf(line + len, sizeof(line) - len, "%lu", nr);
    len += (size_t)snprintf(line + len, sizeof(line) - len, "(");
    for (unsigned int i = 0; i < nr_args && len < sizeof(line); i++)
        len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%#lx", i ? ", " : "", a->arg[i]);
    if (len < sizeof(line))
        snprintf(line + len, sizeof(line) - len, ") -> %ld", result);
    printk("(%s) %s%s\n", v->domain->name, line, a->compat ? " [32-bit]" : "");
}
