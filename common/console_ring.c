/* A domain's PV console ring, served by Mica (see console_ring.h). */
#include "console_ring.h"
#include "domain_console.h"
#include "event.h"
#include "frame_owner.h"
#include "page_alloc.h"
#include "p2m/physmap.h"
#include "public/errno.h"
#include "public/io/console.h"

/* Bytes printed per lock hold: the ring is drained in chunks. */
#define CHUNK 128

static struct xencons_interface *ring_of(const struct domain *d)
{
    return frame_to_virt(d->console.ring);
}

/* The guest notified: print what it wrote to out[]. Under d's console lock
 * so that two vCPUs notifying at once keep the bytes in order. The indices
 * are the guest's: a producer more than a ring ahead is corrupt, and its
 * bytes are skipped (as Xen's console daemon does). */
static void console_ring_notify(struct domain *d)
{
    struct xencons_interface *intf = ring_of(d);
    char chunk[CHUNK];

    spin_lock(&d->console.lock);
    for (;;) {
        XENCONS_RING_IDX cons = __atomic_load_n(&intf->out_cons, __ATOMIC_RELAXED);
        /* Acquire: the bytes before out_prod are written once we see it. */
        XENCONS_RING_IDX prod = __atomic_load_n(&intf->out_prod, __ATOMIC_ACQUIRE);
        size_t len = 0;

        if (prod - cons > sizeof(intf->out)) {
            __atomic_store_n(&intf->out_cons, prod, __ATOMIC_RELEASE);
            break;
        }
        while (cons != prod && len < sizeof(chunk))
            chunk[len++] = intf->out[MASK_XENCONS_IDX(cons++, intf->out)];
        if (!len)
            break;
        /* Release: the guest may reuse the space once it sees out_cons. */
        __atomic_store_n(&intf->out_cons, cons, __ATOMIC_RELEASE);
        domain_console_write(d, chunk, len);
    }
    spin_unlock(&d->console.lock);
    /* The guest may wait for space in out[]: tell it there is. */
    evtchn_send_from_mica(d, d->console.port);
}

void console_ring_input(struct domain *d, char c)
{
    struct xencons_interface *intf = ring_of(d);
    XENCONS_RING_IDX cons, prod;

    spin_lock(&d->console.lock);
    cons = __atomic_load_n(&intf->in_cons, __ATOMIC_ACQUIRE);
    prod = __atomic_load_n(&intf->in_prod, __ATOMIC_RELAXED);
    /* A full (or corrupt) ring drops the byte. */
    if (prod - cons < sizeof(intf->in)) {
        intf->in[MASK_XENCONS_IDX(prod, intf->in)] = c;
        __atomic_store_n(&intf->in_prod, prod + 1, __ATOMIC_RELEASE);
    }
    spin_unlock(&d->console.lock);
    evtchn_send_from_mica(d, d->console.port);
}

int console_ring_setup(struct domain *d)
{
    long port;
    int rc;

    d->console.ring = frames_assign(d, 0, FRAME_SPECIAL); /* zeroed: empty rings */
    if (!d->console.ring)
        return -XEN_ENOMEM;
    rc = physmap_add_special(d, d->console.ring, _gfn(d->ram_end >> PAGE_SHIFT));
    if (rc)
        return rc;
    port = evtchn_alloc_mica_port(d, console_ring_notify);
    if (port < 0)
        return (int)port;
    d->console.port = (uint32_t)port;
    return 0;
}

bool console_ring_params(const struct domain *d, uint64_t *gfn, uint32_t *port)
{
    if (!d->console.ring)
        return false;
    *gfn = d->ram_end >> PAGE_SHIFT;
    *port = d->console.port;
    return true;
}
