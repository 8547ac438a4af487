/*
 * console_io: a guest writes to (or reads from) Mica's console.
 *
 *   CONSOLEIO_write(count, buffer): print count bytes; returns 0. The buffer
 *     is copied in chunks; if a chunk cannot be read (-EFAULT) the call
 *     fails there, and nothing of that chunk is printed.
 *   CONSOLEIO_read(count, buffer): copies up to count bytes of serial input
 *     (typed while input goes to the domains, console_input.h) and returns
 *     how many; 0 when none waits, -EFAULT if the buffer cannot be written.
 * Both ask XSM first (console_io hook: dummy allows writes to everyone,
 * reads to privileged domains); a denial is -EPERM.
 * Writes longer than CONSOLE_IO_MAX bytes are refused with -EINVAL so one
 * call is bounded work (Xen instead preempts long writes).
 */
#include "console_input.h"
#include "domain_console.h"
#include "guest_access.h"
#include "hypercall.h"
#include "public/errno.h"
#include "public/xen.h"
#include "xsm.h"

#define CONSOLE_IO_MAX (64 * 1024)
#define CHUNK 128

long do_console_io(struct vcpu *v, const struct hypercall_args *a)
{
    /* Xen declares cmd and count `unsigned int`: only the low 32 bits count. */
    uint32_t cmd = (uint32_t)a->arg[0], count = (uint32_t)a->arg[1];
    uint64_t buffer = a->arg[2];
    char chunk[CHUNK];

    if (cmd != CONSOLEIO_write && cmd != CONSOLEIO_read)
        return -XEN_ENOSYS;
    if (XSM_CALL(console_io, v->domain, cmd))
        return -XEN_EPERM;
    if (cmd == CONSOLEIO_read)
        return console_input_read(v, buffer, count);

    if (count > CONSOLE_IO_MAX)
        return -XEN_EINVAL;
    for (uint32_t done = 0; done < count;) {
        size_t len = MIN((size_t)CHUNK, (size_t)(count - done));
        if (copy_from_guest(v, chunk, buffer + done, len))
            return -XEN_EFAULT;
        domain_console_write(v->domain, chunk, len);
        done += len;
    }
    return 0;
}
