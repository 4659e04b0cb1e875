/* SPDX-License-Identifier: MIT */
/* daemon/multipart.c: multipart/form-data, parsed as hostile input (see
 * multipart.h). Every index is checked against the end of the body before
 * it is used; nothing is read past len, nothing is written past a
 * buffer's size. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "multipart.h"

static bool is_space(char c) {
        return c == ' ' || c == '\t';
}

/* RFC 2046 bchars, plus nothing else: no quotes, no controls. */
static bool boundary_char(char c) {
        return c != 0 && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               strchr("'()+_,-./:=? ", c) != NULL);
}

/* Copies a header parameter's value starting at *p (quoted or a token)
 * into buf; advances *p past it. Returns whether it fit. */
static bool copy_value(const char **p, const char *end, char *buf, size_t size, bool *ret_fit) {
        const char *s = *p;
        size_t n = 0;
        bool fit = true;

        if (s < end && *s == '"') {
                s++;
                while (s < end && *s != '"') {
                        char c = *s;

                        if (c == '\\' && s + 1 < end)
                                c = *++s;
                        if (n + 1 < size)
                                buf[n++] = c;
                        else
                                fit = false;
                        s++;
                }
                if (s >= end)
                        return false;   /* an unterminated quoted string */
                s++;
        } else {
                while (s < end && *s != ';' && !is_space(*s)) {
                        if (n + 1 < size)
                                buf[n++] = *s;
                        else
                                fit = false;
                        s++;
                }
        }
        if (size > 0)
                buf[n] = 0;
        *p = s;
        *ret_fit = fit;
        return true;
}

/* Skips "; " between parameters. */
static const char *skip_sep(const char *s, const char *end) {
        while (s < end && (is_space(*s) || *s == ';'))
                s++;
        return s;
}

/* Reads `name=value` parameters of a header value [s, end) and calls
 * back for each. Returns -EBADMSG on a malformed one. */
typedef int (*param_fn)(const char *name, size_t name_len, const char **p, const char *end, void *userdata);

static int each_param(const char *s, const char *end, param_fn fn, void *userdata) {
        for (;;) {
                const char *name;
                size_t name_len;
                int r;

                s = skip_sep(s, end);
                if (s >= end)
                        return 0;
                name = s;
                while (s < end && *s != '=' && *s != ';' && !is_space(*s))
                        s++;
                name_len = (size_t) (s - name);
                while (s < end && is_space(*s))
                        s++;
                if (s >= end || *s != '=') {
                        /* A bare token ("form-data"): skip it. */
                        while (s < end && *s != ';')
                                s++;
                        continue;
                }
                s++;
                while (s < end && is_space(*s))
                        s++;
                r = fn(name, name_len, &s, end, userdata);
                if (r < 0)
                        return r;
        }
}

static bool name_is(const char *name, size_t len, const char *want) {
        return len == strlen(want) && strncasecmp(name, want, len) == 0;
}

struct boundary_param {
        char *buf;
        size_t size;
        bool found, fit;
};

static int boundary_param(const char *name, size_t name_len, const char **p, const char *end, void *userdata) {
        struct boundary_param *b = userdata;
        char skip[8];
        bool fit;

        if (name_is(name, name_len, "boundary") && !b->found) {
                if (!copy_value(p, end, b->buf, b->size, &b->fit))
                        return -EINVAL;
                b->found = true;
                return 0;
        }
        return copy_value(p, end, skip, sizeof(skip), &fit) ? 0 : -EINVAL;
}

int multipart_boundary(const char *content_type, char *buf, size_t size) {
        static const char type[] = "multipart/form-data";
        const char *s = content_type, *end;
        struct boundary_param b = { .buf = buf, .size = size < MULTIPART_BOUNDARY_MAX + 1 ? size : MULTIPART_BOUNDARY_MAX + 1 };
        size_t n;
        int r;

        if (!content_type || size == 0)
                return -EINVAL;
        end = s + strlen(s);
        while (s < end && is_space(*s))
                s++;
        if ((size_t) (end - s) < sizeof(type) - 1 || strncasecmp(s, type, sizeof(type) - 1) != 0)
                return -EINVAL;
        s += sizeof(type) - 1;
        if (s < end && *s != ';' && !is_space(*s))
                return -EINVAL;         /* "multipart/form-dataX" */
        r = each_param(s, end, boundary_param, &b);
        if (r < 0 || !b.found || !b.fit)
                return -EINVAL;
        n = strlen(buf);
        if (n == 0 || n > MULTIPART_BOUNDARY_MAX || buf[n - 1] == ' ')
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (!boundary_char(buf[i]))
                        return -EINVAL;
        return (int) n;
}

static const uint8_t *find(const uint8_t *hay, size_t hay_len, const uint8_t *needle, size_t needle_len) {
        if (!hay || needle_len == 0 || hay_len < needle_len)
                return NULL;
        return memmem(hay, hay_len, needle, needle_len);
}

static int disposition_param(const char *name, size_t name_len, const char **p, const char *end, void *userdata) {
        struct multipart_part *part = userdata;
        char skip[8];
        bool fit;

        if (name_is(name, name_len, "name")) {
                if (!copy_value(p, end, part->name, sizeof(part->name), &fit))
                        return -EBADMSG;
                part->name_truncated = !fit;
        } else if (name_is(name, name_len, "filename")) {
                if (!copy_value(p, end, part->filename, sizeof(part->filename), &fit))
                        return -EBADMSG;
                part->filename_truncated = !fit;
                part->has_filename = true;
        } else if (!copy_value(p, end, skip, sizeof(skip), &fit))
                return -EBADMSG;
        return 0;
}

