/*
 * policyc: Mica's FLASK policy compiler.
 *
 *     policyc SOURCE.te -o OUT.bin
 *
 * reads a policy written in the small language below and writes the binary
 * policy that Mica loads (include/public/xsm/flask_policy.h). The design
 * follows Xen's FLASK, which follows SELinux: every domain has a type, and
 * the policy is a list of allow rules "type S may do P to objects of type
 * T of class C". Everything not allowed is denied.
 *
 * The language
 * ------------
 *     # a comment, to the end of the line
 *     attribute NAME;                    declare an attribute: a set of types
 *     type NAME;                         declare a type
 *     type NAME, ATTR1, ATTR2;           declare a type that has attributes
 *     allow SRC TGT:CLASS { PERM ... };  allow SRC to do each PERM to TGT
 *     allow SRC TGT:CLASS PERM;          the same with a single permission
 *     allow SRC self:CLASS ...;          `self`: each source type on itself
 *
 * - A name is [A-Za-z_][A-Za-z0-9_]*, at most FLASK_POLICY_MAX_NAME - 1 (63)
 *   characters. `type`, `attribute`, `allow` and `self` are reserved words.
 * - Types and attributes share one name space, and a name is declared once.
 * - A name must be declared before it is used (above it in the file).
 * - SRC and TGT are each a type or an attribute. An attribute stands for
 *   every type that has it, including types declared after the rule.
 * - CLASS and PERM are the names of include/public/xsm/flask_classes.h
 *   (classes domain, mmu, xen, grant, event).
 * - A policy must declare the types dom0_t, domU_t and xen_t: the types
 *   Mica gives dom0, the other domains without a label, and itself.
 *
 * For example:
 *     attribute domain_type;
 *     type xen_t;
 *     type dom0_t, domain_type;
 *     type domU_t, domain_type;
 *     allow domain_type self:mmu { physmap stat };
 *     allow dom0_t domU_t:domain pause;
 *
 * What is written
 * ---------------
 * Types are numbered in the order of declaration from 1 (type 0 is
 * reserved). Each allow rule is expanded to its (source type, target type,
 * class) triples; rules naming the same triple are merged (their permissions
 * OR-ed), and the binary rules are sorted by (src, tgt, tclass), so one
 * policy always compiles to the same bytes.
 *
 * How it works
 * ------------
 * 1. The lexer cuts the source into tokens (names, keywords, punctuation).
 * 2. The parser checks the syntax and builds a list of statements. After a
 *    syntax error it skips to the end of the statement and goes on, so one
 *    run reports several errors.
 * 3. The checker walks the statements three times: it declares every type
 *    and attribute; it gives the types their attributes; it resolves each
 *    allow rule and records its permissions in an access matrix
 *    av[src][tgt][class].
 * 4. The writer emits the header, the type names and the nonzero cells of
 *    the matrix, which come out sorted and merged by construction.
 * Errors are collected with their line and printed sorted by line.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "public/xsm/flask_classes.h"
#include "public/xsm/flask_policy.h"
#include "policyc.h"

#define MAX_NAME_LEN (FLASK_POLICY_MAX_NAME - 1)

/* --- memory ------------------------------------------------------------------ */

