/*
 * Unit tests for lib/calendar.c: known moments (the epoch, leap days, the
 * turn of 2000 and of 2038) against their Unix times, invalid dates, and
 * every day from 1970 to 2400 one day (86,400 s) after the one before.
 */
#include "lib/calendar.h"
#include "unit.h"

static uint64_t unix_of(unsigned int y, unsigned int mo, unsigned int d, unsigned int h,
                        unsigned int mi, unsigned int s)
{
    struct calendar_time t = { y, mo, d, h, mi, s };
    CHECK(calendar_valid(&t));
    return calendar_to_unix(&t);
}

static void test_known_moments(void)
{
    /* Values from `date -u -d ... +%s`. */
    CHECK_EQ(unix_of(1970, 1, 1, 0, 0, 0), 0);
    CHECK_EQ(unix_of(1972, 2, 29, 23, 59, 59), 68255999);
    CHECK_EQ(unix_of(2000, 1, 1, 0, 0, 0), 946684800);
    CHECK_EQ(unix_of(2000, 2, 29, 12, 0, 0), 951825600);
    CHECK_EQ(unix_of(2024, 2, 29, 12, 34, 56), 1709210096);
    CHECK_EQ(unix_of(2038, 1, 19, 3, 14, 8), 2147483648LL);
    CHECK_EQ(unix_of(2100, 3, 1, 0, 0, 0), 4107542400LL);
}

static void test_invalid_dates(void)
{
    const struct calendar_time bad[] = {
        { 1969, 12, 31, 23, 59, 59 }, { 2023, 2, 29, 0, 0, 0 }, { 2100, 2, 29, 0, 0, 0 },
        { 2024, 0, 1, 0, 0, 0 },      { 2024, 13, 1, 0, 0, 0 }, { 2024, 4, 31, 0, 0, 0 },
        { 2024, 1, 0, 0, 0, 0 },      { 2024, 1, 1, 24, 0, 0 }, { 2024, 1, 1, 0, 60, 0 },
        { 2024, 1, 1, 0, 0, 60 },
    };
    for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
        CHECK(!calendar_valid(&bad[i]));
    const struct calendar_time leap = { 2000, 2, 29, 0, 0, 0 };
    CHECK(calendar_valid(&leap));
}

static void test_consecutive_days(void)
{
    struct calendar_time t = { 1970, 1, 1, 0, 0, 0 };
    uint64_t last = 0;
    unsigned int days = 0;

    /* Walk the calendar by hand: each valid day is the next one. */
    while (t.year < 2400) {
        if (!calendar_valid(&t)) {
            t.day = 1;
            if (++t.month > 12) {
                t.month = 1;
                t.year++;
            }
            continue;
        }
        uint64_t now = calendar_to_unix(&t);
        if (days)
            CHECK_EQ(now - last, 86400);
        last = now;
        days++;
        t.day++;
    }
    CHECK_EQ(days, 157054); /* days from 1970-01-01 to 2399-12-31 */
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_known_moments),
    UNIT_TEST(test_invalid_dates),
    UNIT_TEST(test_consecutive_days),
};

int main(void)
{
    return unit_run("calendar", tests, ARRAY_SIZE(tests));
}
