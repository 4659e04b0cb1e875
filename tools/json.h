/* SPDX-License-Identifier: MIT */
/* tools/json.h: a small streaming JSON writer, indented two spaces a level.
 * Strings are escaped and their bytes checked: what is not valid UTF-8 comes
 * out as U+FFFD, so the output always parses. Nesting beyond JSON_MAX_DEPTH
 * is a programming error (assert). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct jw {
        FILE *f;
        unsigned depth;
        bool has_items[JSON_MAX_DEPTH]; /* a comma is due before the next item */
        bool after_key;                 /* the next value completes a "key": */
};

void jw_init(struct jw *j, FILE *f);
void jw_object_begin(struct jw *j);
void jw_object_end(struct jw *j);
void jw_array_begin(struct jw *j);
void jw_array_end(struct jw *j);
void jw_key(struct jw *j, const char *key);

void jw_string(struct jw *j, const char *s);                 /* NULL: null */
void jw_string_n(struct jw *j, const char *s, size_t n);     /* may hold NULs */
void jw_uint(struct jw *j, uint64_t v);
void jw_int(struct jw *j, int64_t v);
void jw_bool(struct jw *j, bool v);
void jw_null(struct jw *j);
void jw_hex(struct jw *j, uint64_t v);                       /* "0x1f" */
/* Ends the document with a newline. */
void jw_finish(struct jw *j);