/* A host tool has nothing better to do when memory runs out than stop. */
static void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p) {
        fputs("policyc: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

/* Make room for `need` elements of `elem` bytes in a growing array. */
static void *grow(void *array, size_t *cap, size_t need, size_t elem)
{
    size_t n = *cap ? *cap : 8;

    if (need <= *cap)
        return array;
    while (n < need)
        n *= 2;
    *cap = n;
    return xrealloc(array, n * elem);
}

/* --- the compiler's state ------------------------------------------------------ */

enum token_kind {
    TOK_EOF,
    TOK_NAME,
    TOK_TYPE, /* keywords */
    TOK_ATTRIBUTE,
    TOK_ALLOW,
    TOK_SELF,
    TOK_LBRACE, /* punctuation */
    TOK_RBRACE,
    TOK_SEMICOLON,
    TOK_COLON,
    TOK_COMMA,
};

struct token {
    enum token_kind kind;
    int line;
    bool first_on_line;               /* nothing but blanks before it on its line */
    char text[FLASK_POLICY_MAX_NAME]; /* the name, keyword or punctuation */
};

/* A name as written in the source, with the line it was written on. */
struct word {
    char text[FLASK_POLICY_MAX_NAME];
    int line;
};

enum statement_kind { STMT_TYPE, STMT_ATTRIBUTE, STMT_ALLOW };

/* One parsed statement. */
struct statement {
    enum statement_kind kind;
    int line;
    struct word name;   /* type/attribute: the name declared; allow: SRC */
    struct word target; /* allow: TGT (unused if target_self) */
    bool target_self;
    struct word tclass; /* allow: CLASS */
    struct word *list;  /* type: its attributes; allow: its permissions */
    size_t count, cap;
};

enum symbol_kind { SYM_TYPE, SYM_ATTRIBUTE };

/* A declared type or attribute. */
struct symbol {
    char name[FLASK_POLICY_MAX_NAME];
    enum symbol_kind kind;
    int line;         /* of the declaration */
    size_t statement; /* index of the declaring statement */
    /* The types it stands for, ascending: a type stands for itself alone,
     * an attribute for every type declared with it. */
    uint16_t *types;
    size_t nr_types, cap_types;
};

struct diagnostic {
    int line;
    char *message;
};

struct compiler {
    const char *filename;

    /* lexer */
    const char *pos, *end;
    int line;
    bool at_line_start;
    struct token tok;  /* the current token */
    struct token prev; /* the one before it */

    /* parser */
    struct statement *statements;
    size_t nr_statements, cap_statements;

    /* checker */
    struct symbol *symbols;
    size_t nr_symbols, cap_symbols;
    unsigned int nr_types; /* including the reserved type 0 */
    uint32_t *av;          /* av[(src * nr_types + tgt) * FLASK_NR_CLASSES + class] */
    unsigned int nr_rules; /* nonzero cells of av */
    bool too_many_types, too_many_rules;

    /* errors */
    struct diagnostic *diagnostics;
    size_t nr_diagnostics, cap_diagnostics;
};

__attribute__((format(printf, 3, 4))) static void error(struct compiler *c, int line,
                                                        const char *fmt, ...)
{
    char message[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    c->diagnostics = grow(c->diagnostics, &c->cap_diagnostics, c->nr_diagnostics + 1,
                          sizeof(*c->diagnostics));
    c->diagnostics[c->nr_diagnostics].line = line;
    c->diagnostics[c->nr_diagnostics].message = strdup(message);
    if (!c->diagnostics[c->nr_diagnostics].message) {
        fputs("policyc: out of memory\n", stderr);
        exit(1);
    }
    c->nr_diagnostics++;
}

/* --- 1. the lexer ----------------------------------------------------------------- */

static bool is_name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

/* Skip blanks, newlines and comments. */
static void skip_space(struct compiler *c)
{
    while (c->pos < c->end) {
        char ch = *c->pos;

        if (ch == '\n') {
            c->line++;
            c->at_line_start = true;
            c->pos++;
        } else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v') {
            c->pos++;
        } else if (ch == '#') {
            while (c->pos < c->end && *c->pos != '\n')
                c->pos++;
        } else {
            return;
        }
    }
}

/* Read a name or keyword; the lexer is at its first character. */
static void lex_word(struct compiler *c, struct token *t)
{
    static const struct {
        const char *text;
        enum token_kind kind;
    } keywords[] = {
        { "type", TOK_TYPE },
        { "attribute", TOK_ATTRIBUTE },
        { "allow", TOK_ALLOW },
        { "self", TOK_SELF },
    };
    const char *start = c->pos;
    size_t len, keep;

    while (c->pos < c->end && is_name_char(*c->pos))
        c->pos++;
    len = (size_t)(c->pos - start);
    keep = len < MAX_NAME_LEN ? len : MAX_NAME_LEN;
    memcpy(t->text, start, keep);
    t->text[keep] = '\0';

    /* Report a bad name but go on with it: the parser sees a name where
     * one was written, so no further errors follow from it. */
    if (len > MAX_NAME_LEN)
        error(c, t->line, "name '%.20s...' is longer than %d characters", t->text, MAX_NAME_LEN);
    else if (start[0] >= '0' && start[0] <= '9')
        error(c, t->line, "invalid name '%s': a name starts with a letter or '_'", t->text);

    t->kind = TOK_NAME;
    for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
        if (len == strlen(keywords[i].text) && !memcmp(start, keywords[i].text, len))
            t->kind = keywords[i].kind;
}

/* Read the next token into c->tok (c->prev keeps the last one). */
static void advance(struct compiler *c)
{
    struct token *t = &c->tok;

    c->prev = c->tok;
    for (;;) {
        skip_space(c);
        t->line = c->line;
        t->first_on_line = c->at_line_start;
        if (c->pos == c->end) {
            t->kind = TOK_EOF;
            strcpy(t->text, "end of file");
            return;
        }
        c->at_line_start = false;
        if (is_name_char(*c->pos)) {
            lex_word(c, t);
            return;
        }
        t->text[0] = *c->pos;
        t->text[1] = '\0';
        switch (*c->pos++) {
        case '{':
            t->kind = TOK_LBRACE;
            return;
        case '}':
            t->kind = TOK_RBRACE;
            return;
        case ';':
            t->kind = TOK_SEMICOLON;
            return;
        case ':':
            t->kind = TOK_COLON;
            return;
        case ',':
            t->kind = TOK_COMMA;
            return;
        }
        /* Anything else: report it, drop it, and read on. */
        unsigned char bad = (unsigned char)c->pos[-1];
        if (bad > ' ' && bad < 0x7f)
            error(c, t->line, "unexpected character '%c'", bad);
        else
            error(c, t->line, "unexpected character '\\x%02x'", bad);
    }
}

/* --- 2. the parser ------------------------------------------------------------------ */

/* Is the current token a keyword that starts a line? After a syntax error
 * the parser takes it for the beginning of the next statement. */
static bool at_statement_start(const struct compiler *c)
{
    return c->tok.first_on_line &&
           (c->tok.kind == TOK_TYPE || c->tok.kind == TOK_ATTRIBUTE || c->tok.kind == TOK_ALLOW);
}

/*
 * The current token is not the `expected` thing that must follow the last
 * one in a `statement`. The message depends on what is there instead:
 *   the end of the file:            unexpected end of file in <statement>
 *   ';' or the next statement:      missing <expected> after '<last>'
 *   a '}' that closes nothing:      unmatched '}'
 *   anything else:                  expected <expected> after '<last>', found '<it>'
 * "Missing" errors are reported on the line of the last token, where the
 * missing thing belongs.
 */
static void syntax_error(struct compiler *c, const char *expected, const char *statement)
{
    const struct token *t = &c->tok;

    if (t->kind == TOK_EOF)
        error(c, c->prev.line, "unexpected end of file in %s", statement);
    else if (t->kind == TOK_SEMICOLON || at_statement_start(c))
        error(c, c->prev.line, "missing %s after '%s'", expected, c->prev.text);
    else if (t->kind == TOK_RBRACE)
        error(c, t->line, "unmatched '}'");
    else
        error(c, t->line, "expected %s after '%s', found '%s'", expected, c->prev.text, t->text);
}

/* Skip to the end of a statement with a syntax error: past the next ';',
 * or up to a keyword that starts a line. */
static void skip_statement(struct compiler *c)
{
    while (c->tok.kind != TOK_EOF && !at_statement_start(c)) {
        bool semicolon = c->tok.kind == TOK_SEMICOLON;

        advance(c);
        if (semicolon)
            return;
    }
}

/* Consume a token of the given kind, or report that it is missing. */
static bool expect(struct compiler *c, enum token_kind kind, const char *expected,
                   const char *statement)
{
    if (c->tok.kind != kind) {
        syntax_error(c, expected, statement);
        return false;
    }
    advance(c);
    return true;
}

/* Consume a name into *w, or report that it is missing. */
static bool expect_name(struct compiler *c, struct word *w, const char *expected,
                        const char *statement)
{
    if (c->tok.kind != TOK_NAME) {
        syntax_error(c, expected, statement);
        return false;
    }
    strcpy(w->text, c->tok.text);
    w->line = c->tok.line;
    advance(c);
    return true;
}

static void add_to_list(struct statement *s, const struct word *w)
{
    s->list = grow(s->list, &s->cap, s->count + 1, sizeof(*s->list));
    s->list[s->count++] = *w;
}

static void add_statement(struct compiler *c, const struct statement *s)
{
    c->statements = grow(c->statements, &c->cap_statements, c->nr_statements + 1,
                         sizeof(*c->statements));
    c->statements[c->nr_statements++] = *s;
}

/*
 * Each parse_* function starts at the statement's keyword and returns true
 * if the statement was well-formed. A statement whose content was read
 * whole is kept even if its final ';' is missing, so that one slip does not
 * make every later use of its names an error too.
 */

/* type NAME [, ATTR]... ; */
static bool parse_type(struct compiler *c)
{
    const char *what = "type declaration";
    struct statement s = { .kind = STMT_TYPE, .line = c->tok.line };
    struct word w;

    advance(c);
    if (!expect_name(c, &s.name, "a type name", what))
        return false;
    while (c->tok.kind == TOK_COMMA) {
        advance(c);
        if (!expect_name(c, &w, "an attribute name", what)) {
            free(s.list);
            return false;
        }
        add_to_list(&s, &w);
    }
    add_statement(c, &s);
    return expect(c, TOK_SEMICOLON, "';'", what);
}

/* attribute NAME ; */
static bool parse_attribute(struct compiler *c)
{
    const char *what = "attribute declaration";
    struct statement s = { .kind = STMT_ATTRIBUTE, .line = c->tok.line };

    advance(c);
    if (!expect_name(c, &s.name, "an attribute name", what))
        return false;
    add_statement(c, &s);
    return expect(c, TOK_SEMICOLON, "';'", what);
}

/* allow SRC TGT : CLASS PERMS ;   where PERMS is PERM or { PERM ... } */
static bool parse_allow(struct compiler *c)
{
    const char *what = "allow rule";
    struct statement s = { .kind = STMT_ALLOW, .line = c->tok.line };
    struct word w;

    advance(c);
    if (!expect_name(c, &s.name, "a source type or attribute", what))
        return false;
    if (c->tok.kind == TOK_SELF) {
        s.target_self = true;
        strcpy(s.target.text, "self");
        s.target.line = c->tok.line;
        advance(c);
    } else if (!expect_name(c, &s.target, "a target type or attribute", what)) {
        return false;
    }
    if (!expect(c, TOK_COLON, "':'", what) || !expect_name(c, &s.tclass, "a class name", what))
        return false;

    if (c->tok.kind == TOK_NAME) {
        expect_name(c, &w, "a permission", what);
        add_to_list(&s, &w);
    } else if (c->tok.kind == TOK_LBRACE) {
        int open_line = c->tok.line;

        advance(c);
        while (c->tok.kind == TOK_NAME) {
            expect_name(c, &w, "a permission", what);
            add_to_list(&s, &w);
        }
        if (c->tok.kind != TOK_RBRACE) {
            /* Keep the rule: its permissions are all there. */
            syntax_error(c, "'}'", what);
            add_statement(c, &s);
            return false;
        }
        advance(c);
        if (s.count == 0)
            error(c, open_line, "empty permission list");
    } else {
        syntax_error(c, "a permission or '{'", what);
        return false;
    }
    add_statement(c, &s);
    return expect(c, TOK_SEMICOLON, "';'", what);
}

static void parse(struct compiler *c)
{
    advance(c); /* the first token */
    while (c->tok.kind != TOK_EOF) {
        bool ok;

        switch (c->tok.kind) {
        case TOK_TYPE:
            ok = parse_type(c);
            break;
        case TOK_ATTRIBUTE:
            ok = parse_attribute(c);
            break;
        case TOK_ALLOW:
            ok = parse_allow(c);
            break;
        case TOK_RBRACE:
            error(c, c->tok.line, "unmatched '}'");
            advance(c);
            ok = false;
            break;
        default:
            error(c, c->tok.line, "expected 'type', 'attribute' or 'allow', found '%s'",
                  c->tok.text);
            advance(c);
            ok = false;
            break;
        }
        if (!ok)
            skip_statement(c);
    }
}

/* --- 3. the checker ------------------------------------------------------------------ */

static struct symbol *lookup(struct compiler *c, const char *name)
{
    for (size_t i = 0; i < c->nr_symbols; i++)
        if (!strcmp(c->symbols[i].name, name))
            return &c->symbols[i];
    return NULL;
}

static const char *kind_name(enum symbol_kind kind)
{
    return kind == SYM_TYPE ? "type" : "attribute";
}

static void add_type_to(struct symbol *sym, uint16_t type)
{
    /* Types join in ascending order, so a repeat can only be the last one. */
    if (sym->nr_types && sym->types[sym->nr_types - 1] == type)
        return;
    sym->types = grow(sym->types, &sym->cap_types, sym->nr_types + 1, sizeof(*sym->types));
    sym->types[sym->nr_types++] = type;
}

/* Pass 1: declare the name of statement `index`. */
static void declare(struct compiler *c, size_t index)
{
    const struct statement *s = &c->statements[index];
    enum symbol_kind kind = s->kind == STMT_TYPE ? SYM_TYPE : SYM_ATTRIBUTE;
    const struct symbol *old = lookup(c, s->name.text);
    struct symbol *sym;

    if (old && old->kind == kind) {
        error(c, s->name.line, "duplicate declaration of %s '%s' (first declared at line %d)",
              kind_name(kind), s->name.text, old->line);
        return;
    }
    if (old) {
        error(c, s->name.line, "'%s' is already declared as %s %s at line %d", s->name.text,
              old->kind == SYM_TYPE ? "a" : "an", kind_name(old->kind), old->line);
        return;
    }

    c->symbols = grow(c->symbols, &c->cap_symbols, c->nr_symbols + 1, sizeof(*c->symbols));
    sym = &c->symbols[c->nr_symbols++];
    memset(sym, 0, sizeof(*sym));
    strcpy(sym->name, s->name.text);
    sym->kind = kind;
    sym->line = s->name.line;
    sym->statement = index;
    if (kind == SYM_TYPE) {
        if (c->nr_types == FLASK_POLICY_MAX_TYPES && !c->too_many_types) {
            error(c, s->name.line, "too many types (at most %d)", FLASK_POLICY_MAX_TYPES - 1);
            c->too_many_types = true;
        }
        /* Past the limit the type is still declared, so that its uses are
         * not errors too; the policy is not written anyway. */
        add_type_to(sym, (uint16_t)c->nr_types);
        c->nr_types++;
    }
}

/*
 * The symbol a name used in statement `index` stands for, or NULL after an
 * error. `what` says what may be there: "attribute" (then a type is an
 * error) or "type or attribute".
 */
static struct symbol *resolve(struct compiler *c, size_t index, const struct word *w,
                              const char *what)
{
    struct symbol *sym = lookup(c, w->text);

    if (!sym) {
        error(c, w->line, "unknown %s '%s'", what, w->text);
        return NULL;
    }
    if (sym->statement > index) {
        error(c, w->line, "%s '%s' is used before its declaration at line %d", kind_name(sym->kind),
              w->text, sym->line);
        return NULL;
    }
    if (!strcmp(what, "attribute") && sym->kind != SYM_ATTRIBUTE) {
        error(c, w->line, "'%s' is a type, not an attribute", w->text);
        return NULL;
    }
    return sym;
}

/* Pass 2: give the type declared by statement `index` its attributes. */
static void join_attributes(struct compiler *c, size_t index)
{
    const struct statement *s = &c->statements[index];
    const struct symbol *type = lookup(c, s->name.text);

    /* A repeated declaration declared nothing: skip its attributes. */
    if (!type || type->statement != index)
        return;
    for (size_t i = 0; i < s->count; i++) {
        struct symbol *attr = resolve(c, index, &s->list[i], "attribute");

        if (attr)
            add_type_to(attr, type->types[0]);
    }
}

static int find_class(const char *name)
{
    for (int i = 0; i < FLASK_NR_CLASSES; i++)
        if (!strcmp(flask_class_names[i], name))
            return i;
    return -1;
}

/* The bit of permission `name` in class `tclass`, or 0 if it has none. */
static uint32_t find_permission(int tclass, const char *name)
{
    for (int bit = 0; bit < FLASK_MAX_PERMS && flask_perm_names[tclass][bit]; bit++)
        if (!strcmp(flask_perm_names[tclass][bit], name))
            return 1u << bit;
    return 0;
}

/* Record that src may do `perms` to tgt in class tclass. */
static void grant(struct compiler *c, unsigned int src, unsigned int tgt, int tclass,
                  uint32_t perms, int line)
{
    uint32_t *cell = &c->av[((size_t)src * c->nr_types + tgt) * FLASK_NR_CLASSES + tclass];

    if (*cell == 0) {
        if (c->nr_rules == FLASK_POLICY_MAX_RULES) {
            if (!c->too_many_rules)
                error(c, line, "too many rules after expansion (at most %d)",
                      FLASK_POLICY_MAX_RULES);
            c->too_many_rules = true;
            return;
        }
        c->nr_rules++;
    }
    *cell |= perms;
}

/* Pass 3: check allow rule `index` and record what it allows. */
static void allow(struct compiler *c, size_t index)
{
    const struct statement *s = &c->statements[index];
    const struct symbol *src, *tgt = NULL;
    int tclass;
    uint32_t perms = 0;
    bool ok;

    src = resolve(c, index, &s->name, "type or attribute");
    ok = src != NULL;
    if (!s->target_self) {
        tgt = resolve(c, index, &s->target, "type or attribute");
        ok = ok && tgt != NULL;
    }
    tclass = find_class(s->tclass.text);
    if (tclass < 0) {
        error(c, s->tclass.line, "unknown class '%s'", s->tclass.text);
        return; /* its permissions cannot be checked */
    }
    for (size_t i = 0; i < s->count; i++) {
        uint32_t bit = find_permission(tclass, s->list[i].text);

        if (!bit) {
            error(c, s->list[i].line, "unknown permission '%s' in class '%s'", s->list[i].text,
                  s->tclass.text);
            ok = false;
        }
        perms |= bit;
    }
    if (!ok || !c->av || !perms)
        return;

    /* Expand: one triple per source type and target type. */
    for (size_t i = 0; i < src->nr_types; i++) {
        unsigned int s_type = src->types[i];

        if (s->target_self) {
            grant(c, s_type, s_type, tclass, perms, s->line);
            continue;
        }
        for (size_t j = 0; j < tgt->nr_types; j++)
            grant(c, s_type, tgt->types[j], tclass, perms, s->line);
    }
}

/* The types Mica needs the policy to have. */
static void check_default_types(struct compiler *c)
{
    static const char *const required[] = {
        FLASK_DEFAULT_PRIVILEGED_TYPE,
        FLASK_DEFAULT_UNPRIVILEGED_TYPE,
        FLASK_HYPERVISOR_TYPE,
    };
    /* Report what is missing where it would be added: at the end. */
    int last_line = c->prev.line ? c->prev.line : 1;

    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        const struct symbol *sym = lookup(c, required[i]);

        if (!sym)
            error(c, last_line, "the policy does not declare type '%s'", required[i]);
        else if (sym->kind != SYM_TYPE)
            error(c, sym->line, "'%s' must be a type, not an attribute", required[i]);
    }
}

static void check(struct compiler *c)
{
    c->nr_types = 1; /* type 0 is reserved */
    for (size_t i = 0; i < c->nr_statements; i++)
        if (c->statements[i].kind != STMT_ALLOW)
            declare(c, i);
    check_default_types(c);
    for (size_t i = 0; i < c->nr_statements; i++)
        if (c->statements[i].kind == STMT_TYPE)
            join_attributes(c, i);

    /* The matrix is only worth filling for a policy that may be written. */
    if (c->nr_diagnostics == 0) {
        size_t cells = (size_t)c->nr_types * c->nr_types * FLASK_NR_CLASSES;

        c->av = xrealloc(NULL, cells * sizeof(*c->av));
        memset(c->av, 0, cells * sizeof(*c->av));
    }
    for (size_t i = 0; i < c->nr_statements; i++)
        if (c->statements[i].kind == STMT_ALLOW)
            allow(c, i);
}

/* --- 4. the writer ---------------------------------------------------------------------- */

/* The binary format is little-endian whatever the host is. */
static uint8_t *put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    return p + 4;
}

