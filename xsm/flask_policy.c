/*
 * Loading a binary FLASK policy (format: include/public/xsm/flask_policy.h)
 * and answering access questions from it. The buffer comes from a boot
 * module or from a guest (xsm_op FLASK_LOAD), so it is parsed as hostile:
 * every count is bounded, every offset checked, every name terminated, the
 * rules must be sorted and unique, and each rule's class and permission bits
 * must exist. Anything wrong: -EINVAL, and nothing is kept.
 */
#include "flask.h"
#include "heap.h"
#include "lib/string.h"
#include "public/errno.h"

static uint32_t class_perm_mask(uint32_t tclass)
{
    uint32_t mask = 0;

    for (unsigned int i = 0; i < FLASK_MAX_PERMS && flask_perm_names[tclass][i]; i++)
        mask |= 1u << i;
    return mask;
}

static int rule_cmp(const struct flask_policy_rule *a, const struct flask_policy_rule *b)
{
    if (a->src != b->src)
        return a->src < b->src ? -1 : 1;
    if (a->tgt != b->tgt)
        return a->tgt < b->tgt ? -1 : 1;
    if (a->tclass != b->tclass)
        return a->tclass < b->tclass ? -1 : 1;
    return 0;
}

/* Is there a NUL-terminated name of sane length at offset off of the
 * strings, made only of the characters the language allows? (Names end up
 * in log lines: a guest-loaded policy must not smuggle control characters
 * into them.) Type 0's name is empty, every other one is not. */
static bool name_ok(const char *strings, uint32_t size, uint32_t off, bool reserved)
{
    if (off >= size)
        return false;
    size_t len = strnlen(strings + off, size - off);
    if (len == size - off || len >= FLASK_POLICY_MAX_NAME || (len == 0) != reserved)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = strings[off + i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

void flask_policy_free(struct flask_policy *p)
{
    if (!p)
        return;
    xfree(p->type_names);
    xfree(p->rules);
    xfree(p->strings);
    xfree(p);
}

int flask_policy_parse(const void *buf, size_t len, struct flask_policy **out)
{
    const uint8_t *bytes = buf;
    struct flask_policy_header h;
    struct flask_policy *p;
    size_t names_off, rules_off, strings_off;

    *out = NULL;
    if (len < sizeof(h))
        return -XEN_EINVAL;
    memcpy(&h, bytes, sizeof(h));
    if (h.magic != FLASK_POLICY_MAGIC || h.version != FLASK_POLICY_VERSION ||
        h.nr_classes != FLASK_NR_CLASSES || h.nr_types < 2 || h.nr_types > FLASK_POLICY_MAX_TYPES ||
        h.nr_rules > FLASK_POLICY_MAX_RULES || h.strings_size == 0 ||
        h.strings_size > FLASK_POLICY_MAX_STRINGS)
        return -XEN_EINVAL;
    names_off = sizeof(h);
    rules_off = names_off + (size_t)h.nr_types * sizeof(uint32_t);
    strings_off = rules_off + (size_t)h.nr_rules * sizeof(struct flask_policy_rule);
    if (strings_off + h.strings_size != len)
        return -XEN_EINVAL; /* every byte accounted for */

    p = xzalloc(sizeof(*p));
    if (!p)
        return -XEN_ENOMEM;
    p->nr_types = h.nr_types;
    p->nr_rules = h.nr_rules;
    p->strings = xmalloc(h.strings_size);
    p->type_names = xmalloc(h.nr_types * sizeof(*p->type_names));
    p->rules = xmalloc(h.nr_rules ? h.nr_rules * sizeof(*p->rules) : 1);
    if (!p->strings || !p->type_names || !p->rules) {
        flask_policy_free(p);
        return -XEN_ENOMEM;
    }
    memcpy(p->strings, bytes + strings_off, h.strings_size);
    memcpy(p->rules, bytes + rules_off, h.nr_rules * sizeof(*p->rules));

    for (uint32_t t = 0; t < h.nr_types; t++) {
        uint32_t off;
        memcpy(&off, bytes + names_off + t * sizeof(uint32_t), sizeof(off));
        if (!name_ok(p->strings, h.strings_size, off, t == 0))
            goto bad;
        p->type_names[t] = p->strings + off;
        for (uint32_t u = 1; u < t; u++) { /* names are unique */
            if (!strcmp(p->type_names[u], p->type_names[t]))
                goto bad;
        }
    }
    for (uint32_t i = 0; i < h.nr_rules; i++) {
        const struct flask_policy_rule *r = &p->rules[i];
        if (r->src == 0 || r->src >= h.nr_types || r->tgt == 0 || r->tgt >= h.nr_types ||
            r->tclass >= FLASK_NR_CLASSES || r->reserved || !r->perms ||
            (r->perms & ~class_perm_mask(r->tclass)))
            goto bad;
        if (i && rule_cmp(&p->rules[i - 1], r) >= 0)
            goto bad; /* sorted, no duplicates */
    }
    *out = p;
    return 0;
bad:
    flask_policy_free(p);
    return -XEN_EINVAL;
}

uint32_t flask_policy_type(const struct flask_policy *p, const char *name)
{
    for (uint32_t t = 1; t < p->nr_types; t++) {
        if (!strcmp(p->type_names[t], name))
            return t;
    }
    return 0;
}

uint32_t flask_policy_compute_av(const struct flask_policy *p, uint32_t src, uint32_t tgt,
                                 uint32_t tclass)
{
    struct flask_policy_rule key = { (uint16_t)src, (uint16_t)tgt, (uint16_t)tclass, 0, 0 };
    uint32_t lo = 0, hi = p->nr_rules;

    if (src >= p->nr_types || tgt >= p->nr_types || tclass >= FLASK_NR_CLASSES)
        return 0;
    while (lo < hi) { /* binary search: rules are sorted */
        uint32_t mid = lo + (hi - lo) / 2;
        int c = rule_cmp(&p->rules[mid], &key);
        if (c == 0)
            return p->rules[mid].perms;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}
