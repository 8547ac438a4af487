/* Gregorian dates to Unix time (see calendar.h). */
#include "lib/calendar.h"

static bool is_leap(unsigned int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static unsigned int days_in_month(unsigned int year, unsigned int month)
{
    static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return days[month - 1] + (month == 2 && is_leap(year));
}

bool calendar_valid(const struct calendar_time *t)
{
    return t->year >= 1970 && t->month >= 1 && t->month <= 12 && t->day >= 1 &&
           t->day <= days_in_month(t->year, t->month) && t->hour < 24 && t->minute < 60 &&
           t->second < 60;
}

uint64_t calendar_to_unix(const struct calendar_time *t)
{
    uint64_t days = t->day - 1;

    /* Whole years, then whole months of t's year: a few hundred steps at
     * most, run once at boot. */
    for (unsigned int y = 1970; y < t->year; y++)
        days += is_leap(y) ? 366 : 365;
    for (unsigned int m = 1; m < t->month; m++)
        days += days_in_month(t->year, m);
    return ((days * 24 + t->hour) * 60 + t->minute) * 60 + t->second;
}
