/* SPDX-License-Identifier: MIT */
/* daemon/upload-codec.c: upload.c's pure helpers (upload.h): tags added
 * to a minidump, and gzip inflated with a cap. No I/O, no logging; the
 * input is hostile and every offset is checked against its size. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "upload.h"
#include "util.h"

#define MDMP_MAGIC "MDMP"
#define MAX_STREAMS 4096                /* far more than any dump has; a bound for the copy */

static uint32_t get32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) v;
        p[1] = (uint8_t) (v >> 8);
        p[2] = (uint8_t) (v >> 16);
        p[3] = (uint8_t) (v >> 24);
}

int upload_add_tags(const uint8_t *dump, size_t size, const struct proto_tag *tags, size_t n_tags, uint8_t **ret,
                    size_t *ret_size) {
        uint32_t n_streams, dir_rva, old_count = 0;
        const uint8_t *old_tags = NULL;
        size_t n_out = 0, off, stream_size, total;
        _cleanup_free_ struct proto_tag *merged = NULL;
        uint8_t *out;

        if (size < 32 || memcmp(dump, MDMP_MAGIC, 4) != 0)
                return -EBADMSG;
        n_streams = get32(dump + 8);
        dir_rva = get32(dump + 12);
        if (n_streams > MAX_STREAMS || dir_rva > size || (size_t) n_streams * 12 > size - dir_rva)
                return -EBADMSG;
        /* The dump's own tags, if any (the last CrashdTags entry wins, as
         * the reader takes one). */
        for (uint32_t i = 0; i < n_streams; i++) {
                const uint8_t *e = dump + dir_rva + (size_t) i * 12;
                uint32_t type = get32(e), data_size = get32(e + 4), rva = get32(e + 8);

                if (type != PROTO_STREAM_TAGS)
                        continue;
                if (rva > size || data_size > size - rva || data_size < 8 || get32(dump + rva + 4) != 256)
                        return -EBADMSG;
                old_count = get32(dump + rva);
                if (old_count > (data_size - 8) / 256)
                        return -EBADMSG;
                old_tags = dump + rva + 8;
        }
        merged = calloc((size_t) old_count + n_tags + 1, sizeof(*merged));
        if (!merged)
                return -ENOMEM;
        for (uint32_t i = 0; i < old_count; i++) {
                memcpy(&merged[n_out], old_tags + (size_t) i * 256, 256);
                merged[n_out].key[PROTO_TAG_KEY_MAX - 1] = 0;
                merged[n_out].value[PROTO_TAG_VALUE_MAX - 1] = 0;
                n_out++;
        }
        for (size_t i = 0; i < n_tags; i++) {
                bool dup = false;

                for (size_t j = 0; j < n_out && !dup; j++)
                        dup = strncmp(merged[j].key, tags[i].key, PROTO_TAG_KEY_MAX) == 0;
                if (!dup)
                        merged[n_out++] = tags[i];
        }

        /* old file, padding to 4, the stream, the new directory. */
        off = (size + 3) & ~(size_t) 3;
        stream_size = 8 + n_out * 256;
        total = off + stream_size + ((size_t) n_streams + 1) * 12;
        if (total > UINT32_MAX)
                return -EFBIG;
        out = calloc(1, total);
        if (!out)
                return -ENOMEM;
        memcpy(out, dump, size);
        put32(out + off, (uint32_t) n_out);
        put32(out + off + 4, 256);
        memcpy(out + off + 8, merged, n_out * 256);
        {
                uint8_t *dir = out + off + stream_size;
                uint32_t k = 0;

                for (uint32_t i = 0; i < n_streams; i++) {
                        const uint8_t *e = dump + dir_rva + (size_t) i * 12;

                        if (get32(e) == PROTO_STREAM_TAGS)
                                continue;
                        memcpy(dir + (size_t) k++ * 12, e, 12);
                }
                put32(dir + (size_t) k * 12, PROTO_STREAM_TAGS);
                put32(dir + (size_t) k * 12 + 4, (uint32_t) stream_size);
                put32(dir + (size_t) k * 12 + 8, (uint32_t) off);
                k++;
                put32(out + 8, k);
                put32(out + 12, (uint32_t) (off + stream_size));
                total = off + stream_size + (size_t) k * 12;
        }
        *ret = out;
        *ret_size = total;
        return 0;
}

int upload_gunzip(const uint8_t *in, size_t n, size_t max, uint8_t **ret, size_t *ret_size) {
        z_stream z = {};
        size_t cap = n * 4 < 65536 ? 65536 : n * 4, len = 0;
        uint8_t *out;
        int zr, r;

        if (cap > max + 1)
                cap = max + 1;
        out = malloc(cap);
        if (!out)
                return -ENOMEM;
        /* 15 + 32: a gzip or zlib header, detected. */
        if (inflateInit2(&z, 15 + 32) != Z_OK) {
                free(out);
                return -ENOMEM;
        }
        z.next_in = (Bytef *) in;
        z.avail_in = (uInt) (n > UINT32_MAX ? UINT32_MAX : n);
        if (n > UINT32_MAX) {
                r = -EFBIG;
                goto fail;
        }
        for (;;) {
                if (len == cap) {
                        uint8_t *p;

                        if (cap > max) {
                                r = -EFBIG;
                                goto fail;
                        }
                        cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
                        p = realloc(out, cap);
                        if (!p) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        out = p;
                }
                z.next_out = out + len;
                z.avail_out = (uInt) (cap - len);
                zr = inflate(&z, Z_NO_FLUSH);
                len = cap - z.avail_out;
                if (zr == Z_STREAM_END)
                        break;
                if (zr == Z_BUF_ERROR && z.avail_in == 0) {
                        r = -EBADMSG;   /* truncated */
                        goto fail;
                }
                if (zr != Z_OK && zr != Z_BUF_ERROR) {
                        r = zr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
                        goto fail;
                }
        }
        if (len > max) {
                r = -EFBIG;
                goto fail;
        }
        inflateEnd(&z);
        *ret = out;
        *ret_size = len;
        return 0;
fail:
        inflateEnd(&z);
        free(out);
        return r;
}

