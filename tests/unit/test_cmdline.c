/*
 * Unit tests for lib/cmdline.c.
 *
 * A fixed table of options of every type is parsed against many command
 * lines. Warnings are captured through the callback into a buffer, one line
 * each, so that tests check both how many problems were counted and exactly
 * what was said about them. The last test registers options with the
 * *_PARAM macros and parses the real mica_params section.
 */
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#include "lib/cmdline.h"
#include "unit.h"

/* --- the options under test ------------------------------------------------ */

static bool debug;
static unsigned long count;
static unsigned long heap;
static char name[8];          /* up to 7 characters */
static const char *mode_seen; /* what the custom option was last given */
static int mode_calls;
static char mode_copy[32];

/* A custom option: accepts "fast" and "slow" (and a bare "mode"). */
static int parse_mode(const char *value)
{
    mode_calls++;
    mode_seen = value;
    if (value == NULL) {
        strcpy(mode_copy, "(bare)");
        return 0;
    }
    snprintf(mode_copy, sizeof(mode_copy), "%s", value);
    if (strcmp(value, "fast") == 0 || strcmp(value, "slow") == 0)
        return 0;
    return -22; /* -EINVAL */
}

static const struct param params[] = {
    { "debug", PARAM_BOOL, &debug, 0, NULL },
    { "count", PARAM_UINT, &count, 0, NULL },
    { "heap", PARAM_SIZE, &heap, 0, NULL },
    { "name", PARAM_STRING, name, sizeof(name), NULL },
    { "mode", PARAM_CUSTOM, NULL, 0, parse_mode },
    /* An option whose own name starts with "no-" is found as it is. */
    { "no-reboot", PARAM_BOOL, &debug, 0, NULL },
};

static void reset(void)
{
    debug = false;
    count = 7;
    heap = 1000;
    strcpy(name, "def");
    mode_seen = NULL;
    mode_calls = 0;
    mode_copy[0] = '\0';
}

/* --- capturing warnings ---------------------------------------------------- */

struct warnings {
    char text[2048]; /* each warning followed by '\n' */
    unsigned int count;
};

static struct warnings warnings;

