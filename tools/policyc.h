/*
 * policyc: Mica's FLASK policy compiler (the language is described at the
 * top of tools/policyc.c). The compiler core is a library function so that
 * the host unit tests (tests/unit/test_policyc.c) can compile policies held
 * in memory; tools/policyc.c also has the command-line main().
 */
#ifndef MICA_TOOLS_POLICYC_H
#define MICA_TOOLS_POLICYC_H

#include <stddef.h>
#include <stdint.h>

/* A compiled policy: the bytes of include/public/xsm/flask_policy.h. */
struct policyc_output {
    uint8_t *data; /* malloc'ed; free with policyc_output_free() */
    size_t size;
    unsigned int nr_types; /* as in the header: including type 0 */
    unsigned int nr_rules;
};

/*
 * Compile the policy `source` (`len` bytes, need not be NUL-terminated).
 * `filename` is only used in messages. Returns 0 and fills *out, or returns
 * the number of errors and leaves *out empty (data NULL). Each error is one
 * line "FILE:LINE: error: MESSAGE\n", in line order, appended to `errbuf`
 * (always NUL-terminated when errlen > 0; lines that do not fit whole are
 * left out). errbuf may be NULL.
 */
int policyc_compile(const char *filename, const char *source, size_t len,
                    struct policyc_output *out, char *errbuf, size_t errlen);

void policyc_output_free(struct policyc_output *out);

/* Read the whole file at `path` into a NUL-terminated malloc'd buffer and
 * its length (without the NUL) into *len; NULL if it cannot be read. */
char *policyc_read_file(const char *path, size_t *len);

#endif