static void write_policy(struct compiler *c, struct policyc_output *out)
{
    size_t strings_size = 1; /* the empty name of type 0 */
    size_t size;
    uint32_t offset;
    uint8_t *p, *strings;

    for (size_t i = 0; i < c->nr_symbols; i++)
        if (c->symbols[i].kind == SYM_TYPE)
            strings_size += strlen(c->symbols[i].name) + 1;
    if (strings_size > FLASK_POLICY_MAX_STRINGS) { /* cannot happen with the limits */
        error(c, 1, "the type names take more than %d bytes", FLASK_POLICY_MAX_STRINGS);
        return;
    }

    size = sizeof(struct flask_policy_header) + (size_t)c->nr_types * sizeof(uint32_t) +
           (size_t)c->nr_rules * sizeof(struct flask_policy_rule) + strings_size;
    out->data = xrealloc(NULL, size);
    out->size = size;
    out->nr_types = c->nr_types;
    out->nr_rules = c->nr_rules;

    /* The header. */
    p = out->data;
    p = put32(p, FLASK_POLICY_MAGIC);
    p = put32(p, FLASK_POLICY_VERSION);
    p = put32(p, c->nr_types);
    p = put32(p, c->nr_rules);
    p = put32(p, (uint32_t)strings_size);
    p = put32(p, FLASK_NR_CLASSES);

    /* The type names: offsets here, the strings at the end. */
    strings = out->data + size - strings_size;
    strings[0] = '\0';
    offset = 1;
    p = put32(p, 0);
    for (size_t i = 0; i < c->nr_symbols; i++) {
        const struct symbol *sym = &c->symbols[i];

        if (sym->kind != SYM_TYPE)
            continue;
        p = put32(p, offset);
        memcpy(strings + offset, sym->name, strlen(sym->name) + 1);
        offset += (uint32_t)strlen(sym->name) + 1;
    }

    /* The rules: the nonzero cells of the matrix, in (src, tgt, class) order. */
    for (unsigned int src = 1; src < c->nr_types; src++) {
        for (unsigned int tgt = 1; tgt < c->nr_types; tgt++) {
            for (int tclass = 0; tclass < FLASK_NR_CLASSES; tclass++) {
                uint32_t perms =
                    c->av[((size_t)src * c->nr_types + tgt) * FLASK_NR_CLASSES + tclass];

                if (!perms)
                    continue;
                p = put16(p, (uint16_t)src);
                p = put16(p, (uint16_t)tgt);
                p = put16(p, (uint16_t)tclass);
                p = put16(p, 0);
                p = put32(p, perms);
            }
        }
    }
}

