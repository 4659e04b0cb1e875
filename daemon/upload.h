/* SPDX-License-Identifier: MIT */
/* daemon/upload.h: minidumps that other hosts POST to crashd's HTTP server
 * (http-server.c), as Breakpad's and Crashpad's clients send them:
 * multipart/form-data with the dump in `upload_file_minidump` and
 * annotation fields (prod, ver, guid, ptime, ...), optionally the whole
 * body gzip'ed; or a raw body (or a multipart part) holding a crashd
 * .dmp.zst or a plain minidump.
 *
 * The annotations become the dump's tags (a CrashdTags stream, as
 * CRASHD_TAGS would have made them), so every report and forward shows
 * them. The result goes into the spool as UPLOAD.dmp.zst, 0600, owned by
 * crashd's uid (temp file, then rename), and the pipeline stores and
 * symbolicates it like any dump. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "crashd-streams.h"

struct daemon;

/* HTTP-like outcomes: 0, or -EBADMSG (400: not a form, no dump, not a
 * minidump), -EFBIG (413: past a cap), -ENOSPC/-EIO/-ENOMEM (503: our
 * side; the client should retry). err gets one line either way; ret_name
 * the spool file's name. peer names the sender: the crash's upload_from field
 * (may be NULL). */
int upload_receive(struct daemon *d, const uint8_t *body, size_t len, const char *content_type,
                   const char *content_encoding, const char *peer, char *ret_name, size_t name_size, char *err,
                   size_t errlen);

#define UPLOAD_MAX_TAGS 64

/* Pure helpers, for the tests. */
/* Adds tags to a plain minidump: a new CrashdTags stream (the dump's own
 * tags first, then these unless the dump has the key) and a new stream
 * directory at the end; the header points at them. -EBADMSG if dump is
 * not a minidump whose directory lies inside it. */
int upload_add_tags(const uint8_t *dump, size_t size, const struct proto_tag *tags, size_t n_tags, uint8_t **ret,
                    size_t *ret_size);
/* Inflates gzip or zlib data, at most max bytes (-EFBIG past it; -EBADMSG
 * when it is not valid). */
int upload_gunzip(const uint8_t *in, size_t n, size_t max, uint8_t **ret, size_t *ret_size);
