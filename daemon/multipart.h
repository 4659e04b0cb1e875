/* SPDX-License-Identifier: MIT */
/* daemon/multipart.h: a parser for multipart/form-data bodies (RFC 7578),
 * as Breakpad's and Crashpad's clients and `curl -F` send them. Pure
 * functions over a buffer in memory: no allocation, no I/O, no logging;
 * every byte is hostile (tests/fuzz/fuzz-multipart.c).
 *
 * A part's data points into the body (no copy); its name, filename and
 * content type are copied, NUL-terminated and cut at their buffers' size
 * (a longer one makes the part's *_truncated flag true). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MULTIPART_BOUNDARY_MAX 200      /* RFC 2046 says 70; some clients use more */
#define MULTIPART_NAME_MAX 128
#define MULTIPART_FILENAME_MAX 256
#define MULTIPART_TYPE_MAX 128

struct multipart_part {
        char name[MULTIPART_NAME_MAX];          /* Content-Disposition's name= ("" if none) */
        char filename[MULTIPART_FILENAME_MAX];  /* filename= ("" if none) */
        char content_type[MULTIPART_TYPE_MAX];  /* "" if none */
        bool has_filename;
        bool name_truncated, filename_truncated;
        const uint8_t *data;                    /* into the body */
        size_t size;
};

struct multipart_limits {
        size_t max_parts;               /* more is -E2BIG */
        size_t max_header_size;         /* one part's header block; more is -EBADMSG */
        size_t max_part_size;           /* one part's data; more is -EFBIG */
};

/* Called once per part, in order. A negative return stops the parse and
 * is returned by multipart_parse(). */
typedef int (*multipart_part_fn)(const struct multipart_part *p, void *userdata);

/* Takes the boundary out of a Content-Type header value such as
 * `multipart/form-data; boundary="abc"`. Writes it NUL-terminated into buf
 * and returns its length, or -EINVAL (not multipart/form-data, no
 * boundary, or a boundary that is empty, too long, or has bytes RFC 2046
 * does not allow). */
int multipart_boundary(const char *content_type, char *buf, size_t size);

/* Parses body with boundary. Returns the number of parts, or -EBADMSG
 * (malformed or truncated: no final delimiter), -E2BIG, -EFBIG, or what
 * fn returned. */
int multipart_parse(const uint8_t *body, size_t len, const char *boundary, const struct multipart_limits *limits,
                    multipart_part_fn fn, void *userdata);
