/*
 * Unit tests for lib/evtchn_2l.c, the 2-level event-channel bitmaps: the
 * layout in both word sizes (bit p lands where a 64-bit or a 32-bit guest
 * looks for it) and a seeded random run against a model of Xen's rules.
 */
#include <string.h>

#include "lib/evtchn_2l.h"
#include "unit.h"

#define PORTS 4096

/* A shared_info's bitmaps and one selector, 8-byte aligned as in guests. */
static uint64_t pending[PORTS / 64], mask[PORTS / 64], sel;

static struct evtchn_2l layout(unsigned int word_bits)
{
    memset(pending, 0, sizeof(pending));
    memset(mask, 0, sizeof(mask));
    sel = 0;
    return (struct evtchn_2l){ (uint8_t *)pending, (uint8_t *)mask, word_bits };
}

static void test_layout_64(void)
{
    struct evtchn_2l l = layout(64);

    CHECK_EQ(evtchn_2l_set_pending(&l, (uint8_t *)&sel, 130), EVTCHN_2L_UPCALL);
    CHECK_EQ(pending[2], 1ULL << 2); /* word 130 / 64, bit 130 % 64 */
    CHECK_EQ(sel, 1ULL << 2);
    CHECK_EQ(evtchn_2l_set_pending(&l, (uint8_t *)&sel, 130), EVTCHN_2L_COALESCED);
    CHECK_EQ(evtchn_2l_set_pending(&l, (uint8_t *)&sel, 191), EVTCHN_2L_SELECTED);
    CHECK_EQ(pending[2], (1ULL << 2) | (1ULL << 63));
    CHECK_EQ(evtchn_2l_set_pending(&l, (uint8_t *)&sel, 4095), EVTCHN_2L_UPCALL);
    CHECK_EQ(sel, (1ULL << 2) | (1ULL << 63));
}

static void test_layout_32(void)
{
    struct evtchn_2l l = layout(32);
    const uint32_t *p32 = (const uint32_t *)pending, *s32 = (const uint32_t *)&sel;

    CHECK_EQ(evtchn_2l_set_pending(&l, (uint8_t *)&sel, 70), EVTCHN_2L_UPCALL);
    CHECK_EQ(p32[2], 1u << 6); /* word 70 / 32, bit 70 % 32 */
    CHECK_EQ(s32[0], 1u << 2);
    CHECK_EQ(evtchn_2l_set_pending(&l, (uint8_t *)&sel, 1023), EVTCHN_2L_UPCALL);
    CHECK_EQ(p32[31], 1u << 31);
    CHECK_EQ(s32[0], (1u << 2) | (1u << 31));
}

static void test_mask_and_unmask(void)
{
    struct evtchn_2l l = layout(64);

    mask[0] = 1ULL << 5;
    CHECK_EQ(evtchn_2l_set_pending(&l, (uint8_t *)&sel, 5), EVTCHN_2L_MASKED);
    CHECK_EQ(sel, 0);
    CHECK(evtchn_2l_test(l.pending, 5));
    CHECK(evtchn_2l_unmask(&l, (uint8_t *)&sel, 5)); /* pending: the upcall */
    CHECK_EQ(mask[0], 0);
    CHECK_EQ(sel, 1);
    CHECK(!evtchn_2l_unmask(&l, (uint8_t *)&sel, 5)); /* not masked any more */
    mask[0] = 1ULL << 6;
    CHECK(!evtchn_2l_unmask(&l, (uint8_t *)&sel, 6)); /* masked, not pending */
    CHECK(evtchn_2l_test_and_clear(l.pending, 5));
    CHECK(!evtchn_2l_test_and_clear(l.pending, 5));
}

/* Random sends, unmasks, and the guest's own masking and scanning, against
 * a model of Xen's rules, in both word sizes. */
static void test_random_against_model(void)
{
    static bool m_pending[PORTS], m_mask[PORTS], m_sel[64];
    unit_rng_start(unit_seed(0x2a2a));

    for (unsigned int round = 0; round < 2; round++) {
        unsigned int wb = round ? 32 : 64, nports = wb * wb;
        struct evtchn_2l l = layout(wb);
        memset(m_pending, 0, sizeof(m_pending));
        memset(m_mask, 0, sizeof(m_mask));
        memset(m_sel, 0, sizeof(m_sel));

        for (unsigned int i = 0; i < 200000; i++) {
            uint32_t port = (uint32_t)unit_rng_below(nports);
            unsigned int w = port / wb;
            switch (unit_rng_below(5)) {
            case 0: { /* send */
                enum evtchn_2l_result want = m_pending[port] ? EVTCHN_2L_COALESCED
                                             : m_mask[port]  ? EVTCHN_2L_MASKED
                                             : m_sel[w]      ? EVTCHN_2L_SELECTED
                                                             : EVTCHN_2L_UPCALL;
                CHECK_EQ(evtchn_2l_set_pending(&l, (uint8_t *)&sel, port), want);
                if (!m_pending[port] && !m_mask[port])
                    m_sel[w] = true;
                m_pending[port] = true;
                break;
            }
            case 1: { /* unmask */
                bool want = m_mask[port] && m_pending[port] && !m_sel[w];
                CHECK_EQ(evtchn_2l_unmask(&l, (uint8_t *)&sel, port), want);
                if (m_mask[port] && m_pending[port])
                    m_sel[w] = true;
                m_mask[port] = false;
                break;
            }
            case 2: /* the guest masks */
                ((uint8_t *)mask)[port / 8] |= (uint8_t)(1u << (port % 8));
                m_mask[port] = true;
                break;
            case 3: /* the guest handles a port */
                CHECK_EQ(evtchn_2l_test_and_clear(l.pending, port), m_pending[port]);
                m_pending[port] = false;
                break;
            default: /* the guest takes the selector */
                sel = 0;
                memset(m_sel, 0, sizeof(m_sel));
                break;
            }
        }
        for (uint32_t p = 0; p < nports; p++) {
            CHECK_EQ(evtchn_2l_test(l.pending, p), m_pending[p]);
            CHECK_EQ(evtchn_2l_test(l.mask, p), m_mask[p]);
        }
        for (unsigned int w = 0; w < wb; w++)
            CHECK_EQ(evtchn_2l_test((uint8_t *)&sel, w), m_sel[w]);
    }
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_layout_64),
    UNIT_TEST(test_layout_32),
    UNIT_TEST(test_mask_and_unmask),
    UNIT_TEST(test_random_against_model),
};

int main(void)
{
    return unit_run("evtchn_2l", tests, ARRAY_SIZE(tests));
}
