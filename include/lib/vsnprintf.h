/*
 * Formatted output into a buffer, with the C library's semantics for the
 * subset of conversions Mica uses.
 *
 * Conversions: %d %i %u %x %X %o %c %s %p %%
 * Flags:       '-' (left-justify), '0' (pad with zeros), ' ' and '+' (sign
 *              of signed conversions), '#' (0x/0X prefix for x/X, leading 0
 *              for o)
 * Width and precision, each a number or '*' (taken from an int argument; a
 * negative '*' width means '-' plus its magnitude, a negative '*' precision
 * means none).
 * Length modifiers: hh h l ll z t j (ignored for %c %s %p).
 *
 * Where Mica differs from the C standard (which leaves these to the library):
 *   - %s of a NULL pointer prints "(null)" (cut by the precision as usual).
 *   - %p always prints "0x" and 16 lowercase hex digits, as "0x%016lx" would,
 *     so that addresses line up in logs; width and '-' still apply.
 *   - An unknown conversion (%f, %n, %q, a lone '%' at the end, ...) is
 *     copied to the output literally, from its '%' to its last character,
 *     and consumes no argument. In particular %n never writes anything.
 *
 * Both functions always NUL-terminate the output when size > 0, and return
 * the length the complete output would have had (not counting the NUL), so
 * a return value >= size means the output was truncated. They return -1
 * only if that length does not fit in an int.
 *
 * Host unit tests link against the host C library too, so there (MICA_HOST)
 * these two functions are renamed mica_vsnprintf / mica_snprintf; Mica's own
 * code always calls them by their usual names.
 */
#ifndef MICA_VSNPRINTF_H
#define MICA_VSNPRINTF_H

#include <stdarg.h>

#include "types.h"

#ifdef MICA_HOST
#define vsnprintf mica_vsnprintf
#define snprintf mica_snprintf
#endif

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
