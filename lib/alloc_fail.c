/* Injected allocation failures: the option and the decision (see
 * include/lib/alloc_fail.h). */
#include "lib/alloc_fail.h"
#include "lib/string.h"

/* ---- the decision ------------------------------------------------------------ */

/*
 * Output n of the SplitMix64 generator started at seed (Steele, Lea and
 * Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
 * its state after n steps is seed + n * gamma, so any output is computed
 * directly from n, with no state carried from one call to the next.
 */
static uint64_t splitmix64(uint64_t seed, uint64_t n)
{
    uint64_t z = seed + n * 0x9E3779B97F4A7C15UL;

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    return z ^ (z >> 31);
}

bool alloc_fail_decide(const struct alloc_fail_plan *plan, uint64_t call)
{
    switch (plan->mode) {
    case ALLOC_FAIL_EVERY:
        return call % plan->every == 0;
    case ALLOC_FAIL_RANDOM:
        return splitmix64(plan->seed, call) % ALLOC_FAIL_MAX_RATE < plan->rate;
    case ALLOC_FAIL_OFF:
        break;
    }
    return false;
}

/* ---- the option ---------------------------------------------------------------- */

/* A decimal or 0x-prefixed hexadecimal number running to the end of the
 * item (`end`): true and *n, or false. */
static bool parse_number(const char *s, const char *end, uint64_t *n)
{
    unsigned int base = 10;
    uint64_t value = 0;

    if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (s == end)
        return false;
    for (; s < end; s++) {
        unsigned int digit;

        if (*s >= '0' && *s <= '9')
            digit = (unsigned int)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            digit = (unsigned int)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            digit = (unsigned int)(*s - 'A' + 10);
        else
            return false;
        if (value > (UINT64_MAX - digit) / base)
            return false; /* does not fit in 64 bits */
        value = value * base + digit;
    }
    *n = value;
    return true;
}

/* Is the item [s, end) "key:..."? Then *value points after the colon. */
static bool item_is(const char *s, const char *end, const char *key, const char **value)
{
    size_t len = strlen(key);

    if ((size_t)(end - s) <= len || strncmp(s, key, len) || s[len] != ':')
        return false;
    *value = s + len + 1;
    return true;
}

bool alloc_fail_parse(const char *value, struct alloc_fail_plan *plan)
{
    struct alloc_fail_plan p = { .mode = ALLOC_FAIL_OFF, .from = ALLOC_FAIL_FROM_BUILD };
    bool have_every = false, have_seed = false, have_rate = false, have_from = false;
    const char *s = value;

    if (!value || !*value)
        return false;
    for (;;) {
        const char *end = strchr(s, ',');
        const char *v;
        uint64_t n;

        if (!end)
            end = s + strlen(s);
        if (item_is(s, end, "every", &v)) {
            if (have_every || !parse_number(v, end, &n) || n == 0)
                return false;
            p.every = n;
            have_every = true;
        } else if (item_is(s, end, "seed", &v)) {
            if (have_seed || !parse_number(v, end, &n))
                return false;
            p.seed = n;
            have_seed = true;
        } else if (item_is(s, end, "rate", &v)) {
            if (have_rate || !parse_number(v, end, &n) || n == 0 || n > ALLOC_FAIL_MAX_RATE)
                return false;
            p.rate = (unsigned int)n;
            have_rate = true;
        } else if (item_is(s, end, "from", &v)) {
            if (have_from)
                return false;
            have_from = true;
            if ((size_t)(end - v) == 5 && !strncmp(v, "build", 5))
                p.from = ALLOC_FAIL_FROM_BUILD;
            else if ((size_t)(end - v) == 3 && !strncmp(v, "run", 3))
                p.from = ALLOC_FAIL_FROM_RUN;
            else
                return false;
        } else {
            return false;
        }
        if (!*end)
            break;
        s = end + 1;
    }
    if (have_every == (have_seed || have_rate) || have_seed != have_rate)
        return false;
    p.mode = have_every ? ALLOC_FAIL_EVERY : ALLOC_FAIL_RANDOM;
    *plan = p;
    return true;
}
