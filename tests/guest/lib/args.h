/*
 * A test guest's own arguments. Mica reads a module's command line only up
 * to " -- "; the whole line reaches the guest through hvm_start_info's
 * cmdline_paddr, so a test passes words to its guest after " -- ":
 *     module2 /boot/module0 name=crash -- reason=3
 * The words there are "key=value" (or a bare "key"), separated by spaces.
 */
#ifndef GUEST_ARGS_H
#define GUEST_ARGS_H

#include "guest.h"

/* The text after " -- " in the command line, or "" if there is none. */
const char *guest_args(void);

/* The value of "key=value" after " -- ": its first character, with its
 * length in *len (the value ends at a space or the end of the line).
 * NULL if no such word. A bare "key" has an empty value. */
const char *guest_arg(const char *key, size_t *len);

/* 1 if "key=value" is there with exactly that value, else 0. */
int guest_arg_is(const char *key, const char *value);

/* Parse "key=N" (decimal, or hex with 0x) into *n: 0 on success, -1 if the
 * word is missing or the value is not a number. No overflow check: test
 * arguments are small. */
int guest_arg_ulong(const char *key, unsigned long *n);

/* A guest that plays one of several parts in a test: run the one whose name
 * the argument "role=NAME" gives, or fail the test listing the names. */
struct guest_role {
    const char *name;
    void (*run)(void);
};
void guest_play_role(const struct guest_role *roles, unsigned int count);
#define GUEST_PLAY_ROLE(...)                                         \
    do {                                                             \
        static const struct guest_role roles_[] = { __VA_ARGS__ };   \
        guest_play_role(roles_, sizeof(roles_) / sizeof(roles_[0])); \
    } while (0)

#endif /* GUEST_ARGS_H */
