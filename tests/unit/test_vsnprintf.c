/*
 * Unit tests for lib/vsnprintf.c.
 *
 * Mica's snprintf is built here as mica_snprintf (see include/lib/vsnprintf.h)
 * and checked against the host C library's snprintf, which is the
 * reference for everything the C standard defines: a table of formats and
 * values, truncation at every buffer size, and a seeded random fuzz of
 * format strings. Mica's own choices (%p, "(null)", unknown conversions)
 * are checked against fixed expected strings.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "unit.h"
#include "lib/vsnprintf.h"

/* The header renamed snprintf to mica_snprintf; here we want both. */
#undef snprintf
#undef vsnprintf

/* Both functions have this type, so a test can call either through it. */
typedef int snprintf_fn(char *buf, size_t size, const char *fmt, ...);

#define BUF_SIZE 512
#define SENTINEL '\x7e'

static char mica_buf[BUF_SIZE];
static char libc_buf[BUF_SIZE];

/* Record a failure with a useful message (the harness keeps the first). */
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    if (unit_failed_checks++ == 0) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(unit_first_failure, sizeof(unit_first_failure), fmt, ap);
        va_end(ap);
    }
}

/*
 * Formats that the compiler would warn about (-Wformat), although they are
 * well defined or are exactly the misuse under test, go through here.
 */
static const char *unchecked(const char *fmt)
{
    /* volatile: otherwise the optimiser sees the literal again and warns. */
    const char *volatile hidden = fmt;

    return hidden;
}

/* Compare the results of one call of each implementation. */
static void check_same(int line, const char *what, int mica_ret, int libc_ret)
{
    if (mica_ret != libc_ret || strcmp(mica_buf, libc_buf) != 0)
        fail("line %d: %s: mica %d \"%s\", libc %d \"%s\"", line, what, mica_ret, mica_buf,
             libc_ret, libc_buf);
}

/*
 * SAME(fmt, args...): format with both into big buffers and compare. With a
 * literal format the compiler checks the arguments against it (-Wformat).
 */
#define SAME(...)                                                                              \
    check_same(__LINE__, #__VA_ARGS__, mica_snprintf(mica_buf, sizeof(mica_buf), __VA_ARGS__), \
               snprintf(libc_buf, sizeof(libc_buf), __VA_ARGS__))

/* The same for a format taken from a table: report the format itself. */
#define SAME_TABLE(fmt, value)                                                             \
    check_same(__LINE__, (fmt), mica_snprintf(mica_buf, sizeof(mica_buf), (fmt), (value)), \
               snprintf(libc_buf, sizeof(libc_buf), (fmt), (value)))

/* EXPECT(expected, fmt, args...): Mica's output must be exactly expected. */
#define EXPECT(expected, ...)                                                                 \
    do {                                                                                      \
        int ret_ = mica_snprintf(mica_buf, sizeof(mica_buf), __VA_ARGS__);                    \
        if (strcmp(mica_buf, (expected)) != 0 || ret_ != (int)strlen(expected))               \
            fail("line %d: %s: got %d \"%s\", expected \"%s\"", __LINE__, #__VA_ARGS__, ret_, \
                 mica_buf, (expected));                                                       \
    } while (0)

/* --- the table: every format of a kind applied to every value of it -------- */

/*
 * Formats are kept in arrays (not literals at the call) on purpose: some
 * combinations, like "%-05d", are well defined but draw a -Wformat warning
 * ("'0' flag ignored"), and we want to test them anyway.
 */
static const char *const int_formats[] = {
    "%d",      "%i",   "%1d",   "%5d",     "%-5d",     "%05d",   "%+d",   "% d",
    "%+5d",    "% 5d", "%-+6d", "%- 6d",   "%+05d",    "% 05d",  "%-05d", "%.0d",
    "%.1d",    "%.3d", "%.12d", "%8.3d",   "%-8.3d",   "%08.3d", "%+.3d", "% .3d",
    "%+08.3d", "%.d",  "%3.0d", "%-3.0d",  "%+.0d",    "% .0d",  "%012d", "%+-12i",
    "%0-12i",  "[%d]", "x%dy",  "%20.15d", "%-20.15d", "% +d",
};

