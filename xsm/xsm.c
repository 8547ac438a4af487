/* Choosing and installing the XSM module (see xsm.h). */
#include "xsm.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "lib/vsnprintf.h"
#include "bootinfo.h"
#include "panic.h"
#include "printk.h"
#include "public/xsm/flask_policy.h"
#include "arch.h"

const struct xsm_ops *xsm = &xsm_dummy_ops;

/* The modules `xsm=` may name. A new module adds its line here (its ops are
 * declared in xsm.h); init, if any, sets it up and says it is in force. */
static const struct {
    const char *name;
    struct xsm_ops *ops; /* NULL: the dummy module itself */
    bool (*init)(void);  /* false: the module cannot enforce anything */
} modules[] = {
    { "dummy", NULL, NULL },
    { "flask", &flask_ops, flask_init },
    { "silo", &silo_ops, NULL },
};

/* `xsm=NAME`, kept as given. A name that is too long or missing is kept as
 * a bad one, never ignored: xsm_init stops the boot rather than run with
 * another module than the one asked for (fail closed). */
static char xsm_module[32] = "dummy";
static int parse_xsm(const char *value)
{
    size_t len = value ? strlen(value) : 0;

    if (len >= sizeof(xsm_module))
        len = sizeof(xsm_module) - 1; /* cut down: then matches no module */
    memcpy(xsm_module, value ? value : "", len);
    xsm_module[len] = '\0';
    if (value && strlen(value) >= sizeof(xsm_module))
        xsm_module[len - 1] = '~'; /* never the exact name of a module */
    return 0;
}
CUSTOM_PARAM("xsm", parse_xsm);

/* Fill every hook the module left NULL from the dummy module. A new hook
 * in struct xsm_ops that no HYPERCALL_XSM line declares gets a line here. */
void xsm_register(struct xsm_ops *ops)
{
#define FILL(hook)  \
    if (!ops->hook) \
    ops->hook = xsm_dummy_ops.hook
    /* every hook a hypercall asks (include/hypercall_defs.h) ... */
#define HYPERCALL_XSM(call, hook, class, shape, what) FILL(hook);
#include "hypercall_defs.h"
    /* ... and the others */
    FILL(do_xsm_op);
    FILL(ssidref_to_label);
    FILL(alloc_security_domain);
    FILL(free_security_domain);
    FILL(print_stats);
#undef FILL
    xsm = ops;
}

bool xsm_module_is_policy(unsigned int index)
{
    const struct boot_module *m = &boot_info.modules[index];
    uint32_t magic = 0;

    if (m->end - m->start >= sizeof(magic))
        memcpy(&magic, phys_to_virt(m->start), sizeof(magic));
    return magic == FLASK_POLICY_MAGIC || !strncmp(m->cmdline, "flask-policy", 12);
}

void xsm_init(void)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(modules); i++) {
        if (strcmp(xsm_module, modules[i].name))
            continue;
        if (modules[i].ops)
            xsm_register(modules[i].ops);
        if (!modules[i].init)
            printk("XSM: module %s\n", modules[i].name);
        else if (!modules[i].init())
            panic("XSM: module %s has no policy to enforce\n", modules[i].name);
        return;
    }
    /* Fail closed: never fall back to a more permissive module. */
    char names[64] = "";
    for (unsigned int i = 0, len = 0; i < ARRAY_SIZE(modules) && len < sizeof(names); i++)
        len += (unsigned int)snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "",
                                      modules[i].name);
    pr_err("XSM: no module called '%s' (xsm= takes %s); not booting without the "
           "security module asked for\n",
           xsm_module, names);
    mica_exit(MICA_EXIT_FAILURE);
}
