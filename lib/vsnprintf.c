/*
 * vsnprintf() and snprintf(): formatted output into a buffer.
 *
 * include/lib/vsnprintf.h lists what is supported and where Mica differs from
 * the C library. The work is done in three steps per conversion:
 *
 *   1. parse the conversion specification ("%-08.3lx") into a struct spec,
 *      without touching the arguments, so that an unknown conversion can be
 *      copied out literally and consume nothing;
 *   2. fetch the argument(s) and turn the value into its pieces: a prefix
 *      (sign, "0x"), a count of leading zeros, and the body (digits or text);
 *   3. write the pieces, padded with spaces to the field width (put_field).
 *
 * Output goes through put_char(), which stores a character only while there
 * is room for it and the final NUL but counts every character, which gives
 * both truncation and the C return value for free.
 */
#include <stdarg.h>

#include "types.h"
#include "lib/vsnprintf.h"

/* Widths and precisions saturate here rather than overflow an int. */
#define FIELD_MAX __INT_MAX__

/* Where the output goes. */
struct out {
    char *buf;
    size_t size; /* bytes available in buf, including the final NUL */
    size_t len;  /* characters produced so far, stored or not */
};

static void put_char(struct out *out, char c)
{
    if (out->len + 1 < out->size)
        out->buf[out->len] = c;
    out->len++;
}

static void put_chars(struct out *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put_char(out, s[i]);
}

static void put_repeated(struct out *out, char c, size_t n)
{
    /* Store what fits, then count the rest at once: a huge width costs
     * nothing once the buffer is full. */
    while (n > 0 && out->len + 1 < out->size) {
        out->buf[out->len++] = c;
        n--;
    }
    out->len += n;
}

/* How the argument of a conversion is sized (hh, h, l, ll, z, t, j). */
enum length {
    LEN_DEFAULT, /* int / unsigned int */
    LEN_HH,      /* char */
    LEN_H,       /* short */
    LEN_L,       /* long */
    LEN_LL,      /* long long */
    LEN_Z,       /* size_t */
    LEN_T,       /* ptrdiff_t */
    LEN_J,       /* intmax_t */
};

/* One parsed conversion specification: %[flags][width][.precision][length]conv */
struct spec {
    bool left;           /* '-': pad on the right instead of the left */
    bool zero;           /* '0': pad numbers with zeros instead of spaces */
    bool space;          /* ' ': a space where a '+' sign would go */
    bool plus;           /* '+': always print the sign of signed numbers */
    bool alt;            /* '#': "0x" for %x, leading 0 for %o */
    bool width_star;     /* width comes from an int argument */
    bool precision_star; /* precision comes from an int argument */
    int width;           /* minimum field width; 0 if none */
    int precision;       /* -1 if none */
    enum length length;
    char conversion; /* 'd', 'x', 's', ...; '\0' if the format ended */
};

