/*
 * Unit tests for lib/evtchn_fifo.c, the FIFO event-channel rules: the event
 * word's bits, linking at a queue's tail or head, the ready bits, and a
 * seeded random run (sends, unmasks, the guest masking and consuming its
 * queues as Linux does) against a model of Xen's rules.
 */
#include <stdbool.h>
#include <string.h>

#include "lib/evtchn_fifo.h"
#include "unit.h"

#define PORTS 256
#define QUEUES 16
#define PENDING EVTCHN_FIFO_WORD_PENDING
#define MASKED EVTCHN_FIFO_WORD_MASKED
#define LINKED EVTCHN_FIFO_WORD_LINKED

/* One vCPU's control block (ready, pad, head[16]), Mica's tails, the words. */
static uint32_t cb[2 + QUEUES], tail[QUEUES], words[PORTS];

static void reset(void)
{
    memset(cb, 0, sizeof(cb));
    memset(tail, 0, sizeof(tail));
    memset(words, 0, sizeof(words));
}

/* What common/event_channel.c does on a send: true if an upcall is raised. */
static bool send(uint32_t port, unsigned int prio)
{
    if (!evtchn_fifo_set_pending(&words[port], true))
        return false;
    return evtchn_fifo_link(&cb[0], &cb[2 + prio], prio, &tail[prio], &words[tail[prio]], port);
}

static bool unmask(uint32_t port, unsigned int prio)
{
    if (!evtchn_fifo_unmask(&words[port], true))
        return false;
    return evtchn_fifo_link(&cb[0], &cb[2 + prio], prio, &tail[prio], &words[tail[prio]], port);
}

static void test_bits(void)
{
    reset();
    CHECK(evtchn_fifo_set_pending(&words[3], true));
    CHECK_EQ(words[3], PENDING | LINKED);
    CHECK(!evtchn_fifo_set_pending(&words[3], true)); /* already linked */
    words[4] = MASKED;
    CHECK(!evtchn_fifo_set_pending(&words[4], true)); /* masked: pending only */
    CHECK_EQ(words[4], PENDING | MASKED);
    CHECK(evtchn_fifo_unmask(&words[4], true));
    CHECK_EQ(words[4], PENDING | LINKED);
    words[5] = MASKED;
    CHECK(!evtchn_fifo_unmask(&words[5], true)); /* not pending */
    CHECK_EQ(words[5], 0);
    CHECK(!evtchn_fifo_set_pending(&words[6], false)); /* no control block */
    CHECK_EQ(words[6], PENDING);
    CHECK(!evtchn_fifo_unmask(&words[6], false));
    CHECK_EQ(words[6], PENDING);
}

static void test_queue(void)
{
    reset();
    CHECK(send(10, 7)); /* empty queue: head, ready bit 7, the upcall */
    CHECK_EQ(cb[2 + 7], 10);
    CHECK_EQ(cb[0], 1u << 7);
    CHECK(!send(11, 7)); /* linked behind 10 */
    CHECK_EQ(words[10], PENDING | LINKED | 11);
    CHECK_EQ(cb[2 + 7], 10);
    CHECK(send(12, 0)); /* another queue, a new ready bit */
    CHECK_EQ(cb[0], (1u << 7) | 1u);
    CHECK(!send(11, 7)); /* coalesced */
    CHECK_EQ(words[11], PENDING | LINKED);
    /* The guest consumes 10 and 11: LINKED cleared, the queue is empty. */
    words[10] = 0;
    words[11] = 0;
    cb[0] &= ~(1u << 7);
    CHECK(send(11, 7)); /* the tail itself again: a new head, no self-link */
    CHECK_EQ(words[11], PENDING | LINKED);
    CHECK_EQ(cb[2 + 7], 11);
    CHECK_EQ(cb[0], (1u << 7) | 1u);
}

/* The guest's consumer (Linux's consume_one_event): its own copy of each
 * head, taken from the control block when it has none. */
static uint32_t ghead[QUEUES];

static uint32_t consume(unsigned int prio)
{
    uint32_t port = ghead[prio], old, link;

    if (!port)
        port = cb[2 + prio];
    old = words[port];
    link = old & EVTCHN_FIFO_WORD_LINK_MASK;
    words[port] = old & ~(LINKED | EVTCHN_FIFO_WORD_LINK_MASK);
    if (!link)
        cb[0] &= ~(1u << prio);
    ghead[prio] = link;
    if ((words[port] & PENDING) && !(words[port] & MASKED))
        words[port] &= ~PENDING;
    return port;
}

static void test_random_against_model(void)
{
    static bool pending[PORTS], masked[PORTS], linked[PORTS];
    static uint32_t q[QUEUES][PORTS];
    unsigned int qlen[QUEUES] = { 0 }, qstart[QUEUES] = { 0 };
    uint32_t ready = 0;

    reset();
    memset(ghead, 0, sizeof(ghead));
    unit_rng_start(unit_seed(0xf1f0));
    for (unsigned int i = 0; i < 200000; i++) {
        uint32_t port = 1 + (uint32_t)unit_rng_below(PORTS - 1);
        unsigned int prio = port % 3 * 7; /* 0, 7, 14 */
        unsigned int *len = &qlen[prio], *start = &qstart[prio];

        switch (unit_rng_below(4)) {
        case 0:   /* send */
        case 1: { /* unmask */
            bool is_send = unit_rng_below(2);
            bool link = !linked[port] && (is_send ? !masked[port] : pending[port]);
            bool want = link && !(ready & (1u << prio));
            if (is_send)
                pending[port] = true;
            else
                masked[port] = false;
            CHECK_EQ(is_send ? send(port, prio) : unmask(port, prio), want);
            if (link) {
                linked[port] = true;
                q[prio][(*start + (*len)++) % PORTS] = port;
                ready |= 1u << prio;
            }
            break;
        }
        case 2: /* the guest masks */
            words[port] |= MASKED;
            masked[port] = true;
            break;
        default: /* the guest consumes one event of a ready queue */
            if (!(ready & (1u << prio)))
                break;
            CHECK(*len > 0);
            uint32_t want = q[prio][*start];
            *start = (*start + 1) % PORTS;
            (*len)--;
            CHECK_EQ(consume(prio), want);
            linked[want] = false;
            if (!*len)
                ready &= ~(1u << prio);
            if (pending[want] && !masked[want])
                pending[want] = false;
            break;
        }
        CHECK_EQ(cb[0], ready);
    }
    for (uint32_t p = 1; p < PORTS; p++) {
        CHECK_EQ(!!(words[p] & PENDING), pending[p]);
        CHECK_EQ(!!(words[p] & MASKED), masked[p]);
        CHECK_EQ(!!(words[p] & LINKED), linked[p]);
    }
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_bits),
    UNIT_TEST(test_queue),
    UNIT_TEST(test_random_against_model),
};

int main(void)
{
    return unit_run("evtchn_fifo", tests, ARRAY_SIZE(tests));
}
