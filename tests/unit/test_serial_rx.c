/*
 * Unit tests for lib/serial_rx.c: the CTRL-a switch code (three in a row
 * switch, fewer are passed on before the next key) and the input ring
 * (bytes in order, wrap-around, a full ring drops, peek does not consume).
 */
#include <string.h>

#include "lib/serial_rx.h"
#include "unit.h"

/* Feeds a string; returns how many switches it made and appends the bytes
 * passed on to out (NUL-terminated). */
static unsigned int feed(struct serial_switch *s, const char *in, char *out)
{
    unsigned int switches = 0;
    size_t len = strlen(out);

    for (; *in; in++) {
        char pass[SERIAL_SWITCH_COUNT];
        unsigned int n;

        if (serial_switch_feed(s, *in, pass, &n))
            switches++;
        memcpy(out + len, pass, n);
        len += n;
    }
    out[len] = '\0';
    return switches;
}

static void test_switch_code(void)
{
    struct serial_switch s = { 0 };
    char out[64] = "";

    CHECK_EQ(feed(&s,
                  "ab\x01\x01\x01"
                  "c",
                  out),
             1);
    CHECK(strcmp(out, "abc") == 0);
    /* Six in a row: two switches, nothing passed on. */
    out[0] = '\0';
    CHECK_EQ(feed(&s, "\x01\x01\x01\x01\x01\x01", out), 2);
    CHECK(strcmp(out, "") == 0);
}

static void test_interrupted_switch_code(void)
{
    struct serial_switch s = { 0 };
    char out[64] = "";

    /* One, then two CTRL-a before a key: passed on with the key, in order. */
    CHECK_EQ(feed(&s, "\x01x\x01\x01y", out), 0);
    CHECK(strcmp(out, "\x01x\x01\x01y") == 0);
    /* Held ones are not lost across calls, and do not count towards the
     * next switch once passed on. */
    out[0] = '\0';
    CHECK_EQ(feed(&s, "\x01\x01", out), 0);
    CHECK(strcmp(out, "") == 0);
    CHECK_EQ(feed(&s, "z\x01\x01", out), 0);
    CHECK(strcmp(out, "\x01\x01z") == 0);
    CHECK_EQ(feed(&s, "\x01", out), 1);
}

static void test_ring_order_and_wrap(void)
{
    struct serial_rx_ring r = { .prod = 0xfffffff0u, .cons = 0xfffffff0u };
    char out[SERIAL_RX_SIZE];

    /* Indices wrap at 2^32 and positions at SERIAL_RX_SIZE. */
    for (unsigned int round = 0; round < 5; round++) {
        for (int i = 0; i < 100; i++)
            CHECK(serial_rx_put(&r, (char)(round + i)));
        CHECK_EQ(serial_rx_peek(&r, out, 40), 40);
        CHECK_EQ(serial_rx_peek(&r, out, sizeof(out)), 100); /* peek consumed nothing */
        for (int i = 0; i < 100; i++)
            CHECK_EQ(out[i], (char)(round + i));
        serial_rx_consume(&r, 100);
        CHECK_EQ(serial_rx_peek(&r, out, sizeof(out)), 0);
    }
}

static void test_ring_full_drops(void)
{
    struct serial_rx_ring r = { 0 };
    char out[SERIAL_RX_SIZE];

    for (int i = 0; i < SERIAL_RX_SIZE; i++)
        CHECK(serial_rx_put(&r, (char)i));
    CHECK(!serial_rx_put(&r, 'X'));
    CHECK_EQ(serial_rx_peek(&r, out, sizeof(out)), SERIAL_RX_SIZE);
    CHECK_EQ(out[SERIAL_RX_SIZE - 1], (char)(SERIAL_RX_SIZE - 1));
    serial_rx_consume(&r, 1);
    CHECK(serial_rx_put(&r, 'Y'));
    CHECK_EQ(serial_rx_peek(&r, out, sizeof(out)), SERIAL_RX_SIZE);
    CHECK_EQ(out[0], 1);
    CHECK_EQ(out[SERIAL_RX_SIZE - 1], 'Y');
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_switch_code),
    UNIT_TEST(test_interrupted_switch_code),
    UNIT_TEST(test_ring_order_and_wrap),
    UNIT_TEST(test_ring_full_drops),
};

int main(void)
{
    return unit_run("serial_rx", tests, ARRAY_SIZE(tests));
}
