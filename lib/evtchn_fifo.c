/* The FIFO event-channel rules as pure functions (see
 * include/lib/evtchn_fifo.h). */
#include "lib/evtchn_fifo.h"

/* Atomically: clear `clear` in *word, set PENDING (unless unmasking), and
 * LINKED if the port may now be linked; true if it set LINKED. */
static bool set_bits(uint32_t *word, bool can_link, uint32_t clear)
{
    uint32_t old = __atomic_load_n(word, __ATOMIC_SEQ_CST), next;
    bool link;

    do {
        next = old & ~clear;
        if (clear != EVTCHN_FIFO_WORD_MASKED)
            next |= EVTCHN_FIFO_WORD_PENDING;
        link = can_link && (next & EVTCHN_FIFO_WORD_PENDING) &&
               !(next & (EVTCHN_FIFO_WORD_MASKED | EVTCHN_FIFO_WORD_LINKED));
        if (link)
            next |= EVTCHN_FIFO_WORD_LINKED;
    } while (
        !__atomic_compare_exchange_n(word, &old, next, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    return link;
}

bool evtchn_fifo_set_pending(uint32_t *word, bool can_link)
{
    return set_bits(word, can_link, 0);
}

bool evtchn_fifo_unmask(uint32_t *word, bool can_link)
{
    return set_bits(word, can_link, EVTCHN_FIFO_WORD_MASKED);
}

/* Point a LINKED word at port; false if it is no longer LINKED. */
static bool try_set_link(uint32_t *word, uint32_t port)
{
    uint32_t old = __atomic_load_n(word, __ATOMIC_SEQ_CST), next;

    do {
        if (!(old & EVTCHN_FIFO_WORD_LINKED))
            return false;
        next = (old & ~EVTCHN_FIFO_WORD_LINK_MASK) | port;
    } while (
        !__atomic_compare_exchange_n(word, &old, next, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    return true;
}

bool evtchn_fifo_link(uint32_t *ready, uint32_t *head, unsigned int prio, uint32_t *tail,
                      uint32_t *tail_word, uint32_t port)
{
    bool linked = *tail && *tail != port && tail_word && try_set_link(tail_word, port);
    uint32_t bit = 1u << prio;

    *tail = port;
    if (linked)
        return false;
    __atomic_store_n(head, port, __ATOMIC_SEQ_CST);
    return !(__atomic_fetch_or(ready, bit, __ATOMIC_SEQ_CST) & bit);
}
