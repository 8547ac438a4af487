/*
 * Looking at domains while they are torn down. A privileged domain with a
 * lot of memory (so that an audit of it takes a while) asks
 * XEN_DOMCTL_getdomaininfo about every other domain, over and over, until
 * all of them are gone, while the test types the debug keys `a` and `p`
 * (audit and dump every p2m) without pause and the others end one after
 * another.
 *
 * Both paths hold a reference to a domain that may be destroyed meanwhile:
 * the reference keeps the struct, not the memory. Before DOMAIN_DEAD was
 * set under the domain's lock (common/domain.c), the key's audit of a
 * domain torn down while it audited the domains before it walked freed
 * p2m tables and faulted on the freed shared_info (MICA FAULT in
 * check_refs, found by the fuzzer's audit key, docs/reliability.md); and
 * getdomaininfo read shared_info's gfn without the lock.
 *
 * What the guest checks: every answer names a domain at or after the one
 * asked for, with sane flags, until -ESRCH; a domain that is gone stays
 * gone. Module arguments: others=N (domains 1..N).
 */
#include "args.h"
#include "test.h"
#include <public/domctl.h>
#include <stdbool.h>

TEST_NAME("teardown_watch");

static long getdomaininfo(domid_t first, struct xen_domctl *d)
{
    memset(d, 0, sizeof(*d));
    d->h.cmd = XEN_DOMCTL_getdomaininfo;
    d->h.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
    d->h.domain = first;
    return hypercall5(__HYPERVISOR_domctl, (unsigned long)d, 0, 0, 0, 0);
}

void test_main(void)
{
    unsigned long others = 0, calls = 0, dying_seen = 0;
    bool gone[64] = { false };
    unsigned long nr_gone = 0;
    struct xen_domctl d;

    if (!CHECK_EQ(guest_arg_ulong("others", &others), 0) || !CHECK(others < 64))
        return;
    while (nr_gone < others) {
        for (domid_t id = 1; id <= others; id++) {
            long rc = getdomaininfo(id, &d);
            domid_t got = d.u.getdomaininfo.domain;

            calls++;
            if (rc == -XEN_ESRCH || (rc == 0 && got != id)) {
                /* Gone: the answer is a later domain, or none. */
                if (!gone[id]) {
                    gone[id] = true;
                    nr_gone++;
                }
                CHECK(rc == -XEN_ESRCH || got > id);
                continue;
            }
            if (!CHECK_EQ(rc, 0))
                return;
            CHECK(!gone[id]); /* a domain that was gone came back */
            CHECK(d.u.getdomaininfo.flags & XEN_DOMINF_hvm_guest);
            if (d.u.getdomaininfo.flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying))
                dying_seen++;
        }
    }
    gprintf("teardown_watch: %lu getdomaininfo calls, %lu answers about ending domains\n", calls,
            dying_seen);
}
