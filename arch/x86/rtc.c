/*
 * The CMOS real-time clock (Motorola MC146818-compatible, as every PC and
 * QEMU's q35 and pc machines have), read once at boot for the time of day:
 * an index at port 0x70, the register at port 0x71.
 */
#include "arch.h"
#include "lib/calendar.h"
#include "x86/asm.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

#define RTC_SECONDS 0x00
#define RTC_MINUTES 0x02
#define RTC_HOURS 0x04
#define RTC_DAY 0x07
#define RTC_MONTH 0x08
#define RTC_YEAR 0x09
#define RTC_STATUS_A 0x0A
#define RTC_STATUS_B 0x0B
#define RTC_CENTURY 0x32 /* not in the MC146818 itself; PC firmware and QEMU keep it here */

#define STATUS_A_UPDATE_IN_PROGRESS 0x80
#define STATUS_B_24_HOUR 0x02
#define STATUS_B_BINARY 0x04
#define HOURS_PM 0x80 /* in 12-hour mode */

static uint8_t cmos_read(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

struct rtc_raw {
    uint8_t second, minute, hour, day, month, year, century;
};

/* One reading, outside an update cycle: while Status A's UIP bit is clear,
 * the registers are stable for at least 244 us, more than these reads
 * take. */
static struct rtc_raw rtc_read_raw(void)
{
    while (cmos_read(RTC_STATUS_A) & STATUS_A_UPDATE_IN_PROGRESS)
        cpu_relax();
    return (struct rtc_raw){ cmos_read(RTC_SECONDS), cmos_read(RTC_MINUTES), cmos_read(RTC_HOURS),
                             cmos_read(RTC_DAY),     cmos_read(RTC_MONTH),   cmos_read(RTC_YEAR),
                             cmos_read(RTC_CENTURY) };
}

static unsigned int from_bcd(uint8_t v, bool binary)
{
    return binary ? v : (v >> 4) * 10u + (v & 0x0F);
}

uint64_t arch_rtc_seconds(void)
{
    struct rtc_raw raw, again;
    uint8_t status_b = cmos_read(RTC_STATUS_B);
    bool binary = status_b & STATUS_B_BINARY;
    unsigned int hour, century;

    /* Two equal readings in a row: no update tore the first one. */
    again = rtc_read_raw();
    do {
        raw = again;
        again = rtc_read_raw();
    } while (raw.second != again.second || raw.minute != again.minute || raw.hour != again.hour ||
             raw.day != again.day || raw.month != again.month || raw.year != again.year);

    hour = from_bcd(raw.hour & (uint8_t)~HOURS_PM, binary);
    if (!(status_b & STATUS_B_24_HOUR)) /* 12 AM is hour 0, 12 PM hour 12 */
        hour = hour % 12 + (raw.hour & HOURS_PM ? 12 : 0);
    century = from_bcd(raw.century, binary);
    if (century < 19 || century > 29)
        century = 20; /* no century register: assume 20xx */

    struct calendar_time t = {
        .year = century * 100 + from_bcd(raw.year, binary),
        .month = from_bcd(raw.month, binary),
        .day = from_bcd(raw.day, binary),
        .hour = hour,
        .minute = from_bcd(raw.minute, binary),
        .second = from_bcd(raw.second, binary),
    };
    return calendar_valid(&t) ? calendar_to_unix(&t) : 0;
}
