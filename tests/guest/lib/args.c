/*
 * A test guest's own arguments: the command line hvm_start_info points to
 * (see args.h). Mica gives a guest only what follows " -- " on its module
 * line; a loader that passes the whole line (with " -- ") works too.
 */
#include "args.h"
#include "test.h"

static const char separator[] = " -- ";

const char *guest_args(void)
{
    const struct hvm_start_info *si = guest_start_info();
    if (!si || !si->cmdline_paddr)
        return "";
    const char *line = (const char *)(uintptr_t)si->cmdline_paddr;
    size_t seplen = strlen(separator);
    for (const char *p = line; *p; p++)
        if (memcmp(p, separator, seplen) == 0)
            return p + seplen;
    return line;
}

const char *guest_arg(const char *key, size_t *len)
{
    size_t keylen = strlen(key);
    const char *p = guest_args();

    while (*p) {
        while (*p == ' ')
            p++;
        const char *word = p;
        while (*p && *p != ' ')
            p++;
        size_t wordlen = (size_t)(p - word);
        if (wordlen >= keylen && memcmp(word, key, keylen) == 0) {
            if (wordlen == keylen) { /* a bare "key" */
                *len = 0;
                return word + keylen;
            }
            if (word[keylen] == '=') {
                *len = wordlen - keylen - 1;
                return word + keylen + 1;
            }
        }
    }
    return NULL;
}

int guest_arg_is(const char *key, const char *value)
{
    size_t len;
    const char *v = guest_arg(key, &len);
    return v && len == strlen(value) && memcmp(v, value, len) == 0;
}

int guest_arg_ulong(const char *key, unsigned long *n)
{
    size_t len;
    const char *v = guest_arg(key, &len);
    unsigned base = 10;
    unsigned long result = 0;

    if (!v || len == 0)
        return -1;
    if (len > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        base = 16;
        v += 2;
        len -= 2;
    }
    for (size_t i = 0; i < len; i++) {
        char c = v[i];
        unsigned digit;
        if (c >= '0' && c <= '9')
            digit = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            digit = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            digit = (unsigned)(c - 'A' + 10);
        else
            return -1;
        result = result * base + digit;
    }
    *n = result;
    return 0;
}

void guest_play_role(const struct guest_role *roles, unsigned int count)
{
    char names[160] = "no role=";
    size_t len = strlen(names);

    for (unsigned int i = 0; i < count; i++) {
        if (guest_arg_is("role", roles[i].name)) {
            roles[i].run();
            return;
        }
    }
    for (unsigned int i = 0; i < count && len + strlen(roles[i].name) + 2 < sizeof(names); i++) {
        if (i)
            names[len++] = '|';
        memcpy(names + len, roles[i].name, strlen(roles[i].name));
        len += strlen(roles[i].name);
    }
    names[len] = '\0';
    guest_test_abort(names);
}
