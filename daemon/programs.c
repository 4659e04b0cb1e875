/* SPDX-License-Identifier: MIT */
/* daemon/programs.c: see programs.h. */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "programs.h"

#define PROGRAMS_MAX 256
#define GLOB_MAX 1024

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...) {
        va_list ap;

        if (!err || !errlen)
                return;
        va_start(ap, fmt);
        (void) vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
}

static void strv_free(char **l) {
        for (char **p = l; p && *p; p++)
                free(*p);
        free(l);
}

struct programs *programs_new(void) {
        struct programs *p = calloc(1, sizeof(*p));

        if (p)
                atomic_init(&p->refs, 1);
        return p;
}

struct programs *programs_ref(struct programs *p) {
        if (p)
                atomic_fetch_add(&p->refs, 1);
        return p;
}

void programs_unref(struct programs *p) {
        if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
                return;
        for (size_t i = 0; i < p->n; i++) {
                struct program_rule *r = &p->rules[i];

                free(r->pattern);
                free(r->sentry_dsn);
                strv_free(r->mask_names);
                strv_free(r->tags);
        }
        free(p->rules);
        free(p);
}

int programs_add(struct programs *p, const char *glob, char *err, size_t errlen) {
        struct program_rule *grown;

        if (!*glob || strlen(glob) > GLOB_MAX) {
                set_err(err, errlen, "[program GLOB]: %s", *glob ? "the pattern is too long" : "no pattern");
                return -EINVAL;
        }
        if (p->n >= PROGRAMS_MAX) {
                set_err(err, errlen, "more than %d [program] sections", PROGRAMS_MAX);
                return -EINVAL;
        }
        grown = realloc(p->rules, (p->n + 1) * sizeof(*grown));
        if (!grown)
                return -ENOMEM;
        p->rules = grown;
        p->rules[p->n] = (struct program_rule) { .collect = -1, .loop_keep = -1, .sentry_max_per_group = -1 };
        p->rules[p->n].pattern = strdup(glob);
        if (!p->rules[p->n].pattern)
                return -ENOMEM;
        p->n++;
        return 0;
}

/* "a, b ,c" -> {"a", "b", "c", NULL}; empty items dropped. */
static int split_csv(const char *s, char ***ret) {
        size_t n = 0, cap = 8;
        char **l = calloc(cap + 1, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (const char *b = s; *b;) {
                const char *e = strchrnul(b, ','), *t = e;

                while (*b == ' ' || *b == '\t')
                        b++;
                while (t > b && (t[-1] == ' ' || t[-1] == '\t'))
                        t--;
                if (t > b) {
                        if (n == cap) {
                                char **g = realloc(l, (2 * cap + 1) * sizeof(char *));

                                if (!g) {
                                        strv_free(l);
                                        return -ENOMEM;
                                }
                                l = g;
                                cap *= 2;
                        }
                        if (!(l[n++] = strndup(b, (size_t) (t - b)))) {
                                strv_free(l);
                                return -ENOMEM;
                        }
                        l[n] = NULL;
                }
                b = *e ? e + 1 : e;
        }
        *ret = l;
        return 0;
}

static int parse_count(const char *key, const char *value, int64_t *ret, char *err, size_t errlen) {
        char *end;
        long long v;

        errno = 0;
        v = strtoll(value, &end, 10);
        if (errno || end == value || *end || v < 0 || v > 1000000) {
                set_err(err, errlen, "%s: '%s' is not a number from 0 to 1000000", key, value);
                return -EINVAL;
        }
        *ret = v;
        return 0;
}

int programs_set(struct programs *p, const char *key, const char *value, char *err, size_t errlen) {
        struct program_rule *r;
        char **l = NULL;
        int k;

        if (p->n == 0)
                return -ENOENT;
        r = &p->rules[p->n - 1];
        if (strcmp(key, "collect") == 0) {
                bool b;

                if (config_parse_bool(value, &b) < 0) {
                        set_err(err, errlen, "collect: '%s' is not yes or no", value);
                        return -EINVAL;
                }
                r->collect = b;
                return 0;
        }
        if (strcmp(key, "sentry_dsn") == 0) {
                char *copy = strdup(value);

                if (!copy)
                        return -ENOMEM;
                free(r->sentry_dsn);
                r->sentry_dsn = copy;
                return 0;
        }
        if (strcmp(key, "mask_names") == 0 || strcmp(key, "tags") == 0) {
                k = split_csv(value, &l);
                if (k < 0)
                        return k;
                if (key[0] == 't')
                        for (char **t = l; *t; t++) {
                                const char *eq = strchr(*t, '=');

                                if (!eq || eq == *t || (size_t) (eq - *t) > 63 || strlen(eq + 1) > 191) {
                                        set_err(err, errlen, "tags: '%s' is not KEY=VALUE (keys up to 63 bytes, "
                                                "values up to 191)", *t);
                                        strv_free(l);
                                        return -EINVAL;
                                }
                        }
                if (key[0] == 'm') {
                        strv_free(r->mask_names);
                        r->mask_names = l;
                } else {
                        strv_free(r->tags);
                        r->tags = l;
                }
                return 0;
        }
        if (strcmp(key, "loop_keep") == 0)
                return parse_count(key, value, &r->loop_keep, err, errlen);
        if (strcmp(key, "sentry_max_per_group") == 0)
                return parse_count(key, value, &r->sentry_max_per_group, err, errlen);
        set_err(err, errlen, "'%s' cannot be set in a [program] section (collect, sentry_dsn, mask_names, tags, "
                "loop_keep, sentry_max_per_group can)", key);
        return -ENOENT;
}

static bool glob_matches(const char *pattern, const char *s) {
        return s && fnmatch(pattern, s, 0) == 0;
}

const struct program_rule *programs_match(const struct programs *p, const char *exe, const char *comm) {
        const char *base = exe ? strrchr(exe, '/') : NULL;

        base = base ? base + 1 : exe;
        for (size_t i = 0; p && i < p->n; i++) {
                const struct program_rule *r = &p->rules[i];

                if (strchr(r->pattern, '/') ? glob_matches(r->pattern, exe)
                                            : glob_matches(r->pattern, base) || glob_matches(r->pattern, comm))
                        return r;
        }
        return NULL;
}

bool programs_any_dsn(const struct programs *p) {
        for (size_t i = 0; p && i < p->n; i++)
                if (p->rules[i].sentry_dsn && p->rules[i].sentry_dsn[0])
                        return true;
        return false;
}

static void dump_list(FILE *f, const char *key, char **l) {
        if (!l)
                return;
        fprintf(f, "%s = ", key);
        for (size_t i = 0; l[i]; i++)
                fprintf(f, "%s%s", i ? "," : "", l[i]);
        fputc('\n', f);
}

void programs_dump(const struct programs *p, FILE *f) {
        for (size_t i = 0; p && i < p->n; i++) {
                const struct program_rule *r = &p->rules[i];

                fprintf(f, "\n[program %s]\n", r->pattern);
                if (r->collect >= 0)
                        fprintf(f, "collect = %s\n", r->collect ? "yes" : "no");
                if (r->sentry_dsn)
                        fprintf(f, "sentry_dsn = %s\n", r->sentry_dsn);
                dump_list(f, "mask_names", r->mask_names);
                dump_list(f, "tags", r->tags);
                if (r->loop_keep >= 0)
                        fprintf(f, "loop_keep = %" PRId64 "\n", r->loop_keep);
                if (r->sentry_max_per_group >= 0)
                        fprintf(f, "sentry_max_per_group = %" PRId64 "\n", r->sentry_max_per_group);
        }
}
