/* The 2-level event-channel bitmaps as pure functions (see
 * include/lib/evtchn_2l.h). */
#include "lib/evtchn_2l.h"

static uint32_t *word_of(const uint8_t *bitmap, uint32_t bit)
{
    return (uint32_t *)(uintptr_t)bitmap + bit / 32;
}

static bool test_and_set(uint8_t *bitmap, uint32_t bit)
{
    uint32_t m = 1u << (bit % 32);
    return __atomic_fetch_or(word_of(bitmap, bit), m, __ATOMIC_SEQ_CST) & m;
}

bool evtchn_2l_test_and_clear(uint8_t *bitmap, uint32_t bit)
{
    uint32_t m = 1u << (bit % 32);
    return __atomic_fetch_and(word_of(bitmap, bit), ~m, __ATOMIC_SEQ_CST) & m;
}

bool evtchn_2l_test(const uint8_t *bitmap, uint32_t bit)
{
    return __atomic_load_n(word_of(bitmap, bit), __ATOMIC_SEQ_CST) & (1u << (bit % 32));
}

enum evtchn_2l_result evtchn_2l_set_pending(const struct evtchn_2l *l, uint8_t *sel, uint32_t port)
{
    if (test_and_set(l->pending, port))
        return EVTCHN_2L_COALESCED; /* events coalesce */
    if (evtchn_2l_test(l->mask, port))
        return EVTCHN_2L_MASKED;
    return test_and_set(sel, port / l->word_bits) ? EVTCHN_2L_SELECTED : EVTCHN_2L_UPCALL;
}

bool evtchn_2l_unmask(const struct evtchn_2l *l, uint8_t *sel, uint32_t port)
{
    return evtchn_2l_test_and_clear(l->mask, port) && evtchn_2l_test(l->pending, port) &&
           !test_and_set(sel, port / l->word_bits);
}
