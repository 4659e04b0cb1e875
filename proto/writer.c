/* SPDX-License-Identifier: MIT */
/* proto/writer.c: the minidump builder. Async-signal-safe after
 * proto_buf_map(): it only touches memory it mapped and never calls malloc,
 * stdio or anything that takes a lock. Copies are plain byte loops, not
 * memcpy, so that sanitizer interceptors never run in the crash path. */
#include "writer.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "minidump.h"

#define RVA_LIMIT (UINT64_C(1) << 32)

int proto_buf_map(struct proto_buf *b, size_t capacity) {
        void *p;

        if (capacity == 0 || capacity > RVA_LIMIT)
                return -EINVAL;
        /* MAP_NORESERVE: reserving room costs nothing until it is touched. */
        p = mmap(NULL, capacity, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
                return -errno;
        b->data = p;
        b->size = 0;
        b->dirty = 0;
        b->capacity = capacity;
        return 0;
}

void proto_buf_unmap(struct proto_buf *b) {
        if (b->data)
                (void) munmap(b->data, b->capacity);
        b->data = NULL;
        b->size = b->capacity = b->dirty = 0;
}

void *proto_buf_reserve(struct proto_buf *b, size_t n, size_t align, uint32_t *ret_rva) {
        size_t off;

        if (!b->data || align == 0 || (align & (align - 1)))
                return NULL;
        off = (b->size + align - 1) & ~(align - 1);
        if (off < b->size || off > b->capacity || n > b->capacity - off)
                return NULL;
        /* Fresh anonymous pages are zero; only bytes handed out before and
         * given back (size lowered) need clearing. Touching the rest would
         * cost a page fault and a write per byte for nothing. */
        for (size_t i = b->size; i < b->dirty && i < off + n; i++)
                ((volatile uint8_t *) b->data)[i] = 0;
        b->size = off + n;
        if (b->size > b->dirty)
                b->dirty = b->size;
        if (ret_rva)
                *ret_rva = (uint32_t) off;
        return b->data + off;
}

void proto_buf_give_back(struct proto_buf *b, size_t from, size_t dirty_before) {
        if (from >= b->size)
                return;
        b->size = from;
        b->dirty = from > dirty_before ? from : dirty_before;
}

int proto_buf_append(struct proto_buf *b, const void *data, size_t n, size_t align, uint32_t *ret_rva) {
        volatile uint8_t *dst;
        const uint8_t *src = data;

        dst = proto_buf_reserve(b, n, align, ret_rva);
        if (!dst)
                return -ENOSPC;
        for (size_t i = 0; i < n; i++)
                dst[i] = src[i];
        return 0;
}

int proto_writer_begin(struct proto_writer *w, struct proto_buf *b, uint32_t max_streams,
                       uint32_t time_date_stamp) {
        struct md_header *h;

        if (max_streams == 0 || max_streams > 4096)
                return -EINVAL;
        w->buf = b;
        w->max_streams = max_streams;
        w->n_streams = 0;
        h = proto_buf_reserve(b, sizeof(*h), 8, NULL);
        if (!h)
                return -ENOSPC;
        h->signature = MD_SIGNATURE;
        h->version = MD_VERSION;
        h->time_date_stamp = time_date_stamp;
        if (!proto_buf_reserve(b, (size_t) max_streams * sizeof(struct md_directory), 4,
                               &w->directory_rva))
                return -ENOSPC;
        h = (struct md_header *) b->data;
        h->stream_directory_rva = w->directory_rva;
        return 0;
}

int proto_writer_add_stream(struct proto_writer *w, uint32_t type, uint32_t rva, uint32_t size) {
        struct md_directory *d;

        if (w->n_streams >= w->max_streams)
                return -E2BIG;
        if ((uint64_t) rva + size > w->buf->size)
                return -EINVAL;
        d = (struct md_directory *) (w->buf->data + w->directory_rva) + w->n_streams++;
        d->stream_type = type;
        d->location.rva = rva;
        d->location.data_size = size;
        return 0;
}

int proto_writer_add_blob(struct proto_writer *w, uint32_t type, const void *data, size_t size) {
        uint32_t rva;
        int r;

        if (size > UINT32_MAX)
                return -E2BIG;
        r = proto_buf_append(w->buf, data, size, 4, &rva);
        if (r < 0)
                return r;
        return proto_writer_add_stream(w, type, rva, (uint32_t) size);
}

/* Decodes one UTF-8 sequence at s[0..n); returns its length and the code
 * point, or length 1 and U+FFFD for anything malformed. */
static size_t utf8_decode(const uint8_t *s, size_t n, uint32_t *ret) {
        uint32_t c = s[0], min;
        size_t len, i;

        if (c < 0x80) {
                *ret = c;
                return 1;
        }
        if ((c & 0xe0) == 0xc0)
                len = 2, c &= 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
                len = 3, c &= 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
                len = 4, c &= 0x07, min = 0x10000;
        else
                goto bad;
        if (len > n)
                goto bad;
        for (i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        goto bad;
                c = (c << 6) | (s[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                goto bad;
        *ret = c;
        return len;
bad:
        *ret = 0xfffd;
        return 1;
}

int proto_writer_string(struct proto_writer *w, const char *s, size_t len, uint32_t *ret_rva) {
        const uint8_t *u = (const uint8_t *) s;
        size_t units = 0, i;
        volatile uint16_t *out;
        volatile uint32_t *length;
        uint32_t rva, c;

        for (i = 0; i < len;) {
                i += utf8_decode(u + i, len - i, &c);
                units += c >= 0x10000 ? 2 : 1;
        }
        if (units > (UINT32_MAX - 8) / 2)
                return -E2BIG;
        length = proto_buf_reserve(w->buf, 4 + units * 2 + 2, 4, &rva);
        if (!length)
                return -ENOSPC;
        *length = (uint32_t) (units * 2);
        out = (volatile uint16_t *) (length + 1);
        for (i = 0; i < len;) {
                i += utf8_decode(u + i, len - i, &c);
                if (c >= 0x10000) {
                        c -= 0x10000;
                        *out++ = (uint16_t) (0xd800 | (c >> 10));
                        *out++ = (uint16_t) (0xdc00 | (c & 0x3ff));
                } else
                        *out++ = (uint16_t) c;
        }
        *out = 0;
        *ret_rva = rva;
        return 0;
}

int proto_writer_finish(struct proto_writer *w) {
        struct md_header *h = (struct md_header *) w->buf->data;

        /* Readers walk stream_count entries; slots past n_streams stay zero,
         * which is MD_STREAM_UNUSED, so counting them all is also valid. We
         * count only the used ones to keep the directory honest. */
        h->stream_count = w->n_streams;
        return 0;
}

int proto_write_all(int fd, const void *buf, size_t n) {
        const uint8_t *p = buf;

        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EIO;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}
