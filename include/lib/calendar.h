/*
 * Dates to seconds since the Unix epoch (1970-01-01 00:00:00 UTC), for the
 * time of day read from the real-time clock at boot. Pure: lib/calendar.c,
 * host-tested (tests/unit/test_calendar.c).
 */
#ifndef MICA_LIB_CALENDAR_H
#define MICA_LIB_CALENDAR_H

#include "types.h"

struct calendar_time {
    unsigned int year;  /* 1970 .. */
    unsigned int month; /* 1 .. 12 */
    unsigned int day;   /* 1 .. days in that month */
    unsigned int hour, minute, second;
};

/* Is t a real moment at or after the epoch (month and day in range,
 * February 29 only in leap years, hour < 24, minute and second < 60)? */
bool calendar_valid(const struct calendar_time *t);

/* Seconds since the epoch of a valid t (leap seconds are not counted, as
 * in Unix time). */
uint64_t calendar_to_unix(const struct calendar_time *t);

#endif
