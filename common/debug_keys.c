/* Debug keys and the p2m debugging options (see debug_keys.h). */
#include "debug_keys.h"
#include "lib/cmdline.h"
#include "mm.h"
#include "p2m/p2m_debug.h"
#include "printk.h"
#include "x86/serial.h"
#include "xsm.h"

static bool opt_p2m_audit;
BOOL_PARAM("p2m-audit", opt_p2m_audit);
static bool opt_p2m_dump;
BOOL_PARAM("p2m-dump", opt_p2m_dump);

bool p2m_audit_after_memory_op(void)
{
    return opt_p2m_audit;
}

void p2m_debug_domain_built(struct domain *d)
{
    if (opt_p2m_dump)
        p2m_dump(d);
}

void p2m_debug_domain_ending(struct domain *d)
{
    if (opt_p2m_dump)
        p2m_dump(d);
#ifdef MICA_DEBUG
    p2m_audit(d);
#else
    if (opt_p2m_audit)
        p2m_audit(d);
#endif
}

static void audit_one(struct domain *d, void *arg)
{
    (void)arg;
    p2m_audit(d);
}

static void dump_one(struct domain *d, void *arg)
{
    (void)arg;
    p2m_dump(d);
}

void debug_keys_poll(void)
{
    int key = serial_getc_nonblocking();

    switch (key) {
    case 'a':
        domain_for_each(audit_one, NULL);
        break;
    case 'p':
        domain_for_each(dump_one, NULL);
        break;
    case 'm':
        page_alloc_print_summary();
        break;
    case 'x':
        xsm->print_stats();
        break;
    case 'h':
        printk("debug keys: a audit p2ms, p dump p2ms, m memory, x XSM statistics, h help\n");
        break;
    default:
        break;
    }
}