/* If c is a flag character, record it in spec and return true. */
static bool parse_flag(struct spec *spec, char c)
{
    switch (c) {
    case '-':
        spec->left = true;
        return true;
    case '0':
        spec->zero = true;
        return true;
    case ' ':
        spec->space = true;
        return true;
    case '+':
        spec->plus = true;
        return true;
    case '#':
        spec->alt = true;
        return true;
    default:
        return false;
    }
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Read a decimal number at *p (possibly no digits: 0), saturating at FIELD_MAX. */
static int parse_decimal(const char **p)
{
    int n = 0;

    for (; is_digit(**p); (*p)++) {
        int digit = **p - '0';
        n = n > (FIELD_MAX - digit) / 10 ? FIELD_MAX : n * 10 + digit;
    }
    return n;
}

static enum length parse_length(const char **p)
{
    switch (**p) {
    case 'h':
        (*p)++;
        if (**p == 'h') {
            (*p)++;
            return LEN_HH;
        }
        return LEN_H;
    case 'l':
        (*p)++;
        if (**p == 'l') {
            (*p)++;
            return LEN_LL;
        }
        return LEN_L;
    case 'z':
        (*p)++;
        return LEN_Z;
    case 't':
        (*p)++;
        return LEN_T;
    case 'j':
        (*p)++;
        return LEN_J;
    default:
        return LEN_DEFAULT;
    }
}

/*
 * Parse the specification after a '%'. *p is left on the conversion
 * character (or on the terminating NUL if the format ends early).
 */
static void parse_spec(const char **p, struct spec *spec)
{
    *spec = (struct spec){ .precision = -1 };

    while (parse_flag(spec, **p))
        (*p)++;

    if (**p == '*') {
        spec->width_star = true;
        (*p)++;
    } else {
        spec->width = parse_decimal(p);
    }

    if (**p == '.') {
        (*p)++;
        if (**p == '*') {
            spec->precision_star = true;
            (*p)++;
        } else {
            spec->precision = parse_decimal(p); /* "%.d" means precision 0 */
        }
    }

    spec->length = parse_length(p);
    spec->conversion = **p;
}

static bool is_known_conversion(char c)
{
    switch (c) {
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o':
    case 'c':
    case 's':
    case 'p':
    case '%':
        return true;
    default:
        return false;
    }
}

/* Fetch the '*' width and precision, in that order, as C requires. */
static void fetch_stars(struct spec *spec, va_list *ap)
{
    if (spec->width_star) {
        int width = va_arg(*ap, int);
        if (width < 0) {
            /* A negative width is taken as the '-' flag plus a width. */
            spec->left = true;
            width = width == -FIELD_MAX - 1 ? FIELD_MAX : -width;
        }
        spec->width = width;
    }
    if (spec->precision_star) {
        int precision = va_arg(*ap, int);
        spec->precision = precision < 0 ? -1 : precision;
    }
}

/* Fetch the argument of %d / %i, of the size its length modifier says. */
static intmax_t fetch_signed(enum length length, va_list *ap)
{
    switch (length) {
    case LEN_HH:
        return (signed char)va_arg(*ap, int); /* promoted to int */
    case LEN_H:
        return (short)va_arg(*ap, int);
    case LEN_L:
        return va_arg(*ap, long);
    case LEN_LL:
        return va_arg(*ap, long long);
    case LEN_Z:
        return va_arg(*ap, ptrdiff_t); /* the signed type as wide as size_t */
    case LEN_T:
        return va_arg(*ap, ptrdiff_t);
    case LEN_J:
        return va_arg(*ap, intmax_t);
    default:
        return va_arg(*ap, int);
    }
}

/* Fetch the argument of %u / %x / %X / %o. */
static uintmax_t fetch_unsigned(enum length length, va_list *ap)
{
    switch (length) {
    case LEN_HH:
        return (unsigned char)va_arg(*ap, unsigned int);
    case LEN_H:
        return (unsigned short)va_arg(*ap, unsigned int);
    case LEN_L:
        return va_arg(*ap, unsigned long);
    case LEN_LL:
        return va_arg(*ap, unsigned long long);
    case LEN_Z:
        return va_arg(*ap, size_t);
    case LEN_T:
        return va_arg(*ap, size_t); /* the unsigned type as wide as ptrdiff_t */
    case LEN_J:
        return va_arg(*ap, uintmax_t);
    default:
        return va_arg(*ap, unsigned int);
    }
}

/*
 * Write one field: [spaces] prefix zeros body [spaces], with spaces on the
 * left (or, for '-', the right) to fill the field width.
 */
static void put_field(struct out *out, const struct spec *spec, const char *prefix,
                      size_t prefix_len, size_t zeros, const char *body, size_t body_len)
{
    size_t len = prefix_len + zeros + body_len;
    size_t padding = (size_t)spec->width > len ? (size_t)spec->width - len : 0;

    if (!spec->left)
        put_repeated(out, ' ', padding);
    put_chars(out, prefix, prefix_len);
    put_repeated(out, '0', zeros);
    put_chars(out, body, body_len);
    if (spec->left)
        put_repeated(out, ' ', padding);
}

/*
 * Format an integer given as its magnitude and sign, in base 8, 10 or 16.
 * is_signed says whether the conversion was %d/%i, which alone get a '+'
 * or ' ' sign.
 */
static void format_integer(struct out *out, const struct spec *spec, uintmax_t magnitude,
                           bool negative, bool is_signed)
{
    unsigned int base = 10;
    const char *digit_chars = "0123456789abcdef";
    char digits[24]; /* 64 bits need at most 22 octal digits */
    size_t ndigits = 0;
    char prefix[2];
    size_t prefix_len = 0;

    if (spec->conversion == 'o')
        base = 8;
    else if (spec->conversion == 'x' || spec->conversion == 'X')
        base = 16;
    if (spec->conversion == 'X')
        digit_chars = "0123456789ABCDEF";

    /* Digits, least significant first, filled in from the end. Zero has
     * no digits here: the precision (at least 1 by default) supplies them. */
    for (uintmax_t v = magnitude; v != 0; v /= base)
        digits[sizeof(digits) - 1 - ndigits++] = digit_chars[v % base];

    /* The precision is the minimum number of digits. */
    size_t precision = spec->precision < 0 ? 1 : (size_t)spec->precision;
    size_t zeros = precision > ndigits ? precision - ndigits : 0;

    /* '#' with %o: make the first digit a 0, raising the precision if needed. */
    if (spec->alt && base == 8 && zeros == 0)
        zeros = 1;

    if (is_signed && negative)
        prefix[prefix_len++] = '-';
    else if (is_signed && spec->plus)
        prefix[prefix_len++] = '+';
    else if (is_signed && spec->space)
        prefix[prefix_len++] = ' ';
    else if (spec->alt && base == 16 && magnitude != 0) {
        prefix[prefix_len++] = '0';
        prefix[prefix_len++] = spec->conversion; /* 'x' or 'X' */
    }

    /* '0' pads with zeros after the prefix, unless '-' or a precision
     * was given (C says the '0' flag is then ignored). */
    if (spec->zero && !spec->left && spec->precision < 0) {
        size_t len = prefix_len + zeros + ndigits;
        if ((size_t)spec->width > len)
            zeros += (size_t)spec->width - len;
    }

    put_field(out, spec, prefix, prefix_len, zeros, digits + sizeof(digits) - ndigits, ndigits);
}

/* strlen() that looks at no more than max characters. */
static size_t string_length(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n] != '\0')
        n++;
    return n;
}

