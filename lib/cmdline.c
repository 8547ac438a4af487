/*
 * The command-line parser: see include/lib/cmdline.h for the syntax.
 *
 * The command line is read one word at a time. Each word is copied, with
 * its quotes removed, into a small buffer, where it is split at its first
 * '=' into key and value; the key is looked up in the table of options and
 * the value converted according to the option's type.
 *
 * Everything that goes wrong is a warning about one word, which is then
 * skipped: a typo on the boot command line should not stop the machine.
 * A variable is written only once its value has been fully checked, so a
 * bad value leaves the default in place.
 */
#include "lib/cmdline.h"
#include "lib/string.h"

/* The longest option (key=value, quotes removed) the parser accepts. */
#define CMDLINE_MAX_OPTION 256

/* Where warnings go, and how many there were. */
struct report {
    cmdline_warn_fn warn;
    void *ctx;
    unsigned int problems;
};

/* Count one problem and pass its message on to the warn callback, if any. */
#define WARN(report, ...)                               \
    do {                                                \
        (report)->problems++;                           \
        if ((report)->warn != NULL)                     \
            (report)->warn((report)->ctx, __VA_ARGS__); \
    } while (0)

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

enum word_status {
    WORD_OK,
    WORD_TOO_LONG,           /* did not fit; word holds its beginning */
    WORD_UNTERMINATED_QUOTE, /* a '"' was never closed */
};

/*
 * Copy the word at *p into word[size] without its double quotes, and move
 * *p past it. The word ends at the first whitespace outside quotes.
 */
static enum word_status read_word(const char **p, char *word, size_t size)
{
    bool in_quotes = false;
    bool too_long = false;
    size_t len = 0;

    for (; **p != '\0' && (in_quotes || !is_space(**p)); (*p)++) {
        if (**p == '"')
            in_quotes = !in_quotes;
        else if (len + 1 < size)
            word[len++] = **p;
        else
            too_long = true;
    }
    word[len] = '\0';

    if (too_long)
        return WORD_TOO_LONG;
    return in_quotes ? WORD_UNTERMINATED_QUOTE : WORD_OK;
}

/* --- values ------------------------------------------------------------------ */

enum number_status {
    NUMBER_OK,
    NUMBER_INVALID, /* not a number, or followed by junk */
    NUMBER_TOO_BIG, /* does not fit in an unsigned long */
};

/* The value of digit c in bases up to 16, or 16 if c is not a digit. */
static unsigned int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned int)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (unsigned int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F')
        return (unsigned int)(c - 'A' + 10);
    return 16;
}

/*
 * Read an unsigned number, decimal or 0x-prefixed hexadecimal, at *p into
 * *n and move *p past its digits. Whatever follows is the caller's business.
 */
static enum number_status read_number(const char **p, unsigned long *n)
{
    unsigned int base = 10;
    unsigned long value = 0;
    bool too_big = false;
    const char *digits;

    if ((*p)[0] == '0' && ((*p)[1] == 'x' || (*p)[1] == 'X')) {
        base = 16;
        *p += 2;
    }

    digits = *p;
    for (; digit_value(**p) < base; (*p)++) {
        unsigned int d = digit_value(**p);
        /* Keep reading digits after an overflow, so that the caller still
         * sees where the number ends. */
        if (value > (~0UL - d) / base)
            too_big = true;
        else
            value = value * base + d;
    }

    if (*p == digits)
        return NUMBER_INVALID;
    *n = value;
    return too_big ? NUMBER_TOO_BIG : NUMBER_OK;
}

/* A whole value that is a plain number. */
static enum number_status parse_uint(const char *s, unsigned long *n)
{
    enum number_status status = read_number(&s, n);

    if (status == NUMBER_INVALID || *s != '\0')
        return NUMBER_INVALID;
    return status;
}

/* A whole value that is a number of bytes, optionally with K, M or G. */
static enum number_status parse_size(const char *s, unsigned long *n)
{
    unsigned int shift = 0;
    enum number_status status = read_number(&s, n);

    if (status == NUMBER_INVALID)
        return NUMBER_INVALID;

    switch (*s) {
    case 'k':
    case 'K':
        shift = 10;
        s++;
        break;
    case 'm':
    case 'M':
        shift = 20;
        s++;
        break;
    case 'g':
    case 'G':
        shift = 30;
        s++;
        break;
    default:
        break;
    }
    if (*s != '\0')
        return NUMBER_INVALID;
    if (status == NUMBER_TOO_BIG || *n > (~0UL >> shift))
        return NUMBER_TOO_BIG;
    *n <<= shift;
    return NUMBER_OK;
}

/* Boolean spellings: each true word with its false counterpart. */
static const char *const bool_words[][2] = {
    { "1", "0" }, { "y", "n" }, { "yes", "no" }, { "on", "off" }, { "true", "false" },
};

