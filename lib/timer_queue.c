/* A CPU's armed timers, sorted by deadline (see timer_queue.h). */
#include "lib/timer_queue.h"

void timer_queue_insert(struct list_head *queue, struct timer_queue_entry *e)
{
    struct list_head *pos = queue->prev;

    /* From the tail: a new timer is most often the latest, and walking
     * back past later ones keeps equal deadlines in arming order. */
    while (pos != queue &&
           list_entry(pos, struct timer_queue_entry, link)->deadline_ns > e->deadline_ns)
        pos = pos->prev;
    list_add(&e->link, pos);
}

struct timer_queue_entry *timer_queue_pop_expired(struct list_head *queue, uint64_t now)
{
    struct timer_queue_entry *first;

    if (list_empty(queue))
        return NULL;
    first = list_first_entry(queue, struct timer_queue_entry, link);
    if (first->deadline_ns > now)
        return NULL;
    list_del(&first->link);
    return first;
}

uint64_t timer_queue_earliest(const struct list_head *queue)
{
    if (list_empty(queue))
        return TIMER_QUEUE_NEVER;
    return list_first_entry(queue, struct timer_queue_entry, link)->deadline_ns;
}
