/*
 * Serial input for the domains: VIRQ_CONSOLE and CONSOLEIO_read. The test
 * (evtchn_tests.py) types on Mica's serial console while this guest runs:
 *
 *   1. "h" (input still goes to Mica: the debug keys' help), then CTRL-a
 *      three times (input to the domains), then "hi", one CTRL-a, "!" and a
 *      carriage return: the reader gets VIRQ_CONSOLE and reads exactly
 *      "hi\x01!\r" (an interrupted switch code is passed on).
 *   2. CTRL-a three times (back to Mica), then "h": Mica prints the help,
 *      and nothing more reaches the ring.
 *
 * Run as two domains: role=reader (d0, privileged: it binds VIRQ_CONSOLE,
 * which goes to the privileged domain, and may read) and role=other (d1,
 * unprivileged: CONSOLEIO_read is -EPERM under the dummy module).
 */
#include "args.h"
#include "evtchn.h"
#include "test.h"

TEST_NAME("console_input");

#define WAIT 3000UL /* blocks: 30 s of 10 ms scheduler ticks */
#define QUIET 200UL /* blocks: 2 s */

static const char expected[] = "hi\x01!\r";

static long console_read(unsigned int count, void *buf)
{
    return HYPERVISOR_console_io(CONSOLEIO_read, count, buf);
}

static void reader(void)
{
    static char buf[64];
    size_t got = 0;
    long port = evtchn_bind_virq(VIRQ_CONSOLE, 0);
    long rc;

    if (!CHECK(port > 0))
        return;
    /* Nothing typed yet: 0 bytes; a count of 0 reads nothing. */
    CHECK_EQ(console_read(sizeof(buf), buf), 0);
    CHECK_EQ(console_read(0, buf), 0);
    gprintf("reader: VIRQ_CONSOLE bound, waiting for input\n");

    if (!CHECK(evtchn_wait((evtchn_port_t)port, WAIT)))
        return;
    /* Bytes wait (only we consume them). A buffer that cannot be written:
     * -EFAULT, and nothing is consumed. */
    CHECK_EQ(console_read(sizeof(buf), (void *)0x8000000000000000ull), -XEN_EFAULT);
    for (unsigned long i = 0; i < WAIT && got < sizeof(expected) - 1; i++) {
        /* Two bytes at most per call: the count is honoured. */
        rc = console_read(2, buf + got);
        if (!CHECK(rc >= 0 && rc <= 2))
            return;
        got += (size_t)rc;
        if (!rc)
            evtchn_block();
    }
    CHECK_EQ(got, sizeof(expected) - 1);
    CHECK(memcmp(buf, expected, sizeof(expected) - 1) == 0);
    gprintf("reader: read %u bytes, as typed\n", (unsigned)got);

    /* The test switches input back to Mica and types "h": no VIRQ, no byte. */
    evtchn_clear((evtchn_port_t)port);
    for (unsigned long i = 0; i < QUIET; i++)
        evtchn_block();
    CHECK(!evtchn_pending((evtchn_port_t)port));
    CHECK_EQ(console_read(sizeof(buf), buf), 0);
    gprintf("reader: nothing more came\n");
}

static void other(void)
{
    char c;

    CHECK_EQ(console_read(1, &c), -XEN_EPERM);
}

void test_main(void)
{
    if (!CHECK_EQ(evtchn_map_shared_info(), 0))
        return;
    if (guest_arg_is("role", "reader"))
        reader();
    else if (guest_arg_is("role", "other"))
        other();
    else
        guest_test_abort("no role= given");
}