static const char *const uint_formats[] = {
    "%u",    "%x",     "%X",    "%o",    "%5u",   "%-5x",  "%05X",    "%.0u",     "%.0x",
    "%.0o",  "%.3x",   "%8.3o", "%#x",   "%#X",   "%#o",   "%#5x",    "%#-8x",    "%#08x",
    "%#08X", "%#08o",  "%#.0x", "%#.0o", "%#.3o", "%#.8x", "%#12.8x", "%#-12.8X", "%#1o",
    "%-#o",  "%0#10x", "%#.1o", "%.x",   "%#.x",  "%#.o",
};

static const char *const string_formats[] = {
    "%s",    "%1s",    "%10s",    "%-10s", "%.0s", "%.1s", "%.3s",
    "%.50s", "%10.3s", "%-10.3s", "%.s",   "<%s>", "%20s", "%-20s|",
};

static const char *const char_formats[] = {
    "%c", "%1c", "%5c", "%-5c", "[%c]", "%-1c",
};

static const int int_values[] = {
    0,       1,           -1,          7,        -7,       42,      -42,
    99,      100,         -100,        12345,    -12345,   1000000, INT_MAX,
    INT_MIN, INT_MAX - 1, INT_MIN + 1, SHRT_MAX, SHRT_MIN, 255,     256,
};

static const unsigned int uint_values[] = {
    0,    1,     7,      8,      9,          15,         16,         255,      256,
    0777, 01000, 0xdead, 0xbeef, 0x7fffffff, 0x80000000, 0xfffffffe, UINT_MAX,
};

static const char *const string_values[] = {
    "", "a", "hi", "hello", "hello, world", "tab\there", "%d is not a format",
};

static void test_int_table(void)
{
    for (size_t f = 0; f < ARRAY_SIZE(int_formats); f++)
        for (size_t v = 0; v < ARRAY_SIZE(int_values); v++)
            SAME_TABLE(int_formats[f], int_values[v]);
}

static void test_uint_table(void)
{
    for (size_t f = 0; f < ARRAY_SIZE(uint_formats); f++)
        for (size_t v = 0; v < ARRAY_SIZE(uint_values); v++)
            SAME_TABLE(uint_formats[f], uint_values[v]);
}

static void test_string_table(void)
{
    for (size_t f = 0; f < ARRAY_SIZE(string_formats); f++)
        for (size_t v = 0; v < ARRAY_SIZE(string_values); v++)
            SAME_TABLE(string_formats[f], string_values[v]);
}

static void test_char_table(void)
{
    static const int chars[] = { 'a', 'Z', ' ', '%', '\t', 0x7f, 0xe9 };

    for (size_t f = 0; f < ARRAY_SIZE(char_formats); f++)
        for (size_t v = 0; v < ARRAY_SIZE(chars); v++)
            SAME_TABLE(char_formats[f], chars[v]);
    /* %c of NUL writes a NUL: the return value still counts it. */
    CHECK_EQ(mica_snprintf(mica_buf, sizeof(mica_buf), "a%cb", 0), 3);
    CHECK(memcmp(mica_buf, "a\0b", 4) == 0);
}

/* --- length modifiers, at the limits of each type ------------------------- */