/* %p: always "0x" and 16 hex digits, so that addresses line up. */
static void format_pointer(struct out *out, const struct spec *spec, const void *ptr)
{
    char body[18];
    uintptr_t v = (uintptr_t)ptr;

    body[0] = '0';
    body[1] = 'x';
    for (int i = 17; i >= 2; i--, v >>= 4)
        body[i] = "0123456789abcdef"[v & 0xf];
    put_field(out, spec, "", 0, 0, body, sizeof(body));
}

/* Fetch the argument(s) of a known conversion and write it. */
static void format_conversion(struct out *out, struct spec *spec, va_list *ap)
{
    fetch_stars(spec, ap);

    switch (spec->conversion) {
    case 'd':
    case 'i': {
        intmax_t value = fetch_signed(spec->length, ap);
        /* Negate in unsigned arithmetic so that INTMAX_MIN does not overflow. */
        uintmax_t magnitude = value < 0 ? 0 - (uintmax_t)value : (uintmax_t)value;
        format_integer(out, spec, magnitude, value < 0, true);
        break;
    }
    case 'u':
    case 'x':
    case 'X':
    case 'o':
        format_integer(out, spec, fetch_unsigned(spec->length, ap), false, false);
        break;
    case 'c': {
        char c = (char)va_arg(*ap, int); /* a char argument is promoted to int */
        put_field(out, spec, "", 0, 0, &c, 1);
        break;
    }
    case 's': {
        const char *s = va_arg(*ap, const char *);
        if (s == NULL)
            s = "(null)";
        /* With a precision, s need not be NUL-terminated: read no further. */
        size_t max = spec->precision < 0 ? SIZE_MAX : (size_t)spec->precision;
        put_field(out, spec, "", 0, 0, s, string_length(s, max));
        break;
    }
    case 'p':
        format_pointer(out, spec, va_arg(*ap, const void *));
        break;
    default: /* '%' */
        put_char(out, '%');
        break;
    }
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out out = { .buf = buf, .size = size, .len = 0 };
    va_list args;
    const char *p = fmt;

    /*
     * Work on a copy: the helpers need a pointer to the va_list so that
     * they all advance the same one, and a va_list parameter cannot
     * portably have its address taken (on x86-64 it is an array type).
     */
    va_copy(args, ap);

    while (*p != '\0') {
        if (*p != '%') {
            put_char(&out, *p++);
            continue;
        }

        const char *start = p++;
        struct spec spec;
        parse_spec(&p, &spec);

        if (spec.conversion == '\0') {
            /* The format ended inside a specification: copy what there is. */
            put_chars(&out, start, (size_t)(p - start));
            break;
        }
        if (!is_known_conversion(spec.conversion)) {
            put_chars(&out, start, (size_t)(p - start) + 1);
        } else {
            format_conversion(&out, &spec, &args);
        }
        p++; /* past the conversion character */
    }

    va_end(args);

    if (size > 0)
        buf[out.len < size ? out.len : size - 1] = '\0';
    return out.len > (size_t)__INT_MAX__ ? -1 : (int)out.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int len;

    va_start(ap, fmt);
    len = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return len;
}