/* --- the compiler core --------------------------------------------------------------------- */

/* Errors in line order (a stable insertion sort: they come nearly sorted). */
static void sort_diagnostics(struct compiler *c)
{
    for (size_t i = 1; i < c->nr_diagnostics; i++) {
        struct diagnostic d = c->diagnostics[i];
        size_t j = i;

        for (; j > 0 && c->diagnostics[j - 1].line > d.line; j--)
            c->diagnostics[j] = c->diagnostics[j - 1];
        c->diagnostics[j] = d;
    }
}

static void report(const struct compiler *c, char *errbuf, size_t errlen)
{
    size_t used = 0;

    if (!errbuf || errlen == 0)
        return;
    errbuf[0] = '\0';
    for (size_t i = 0; i < c->nr_diagnostics; i++) {
        const struct diagnostic *d = &c->diagnostics[i];
        int n = snprintf(errbuf + used, errlen - used, "%s:%d: error: %s\n", c->filename, d->line,
                         d->message);

        if (n < 0 || (size_t)n >= errlen - used) {
            errbuf[used] = '\0'; /* only whole lines */
            return;
        }
        used += (size_t)n;
    }
}

static void free_compiler(struct compiler *c)
{
    for (size_t i = 0; i < c->nr_statements; i++)
        free(c->statements[i].list);
    free(c->statements);
    for (size_t i = 0; i < c->nr_symbols; i++)
        free(c->symbols[i].types);
    free(c->symbols);
    for (size_t i = 0; i < c->nr_diagnostics; i++)
        free(c->diagnostics[i].message);
    free(c->diagnostics);
    free(c->av);
}