static void test_length_modifiers(void)
{
    /* hh and h: the argument arrives as an int (the default promotion) and
     * is converted to char / short first, so out-of-range ints are a test. */
    /* cppcheck-suppress invalidPrintfArgType_sint */
    SAME("%hhd %hhd %hhd %hhd", 0, 127, -128, 300);
    /* cppcheck-suppress invalidPrintfArgType_uint */
    SAME("%hhu %hhx %hho %hhX", 255, 256, -1, 0x1ab);
    /* cppcheck-suppress invalidPrintfArgType_sint */
    SAME("%hd %hd %hd %hd", SHRT_MAX, SHRT_MIN, 70000, -1);
    /* cppcheck-suppress invalidPrintfArgType_uint */
    SAME("%hu %hx %ho %#hx", USHRT_MAX, 0x12345, -1, 0xffff);

    SAME("%ld %ld %ld", 0L, LONG_MAX, LONG_MIN);
    SAME("%lu %lx %lo %lX", ULONG_MAX, ULONG_MAX, ULONG_MAX, 0xdeadbeefcafeUL);
    SAME("%lld %lld %lld %lli", 0LL, LLONG_MAX, LLONG_MIN, -1LL);
    SAME("%llu %llx %llo %#llX", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX, 1ULL << 63);
    SAME("%+lld % lld %030lld %-30lld|", LLONG_MIN, LLONG_MAX, LLONG_MIN, LLONG_MIN);
    SAME("%.25llu %#.25llo %#30llx", ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);

    /* ptrdiff_t is the signed type of size_t's width (C has no ssize_t). */
    /* cppcheck-suppress invalidPrintfArgType_sint */
    SAME("%zu %zx %zd %zd", SIZE_MAX, (size_t)0x1000, (ptrdiff_t)-5, PTRDIFF_MAX);
    /* cppcheck-suppress invalidPrintfArgType_uint */
    SAME("%td %td %tu %tx", PTRDIFF_MIN, (ptrdiff_t)12, (size_t)SIZE_MAX, (size_t)255);
    SAME("%jd %jd %ju %jx %jo", INTMAX_MIN, INTMAX_MAX, UINTMAX_MAX, UINTMAX_MAX, (uintmax_t)8);
    /* cppcheck-suppress invalidPrintfArgType_sint */
    SAME("%d %ld %lld %hd %hhd %zd %jd", INT_MIN, LONG_MIN, LLONG_MIN, (short)SHRT_MIN,
         (signed char)SCHAR_MIN, (ptrdiff_t)PTRDIFF_MIN, INTMAX_MIN);

    /* Signedness of the same bits: each length reads exactly its width. */
    SAME("%x %lx %x", 0xffffffffU, 0x1ffffffffUL, 7U);
}

/* --- '*' width and precision --------------------------------------------- */

static void test_star(void)
{
    static const int stars[] = { 0, 1, 3, 10, -1, -3, -10 };

    for (size_t w = 0; w < ARRAY_SIZE(stars); w++) {
        for (size_t p = 0; p < ARRAY_SIZE(stars); p++) {
            SAME("%*d|%-*d|%.*d", stars[w], -42, stars[w], 42, stars[p], 42);
            SAME("%*.*d|%0*d|%*.*x", stars[w], stars[p], 42, stars[w], -7, stars[w], stars[p],
                 0xabcU);
            SAME("%*.*s|%.*s|%*c", stars[w], stars[p], "hello", stars[p], "abcdef", stars[w], 'q');
            SAME("%#*.*o|%+*.*ld", stars[w], stars[p], 8U, stars[w], stars[p], -1L);
        }
    }
    SAME("%.*d|%.*d", 0, 0, -1, 0); /* precision 0 vs none for zero */
    /* A width of INT_MIN means '-' and a width too large to negate: it is
     * taken as INT_MAX, and one more character makes the length overflow
     * an int, which C reports as -1. */
    CHECK_EQ(mica_snprintf(mica_buf, 8, unchecked("%*d"), INT_MIN, 1), INT_MAX);
    CHECK_EQ(mica_snprintf(mica_buf, 8, unchecked("x%*d"), INT_MIN, 1), -1);
    CHECK(strcmp(mica_buf, "x1     ") == 0);
}

/* --- mixed formats, literal text, %% --------------------------------------- */

