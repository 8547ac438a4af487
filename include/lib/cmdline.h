/*
 * Mica's command line: options of the form key=value, set by the boot
 * loader, that fill in variables declared anywhere in Mica.
 *
 *   serial=0x3f8 heap=64M console-name="com 1" debug no-smp
 *
 * A file declares a variable and registers it as an option next to it:
 *
 *   static unsigned long heap_size = 16UL << 20;
 *   SIZE_PARAM("heap", heap_size);
 *
 * The registration is a struct param placed in the linker section
 * mica_params; boot code hands the whole section to cmdline_parse():
 *
 *   cmdline_parse(cmdline, __start_mica_params,
 *                 __stop_mica_params - __start_mica_params, warn, NULL);
 *
 * Option syntax:
 *   - options are separated by spaces (or tabs/newlines);
 *   - key=value sets an option; the value runs to the end of the word and
 *     may itself contain '=' (a=b=c sets a to "b=c");
 *   - double quotes group spaces into a word and are removed: key="a b";
 *   - a bare key sets a boolean true; no-key sets it false;
 *   - booleans also accept =1/0, =y/n, =yes/no, =on/off, =true/false;
 *   - numbers are decimal or 0x-prefixed hexadecimal; sizes may end in
 *     K, M or G (either case), for KiB, MiB and GiB;
 *   - when a key is given twice, the last one wins.
 * A problem (unknown key, bad value) is reported through the warn callback
 * and that one option is skipped, leaving its variable unchanged; parsing
 * never stops early.
 *
 * The command line is assumed to hold options only: if the boot loader
 * passes the image path first, the caller removes it.
 */
#ifndef MICA_CMDLINE_H
#define MICA_CMDLINE_H

#include "types.h"

enum param_type {
    PARAM_BOOL,   /* var is a bool */
    PARAM_UINT,   /* var is an unsigned long */
    PARAM_SIZE,   /* var is an unsigned long, in bytes; K/M/G suffixes */
    PARAM_STRING, /* var is a char array of len bytes, including the NUL */
    PARAM_CUSTOM, /* custom() parses the value; var is unused (NULL) */
};

struct param {
    const char *name;
    enum param_type type;
    void *var;
    size_t len; /* PARAM_STRING: size of the buffer var points to */
    /*
     * PARAM_CUSTOM: called with the option's value, or with NULL when the
     * key was given bare (no '='). Returns 0, or a negative errno to have
     * the value reported as rejected.
     */
    int (*custom)(const char *value);
};

/* Receives one printf-style warning message (no trailing newline). */
typedef void (*cmdline_warn_fn)(void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Parse cmdline (NULL or "" is an empty command line) against the nr_params
 * options in params. Returns the number of problems found, each of which
 * was also passed to warn (which may be NULL) along with ctx.
 */
unsigned int cmdline_parse(const char *cmdline, const struct param *params, size_t nr_params,
                           cmdline_warn_fn warn, void *ctx);

/* Bounds of the mica_params section, defined by linker.ld. A section name
 * without a dot gives these symbols their standard GNU ld names. */
extern const struct param __start_mica_params[], __stop_mica_params[];

/*
 * MICA_PARAM_ENTRY(ident, ...) places one struct param, named after ident,
 * in the mica_params section. "used" keeps the compiler from dropping it
 * (nothing refers to it by name); the alignment makes the section a plain
 * array of struct param.
 */
#define MICA_PARAM_ENTRY(ident, name_str, param_type, var_ptr, var_len, custom_fn) \
    static const struct param __param_##ident                                      \
        __attribute__((used, section("mica_params"), aligned(sizeof(void *)))) = { \
            (name_str), (param_type), (var_ptr), (var_len), (custom_fn)            \
        }

/* Register variable var as option name_str. */
#define MICA_PARAM(name_str, type, var, len, custom) \
    MICA_PARAM_ENTRY(var, name_str, type, &(var), len, custom)

/* Compile-time check that var has the type its option kind writes. */
#define PARAM_CHECK_TYPE(var, type, what) \
    _Static_assert(__builtin_types_compatible_p(__typeof__(var), type), #var " must be " what)

#define BOOL_PARAM(name_str, var)          \
    PARAM_CHECK_TYPE(var, bool, "a bool"); \
    MICA_PARAM(name_str, PARAM_BOOL, var, 0, NULL)

#define UINT_PARAM(name_str, var)                             \
    PARAM_CHECK_TYPE(var, unsigned long, "an unsigned long"); \
    MICA_PARAM(name_str, PARAM_UINT, var, 0, NULL)

#define SIZE_PARAM(name_str, var)                             \
    PARAM_CHECK_TYPE(var, unsigned long, "an unsigned long"); \
    MICA_PARAM(name_str, PARAM_SIZE, var, 0, NULL)

#define STRING_PARAM(name_str, var)                           \
    PARAM_CHECK_TYPE(var, char[sizeof(var)], "a char array"); \
    MICA_PARAM(name_str, PARAM_STRING, var, sizeof(var), NULL)

/* A custom option has no variable: fn does whatever the value asks. */
#define CUSTOM_PARAM(name_str, fn) MICA_PARAM_ENTRY(fn, name_str, PARAM_CUSTOM, NULL, 0, fn)

#endif