int policyc_compile(const char *filename, const char *source, size_t len,
                    struct policyc_output *out, char *errbuf, size_t errlen)
{
    struct compiler c = {
        .filename = filename,
        .pos = source,
        .end = source + len,
        .line = 1,
        .at_line_start = true,
    };
    int errors;

    memset(out, 0, sizeof(*out));
    parse(&c);
    check(&c);
    if (c.nr_diagnostics == 0)
        write_policy(&c, out);
    sort_diagnostics(&c);
    report(&c, errbuf, errlen);
    errors = (int)c.nr_diagnostics;
    free_compiler(&c);
    return errors;
}

void policyc_output_free(struct policyc_output *out)
{
    free(out->data);
    memset(out, 0, sizeof(*out));
}

char *policyc_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0;

    *len = 0;
    if (!f)
        return NULL;
    for (;;) {
        size_t n;

        data = grow(data, &cap, *len + 4096, 1);
        n = fread(data + *len, 1, cap - *len, f);
        *len += n;
        if (n == 0)
            break; /* the last read left room for the NUL */
    }
    if (ferror(f)) {
        free(data);
        data = NULL;
    } else {
        data[*len] = '\0';
    }
    fclose(f);
    return data;
}

/* --- the command line ---------------------------------------------------------------------------- */

