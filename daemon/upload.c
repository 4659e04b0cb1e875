/* SPDX-License-Identifier: MIT */
/* daemon/upload.c: a POSTed minidump becomes a spool file (see upload.h).
 * Runs on the event loop: everything is bounded by max_upload_size (the
 * body, its gzip, a zstd dump decompressed to add tags), so the work per
 * request is a few milliseconds of memcpy and compression at most. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <zstd.h>

#include "daemon.h"
#include "log.h"
#include "minidump.h"
#include "multipart.h"
#include "paths.h"
#include "upload.h"
#include "util.h"

#define MDMP_MAGIC "MDMP"
#define UPLOAD_MAX_PARTS 256            /* Crashpad sends a few dozen annotations */
#define UPLOAD_MAX_PART_HEADER 8192
static const uint8_t zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

/* A zstd frame, decompressed to at most max bytes. */
static int unzstd(const uint8_t *in, size_t n, size_t max, uint8_t **ret, size_t *ret_size) {
        ZSTD_DStream *z = ZSTD_createDStream();
        ZSTD_inBuffer ib = { in, n, 0 };
        size_t cap = 1 << 20, len = 0, zr;
        uint8_t *out = NULL;
        int r;

        if (!z)
                return -ENOMEM;
        (void) ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 24);
        for (;;) {
                ZSTD_outBuffer ob;

                if (!out || len == cap) {
                        uint8_t *p;

                        if (out && cap > max) {
                                r = -EFBIG;
                                goto fail;
                        }
                        if (out)
                                cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
                        p = realloc(out, cap);
                        if (!p) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        out = p;
                }
                ob = (ZSTD_outBuffer) { out + len, cap - len, 0 };
                zr = ZSTD_decompressStream(z, &ob, &ib);
                len += ob.pos;
                if (ZSTD_isError(zr)) {
                        r = -EBADMSG;
                        goto fail;
                }
                if (zr == 0)
                        break;
                if (ib.pos == ib.size && ob.pos < ob.size) {
                        r = -EBADMSG;   /* truncated */
                        goto fail;
                }
        }
        if (len > max) {
                r = -EFBIG;
                goto fail;
        }
        ZSTD_freeDStream(z);
        *ret = out;
        *ret_size = len;
        return 0;
fail:
        ZSTD_freeDStream(z);
        free(out);
        return r;
}

struct form {
        const uint8_t *dump;
        size_t dump_size;
        struct proto_tag tags[UPLOAD_MAX_TAGS];
        size_t n_tags;
        size_t max_dump;
};

static bool is_dump(const uint8_t *p, size_t n) {
        return n >= 4 && (memcmp(p, MDMP_MAGIC, 4) == 0 || memcmp(p, zstd_magic, 4) == 0);
}

static void add_tag(struct form *f, const char *key, const uint8_t *value, size_t n) {
        struct proto_tag *t;

        if (f->n_tags >= UPLOAD_MAX_TAGS || !key[0])
                return;
        t = &f->tags[f->n_tags++];
        memset(t, 0, sizeof(*t));
        (void) strlcpy_ok(t->key, key, sizeof(t->key));
        if (n >= sizeof(t->value))
                n = sizeof(t->value) - 1;
        /* A NUL inside would cut the value: stop there. */
        for (size_t i = 0; i < n && value[i]; i++)
                t->value[i] = (char) value[i];
}

static int on_part(const struct multipart_part *p, void *userdata) {
        struct form *f = userdata;

        if (strcmp(p->name, "upload_file_minidump") == 0 || (!f->dump && p->has_filename && is_dump(p->data, p->size))) {
                if (f->dump && strcmp(p->name, "upload_file_minidump") != 0)
                        return 0;
                if (p->size > f->max_dump)
                        return -EFBIG;
                f->dump = p->data;
                f->dump_size = p->size;
                return 0;
        }
        /* Other files (Crashpad's attachments, logs) are not kept. */
        if (!p->has_filename)
                add_tag(f, p->name, p->data, p->size);
        return 0;
}

