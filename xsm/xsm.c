/* Choosing and installing the XSM module (see xsm.h). */
#include "xsm.h"
#include "lib/cmdline.h"
#include "lib/string.h"
#include "bootinfo.h"
#include "panic.h"
#include "printk.h"
#include "public/xsm/flask_policy.h"
#include "arch.h"

const struct xsm_ops *xsm = &xsm_dummy_ops;

static char xsm_module[16] = "dummy";
STRING_PARAM("xsm", xsm_module);

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
    FILL(domain_create);
    FILL(do_xsm_op);
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
    if (!strcmp(xsm_module, "flask")) {
        xsm_register(&flask_ops);
        if (!flask_init())
            panic("XSM: FLASK has no policy to enforce\n");
    } else if (!strcmp(xsm_module, "silo")) {
        xsm_register(&silo_ops);
        printk("XSM: module silo\n");
    } else {
        if (strcmp(xsm_module, "dummy"))
            pr_warn("XSM: unknown module '%s', using dummy\n", xsm_module);
        printk("XSM: module dummy\n");
    }
}