static void test_mixed(void)
{
    SAME("plain text");
    SAME(unchecked(""));
    SAME("100%% sure, %d%%", 50);
    SAME("%%%d%%%s%%", 1, "two");
    SAME("%s=%d (0x%08x) at %s:%u", "eax", -2, 0xfffffffeU, "vmx.c", 123U);
    SAME("%c%c%c%c", 'M', 'i', 'c', 'a');
    SAME("[%-8s|%8s|%08d|%-8u]", "left", "right", -123, 456U);
    /* Flags and width on %% are ignored, as glibc does. (Not compared with
     * libc here: ASan's printf interceptor complains about the format.) */
    EXPECT("%|%|", unchecked("%5%|%-5%|"));
}

/* --- truncation: every buffer size from 0 to the full length + 2 ----------- */

/* Format at every size; compare return, the bytes written, and that no byte
 * past the size was touched. */
#define TRUNCATE(...)                                                                          \
    do {                                                                                       \
        int full_ = snprintf(NULL, 0, __VA_ARGS__);                                            \
        for (size_t n = 0; n <= (size_t)full_ + 2; n++) {                                      \
            memset(mica_buf, SENTINEL, sizeof(mica_buf));                                      \
            memset(libc_buf, SENTINEL, sizeof(libc_buf));                                      \
            int m_ = mica_snprintf(mica_buf, n, __VA_ARGS__);                                  \
            int l_ = snprintf(libc_buf, n, __VA_ARGS__);                                       \
            if (m_ != l_ || memcmp(mica_buf, libc_buf, sizeof(mica_buf)) != 0)                 \
                fail("line %d: size %zu: %s: mica %d, libc %d", __LINE__, n, #__VA_ARGS__, m_, \
                     l_);                                                                      \
        }                                                                                      \
    } while (0)

static void test_truncation(void)
{
    TRUNCATE("hello");
    TRUNCATE("%d", INT_MIN);
    TRUNCATE("%#018llx|%-6s|%c", 0x1234ULL, "ab", 'z');
    TRUNCATE("%*d %.*s", -7, 99, 3, "truncate me");
    TRUNCATE("%+.20lld", LLONG_MIN);
    TRUNCATE("%%%s%%", "pct");
    TRUNCATE("%s", "");
}

static void test_size_zero(void)
{
    /* With size 0 nothing is written, so buf may be NULL. */
    CHECK_EQ(mica_snprintf(NULL, 0, "%s-%d", "abc", 12345), 9);
    CHECK_EQ(mica_snprintf(NULL, 0, unchecked("")), 0);

    /* Size 1 holds only the NUL. */
    mica_buf[0] = 'x';
    CHECK_EQ(mica_snprintf(mica_buf, 1, "%d", 123), 3);
    CHECK_EQ(mica_buf[0], '\0');
}

/* vsnprintf itself, and a va_list that is used again after the call. */
static int call_vsnprintf_twice(char *a, char *b, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int call_vsnprintf_twice(char *a, char *b, size_t size, const char *fmt, ...)
{
    va_list ap, ap2;
    int r1, r2;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    r1 = mica_vsnprintf(a, size, fmt, ap);
    r2 = vsnprintf(b, size, fmt, ap2);
    va_end(ap2);
    va_end(ap);
    return r1 == r2 ? r1 : -1000;
}

static void test_vsnprintf(void)
{
    int r = call_vsnprintf_twice(mica_buf, libc_buf, 10, "%s %d %x", "va_list", -1, 255U);

    CHECK_EQ(r, 13);
    CHECK(strcmp(mica_buf, libc_buf) == 0);
}

/* --- Mica's own choices ---------------------------------------------------- */

static void test_pointer(void)
{
    static const uintptr_t values[] = {
        0, 1, 0x1000, 0xb8000, 0xffffffff80100000UL, UINTPTR_MAX,
    };

    for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
        void *ptr = (void *)values[i];
        int m = mica_snprintf(mica_buf, sizeof(mica_buf), "%p", ptr);
        int l = snprintf(libc_buf, sizeof(libc_buf), "0x%016lx", (unsigned long)values[i]);
        check_same(__LINE__, "%p", m, l);

        /* Width and '-' apply to the whole "0x..." field. */
        m = mica_snprintf(mica_buf, sizeof(mica_buf), "[%24p|%-24p]", ptr, ptr);
        l = snprintf(libc_buf, sizeof(libc_buf), "[      0x%016lx|0x%016lx      ]",
                     (unsigned long)values[i], (unsigned long)values[i]);
        check_same(__LINE__, "%24p", m, l);
    }
    EXPECT("0x0000000000000000", "%p", (void *)NULL);
    EXPECT("0xffffffff80100000", "%p", (void *)0xffffffff80100000UL);
}

