/*
 * Unit tests for lib/string.c, the C library functions Mica provides itself,
 * against a byte-by-byte model: every length around the eight-byte steps
 * of memset and memcpy (REP STOSQ / MOVSQ, then the tail) at every
 * alignment, overlapping memmove both ways, and the comparisons' signs.
 * Built with -fno-builtin, so each call below reaches lib/string.c.
 */
#include "lib/string.h"
#include "unit.h"

#define AREA 96 /* room for every offset and length below, and guard bytes */

static unsigned char buf[AREA], model[AREA];

static void fill(unsigned char *p, unsigned int seed)
{
    for (unsigned int i = 0; i < AREA; i++)
        p[i] = (unsigned char)(seed * 31 + i * 7 + 1);
}

static bool same(void)
{
    for (unsigned int i = 0; i < AREA; i++) {
        if (buf[i] != model[i])
            return false;
    }
    return true;
}

static void test_memset_every_length_and_alignment(void)
{
    for (unsigned int off = 0; off < 8; off++) {
        for (unsigned int n = 0; n <= 40; n++) {
            fill(buf, n);
            fill(model, n);
            for (unsigned int i = 0; i < n; i++)
                model[off + i] = 0xA5;
            CHECK(memset(buf + off, 0xA5, n) == buf + off);
            CHECK(same());
        }
    }
}

static void test_memcpy_every_length_and_alignment(void)
{
    unsigned char src[AREA];

    fill(src, 99);
    for (unsigned int off = 0; off < 8; off++) {
        for (unsigned int soff = 0; soff < 8; soff++) {
            for (unsigned int n = 0; n <= 40; n++) {
                fill(buf, n);
                fill(model, n);
                for (unsigned int i = 0; i < n; i++)
                    model[off + i] = src[soff + i];
                CHECK(memcpy(buf + off, src + soff, n) == buf + off);
                CHECK(same());
            }
        }
    }
}

static void test_memmove_overlaps_both_ways(void)
{
    for (int shift = -9; shift <= 9; shift++) {
        for (unsigned int n = 0; n <= 40; n++) {
            unsigned int from = 20, to = (unsigned int)(20 + shift);
            unsigned char tmp[AREA];

            fill(buf, n);
            fill(model, n);
            for (unsigned int i = 0; i < n; i++)
                tmp[i] = model[from + i];
            for (unsigned int i = 0; i < n; i++)
                model[to + i] = tmp[i];
            CHECK(memmove(buf + to, buf + from, n) == buf + to);
            CHECK(same());
        }
    }
}

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

static void test_comparisons(void)
{
    CHECK_EQ(sign(memcmp("abc", "abd", 3)), -1);
    CHECK_EQ(sign(memcmp("abd", "abc", 3)), 1);
    CHECK_EQ(memcmp("abc", "abd", 2), 0);
    CHECK_EQ(sign(memcmp("\x80", "\x01", 1)), 1); /* bytes compare unsigned */
    CHECK_EQ(strcmp("mica", "mica"), 0);
    CHECK_EQ(sign(strcmp("mic", "mica")), -1);
    CHECK_EQ(sign(strcmp("micb", "mica")), 1);
    CHECK_EQ(sign(strcmp("\xff", "a")), 1);
    CHECK_EQ(strncmp("mica-x", "mica-y", 5), 0);
    CHECK_EQ(sign(strncmp("mica-x", "mica-y", 6)), -1);
    CHECK_EQ(strncmp("ab", "ab", 10), 0); /* stops at the end of both */
    CHECK_EQ(strncmp("a", "b", 0), 0);
}

static void test_lengths_and_searches(void)
{
    const char *s = "p2m-audit=1";

    CHECK_EQ(strlen(""), 0);
    CHECK_EQ(strlen(s), 11);
    CHECK_EQ(strnlen(s, 3), 3);
    CHECK_EQ(strnlen(s, 50), 11);
    CHECK(strchr(s, '=') == s + 9);
    CHECK(strchr(s, '\0') == s + 11); /* the terminator is part of the string */
    CHECK(strchr(s, 'z') == NULL);
    CHECK(strstr(s, "audit") == s + 4);
    CHECK(strstr(s, "") == s);
    CHECK(strstr(s, "audits") == NULL);
    CHECK(strstr("", "a") == NULL);
    const char *aab = "aab";
    CHECK(strstr(aab, "ab") == aab + 1); /* a false start at aab[0] */
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_memset_every_length_and_alignment),
    UNIT_TEST(test_memcpy_every_length_and_alignment),
    UNIT_TEST(test_memmove_overlaps_both_ways),
    UNIT_TEST(test_comparisons),
    UNIT_TEST(test_lengths_and_searches),
};

int main(void)
{
    return unit_run("string", tests, ARRAY_SIZE(tests));
}
