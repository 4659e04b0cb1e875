/* SPDX-License-Identifier: MIT */
/* proto/writer.h: builds a minidump in memory mapped once, then streams it
 * through zstd into a file. Everything here is async-signal-safe once the
 * memory is mapped: no malloc, no stdio, no locks, only mmap/write syscalls.
 * The dumper's forked child uses it at crash time; tests use it to make
 * dumps from synthetic data. Functions return 0 or a negative errno. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A byte buffer in one anonymous mapping (MAP_NORESERVE: untouched pages cost
 * nothing). It never moves, so pointers into it stay valid while it grows. */
struct proto_buf {
        uint8_t *data;
        size_t size;            /* bytes used */
        size_t capacity;        /* bytes mapped; at most 4 GiB (32-bit RVAs) */
        size_t dirty;           /* bytes ever handed out; above it pages are still zero */
};

int proto_buf_map(struct proto_buf *b, size_t capacity);
void proto_buf_unmap(struct proto_buf *b);

/* Reserves n zeroed bytes at an offset aligned to align (a power of two) and
 * returns a pointer to them, or NULL when they don't fit. *ret_rva, if not
 * NULL, gets their offset from the start of the buffer. */
void *proto_buf_reserve(struct proto_buf *b, size_t n, size_t align, uint32_t *ret_rva);
/* Gives back the end of the buffer from offset `from` on, after a
 * reservation that started when dirty was `dirty_before` and of which
 * nothing past `from` was written: those bytes need no clearing later. */
void proto_buf_give_back(struct proto_buf *b, size_t from, size_t dirty_before);
int proto_buf_append(struct proto_buf *b, const void *data, size_t n, size_t align, uint32_t *ret_rva);

struct proto_writer {
        struct proto_buf *buf;
        uint32_t directory_rva;
        uint32_t max_streams;
        uint32_t n_streams;
};

/* Writes the header and room for max_streams directory entries. */
int proto_writer_begin(struct proto_writer *w, struct proto_buf *b, uint32_t max_streams,
                       uint32_t time_date_stamp);
/* Points the next directory entry at bytes already in the buffer. */
int proto_writer_add_stream(struct proto_writer *w, uint32_t type, uint32_t rva, uint32_t size);
/* Copies data into the buffer and adds it as a stream. */
int proto_writer_add_blob(struct proto_writer *w, uint32_t type, const void *data, size_t size);
/* Writes an md_string (UTF-16LE) from UTF-8 text; bytes that are not valid
 * UTF-8 become U+FFFD. */
int proto_writer_string(struct proto_writer *w, const char *s, size_t len, uint32_t *ret_rva);
/* Fills in the stream count; unused directory slots stay MD_STREAM_UNUSED. */
int proto_writer_finish(struct proto_writer *w);

/* write(2) until all n bytes are out, through EINTR and short writes;
 * 0 or -errno. Async-signal-safe. */
int proto_write_all(int fd, const void *buf, size_t n);

/* zstd, without malloc: the caller maps a workspace of
 * proto_zstd_workspace_size() bytes ahead of time. */
/* Level 1: a dump compresses about 9x either way, and level 1 takes half
 * the time of 3 in the crash path. */
#define PROTO_ZSTD_LEVEL 1
size_t proto_zstd_workspace_size(void);
/* Compresses src into fd as one zstd frame. The workspace is reused. */
int proto_zstd_write(int fd, const void *src, size_t n, void *workspace, size_t workspace_size);