static void test_null_string(void)
{
    /* volatile, or the compiler sees the NULL and warns (-Wformat-overflow). */
    const char *volatile null_string = NULL;

    EXPECT("(null)", "%s", null_string);
    EXPECT("  (null)|", "%8s|", null_string);
    EXPECT("(nu", "%.3s", null_string);
}

/* A precision lets %s print an array that has no NUL: nothing past it is read. */
static void test_string_precision_unterminated(void)
{
    char four[4] = { 'a', 'b', 'c', 'd' };

    EXPECT("abcd", "%.4s", four);
    EXPECT("ab", "%.2s", four);
    EXPECT(" abc", "%4.3s", four);
}

static void test_unknown_conversions(void)
{
    int n = 1234;

    /* An unknown conversion is copied literally and consumes no argument. */
    EXPECT("%y", unchecked("%y"));
    EXPECT("a%yb7", unchecked("a%yb%d"), 7);
    EXPECT("%-08.3ly|7", unchecked("%-08.3ly|%d"), 7);
    EXPECT("%f 7", unchecked("%f %d"), 7);
    EXPECT("%Lf 7", unchecked("%Lf %d"), 7);
    EXPECT("%q 7", unchecked("%q %d"), 7);
    /* '*' arguments are not consumed either when the conversion is unknown. */
    EXPECT("%*y 7", unchecked("%*y %d"), 7);
    EXPECT("%.*y 7", unchecked("%.*y %d"), 7);

    /* %n is unknown to Mica: it must never write through the pointer. */
    EXPECT("ab%ncd", unchecked("ab%ncd"), &n);
    CHECK_EQ(n, 1234);

    /* A format that ends inside a specification is copied as it is. */
    EXPECT("abc%", unchecked("abc%"));
    EXPECT("x%-5", unchecked("x%-5"));
    EXPECT("x%.", unchecked("x%."));
    EXPECT("x%l", unchecked("x%l"));
    EXPECT("7 %ll", unchecked("%d %ll"), 7);
}

/* --- random fuzz against libc ---------------------------------------------- */

/* xorshift64*: small, seeded, the same sequence on every run. */
static uint64_t rng_state = 0x6d6963612d763031ULL; /* "mica-v01" */

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static unsigned int rng_below(unsigned int n)
{
    return (unsigned int)(rng() % n);
}

/* A random integer: mostly interesting (small, near a power of two, a
 * limit) rather than uniformly spread over 64 bits. */
static uint64_t rng_value(void)
{
    switch (rng_below(5)) {
    case 0:
        return rng_below(20);
    case 1:
        return (uint64_t)0 - rng_below(20); /* small negative */
    case 2:
        return ((uint64_t)1 << rng_below(64)) + rng_below(3) - 1;
    case 3:
        return rng() >> rng_below(64);
    default:
        return rng();
    }
}

/* The C type of a fuzz case's value argument. */
enum arg_kind {
    ARG_INT,
    ARG_UINT,
    ARG_LONG,
    ARG_ULONG,
    ARG_LLONG,
    ARG_ULLONG,
    ARG_SSIZE,
    ARG_SIZE,
    ARG_INTMAX,
    ARG_UINTMAX,
    ARG_STRING,
};

struct fuzz_case {
    char fmt[96];
    int nstars;
    int stars[2];
    enum arg_kind kind;
    uint64_t value;
    const char *string;
};