static void capture(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void capture(void *ctx, const char *fmt, ...)
{
    struct warnings *w = ctx;
    size_t used = strlen(w->text);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(w->text + used, sizeof(w->text) - used, fmt, ap);
    va_end(ap);
    used = strlen(w->text);
    snprintf(w->text + used, sizeof(w->text) - used, "\n");
    w->count++;
}

/* Parse cmdline with fresh variables and an empty warning buffer. */
static unsigned int parse(const char *cmdline)
{
    reset();
    memset(&warnings, 0, sizeof(warnings));
    return cmdline_parse(cmdline, params, ARRAY_SIZE(params), capture, &warnings);
}

/* Check the problem count, that each was warned about, and the text. */
#define CHECK_PARSE(cmdline, problems, expected)                                             \
    do {                                                                                     \
        CHECK_EQ(parse(cmdline), (problems));                                                \
        CHECK_EQ(warnings.count, (problems));                                                \
        CHECK(strcmp(warnings.text, (expected)) == 0);                                       \
        if (strcmp(warnings.text, (expected)) != 0)                                          \
            fprintf(stderr, "%s:%d: warnings were:\n%s", __FILE__, __LINE__, warnings.text); \
    } while (0)

/* --- tests ----------------------------------------------------------------- */

static void test_empty(void)
{
    CHECK_PARSE(NULL, 0, "");
    CHECK_PARSE("", 0, "");
    CHECK_PARSE("   \t\n\r  ", 0, "");
    /* Nothing was touched. */
    CHECK_EQ(count, 7);
    CHECK(strcmp(name, "def") == 0);
}

static void test_bool(void)
{
    static const char *const true_values[] = { "1", "y", "yes", "on", "true" };
    static const char *const false_values[] = { "0", "n", "no", "off", "false" };
    char line[64];

    CHECK_PARSE("debug", 0, "");
    CHECK(debug);
    CHECK_PARSE("debug no-debug", 0, "");
    CHECK(!debug);

    for (size_t i = 0; i < ARRAY_SIZE(true_values); i++) {
        snprintf(line, sizeof(line), "debug=%s", true_values[i]);
        CHECK_PARSE(line, 0, "");
        CHECK(debug);
        snprintf(line, sizeof(line), "debug debug=%s", false_values[i]);
        CHECK_PARSE(line, 0, "");
        CHECK(!debug);
    }

    CHECK_PARSE("debug=maybe", 1, "invalid value 'maybe' for option 'debug' ignored\n");
    CHECK(!debug);
    CHECK_PARSE("debug=", 1, "invalid value '' for option 'debug' ignored\n");
    CHECK_PARSE("debug=YES", 1, "invalid value 'YES' for option 'debug' ignored\n");
    CHECK_PARSE("debug no-debug=1", 1, "option 'no-debug' takes no value, ignored\n");
    CHECK(debug);
}

static void test_no_prefix(void)
{
    /* no- applies to booleans only. */
    CHECK_PARSE("no-count", 1, "unknown option 'no-count' ignored\n");
    CHECK_PARSE("no-nothing", 1, "unknown option 'no-nothing' ignored\n");
    CHECK_PARSE("no-", 1, "unknown option 'no-' ignored\n");
    /* An option really named "no-reboot" is itself, not "reboot" negated. */
    CHECK_PARSE("no-reboot", 0, "");
    CHECK(debug);
    CHECK_PARSE("reboot", 1, "unknown option 'reboot' ignored\n");
}

static void test_uint(void)
{
    CHECK_PARSE("count=42", 0, "");
    CHECK_EQ(count, 42);
    CHECK_PARSE("count=0", 0, "");
    CHECK_EQ(count, 0);
    CHECK_PARSE("count=007", 0, ""); /* leading zeros are decimal, not octal */
    CHECK_EQ(count, 7);
    CHECK_PARSE("count=0x1F", 0, "");
    CHECK_EQ(count, 31);
    CHECK_PARSE("count=0XfF", 0, "");
    CHECK_EQ(count, 255);
    CHECK_PARSE("count=18446744073709551615", 0, "");
    CHECK(count == ULONG_MAX);
    CHECK_PARSE("count=0xffffffffffffffff", 0, "");
    CHECK(count == ULONG_MAX);
}

static void test_uint_bad(void)
{
    CHECK_PARSE("count=18446744073709551616", 1,
                "value '18446744073709551616' for option 'count' is out of range, ignored\n");
    CHECK_EQ(count, 7);
    CHECK_PARSE("count=0x10000000000000000", 1,
                "value '0x10000000000000000' for option 'count' is out of range, ignored\n");
    CHECK_EQ(count, 7);
    CHECK_PARSE("count=99999999999999999999999999", 1,
                "value '99999999999999999999999999' for option 'count' is out of range, ignored\n");
    /* Junk after the digits is invalid, even after an overflow. */
    CHECK_PARSE("count=99999999999999999999999999x", 1,
                "invalid value '99999999999999999999999999x' for option 'count' ignored\n");
    CHECK_PARSE("count=12abc", 1, "invalid value '12abc' for option 'count' ignored\n");
    CHECK_PARSE("count=-1", 1, "invalid value '-1' for option 'count' ignored\n");
    CHECK_PARSE("count=+1", 1, "invalid value '+1' for option 'count' ignored\n");
    CHECK_PARSE("count=0x", 1, "invalid value '0x' for option 'count' ignored\n");
    CHECK_PARSE("count=0xg", 1, "invalid value '0xg' for option 'count' ignored\n");
    CHECK_PARSE("count=4K", 1, "invalid value '4K' for option 'count' ignored\n");
    CHECK_PARSE("count=", 1, "invalid value '' for option 'count' ignored\n");
    CHECK_PARSE("count", 1, "option 'count' needs a value, ignored\n");
    CHECK_EQ(count, 7);
}

static void test_size(void)
{
    static const struct {
        const char *line;
        unsigned long value;
    } cases[] = {
        { "heap=123", 123 },
        { "heap=4k", 4UL << 10 },
        { "heap=4K", 4UL << 10 },
        { "heap=64M", 64UL << 20 },
        { "heap=64m", 64UL << 20 },
        { "heap=2G", 2UL << 30 },
        { "heap=2g", 2UL << 30 },
        { "heap=0x10K", 16UL << 10 },
        { "heap=0M", 0 },
        { "heap=17179869183G", ULONG_MAX - ((1UL << 30) - 1) }, /* largest in G */
        { "heap=18446744073709551615", ULONG_MAX },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        CHECK_PARSE(cases[i].line, 0, "");
        CHECK(heap == cases[i].value);
    }
}

static void test_size_bad(void)
{
    CHECK_PARSE("heap=17179869184G", 1,
                "value '17179869184G' for option 'heap' is out of range, ignored\n");
    CHECK_EQ(heap, 1000);
    CHECK_PARSE("heap=18014398509481984K", 1,
                "value '18014398509481984K' for option 'heap' is out of range, ignored\n");
    CHECK_PARSE("heap=99999999999999999999M", 1,
                "value '99999999999999999999M' for option 'heap' is out of range, ignored\n");
    CHECK_PARSE("heap=16T", 1, "invalid value '16T' for option 'heap' ignored\n");
    CHECK_PARSE("heap=1MB", 1, "invalid value '1MB' for option 'heap' ignored\n");
    CHECK_PARSE("heap=M", 1, "invalid value 'M' for option 'heap' ignored\n");
    CHECK_PARSE("heap=1 M", 1, "unknown option 'M' ignored\n");
    CHECK_EQ(heap, 1);
    CHECK_PARSE("heap", 1, "option 'heap' needs a value, ignored\n");
    CHECK_EQ(heap, 1000);
}

static void test_string(void)
{
    CHECK_PARSE("name=hello", 0, "");
    CHECK(strcmp(name, "hello") == 0);
    CHECK_PARSE("name=1234567", 0, ""); /* exactly fills the buffer */
    CHECK(strcmp(name, "1234567") == 0);
    CHECK_PARSE("name=", 0, ""); /* an empty string is a value */
    CHECK(strcmp(name, "") == 0);
    CHECK_PARSE("name=12345678", 1,
                "value for option 'name' is too long "
                "(8 characters, at most 7), ignored\n");
    CHECK(strcmp(name, "def") == 0); /* not truncated */
    CHECK_PARSE("name", 1, "option 'name' needs a value, ignored\n");
}

static void test_quotes(void)
{
    CHECK_PARSE("name=\"a b\" count=3", 0, "");
    CHECK(strcmp(name, "a b") == 0);
    CHECK_EQ(count, 3);
    /* Quotes may be anywhere in the word; they are removed. */
    CHECK_PARSE("\"name=x y\"", 0, "");
    CHECK(strcmp(name, "x y") == 0);
    CHECK_PARSE("name=x\"  \"y", 0, "");
    CHECK(strcmp(name, "x  y") == 0);
    CHECK_PARSE("name=\"\"", 0, "");
    CHECK(strcmp(name, "") == 0);
    CHECK_PARSE("name=\"\t=\n\"", 0, "");
    CHECK(strcmp(name, "\t=\n") == 0);
    /* An unterminated quote makes the rest of the line one broken option. */
    CHECK_PARSE("name=\"abc debug", 1, "unterminated quote in option 'name=abc debug', ignored\n");
    CHECK(strcmp(name, "def") == 0);
    CHECK(!debug);
}

static void test_custom(void)
{
    CHECK_PARSE("mode=fast", 0, "");
    CHECK_EQ(mode_calls, 1);
    CHECK(strcmp(mode_copy, "fast") == 0);
    CHECK_PARSE("mode", 0, ""); /* bare: value is NULL */
    CHECK_EQ(mode_calls, 1);
    CHECK(mode_seen == NULL);
    CHECK(strcmp(mode_copy, "(bare)") == 0);
    CHECK_PARSE("mode=bad", 1, "option 'mode' rejected value 'bad' (error -22)\n");
    CHECK_PARSE("mode=", 1, "option 'mode' rejected value '' (error -22)\n");
    CHECK(mode_seen != NULL);
    CHECK_PARSE("mode=\"a b\"", 1, "option 'mode' rejected value 'a b' (error -22)\n");
    CHECK_PARSE("mode=slow mode=fast", 0, "");
    CHECK_EQ(mode_calls, 2);
    CHECK(strcmp(mode_copy, "fast") == 0);
    CHECK_PARSE("no-mode", 1, "unknown option 'no-mode' ignored\n");
    CHECK_EQ(mode_calls, 0);
}

static void test_unknown(void)
{
    CHECK_PARSE("foo bar=1 debug baz=", 3,
                "unknown option 'foo' ignored\n"
                "unknown option 'bar' ignored\n"
                "unknown option 'baz' ignored\n");
    CHECK(debug); /* the known option in between still took effect */
    CHECK_PARSE("=5", 1, "unknown option '' ignored\n");
    CHECK_PARSE("Debug", 1, "unknown option 'Debug' ignored\n"); /* case matters */
    CHECK_PARSE("debu", 1, "unknown option 'debu' ignored\n");   /* no prefixes */
    CHECK_PARSE("debugx", 1, "unknown option 'debugx' ignored\n");
}

static void test_repeated(void)
{
    CHECK_PARSE("count=1 count=2 count=3", 0, "");
    CHECK_EQ(count, 3);
    CHECK_PARSE("debug no-debug debug", 0, "");
    CHECK(debug);
    CHECK_PARSE("name=first name=second", 0, "");
    CHECK(strcmp(name, "second") == 0);
    /* A bad repeat leaves the last good value. */
    CHECK_PARSE("count=1 count=bad", 1, "invalid value 'bad' for option 'count' ignored\n");
    CHECK_EQ(count, 1);
}

static void test_whitespace(void)
{
    CHECK_PARSE("  \tcount=5\n\r debug   name=x\t", 0, "");
    CHECK_EQ(count, 5);
    CHECK(debug);
    CHECK(strcmp(name, "x") == 0);
    CHECK_PARSE("count=5\tdebug\nheap=1K\rname=yy", 0, "");
    CHECK_EQ(heap, 1024);
    CHECK(strcmp(name, "yy") == 0);
    /* Spaces around '=' split the option into three words. */
    CHECK_PARSE("count = 5", 3,
                "option 'count' needs a value, ignored\n"
                "unknown option '' ignored\n"
                "unknown option '5' ignored\n");
}

static void test_value_with_equals(void)
{
    CHECK_PARSE("name=a=b", 0, "");
    CHECK(strcmp(name, "a=b") == 0);
    CHECK_PARSE("name===", 0, "");
    CHECK(strcmp(name, "==") == 0);
    CHECK_PARSE("count=1=2", 1, "invalid value '1=2' for option 'count' ignored\n");
}

static void test_too_long_option(void)
{
    char line[400];

    memset(line, 'a', sizeof(line));
    memcpy(line, "name=", 5);
    line[sizeof(line) - 1] = '\0';
    /* Then a good option after it, which must still be seen. */
    memcpy(line + 380, " count=9", 9);

    CHECK_PARSE(line, 1,
                "option 'name=aaaaaaaaaaaaaaaaaaaaaaaaaaa...' "
                "is longer than 255 characters, ignored\n");
    CHECK_EQ(count, 9);
    CHECK(strcmp(name, "def") == 0);
}

static void test_no_callback(void)
{
    /* Without a callback problems are still counted. */
    reset();
    CHECK_EQ(cmdline_parse("x y=1 count=2 count=z", params, ARRAY_SIZE(params), NULL, NULL), 3);
    CHECK_EQ(count, 2);
    /* And with no options at all, everything is unknown. */
    CHECK_EQ(cmdline_parse("debug count=1", NULL, 0, NULL, NULL), 2);
}

/* --- the registration macros and the mica_params section ------------------- */

static bool sect_flag;
static unsigned long sect_uint = 1;
static unsigned long sect_size;
static char sect_string[16] = "unset";
static int sect_custom_calls;

static int sect_custom(const char *value)
{
    (void)value;
    sect_custom_calls++;
    return 0;
}

BOOL_PARAM("sect-flag", sect_flag);
UINT_PARAM("sect-uint", sect_uint);
SIZE_PARAM("sect-size", sect_size);
STRING_PARAM("sect-string", sect_string);
CUSTOM_PARAM("sect-custom", sect_custom);

static void test_linker_section(void)
{
    /* The two symbols bound one array (the section), which cppcheck
     * cannot know. */
    /* cppcheck-suppress comparePointers */
    size_t nr = (size_t)(__stop_mica_params - __start_mica_params);
    unsigned int problems;

    CHECK_EQ(nr, 5);
    memset(&warnings, 0, sizeof(warnings));
    problems = cmdline_parse("sect-flag sect-uint=0x20 sect-size=2M sect-string=\"x y\" "
                             "sect-custom=1 debug",
                             __start_mica_params, nr, capture, &warnings);
    CHECK_EQ(problems, 1);
    CHECK(strcmp(warnings.text, "unknown option 'debug' ignored\n") == 0);
    CHECK(sect_flag);
    CHECK_EQ(sect_uint, 0x20);
    CHECK_EQ(sect_size, 2UL << 20);
    CHECK(strcmp(sect_string, "x y") == 0);
    CHECK_EQ(sect_custom_calls, 1);
}

static const struct unit_test tests[] = {
    UNIT_TEST(test_empty),           UNIT_TEST(test_bool),
    UNIT_TEST(test_no_prefix),       UNIT_TEST(test_uint),
    UNIT_TEST(test_uint_bad),        UNIT_TEST(test_size),
    UNIT_TEST(test_size_bad),        UNIT_TEST(test_string),
    UNIT_TEST(test_quotes),          UNIT_TEST(test_custom),
    UNIT_TEST(test_unknown),         UNIT_TEST(test_repeated),
    UNIT_TEST(test_whitespace),      UNIT_TEST(test_value_with_equals),
    UNIT_TEST(test_too_long_option), UNIT_TEST(test_no_callback),
    UNIT_TEST(test_linker_section),
};

int main(void)
{
    return unit_run("cmdline", tests, ARRAY_SIZE(tests));
}
