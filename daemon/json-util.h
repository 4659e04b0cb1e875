/* SPDX-License-Identifier: MIT */
/* daemon/json-util.h: jansson helpers shared by the daemon and crashctl.
 * Text that comes from dumps need not be UTF-8, and jansson refuses what
 * is not: json_string_lossy() turns bad bytes into U+FFFD instead. */
#pragma once

#include <jansson.h>
#include <stdint.h>

/* json_stringn(s, strlen(s)) and json_null(), under names that can never
 * meet another JSON writer's in a program that links both. */
json_t *json_util_string(const char *s);        /* json_stringn(s, strlen(s)) */
json_t *json_util_null(void);

/* NULL gives JSON null. Never returns NULL except out of memory. */
json_t *json_string_lossy(const char *s);
/* "2023-11-14T22:13:20.123456Z" from nanoseconds since the epoch. */
void format_iso_time(uint64_t ns, char *buf, size_t size);
/* Reads an integer member; def if missing or not an integer. */
int64_t json_get_int(const json_t *o, const char *key, int64_t def);
/* A string member or NULL. */
const char *json_get_str(const json_t *o, const char *key);