static void append(char *s, const char *more)
{
    strcat(s, more);
}

/* Some literal text without '%'. */
static void append_literal(char *s)
{
    static const char chars[] = "ab Z:=-[]09\t";
    size_t len = strlen(s);

    for (unsigned int n = rng_below(4); n > 0; n--)
        s[len++] = chars[rng_below(sizeof(chars) - 1)];
    s[len] = '\0';
}

/* Build a random format with one conversion, restricted to the combinations
 * whose meaning the C standard defines. */
static void make_case(struct fuzz_case *c)
{
    static const char conversions[] = "diuxXocs";
    static const char *const lengths[] = { "", "hh", "h", "l", "ll", "z", "t", "j" };
    char conv = conversions[rng_below(sizeof(conversions) - 1)];
    bool is_int = conv != 'c' && conv != 's';
    bool is_signed = conv == 'd' || conv == 'i';
    const char *flags = is_signed ? "-0 +" : conv == 'u' ? "-0" : is_int ? "-0#" : "-";
    char piece[24];
    unsigned int length = is_int ? rng_below(ARRAY_SIZE(lengths)) : 0;

    memset(c, 0, sizeof(*c));
    append_literal(c->fmt);
    if (rng_below(8) == 0)
        append(c->fmt, "%%");
    append(c->fmt, "%");

    for (size_t i = 0; flags[i] != '\0'; i++)
        if (rng_below(4) == 0) {
            piece[0] = flags[i];
            piece[1] = '\0';
            append(c->fmt, piece);
        }

    switch (rng_below(3)) { /* width: none, a number, or '*' */
    case 1:
        snprintf(piece, sizeof(piece), "%u", rng_below(25));
        append(c->fmt, piece[0] == '0' ? "" : piece); /* a leading 0 is a flag */
        break;
    case 2:
        append(c->fmt, "*");
        c->stars[c->nstars++] = (int)rng_below(51) - 25;
        break;
    }

    if (conv != 'c') {
        switch (rng_below(4)) { /* precision: none, ".", ".N" or ".*" */
        case 1:
            append(c->fmt, ".");
            break;
        case 2:
            snprintf(piece, sizeof(piece), ".%u", rng_below(25));
            append(c->fmt, piece);
            break;
        case 3:
            append(c->fmt, ".*");
            c->stars[c->nstars++] = (int)rng_below(51) - 25;
            break;
        }
    }

    append(c->fmt, lengths[length]);
    piece[0] = conv;
    piece[1] = '\0';
    append(c->fmt, piece);
    append_literal(c->fmt);

    c->value = rng_value();
    if (conv == 's') {
        c->kind = ARG_STRING;
        c->string = string_values[rng_below(ARRAY_SIZE(string_values))];
    } else if (conv == 'c') {
        c->kind = ARG_INT;
        c->value = 1 + rng_below(255); /* %c of NUL would end strcmp early */
    } else {
        /* hh and h take an int; z and t are both 64 bits on x86-64. */
        static const enum arg_kind signed_kind[] = {
            ARG_INT, ARG_INT, ARG_INT, ARG_LONG, ARG_LLONG, ARG_SSIZE, ARG_SSIZE, ARG_INTMAX,
        };
        static const enum arg_kind unsigned_kind[] = {
            ARG_UINT, ARG_UINT, ARG_UINT, ARG_ULONG, ARG_ULLONG, ARG_SIZE, ARG_SIZE, ARG_UINTMAX,
        };
        c->kind = is_signed ? signed_kind[length] : unsigned_kind[length];
    }
}

/* Call fn with the case's '*' arguments followed by its value. */
#define CALL_WITH(value)                                          \
    (c->nstars == 0   ? fn(buf, size, c->fmt, value)              \
     : c->nstars == 1 ? fn(buf, size, c->fmt, c->stars[0], value) \
                      : fn(buf, size, c->fmt, c->stars[0], c->stars[1], value))