/* One header line [s, end), without its line break. */
static int parse_header(struct multipart_part *part, const char *s, const char *end) {
        const char *colon = memchr(s, ':', (size_t) (end - s)), *v;

        if (!colon)
                return -EBADMSG;
        v = colon + 1;
        while (v < end && is_space(*v))
                v++;
        while (end > v && is_space(end[-1]))
                end--;
        if (name_is(s, (size_t) (colon - s), "Content-Disposition")) {
                static const char fd[] = "form-data";

                if ((size_t) (end - v) < sizeof(fd) - 1 || strncasecmp(v, fd, sizeof(fd) - 1) != 0)
                        return -EBADMSG;
                return each_param(v + sizeof(fd) - 1, end, disposition_param, part);
        }
        if (name_is(s, (size_t) (colon - s), "Content-Type")) {
                size_t n = (size_t) (end - v);

                if (n >= sizeof(part->content_type))
                        n = sizeof(part->content_type) - 1;
                memcpy(part->content_type, v, n);
                part->content_type[n] = 0;
        }
        /* Other headers (Content-Transfer-Encoding, ...) are ignored. */
        return 0;
}

/* The header block [s, end): lines ending in CRLF or LF. */
static int parse_headers(struct multipart_part *part, const char *s, const char *end) {
        while (s < end) {
                const char *nl = memchr(s, '\n', (size_t) (end - s)), *e;
                int r;

                e = nl ? nl : end;
                if (e > s && e[-1] == '\r')
                        e--;
                if (e > s) {
                        r = parse_header(part, s, e);
                        if (r < 0)
                                return r;
                }
                s = nl ? nl + 1 : end;
        }
        return 0;
}

int multipart_parse(const uint8_t *body, size_t len, const char *boundary, const struct multipart_limits *limits,
                    multipart_part_fn fn, void *userdata) {
        /* "\r\n--" + boundary: what ends a part's data. */
        uint8_t delim[4 + MULTIPART_BOUNDARY_MAX];
        size_t blen, dlen, pos, n_parts = 0;
        const uint8_t *p;

        if (!body || !boundary || !limits)
                return -EINVAL;
        blen = strlen(boundary);
        if (blen == 0 || blen > MULTIPART_BOUNDARY_MAX)
                return -EINVAL;
        memcpy(delim, "\r\n--", 4);
        memcpy(delim + 4, boundary, blen);
        dlen = 4 + blen;

        /* The first delimiter: at the very start, or after a preamble
         * ending in a line break. */
        if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
                pos = dlen - 2;
        else {
                p = find(body, len, delim, dlen);
                if (!p) {
                        /* Some clients end lines with LF only. */
                        p = find(body, len, delim + 1, dlen - 1);
                        if (!p)
                                return -EBADMSG;
                        pos = (size_t) (p - body) + dlen - 1;
                } else
                        pos = (size_t) (p - body) + dlen;
        }

        for (;;) {
                struct multipart_part part = {};
                const uint8_t *hdr, *hdr_end, *data, *next;
                size_t left;
                int r;

                /* After a delimiter: "--" ends the body; else optional
                 * whitespace, then a line break. */
                if (len - pos >= 2 && body[pos] == '-' && body[pos + 1] == '-')
                        return n_parts > INT32_MAX ? INT32_MAX : (int) n_parts;
                while (pos < len && is_space((char) body[pos]))
                        pos++;
                if (pos < len && body[pos] == '\r')
                        pos++;
                if (pos >= len || body[pos] != '\n')
                        return -EBADMSG;
                pos++;

                if (n_parts >= limits->max_parts)
                        return -E2BIG;

                /* Headers end at an empty line. An empty header block
                 * is allowed (the line break right away). */
                hdr = body + pos;
                left = len - pos;
                if (left >= 2 && hdr[0] == '\r' && hdr[1] == '\n') {
                        hdr_end = hdr;
                        data = hdr + 2;
                } else if (left >= 1 && hdr[0] == '\n') {
                        hdr_end = hdr;
                        data = hdr + 1;
                } else {
                        const uint8_t *crlf = find(hdr, left, (const uint8_t *) "\r\n\r\n", 4);
                        const uint8_t *lflf = find(hdr, left, (const uint8_t *) "\n\n", 2);

                        if (crlf && (!lflf || crlf < lflf)) {
                                hdr_end = crlf;
                                data = crlf + 4;
                        } else if (lflf) {
                                hdr_end = lflf;
                                data = lflf + 2;
                        } else
                                return -EBADMSG;
                }
                if ((size_t) (hdr_end - hdr) > limits->max_header_size)
                        return -EBADMSG;
                r = parse_headers(&part, (const char *) hdr, (const char *) hdr_end);
                if (r < 0)
                        return r;

                /* Data runs to the next "\r\n--boundary" (or "\n--boundary"). */
                left = len - (size_t) (data - body);
                next = find(data, left, delim, dlen);
                {
                        const uint8_t *lf = find(data, left, delim + 1, dlen - 1);

                        if (lf && (!next || lf < next)) {
                                /* A bare LF before the delimiter: what
                                 * "\r\n--" did not match. */
                                part.size = (size_t) (lf - data);
                                pos = (size_t) (lf - body) + dlen - 1;
                        } else if (next) {
                                part.size = (size_t) (next - data);
                                pos = (size_t) (next - body) + dlen;
                        } else
                                return -EBADMSG;
                }
                if (part.size > limits->max_part_size)
                        return -EFBIG;
                part.data = data;
                n_parts++;
                if (fn) {
                        r = fn(&part, userdata);
                        if (r < 0)
                                return r;
                }
        }
}