static bool parse_bool(const char *s, bool *b)
{
    for (size_t i = 0; i < ARRAY_SIZE(bool_words); i++) {
        if (strcmp(s, bool_words[i][0]) == 0) {
            *b = true;
            return true;
        }
        if (strcmp(s, bool_words[i][1]) == 0) {
            *b = false;
            return true;
        }
    }
    return false;
}

/* --- options ----------------------------------------------------------------- */

static const struct param *find_param(const struct param *params, size_t nr_params,
                                      const char *name)
{
    for (size_t i = 0; i < nr_params; i++)
        if (strcmp(params[i].name, name) == 0)
            return &params[i];
    return NULL;
}

/* Store a number into param's variable, or say why not. */
static void set_number(const struct param *param, const char *value, enum number_status status,
                       unsigned long n, struct report *report)
{
    switch (status) {
    case NUMBER_OK:
        *(unsigned long *)param->var = n;
        break;
    case NUMBER_TOO_BIG:
        WARN(report, "value '%s' for option '%s' is out of range, ignored", value, param->name);
        break;
    case NUMBER_INVALID:
        WARN(report, "invalid value '%s' for option '%s' ignored", value, param->name);
        break;
    }
}

/* Apply value (NULL for a bare key) to param. */
static void set_param(const struct param *param, const char *value, struct report *report)
{
    enum number_status status;
    unsigned long n = 0;
    bool b;

    if (value == NULL && param->type != PARAM_BOOL && param->type != PARAM_CUSTOM) {
        WARN(report, "option '%s' needs a value, ignored", param->name);
        return;
    }

    switch (param->type) {
    case PARAM_BOOL:
        if (value == NULL)
            *(bool *)param->var = true;
        else if (parse_bool(value, &b))
            *(bool *)param->var = b;
        else
            WARN(report, "invalid value '%s' for option '%s' ignored", value, param->name);
        break;

    case PARAM_UINT:
        status = parse_uint(value, &n);
        set_number(param, value, status, n, report);
        break;

    case PARAM_SIZE:
        status = parse_size(value, &n);
        set_number(param, value, status, n, report);
        break;

    case PARAM_STRING: {
        size_t len = strlen(value);
        /* Never truncate: a cut-down path or name would be silently wrong. */
        if (len >= param->len)
            WARN(report,
                 "value for option '%s' is too long (%zu characters, "
                 "at most %zu), ignored",
                 param->name, len, param->len > 0 ? param->len - 1 : 0);
        else
            memcpy(param->var, value, len + 1);
        break;
    }

    case PARAM_CUSTOM: {
        int err = param->custom(value);
        if (err != 0)
            WARN(report, "option '%s' rejected value '%s' (error %d)", param->name,
                 value != NULL ? value : "", err);
        break;
    }
    }
}

/* Handle one option, "key" or "key=value", from the command line. */
static void parse_option(char *option, const struct param *params, size_t nr_params,
                         struct report *report)
{
    const char *key = option;
    const char *value = NULL;
    const struct param *param;

    /* Split at the first '=': the value may contain more of them. */
    for (char *c = option; *c != '\0'; c++) {
        if (*c == '=') {
            *c = '\0';
            value = c + 1;
            break;
        }
    }

    param = find_param(params, nr_params, key);
    if (param != NULL) {
        set_param(param, value, report);
        return;
    }

    /* "no-key" turns the boolean option "key" off. */
    if (strncmp(key, "no-", 3) == 0) {
        param = find_param(params, nr_params, key + 3);
        if (param != NULL && param->type == PARAM_BOOL) {
            if (value != NULL)
                WARN(report, "option '%s' takes no value, ignored", key);
            else
                *(bool *)param->var = false;
            return;
        }
    }

    WARN(report, "unknown option '%s' ignored", key);
}

unsigned int cmdline_parse(const char *cmdline, const struct param *params, size_t nr_params,
                           cmdline_warn_fn warn, void *ctx)
{
    struct report report = { .warn = warn, .ctx = ctx, .problems = 0 };
    char option[CMDLINE_MAX_OPTION];
    const char *p = cmdline != NULL ? cmdline : "";

    for (;;) {
        while (is_space(*p))
            p++;
        if (*p == '\0')
            break;

        switch (read_word(&p, option, sizeof(option))) {
        case WORD_OK:
            parse_option(option, params, nr_params, &report);
            break;
        case WORD_TOO_LONG:
            WARN(&report, "option '%.32s...' is longer than %d characters, ignored", option,
                 CMDLINE_MAX_OPTION - 1);
            break;
        case WORD_UNTERMINATED_QUOTE:
            WARN(&report, "unterminated quote in option '%s', ignored", option);
            break;
        }
    }
    return report.problems;
}