#ifndef POLICYC_NO_MAIN

static int usage(void)
{
    fputs("usage: policyc SOURCE.te -o OUT.bin\n"
          "Compile a Mica FLASK policy (see the top of tools/policyc.c).\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    const char *source_path = NULL, *out_path = NULL;
    struct policyc_output out;
    size_t errlen = 1 << 20, len;
    char *source, *errbuf;
    bool written;
    FILE *f;
    int errors;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out_path = argv[++i];
        else if (argv[i][0] != '-' && !source_path)
            source_path = argv[i];
        else
            return usage();
    }
    if (!source_path || !out_path)
        return usage();

    source = policyc_read_file(source_path, &len);
    if (!source) {
        perror(source_path);
        return 1;
    }
    errbuf = xrealloc(NULL, errlen);
    errors = policyc_compile(source_path, source, len, &out, errbuf, errlen);
    fputs(errbuf, stderr);
    free(errbuf);
    free(source);
    if (errors) {
        fprintf(stderr, "policyc: %d error%s, %s not written\n", errors, errors == 1 ? "" : "s",
                out_path);
        return 1;
    }

    f = fopen(out_path, "wb");
    if (!f) {
        perror(out_path);
        policyc_output_free(&out);
        return 1;
    }
    written = fwrite(out.data, 1, out.size, f) == out.size;
    if (fclose(f) != 0)
        written = false;
    if (!written) {
        perror(out_path);
        remove(out_path);
        policyc_output_free(&out);
        return 1;
    }
    policyc_output_free(&out);
    return 0;
}

#endif
