/*
 * The p2m's debugging options and debug keys: `p2m-audit`,
 * `p2m-audit-every`, `p2m-dump`, and the `a` (audit) and `p` (dump) keys
 * over every domain (p2m_debug.h).
 */
#include "p2m/p2m_debug.h"
#include "lib/cmdline.h"
#include "printk.h"

static bool opt_p2m_audit;
BOOL_PARAM("p2m-audit", opt_p2m_audit);
/* An audit costs time in proportion to the domain's memory: a test that
 * makes hundreds of thousands of calls audits a sample of them. */
static unsigned long opt_p2m_audit_every;
UINT_PARAM("p2m-audit-every", opt_p2m_audit_every);
static bool opt_p2m_dump;
BOOL_PARAM("p2m-dump", opt_p2m_dump);

bool p2m_audit_after_memory_op(void)
{
    static unsigned long calls; /* memory_op calls of every domain */

    if (opt_p2m_audit)
        return true;
    return opt_p2m_audit_every &&
           __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) % opt_p2m_audit_every == 0;
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
    ++*(unsigned int *)arg;
    p2m_audit(d);
}

static void dump_one(struct domain *d, void *arg)
{
    ++*(unsigned int *)arg;
    p2m_dump(d);
}

void p2m_key_audit_all(void)
{
    unsigned int domains = 0;

    domain_for_each(audit_one, &domains);
    if (!domains)
        printk("p2m audit: no domains\n");
}

void p2m_key_dump_all(void)
{
    unsigned int domains = 0;

    domain_for_each(dump_one, &domains);
    if (!domains)
        printk("p2m dump: no domains\n");
}