static void sanitize_name(const char *in, char *out, size_t size) {
        size_t n = 0;

        for (; in && *in && n + 1 < size; in++) {
                char c = *in;

                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '+')
                        out[n++] = c;
                else
                        out[n++] = '_';
        }
        out[n] = 0;
}

static int write_spool(struct daemon *d, const uint8_t *data, size_t n, const char *name) {
        char tmp[NAME_MAX + 16];
        _cleanup_close_ int fd = -EBADF;
        size_t off = 0;

        (void) snprintf(tmp, sizeof(tmp), ".%.200s.tmp", name);
        fd = openat(d->dirs.spool_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        while (off < n) {
                ssize_t k = write(fd, data + off, n - off);

                if (k < 0) {
                        int r = errno == EINTR ? 0 : -errno;

                        if (r == 0)
                                continue;
                        (void) unlinkat(d->dirs.spool_fd, tmp, 0);
                        return r;
                }
                off += (size_t) k;
        }
        if ((d->config.sync && fdatasync(fd) < 0) || renameat(d->dirs.spool_fd, tmp, d->dirs.spool_fd, name) < 0) {
                int r = -errno;

                (void) unlinkat(d->dirs.spool_fd, tmp, 0);
                return r;
        }
        return 0;
}

/* state/uploads/NAME: the peer's address, written before the spool file
 * appears, so the worker that takes the upload finds it. */
static int write_facts(struct daemon *d, const char *name, const char *peer) {
        _cleanup_close_ int fd = -EBADF;
        size_t n = peer ? strlen(peer) : 0;

        fd = openat(d->dirs.uploads_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        if (n > 0 && write(fd, peer, n) != (ssize_t) n) {
                (void) unlinkat(d->dirs.uploads_fd, name, 0);
                return errno ? -errno : -EIO;
        }
        return 0;
}

static void set_err(char *err, size_t errlen, const char *msg) {
        (void) snprintf(err, errlen, "%s", msg);
}

int upload_receive(struct daemon *d, const uint8_t *body, size_t len, const char *content_type,
                   const char *content_encoding, const char *peer, char *ret_name, size_t name_size, char *err,
                   size_t errlen) {
        size_t max = d->config.max_upload_size;
        _cleanup_free_ uint8_t *inflated = NULL, *raw = NULL, *tagged = NULL, *packed = NULL;
        struct form f = { .max_dump = d->config.max_dump_size < max ? d->config.max_dump_size : max };
        const uint8_t *out;
        size_t inflated_size = 0, raw_size = 0, tagged_size = 0, out_size;
        char prod[33], name[NAME_MAX + 1], boundary[MULTIPART_BOUNDARY_MAX + 1];
        uint8_t rnd[4] = {};
        struct timespec ts;
        int r;

        if (len > max) {
                set_err(err, errlen, "the body is larger than max_upload_size");
                return -EFBIG;
        }
        if (content_encoding && content_encoding[0] && strcasecmp(content_encoding, "identity") != 0) {
                if (strcasecmp(content_encoding, "gzip") != 0 && strcasecmp(content_encoding, "x-gzip") != 0 &&
                    strcasecmp(content_encoding, "deflate") != 0) {
                        set_err(err, errlen, "unsupported Content-Encoding (gzip only)");
                        return -EBADMSG;
                }
                r = upload_gunzip(body, len, max, &inflated, &inflated_size);
                if (r < 0) {
                        set_err(err, errlen, r == -EFBIG ? "the body inflates past max_upload_size" :
                                             r == -ENOMEM ? "out of memory" : "the gzip body is corrupt");
                        return r;
                }
                body = inflated;
                len = inflated_size;
        }

        if (multipart_boundary(content_type, boundary, sizeof(boundary)) > 0) {
                struct multipart_limits lim = {
                        .max_parts = UPLOAD_MAX_PARTS,
                        .max_header_size = UPLOAD_MAX_PART_HEADER,
                        .max_part_size = max,
                };

                r = multipart_parse(body, len, boundary, &lim, on_part, &f);
                if (r < 0) {
                        set_err(err, errlen, r == -EFBIG ? "the minidump part is larger than max_dump_size" :
                                             r == -E2BIG ? "too many parts" : "malformed multipart/form-data");
                        return r == -E2BIG ? -EBADMSG : r;
                }
                if (!f.dump) {
                        set_err(err, errlen, "no upload_file_minidump part");
                        return -EBADMSG;
                }
        } else if (content_type && strncasecmp(content_type, "multipart/", 10) == 0) {
                set_err(err, errlen, "multipart without a usable boundary");
                return -EBADMSG;
        } else {
                if (len > f.max_dump) {
                        set_err(err, errlen, "the dump is larger than max_dump_size");
                        return -EFBIG;
                }
                f.dump = body;
                f.dump_size = len;
        }
        if (!is_dump(f.dump, f.dump_size)) {
                set_err(err, errlen, "not a minidump (MDMP) or a crashd .dmp.zst");
                return -EBADMSG;
        }
        /* The peer is crashd's own knowledge, not an annotation: it goes
         * beside the spool file (write_facts()), where no form field and
         * no tags stream in the dump can set it. */

        /* The annotations go into the dump; a .dmp.zst is opened for it. */
        out = f.dump;
        out_size = f.dump_size;
        if (memcmp(f.dump, zstd_magic, 4) == 0) {
                r = unzstd(f.dump, f.dump_size, max, &raw, &raw_size);
                if (r < 0) {
                        set_err(err, errlen, r == -EFBIG ? "the dump decompresses past max_upload_size" :
                                             r == -ENOMEM ? "out of memory" : "corrupt zstd data");
                        return r;
                }
                out = raw;
                out_size = raw_size;
        }
        r = upload_add_tags(out, out_size, f.tags, f.n_tags, &tagged, &tagged_size);
        if (r < 0) {
                set_err(err, errlen, r == -ENOMEM ? "out of memory" : "not a minidump: bad header or stream directory");
                return r;
        }
        {
                size_t bound = ZSTD_compressBound(tagged_size), k;

                packed = malloc(bound);
                if (!packed) {
                        set_err(err, errlen, "out of memory");
                        return -ENOMEM;
                }
                k = ZSTD_compress(packed, bound, tagged, tagged_size, 3);
                if (ZSTD_isError(k)) {
                        set_err(err, errlen, "compression failed");
                        return -ENOMEM;
                }
                out = packed;
                out_size = k;
        }
        if (out_size > d->config.max_dump_size) {
                set_err(err, errlen, "the dump is larger than max_dump_size");
                return -EFBIG;
        }

        prod[0] = 0;
        for (size_t i = 0; i < f.n_tags; i++)
                if (strcmp(f.tags[i].key, "prod") == 0)
                        sanitize_name(f.tags[i].value, prod, sizeof(prod));
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        (void) getrandom(rnd, sizeof(rnd), GRND_NONBLOCK);
        (void) snprintf(name, sizeof(name), PATHS_UPLOAD_PREFIX "%s%s%lld.%09ld.%02x%02x%02x%02x.dmp.zst", prod, prod[0] ? "." : "",
                        (long long) ts.tv_sec, ts.tv_nsec, rnd[0], rnd[1], rnd[2], rnd[3]);
        r = write_facts(d, name, peer);
        if (r >= 0 && (r = write_spool(d, out, out_size, name)) < 0)
                (void) unlinkat(d->dirs.uploads_fd, name, 0);
        if (r < 0) {
                (void) snprintf(err, errlen, "cannot write to the spool: %s", strerror(-r));
                return r == -ENOSPC || r == -EDQUOT ? -ENOSPC : -EIO;
        }
        log_info("Upload from %s: %zu bytes, %zu tag%s, spooled as %s.", peer ? peer : "?", out_size, f.n_tags,
                 f.n_tags == 1 ? "" : "s", name);
        pipeline_offer(d, name);
        pipeline_kick(d);
        (void) strlcpy_ok(ret_name, name, name_size);
        return 0;
}
