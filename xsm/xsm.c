/* Choosing and installing the XSM module (see xsm.h). */
#include "xsm.h"
#include "cmdline.h"
#include "lib.h"
#include "printk.h"

const struct xsm_ops *xsm = &xsm_dummy_ops;

static char xsm_module[16] = "dummy";
STRING_PARAM("xsm", xsm_module);

/* Fill every hook the module left NULL from the dummy module. A new hook
 * in struct xsm_ops gets a line here too. */
void xsm_register(struct xsm_ops *ops)
{
#define FILL(hook) if (!ops->hook) ops->hook = xsm_dummy_ops.hook
    FILL(console_io);
    FILL(memory_adjust_reservation);
    FILL(memory_stat_reservation);
    FILL(memory_map);
    FILL(machine_memory_map);
    FILL(add_to_physmap);
    FILL(remove_from_physmap);
    FILL(map_gmfn_foreign);
    FILL(domain_create);
    FILL(domain_destroy);
    FILL(domain_pause);
    FILL(hvm_getparam);
    FILL(hvm_setparam);
    FILL(vcpu_op);
    FILL(xsm_op);
#undef FILL
    xsm = ops;
}

void xsm_init(void)
{
    if (strcmp(xsm_module, "dummy"))
        pr_warn("XSM: unknown module '%s', using dummy\n", xsm_module);
    printk("XSM: module %s\n", xsm->name);
}
