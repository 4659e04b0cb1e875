/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz-multipart.c: any bytes through crashd's multipart/form-data
 * parser (daemon/multipart.c). The input is a Content-Type header value up
 * to the first newline, then the body. Every part's data must lie inside
 * the body, and its strings must be NUL-terminated within their buffers.
 * Each part's data also goes through upload_add_tags() (daemon/
 * upload-codec.c), which rewrites a minidump's stream directory: what it
 * makes must be a minidump whose directory lies inside it. */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"
#include "upload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
        const uint8_t *body;
        size_t len, parts;
        volatile uint8_t sink;
};

static int on_part(const struct multipart_part *p, void *userdata) {
        struct ctx *c = userdata;

        assert(p->data >= c->body && p->size <= c->len && (size_t) (p->data - c->body) <= c->len - p->size);
        assert(memchr(p->name, 0, sizeof(p->name)));
        assert(memchr(p->filename, 0, sizeof(p->filename)));
        assert(memchr(p->content_type, 0, sizeof(p->content_type)));
        if (p->size > 0)
                c->sink ^= p->data[0] ^ p->data[p->size - 1];
        {
                struct proto_tag tag = { .key = "prod", .value = "fuzz" };
                uint8_t *out = NULL;
                size_t n = 0;
                int r = upload_add_tags(p->data, p->size, &tag, 1, &out, &n);

                assert(r == 0 || r == -EBADMSG || r == -ENOMEM || r == -EFBIG);
                if (r == 0) {
                        uint32_t streams, rva;

                        memcpy(&streams, out + 8, 4);
                        memcpy(&rva, out + 12, 4);
                        assert(n >= 32 && memcmp(out, "MDMP", 4) == 0 && rva <= n && (size_t) streams * 12 <= n - rva);
                        free(out);
                }
        }
        c->parts++;
        /* Some runs stop early, as the daemon does on a bad part. */
        return strcmp(p->name, "stop") == 0 ? -ECANCELED : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const uint8_t *nl = memchr(data, '\n', size < 512 ? size : 512);
        struct multipart_limits lim = { .max_parts = 64, .max_header_size = 1024, .max_part_size = 1 << 20 };
        char ct[513], boundary[MULTIPART_BOUNDARY_MAX + 1];
        struct ctx c = {};
        size_t ct_len;
        int n, r;

        if (!nl)
                return 0;
        ct_len = (size_t) (nl - data);
        memcpy(ct, data, ct_len);
        ct[ct_len] = 0;
        n = multipart_boundary(ct, boundary, sizeof(boundary));
        if (n < 0)
                return 0;
        assert((size_t) n == strlen(boundary) && n > 0 && n <= MULTIPART_BOUNDARY_MAX);
        c.body = nl + 1;
        c.len = size - ct_len - 1;
        r = multipart_parse(c.body, c.len, boundary, &lim, on_part, &c);
        assert(r < 0 ? r == -EBADMSG || r == -E2BIG || r == -EFBIG || r == -ECANCELED : (size_t) r == c.parts);
        return 0;
}