static int run_case(snprintf_fn *fn, char *buf, size_t size, const struct fuzz_case *c)
{
    switch (c->kind) {
    case ARG_INT:
        return CALL_WITH((int)c->value);
    case ARG_UINT:
        return CALL_WITH((unsigned int)c->value);
    case ARG_LONG:
        return CALL_WITH((long)c->value);
    case ARG_ULONG:
        return CALL_WITH((unsigned long)c->value);
    case ARG_LLONG:
        return CALL_WITH((long long)c->value);
    case ARG_ULLONG:
        return CALL_WITH((unsigned long long)c->value);
    case ARG_SSIZE:
        return CALL_WITH((ptrdiff_t)c->value);
    case ARG_SIZE:
        return CALL_WITH((size_t)c->value);
    case ARG_INTMAX:
        return CALL_WITH((intmax_t)c->value);
    case ARG_UINTMAX:
        return CALL_WITH((uintmax_t)c->value);
    case ARG_STRING:
        return CALL_WITH(c->string);
    }
    return -1;
}

#define FUZZ_ROUNDS 200000

static void test_fuzz_vs_libc(void)
{
    struct fuzz_case c;

    for (int round = 0; round < FUZZ_ROUNDS; round++) {
        make_case(&c);
        /* A random buffer size too, so truncation is fuzzed as well. */
        size_t size = rng_below(4) == 0 ? rng_below(40) : sizeof(mica_buf);

        memset(mica_buf, SENTINEL, sizeof(mica_buf));
        memset(libc_buf, SENTINEL, sizeof(libc_buf));
        int m = run_case(mica_snprintf, mica_buf, size, &c);
        int l = run_case(snprintf, libc_buf, size, &c);
        if (m != l || memcmp(mica_buf, libc_buf, sizeof(mica_buf)) != 0) {
            fail("round %d: format \"%s\" stars %d,%d value %#llx size %zu: "
                 "mica %d, libc %d",
                 round, c.fmt, c.stars[0], c.stars[1], (unsigned long long)c.value, size, m, l);
            return;
        }
    }
}

/*
 * Random junk formats, made only of characters that cannot form a known
 * conversion (so no argument is ever fetched): Mica must copy them without
 * crashing, NUL-terminate, and count exactly what it wrote.
 */
static void test_fuzz_junk(void)
{
    static const char chars[] = "%%%%-+ #0123456789.hlLzjtqfgeEnNyw!\\Y";
    char fmt[64];

    for (int round = 0; round < FUZZ_ROUNDS; round++) {
        size_t len = rng_below(sizeof(fmt));

        for (size_t i = 0; i < len; i++)
            fmt[i] = chars[rng_below(sizeof(chars) - 1)];
        fmt[len] = '\0';

        memset(mica_buf, SENTINEL, sizeof(mica_buf));
        int m = mica_snprintf(mica_buf, sizeof(mica_buf), unchecked(fmt));
        if (m < 0 || (size_t)m > len || strlen(mica_buf) != (size_t)m) {
            fail("junk round %d: \"%s\" gave %d \"%s\"", round, fmt, m, mica_buf);
            return;
        }
    }
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_int_table),
    UNIT_TEST(test_uint_table),
    UNIT_TEST(test_string_table),
    UNIT_TEST(test_char_table),
    UNIT_TEST(test_length_modifiers),
    UNIT_TEST(test_star),
    UNIT_TEST(test_mixed),
    UNIT_TEST(test_truncation),
    UNIT_TEST(test_size_zero),
    UNIT_TEST(test_vsnprintf),
    UNIT_TEST(test_pointer),
    UNIT_TEST(test_null_string),
    UNIT_TEST(test_string_precision_unterminated),
    UNIT_TEST(test_unknown_conversions),
    UNIT_TEST(test_fuzz_vs_libc),
    UNIT_TEST(test_fuzz_junk),
};

int main(void)
{
    return unit_run("vsnprintf", tests, ARRAY_SIZE(tests));
}
