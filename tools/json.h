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

struct json {
        FILE *f;
        unsigned depth;
        bool has_items[JSON_MAX_DEPTH]; /* a comma is due before the next item */
        bool after_key;                 /* the next value completes a "key": */
};

void json_init(struct json *j, FILE *f);
void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
void json_key(struct json *j, const char *key);

void json_string(struct json *j, const char *s);                 /* NULL: null */
void json_string_n(struct json *j, const char *s, size_t n);     /* may hold NULs */
void json_uint(struct json *j, uint64_t v);
void json_int(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
void json_hex(struct json *j, uint64_t v);                       /* "0x1f" */
/* Ends the document with a newline. */
void json_finish(struct json *j);
