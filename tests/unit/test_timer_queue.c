/*
 * Unit tests for lib/timer_queue.c, a CPU's armed timers sorted by
 * deadline: ties keep their arming order, only expired timers come off, and
 * a seeded random mix of arming, disarming and expiry matches a simple
 * model (an array kept sorted by deadline, then arming order).
 */
#include "lib/timer_queue.h"
#include "unit.h"

#define NR 64

static struct timer_queue_entry timers[NR];
static uint64_t armed_seq[NR]; /* when each was armed (0: not armed) */

static void arm(struct list_head *q, unsigned int i, uint64_t deadline, uint64_t seq)
{
    timers[i].deadline_ns = deadline;
    timer_queue_insert(q, &timers[i]);
    armed_seq[i] = seq;
}

/* Is the queue exactly the armed timers, by deadline then arming order? */
static bool queue_matches_model(const struct list_head *q)
{
    const struct timer_queue_entry *prev = NULL;
    unsigned int count = 0, armed = 0;
    struct list_head *pos;

    list_for_each(pos, q) {
        const struct timer_queue_entry *t = list_entry(pos, struct timer_queue_entry, link);
        unsigned int i = (unsigned int)(t - timers);
        if (!armed_seq[i])
            return false;
        if (prev) {
            unsigned int p = (unsigned int)(prev - timers);
            if (prev->deadline_ns > t->deadline_ns ||
                (prev->deadline_ns == t->deadline_ns && armed_seq[p] > armed_seq[i]))
                return false;
        }
        prev = t;
        count++;
    }
    for (unsigned int i = 0; i < NR; i++)
        armed += armed_seq[i] != 0;
    return count == armed;
}

static void reset(struct list_head *q)
{
    list_init(q);
    for (unsigned int i = 0; i < NR; i++) {
        list_init(&timers[i].link);
        armed_seq[i] = 0;
    }
}

static void test_order_and_ties(void)
{
    struct list_head q;

    reset(&q);
    CHECK_EQ(timer_queue_earliest(&q), (long long)TIMER_QUEUE_NEVER);
    arm(&q, 0, 50, 1);
    arm(&q, 1, 10, 2);
    arm(&q, 2, 50, 3);
    arm(&q, 3, 30, 4);
    arm(&q, 4, 10, 5);
    CHECK(queue_matches_model(&q));
    CHECK_EQ(timer_queue_earliest(&q), 10);
    /* Nothing before 10; then 1 and 4 (tie, in arming order), then 3. */
    CHECK(timer_queue_pop_expired(&q, 9) == NULL);
    CHECK(timer_queue_pop_expired(&q, 30) == &timers[1]);
    CHECK(timer_queue_pop_expired(&q, 30) == &timers[4]);
    CHECK(timer_queue_pop_expired(&q, 30) == &timers[3]);
    CHECK(timer_queue_pop_expired(&q, 30) == NULL);
    CHECK_EQ(timer_queue_earliest(&q), 50);
    /* A popped timer is off the list (re-armable). */
    CHECK(!list_linked(&timers[1].link));
    CHECK(timer_queue_pop_expired(&q, 1000) == &timers[0]);
    CHECK(timer_queue_pop_expired(&q, 1000) == &timers[2]);
    CHECK(list_empty(&q));
}

static void test_random_against_model(void)
{
    struct list_head q;
    uint64_t now = 0, seq = 0;

    reset(&q);
    unit_rng_start(unit_seed(0x7133));
    for (int step = 0; step < 200000; step++) {
        unsigned int i = (unsigned int)unit_rng_below(NR);
        switch (unit_rng_below(4)) {
        case 0: /* arm or re-arm (a narrow range of deadlines: many ties) */
        case 1:
            if (armed_seq[i])
                list_del(&timers[i].link);
            arm(&q, i, now + unit_rng_below(40), ++seq);
            break;
        case 2: /* disarm */
            if (armed_seq[i]) {
                list_del(&timers[i].link);
                armed_seq[i] = 0;
            }
            break;
        default: { /* time passes; everything due comes off, in order */
            struct timer_queue_entry *t;
            uint64_t last = 0;
            now += unit_rng_below(10);
            while ((t = timer_queue_pop_expired(&q, now))) {
                CHECK(t->deadline_ns <= now && t->deadline_ns >= last);
                last = t->deadline_ns;
                armed_seq[t - timers] = 0;
            }
            CHECK(timer_queue_earliest(&q) > now);
            break;
        }
        }
        if (step % 97 == 0)
            CHECK(queue_matches_model(&q));
    }
    CHECK(queue_matches_model(&q));
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_order_and_ties),
    UNIT_TEST(test_random_against_model),
};

int main(void)
{
    return unit_run("timer_queue", tests, ARRAY_SIZE(tests));
}
