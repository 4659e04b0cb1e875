/* SPDX-License-Identifier: MIT */
/* dumper/safe.h: helpers for code that runs in a signal handler or in the
 * dumper's forked child. Each one only uses raw system calls and the
 * caller's memory: no malloc, no stdio, no locale, no locks. Byte loops go
 * through volatile pointers so the compiler can't turn them into memcpy or
 * memset calls that a sanitizer would intercept. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

pid_t safe_gettid(void);
uint64_t safe_now_ns(int clock_id);

void safe_memcpy(void *dst, const void *src, size_t n);
void safe_memset(void *dst, int c, size_t n);
size_t safe_strlen(const char *s);
size_t safe_strnlen(const char *s, size_t max);
/* Copies at most size-1 bytes and always NUL-terminates (size > 0). */
size_t safe_strlcpy(char *dst, const char *src, size_t size);
/* Appends src to the NUL-terminated dst, cutting to size. */
size_t safe_strlcat(char *dst, const char *src, size_t size);
bool safe_streq(const char *a, const char *b);
bool safe_startswith(const char *s, const char *prefix);

/* Decimal and hex formatting into buf (at least 21 bytes); returns length. */
size_t safe_fmt_u64(char *buf, uint64_t v);
size_t safe_fmt_hex(char *buf, uint64_t v);
/* Parses digits at *p, advancing it; returns false when there are none. */
bool safe_parse_u64(const char **p, const char *end, unsigned base, uint64_t *ret);

/* Reads a whole file into buf (cut at cap); returns the length or -errno. */
ssize_t safe_read_file(const char *path, void *buf, size_t cap);
/* Reads len bytes at addr in process pid without faulting, as far as they
 * are mapped; returns how many bytes were read from addr on. */
size_t safe_read_memory(pid_t pid, uint64_t addr, void *buf, size_t len);
