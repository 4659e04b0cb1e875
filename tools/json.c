/* SPDX-License-Identifier: MIT */
#include "json.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "utf8.h"

void jw_init(struct jw *j, FILE *f) {
        memset(j, 0, sizeof(*j));
        j->f = f;
}

static void indent(struct jw *j) {
        fputc('\n', j->f);
        for (unsigned i = 0; i < j->depth; i++)
                fputs("  ", j->f);
}

/* Before any value or key: the comma and line break its position needs. */
static void item(struct jw *j) {
        if (j->after_key) {
                j->after_key = false;
                return;
        }
        if (j->depth == 0)
                return;
        if (j->has_items[j->depth - 1])
                fputc(',', j->f);
        j->has_items[j->depth - 1] = true;
        indent(j);
}

static void container_begin(struct jw *j, char c) {
        item(j);
        fputc(c, j->f);
        assert(j->depth < JSON_MAX_DEPTH);
        j->has_items[j->depth++] = false;
}

static void container_end(struct jw *j, char c) {
        assert(j->depth > 0 && !j->after_key);
        if (j->has_items[--j->depth])
                indent(j);
        fputc(c, j->f);
}

void jw_object_begin(struct jw *j) { container_begin(j, '{'); }
void jw_object_end(struct jw *j) { container_end(j, '}'); }
void jw_array_begin(struct jw *j) { container_begin(j, '['); }
void jw_array_end(struct jw *j) { container_end(j, ']'); }

static void put_escaped(FILE *f, const char *s, size_t n) {
        const uint8_t *p = (const uint8_t *) s;

        fputc('"', f);
        for (size_t i = 0; i < n;) {
                uint32_t c;
                size_t k = utf8_next(p + i, n - i, &c);

                if (k == 0) {
                        fputs("\\ufffd", f);
                        i++;
                        continue;
                }
                switch (c) {
                case '"':  fputs("\\\"", f); break;
                case '\\': fputs("\\\\", f); break;
                case '\n': fputs("\\n", f); break;
                case '\r': fputs("\\r", f); break;
                case '\t': fputs("\\t", f); break;
                case '\b': fputs("\\b", f); break;
                case '\f': fputs("\\f", f); break;
                default:
                        if (c < 0x20 || c == 0x7f)
                                fprintf(f, "\\u%04x", (unsigned) c);
                        else
                                fwrite(p + i, 1, k, f);
                }
                i += k;
        }
        fputc('"', f);
}

void jw_key(struct jw *j, const char *key) {
        assert(j->depth > 0 && !j->after_key);
        item(j);
        put_escaped(j->f, key, strlen(key));
        fputs(": ", j->f);
        j->after_key = true;
}

void jw_string_n(struct jw *j, const char *s, size_t n) {
        item(j);
        put_escaped(j->f, s, n);
}

void jw_string(struct jw *j, const char *s) {
        if (!s)
                jw_null(j);
        else
                jw_string_n(j, s, strlen(s));
}

void jw_uint(struct jw *j, uint64_t v) {
        item(j);
        fprintf(j->f, "%" PRIu64, v);
}

void jw_int(struct jw *j, int64_t v) {
        item(j);
        fprintf(j->f, "%" PRId64, v);
}

void jw_bool(struct jw *j, bool v) {
        item(j);
        fputs(v ? "true" : "false", j->f);
}

void jw_null(struct jw *j) {
        item(j);
        fputs("null", j->f);
}

void jw_hex(struct jw *j, uint64_t v) {
        item(j);
        fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

void jw_finish(struct jw *j) {
        assert(j->depth == 0);
        fputc('\n', j->f);
}
