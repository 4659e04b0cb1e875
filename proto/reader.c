/* SPDX-License-Identifier: MIT */
/* proto/reader.c: parses a minidump that may be truncated or hostile.
 *
 * Rules, so that any byte sequence gives a dump or one error line:
 *  - every rva/size/count is checked against the file with 64-bit
 *    arithmetic before a byte is read; all reads go through memcpy, because
 *    rvas need not be aligned;
 *  - structure that is broken (a location past the end of the file, a count
 *    that does not fit in its stream, a stream too small for its fixed part)
 *    is an error naming the stream; things that are merely unusual (unknown
 *    streams, a context smaller than AMD64's, a CodeView record that is not
 *    BpEL, unknown flag bits) are skipped;
 *  - a stream type that appears twice: the first one wins;
 *  - every allocation is bounded by the file's size, which is itself capped
 *    at PROTO_DUMP_MAX_SIZE after decompression. */
#include <zstd.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reader-internal.h"

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the format is little-endian and so is every host that reads it");

#define ZSTD_MAGIC UINT32_C(0xFD2FB528)

/* The only record that grows in memory (a proto_thread is ~1.4 KiB for 48
 * bytes on disk), so its count is capped; Linux processes with more threads
 * than this do not crash politely anyway. */
#define MAX_THREADS 65536

/* Module paths are at most PATH_MAX bytes; a longer md_string is cut here. */
#define STRING_MAX_UNITS 16384

/* zstd allocates a window of up to 2^windowLog bytes before it has produced
 * a byte; the writer uses 2^20 and `zstd -19` at most 2^23. */
#define ZSTD_WINDOW_LOG_MAX 24

struct ctx {
        struct proto_dump *d;
        char *err;
        size_t errlen;
        /* Strings may alias (a thousand modules naming one huge md_string), so
         * their UTF-8 copies draw from a budget proportional to the file. */
        uint64_t string_budget;
};

__attribute__((format(printf, 4, 5)))
static int errf(char *err, size_t errlen, int r, const char *fmt, ...) {
        va_list ap;

        if (err && errlen > 0) {
                va_start(ap, fmt);
                (void) vsnprintf(err, errlen, fmt, ap);
                va_end(ap);
        }
        return r;
}

#define fail(c, r, ...) errf((c)->err, (c)->errlen, (r), __VA_ARGS__)
#define fail_nomem(c) fail((c), -ENOMEM, "out of memory")

static bool in_file(const struct proto_dump *d, uint64_t rva, uint64_t size) {
        return rva <= d->file_size && size <= d->file_size - rva;
}

static uint32_t get_u32(const uint8_t *p) {
        uint32_t v;

        memcpy(&v, p, sizeof(v));
        return v;
}

static uint16_t get_u16(const uint8_t *p) {
        uint16_t v;

        memcpy(&v, p, sizeof(v));
        return v;
}

/* Copies n bytes at rva; the caller has checked in_file(). */
static void copy_at(const struct proto_dump *d, uint64_t rva, void *dst, size_t n) {
        memcpy(dst, d->file + rva, n);
}

static size_t utf8_put(char *out, uint32_t c) {
        if (c < 0x80) {
                out[0] = (char) c;
                return 1;
        }
        if (c < 0x800) {
                out[0] = (char) (0xc0 | (c >> 6));
                out[1] = (char) (0x80 | (c & 0x3f));
                return 2;
        }
        if (c < 0x10000) {
                out[0] = (char) (0xe0 | (c >> 12));
                out[1] = (char) (0x80 | ((c >> 6) & 0x3f));
                out[2] = (char) (0x80 | (c & 0x3f));
                return 3;
        }
        out[0] = (char) (0xf0 | (c >> 18));
        out[1] = (char) (0x80 | ((c >> 12) & 0x3f));
        out[2] = (char) (0x80 | ((c >> 6) & 0x3f));
        out[3] = (char) (0x80 | (c & 0x3f));
        return 4;
}

/* Reads the md_string at rva as UTF-8. rva 0 (the header, never a string)
 * means "absent" and gives NULL. A NUL unit ends the string; lone surrogates
 * become U+FFFD; an odd last byte is ignored; past STRING_MAX_UNITS it is
 * cut. */
static int read_string(struct ctx *c, uint32_t rva, const char *what, char **ret) {
        const struct proto_dump *d = c->d;
        const uint8_t *p;
        uint32_t length;
        size_t units, out_max, o = 0;
        char *s;

        if (rva == 0) {
                *ret = NULL;
                return 0;
        }
        if (!in_file(d, rva, 4))
                return fail(c, -EBADMSG, "%s: string at 0x%x runs past the end of the file (%zu bytes)",
                            what, rva, d->file_size);
        length = get_u32(d->file + rva);
        if (!in_file(d, (uint64_t) rva + 4, length))
                return fail(c, -EBADMSG, "%s: string at 0x%x of %u bytes runs past the end of the file (%zu bytes)",
                            what, rva, length, d->file_size);
        units = length / 2;
        if (units > STRING_MAX_UNITS)
                units = STRING_MAX_UNITS;
        /* A unit gives at most 3 bytes of UTF-8; a surrogate pair 4 for 2. */
        out_max = units * 3 + 1;
        if (out_max > c->string_budget)
                return fail(c, -EBADMSG, "%s: strings hold more text than the file (aliased md_strings?)", what);
        c->string_budget -= out_max;
        s = malloc(out_max);
        if (!s)
                return fail_nomem(c);

        p = d->file + rva + 4;
        for (size_t i = 0; i < units; i++) {
                uint32_t u = get_u16(p + 2 * i);

                if (u == 0)
                        break;
                if (u >= 0xd800 && u <= 0xdbff && i + 1 < units) {
                        uint32_t v = get_u16(p + 2 * (i + 1));

                        if (v >= 0xdc00 && v <= 0xdfff) {
                                u = 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00);
                                i++;
                        } else
                                u = 0xfffd;
                } else if (u >= 0xd800 && u <= 0xdfff)
                        u = 0xfffd;
                o += utf8_put(s + o, u);
        }
        s[o] = 0;
        *ret = s;
        return 0;
}

/* read_string() for names that are never NULL: absent gives "". */
static int read_name(struct ctx *c, uint32_t rva, const char *what, char **ret) {
        char *s;
        int r;

        r = read_string(c, rva, what, &s);
        if (r < 0)
                return r;
        if (!s) {
                s = strdup("");
                if (!s)
                        return fail_nomem(c);
        }
        *ret = s;
        return 0;
}

/* A list stream: uint32_t count, then count entries right after it, or after
 * 4 bytes of padding when the stream is exactly 4 bytes longer (writers that
 * align the entries to 8 do that; Breakpad's reader accepts both). */
static int list_entries(struct ctx *c, const struct md_location *loc, size_t entry_size,
                        const char *what, const char *noun, uint32_t *ret_count, uint64_t *ret_rva) {
        uint32_t count;
        uint64_t need;

        if (loc->data_size < 4)
                return fail(c, -EBADMSG, "%s: the stream has %u bytes, too few for its count",
                            what, loc->data_size);
        count = get_u32(c->d->file + loc->rva);
        need = 4 + (uint64_t) count * entry_size;
        if (need > loc->data_size)
                return fail(c, -EBADMSG, "%s: %u %s need %llu bytes but the stream has %u",
                            what, count, noun, (unsigned long long) need, loc->data_size);
        *ret_count = count;
        *ret_rva = (uint64_t) loc->rva + (need + 4 == loc->data_size ? 8 : 4);
        return 0;
}

/* crashd's record streams: uint32_t count, uint32_t entry_size, entries. */
static int record_entries(struct ctx *c, const struct md_location *loc, size_t min_entry_size,
                          const char *what, uint32_t *ret_count, uint32_t *ret_entry_size,
                          uint64_t *ret_rva) {
        uint32_t count, entry_size;
        uint64_t need;

        if (loc->data_size < 8)
                return fail(c, -EBADMSG, "%s: the stream has %u bytes, too few for its header",
                            what, loc->data_size);
        count = get_u32(c->d->file + loc->rva);
        entry_size = get_u32(c->d->file + loc->rva + 4);
        if (entry_size < min_entry_size)
                return fail(c, -EBADMSG, "%s: entries of %u bytes, need at least %zu",
                            what, entry_size, min_entry_size);
        need = 8 + (uint64_t) count * entry_size;
        if (need > loc->data_size)
                return fail(c, -EBADMSG, "%s: %u entries of %u bytes need %llu bytes but the stream has %u",
                            what, count, entry_size, (unsigned long long) need, loc->data_size);
        *ret_count = count;
        *ret_entry_size = entry_size;
        *ret_rva = (uint64_t) loc->rva + 8;
        return 0;
}

/* A memory range [start, start + size) must not wrap the address space. */
static bool range_wraps(uint64_t start, uint64_t size) {
        return size > 0 && size - 1 > UINT64_MAX - start;
}

static int parse_thread_list(struct ctx *c, const struct md_location *loc) {
        struct proto_dump *d = c->d;
        uint32_t count;
        uint64_t rva;
        int r;

        r = list_entries(c, loc, sizeof(struct md_thread), "thread list", "threads", &count, &rva);
        if (r < 0)
                return r;
        if (count > MAX_THREADS)
                return fail(c, -EBADMSG, "thread list: %u threads, more than the %d this reader accepts",
                            count, MAX_THREADS);
        if (count == 0)
                return 0;
        d->threads = calloc(count, sizeof(*d->threads));
        if (!d->threads)
                return fail_nomem(c);
        for (uint32_t i = 0; i < count; i++) {
                struct proto_thread *t = &d->threads[i];
                struct md_thread mt;

                copy_at(d, rva + (uint64_t) i * sizeof(mt), &mt, sizeof(mt));
                t->tid = mt.thread_id;

                t->stack.start = mt.stack.start_of_memory_range;
                if (mt.stack.memory.data_size > 0) {
                        if (!in_file(d, mt.stack.memory.rva, mt.stack.memory.data_size))
                                return fail(c, -EBADMSG,
                                            "thread %u (tid %u): stack at 0x%x (%u bytes) runs past the end of the file (%zu bytes)",
                                            i, t->tid, mt.stack.memory.rva, mt.stack.memory.data_size, d->file_size);
                        if (range_wraps(t->stack.start, mt.stack.memory.data_size))
                                return fail(c, -EBADMSG, "thread %u (tid %u): stack 0x%llx + %u wraps the address space",
                                            i, t->tid, (unsigned long long) t->stack.start,
                                            mt.stack.memory.data_size);
                        t->stack.size = mt.stack.memory.data_size;
                        t->stack.data = d->file + mt.stack.memory.rva;
                }

                if (mt.thread_context.data_size > 0 &&
                    !in_file(d, mt.thread_context.rva, mt.thread_context.data_size))
                        return fail(c, -EBADMSG,
                                    "thread %u (tid %u): context at 0x%x (%u bytes) runs past the end of the file (%zu bytes)",
                                    i, t->tid, mt.thread_context.rva, mt.thread_context.data_size, d->file_size);
                /* Smaller contexts belong to other CPUs; we only read AMD64. */
                if (mt.thread_context.data_size >= sizeof(t->context)) {
                        copy_at(d, mt.thread_context.rva, &t->context, sizeof(t->context));
                        t->has_context = true;
                }
        }
        d->n_threads = count;
        return 0;
}

static int parse_module_list(struct ctx *c, const struct md_location *loc) {
        struct proto_dump *d = c->d;
        uint32_t count;
        uint64_t rva;
        int r;

        r = list_entries(c, loc, sizeof(struct md_module), "module list", "modules", &count, &rva);
        if (r < 0)
                return r;
        if (count == 0)
                return 0;
        d->modules = calloc(count, sizeof(*d->modules));
        if (!d->modules)
                return fail_nomem(c);
        for (uint32_t i = 0; i < count; i++) {
                struct proto_module *m = &d->modules[i];
                struct md_module mm;
                char what[32];

                copy_at(d, rva + (uint64_t) i * sizeof(mm), &mm, sizeof(mm));
                m->base = mm.base_of_image;
                m->size = mm.size_of_image;
                (void) snprintf(what, sizeof(what), "module %u", i);
                r = read_name(c, mm.module_name_rva, what, &m->name);
                if (r < 0)
                        return r;
                /* Counted now so that proto_dump_free() frees the name. */
                d->n_modules = i + 1;

                if (mm.cv_record.data_size == 0)
                        continue;
                if (!in_file(d, mm.cv_record.rva, mm.cv_record.data_size))
                        return fail(c, -EBADMSG,
                                    "module %u: CodeView record at 0x%x (%u bytes) runs past the end of the file (%zu bytes)",
                                    i, mm.cv_record.rva, mm.cv_record.data_size, d->file_size);
                if (mm.cv_record.data_size >= 4 &&
                    get_u32(d->file + mm.cv_record.rva) == MD_CVINFOELF_SIGNATURE) {
                        size_t n = mm.cv_record.data_size - 4;

                        if (n > PROTO_BUILD_ID_MAX)
                                n = PROTO_BUILD_ID_MAX;
                        copy_at(d, (uint64_t) mm.cv_record.rva + 4, m->build_id, n);
                        m->build_id_size = n;
                }
        }
        return 0;
}

/* Total order, so the result does not depend on qsort's instability: by
 * start, then the longer range first (it wins the overlap), then file order
 * (equal start, size and data are the same range). */
static int region_cmp(const void *a, const void *b) {
        const struct proto_memory_region *x = a, *y = b;

        if (x->start != y->start)
                return x->start < y->start ? -1 : 1;
        if (x->size != y->size)
                return x->size > y->size ? -1 : 1;
        if (x->data != y->data)
                return x->data < y->data ? -1 : 1;
        return 0;
}

/* The memory index is the memory list plus every thread's stack (a writer
 * may keep stacks only in the thread list), sorted by start. Where ranges
 * overlap, the one that starts first keeps its bytes and the later one is
 * trimmed to what lies past it, or dropped. */
static int parse_memory(struct ctx *c, const struct md_location *loc) {
        struct proto_dump *d = c->d;
        struct proto_memory_region *m;
        uint32_t count = 0;
        uint64_t rva = 0, last = 0;
        size_t n = 0, kept = 0;
        bool have = false;
        int r;

        if (loc) {
                r = list_entries(c, loc, sizeof(struct md_memory_descriptor), "memory list", "ranges",
                                 &count, &rva);
                if (r < 0)
                        return r;
        }
        if ((size_t) count + d->n_threads == 0)
                return 0;
        m = calloc((size_t) count + d->n_threads, sizeof(*m));
        if (!m)
                return fail_nomem(c);
        d->memory = m;

        for (uint32_t i = 0; i < count; i++) {
                struct md_memory_descriptor md;

                copy_at(d, rva + (uint64_t) i * sizeof(md), &md, sizeof(md));
                if (md.memory.data_size == 0)
                        continue;
                if (!in_file(d, md.memory.rva, md.memory.data_size))
                        return fail(c, -EBADMSG,
                                    "memory list: range %u at 0x%x (%u bytes) runs past the end of the file (%zu bytes)",
                                    i, md.memory.rva, md.memory.data_size, d->file_size);
                if (range_wraps(md.start_of_memory_range, md.memory.data_size))
                        return fail(c, -EBADMSG, "memory list: range %u, 0x%llx + %u, wraps the address space",
                                    i, (unsigned long long) md.start_of_memory_range, md.memory.data_size);
                m[n++] = (struct proto_memory_region) {
                        .start = md.start_of_memory_range,
                        .size = md.memory.data_size,
                        .data = d->file + md.memory.rva,
                };
        }
        for (size_t i = 0; i < d->n_threads; i++)
                if (d->threads[i].stack.data)
                        m[n++] = d->threads[i].stack;

        qsort(m, n, sizeof(*m), region_cmp);
        for (size_t i = 0; i < n; i++) {
                struct proto_memory_region x = m[i];
                uint64_t x_last = x.start + x.size - 1;

                if (have && x.start <= last) {
                        uint64_t cut;

                        if (x_last <= last)
                                continue;
                        cut = last - x.start + 1;
                        x.start += cut;
                        x.size -= cut;
                        x.data += cut;
                }
                m[kept++] = x;
                last = x_last;
                have = true;
        }
        d->n_memory = kept;
        return 0;
}

static int parse_exception(struct ctx *c, const struct md_location *loc) {
        struct proto_dump *d = c->d;
        const struct md_location *ctx;

        if (loc->data_size < sizeof(d->exception))
                return fail(c, -EBADMSG, "exception: the stream has %u bytes, needs %zu",
                            loc->data_size, sizeof(d->exception));
        copy_at(d, loc->rva, &d->exception, sizeof(d->exception));
        d->has_exception = true;

        ctx = &d->exception.thread_context;
        if (ctx->data_size > 0 && !in_file(d, ctx->rva, ctx->data_size))
                return fail(c, -EBADMSG, "exception: context at 0x%x (%u bytes) runs past the end of the file (%zu bytes)",
                            ctx->rva, ctx->data_size, d->file_size);
        if (ctx->data_size >= sizeof(d->exception_context)) {
                copy_at(d, ctx->rva, &d->exception_context, sizeof(d->exception_context));
                d->has_exception_context = true;
        }
        return 0;
}

static int parse_system_info(struct ctx *c, const struct md_location *loc) {
        struct proto_dump *d = c->d;

        if (loc->data_size < sizeof(d->system_info))
                return fail(c, -EBADMSG, "system info: the stream has %u bytes, needs %zu",
                            loc->data_size, sizeof(d->system_info));
        copy_at(d, loc->rva, &d->system_info, sizeof(d->system_info));
        d->has_system_info = true;
        return read_string(c, d->system_info.csd_version_rva, "system info: OS version", &d->os_version);
}

static int parse_crash_info(struct ctx *c, const struct md_location *loc) {
        struct proto_dump *d = c->d;
        struct proto_crash_info *ci = &d->crash_info;

        if (loc->data_size < sizeof(*ci))
                return fail(c, -EBADMSG, "crash info: the stream has %u bytes, needs %zu",
                            loc->data_size, sizeof(*ci));
        copy_at(d, loc->rva, ci, sizeof(*ci));
        if (ci->version < 1)
                return fail(c, -EBADMSG, "crash info: version %u", ci->version);
        ci->dumper_version[sizeof(ci->dumper_version) - 1] = 0;
        d->has_crash_info = true;
        return 0;
}

static int tid_order_cmp(const void *a, const void *b, void *userdata) {
        const struct proto_thread *t = userdata;
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

        if (t[x].tid != t[y].tid)
                return t[x].tid < t[y].tid ? -1 : 1;
        return x < y ? -1 : x > y;
}

/* The first thread (in file order) with this tid, through the index of
 * thread positions sorted by (tid, position). */
static struct proto_thread *find_thread(struct proto_dump *d, const uint32_t *order, uint32_t tid) {
        size_t lo = 0, hi = d->n_threads;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (d->threads[order[mid]].tid < tid)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < d->n_threads && d->threads[order[lo]].tid == tid ? &d->threads[order[lo]] : NULL;
}

static int parse_thread_info(struct ctx *c, const struct md_location *loc) {
        struct proto_dump *d = c->d;
        struct proto_thread_info_header h;
        uint32_t *order = NULL;
        uint64_t need, rva;
        int r = 0;

        if (loc->data_size < sizeof(h))
                return fail(c, -EBADMSG, "thread info: the stream has %u bytes, needs %zu",
                            loc->data_size, sizeof(h));
        copy_at(d, loc->rva, &h, sizeof(h));
        if (h.version < 1)
                return fail(c, -EBADMSG, "thread info: version %u", h.version);
        if (h.entry_size < sizeof(struct proto_thread_info))
                return fail(c, -EBADMSG, "thread info: entries of %u bytes, need at least %zu",
                            h.entry_size, sizeof(struct proto_thread_info));
        need = sizeof(h) + (uint64_t) h.count * h.entry_size;
        if (need > loc->data_size)
                return fail(c, -EBADMSG, "thread info: %u entries of %u bytes need %llu bytes but the stream has %u",
                            h.count, h.entry_size, (unsigned long long) need, loc->data_size);
        rva = (uint64_t) loc->rva + sizeof(h);

        if (d->n_threads > 0) {
                order = malloc(d->n_threads * sizeof(*order));
                if (!order)
                        return fail_nomem(c);
                for (size_t i = 0; i < d->n_threads; i++)
                        order[i] = (uint32_t) i;
                qsort_r(order, d->n_threads, sizeof(*order), tid_order_cmp, d->threads);
        }

        for (uint32_t i = 0; i < h.count; i++) {
                struct proto_thread_info info;
                struct proto_thread *t;

                copy_at(d, rva + (uint64_t) i * h.entry_size, &info, sizeof(info));
                info.name[sizeof(info.name) - 1] = 0;
                if (info.xstate_size > 0 && !in_file(d, info.xstate_rva, info.xstate_size)) {
                        r = fail(c, -EBADMSG,
                                 "thread info: entry %u (tid %u): xstate at 0x%x (%u bytes) runs past the end of the file (%zu bytes)",
                                 i, info.tid, info.xstate_rva, info.xstate_size, d->file_size);
                        break;
                }
                /* Entries for threads the list lacks have nowhere to go. */
                t = order ? find_thread(d, order, info.tid) : NULL;
                if (!t || t->has_info)
                        continue;
                t->has_info = true;
                t->info = info;
                if (info.xstate_size > 0)
                        t->xstate = (struct proto_blob) { d->file + info.xstate_rva, info.xstate_size };
        }
        free(order);
        return r;
}

static int parse_tls(struct ctx *c, const struct md_location *loc) {
        struct proto_dump *d = c->d;
        struct proto_tls_header h;
        uint64_t need, rva;

        if (loc->data_size < sizeof(h))
                return fail(c, -EBADMSG, "TLS: the stream has %u bytes, needs %zu", loc->data_size, sizeof(h));
        copy_at(d, loc->rva, &h, sizeof(h));
        if (h.version < 1)
                return fail(c, -EBADMSG, "TLS: version %u", h.version);
        if (h.entry_size < sizeof(struct proto_tls_module))
                return fail(c, -EBADMSG, "TLS: entries of %u bytes, need at least %zu",
                            h.entry_size, sizeof(struct proto_tls_module));
        if (h.dtv_entry_size < 8 || h.dtv_pointer_offset > h.dtv_entry_size - 8)
                return fail(c, -EBADMSG, "TLS: DTV entries of %u bytes with the pointer at %u",
                            h.dtv_entry_size, h.dtv_pointer_offset);
        need = sizeof(h) + (uint64_t) h.count * h.entry_size;
        if (need > loc->data_size)
                return fail(c, -EBADMSG, "TLS: %u entries of %u bytes need %llu bytes but the stream has %u",
                            h.count, h.entry_size, (unsigned long long) need, loc->data_size);
        if (h.count == 0)
                return 0;
        d->tls_modules = calloc(h.count, sizeof(*d->tls_modules));
        if (!d->tls_modules)
                return fail_nomem(c);
        rva = (uint64_t) loc->rva + sizeof(h);
        for (uint32_t i = 0; i < h.count; i++)
                copy_at(d, rva + (uint64_t) i * h.entry_size, &d->tls_modules[i], sizeof(d->tls_modules[i]));
        d->n_tls_modules = h.count;
        d->dtv_entry_size = h.dtv_entry_size;
        d->dtv_pointer_offset = h.dtv_pointer_offset;
        return 0;
}

static int parse_tags(struct ctx *c, const struct md_location *loc) {
        struct proto_dump *d = c->d;
        uint32_t count, entry_size;
        uint64_t rva;
        int r;

        r = record_entries(c, loc, sizeof(struct proto_tag), "tags", &count, &entry_size, &rva);
        if (r < 0 || count == 0)
                return r;
        d->tags = calloc(count, sizeof(*d->tags));
        if (!d->tags)
                return fail_nomem(c);
        for (uint32_t i = 0; i < count; i++) {
                struct proto_tag *t = &d->tags[i];

                copy_at(d, rva + (uint64_t) i * entry_size, t, sizeof(*t));
                t->key[sizeof(t->key) - 1] = 0;
                t->value[sizeof(t->value) - 1] = 0;
        }
        d->n_tags = count;
        return 0;
}

static int parse_breadcrumbs(struct ctx *c, const struct md_location *loc) {
        struct proto_dump *d = c->d;
        uint32_t count, entry_size;
        uint64_t rva;
        int r;

        r = record_entries(c, loc, sizeof(struct proto_breadcrumb), "breadcrumbs", &count, &entry_size, &rva);
        if (r < 0 || count == 0)
                return r;
        d->breadcrumbs = calloc(count, sizeof(*d->breadcrumbs));
        if (!d->breadcrumbs)
                return fail_nomem(c);
        for (uint32_t i = 0; i < count; i++) {
                struct proto_breadcrumb *b = &d->breadcrumbs[i];

                copy_at(d, rva + (uint64_t) i * entry_size, b, sizeof(*b));
                b->message[sizeof(b->message) - 1] = 0;
        }
        d->n_breadcrumbs = count;
        return 0;
}

/* MD_STREAM_LINUX_DSO_DEBUG: Breakpad writes the link-map array and its
 * names outside the stream's own location, so they are checked against the
 * file, not the stream. */
static int parse_dso_debug(struct ctx *c, const struct md_location *loc) {
        struct proto_dump *d = c->d;
        struct md_raw_debug *dbg = &d->dso_debug;
        uint64_t need;
        int r;

        if (loc->data_size < sizeof(*dbg))
                return fail(c, -EBADMSG, "DSO debug: the stream has %u bytes, needs %zu",
                            loc->data_size, sizeof(*dbg));
        copy_at(d, loc->rva, dbg, sizeof(*dbg));
        d->has_dso_debug = true;
        if (dbg->dso_count == 0)
                return 0;
        need = (uint64_t) dbg->dso_count * sizeof(struct md_raw_link_map);
        if (!in_file(d, dbg->map, need))
                return fail(c, -EBADMSG, "DSO debug: %u link maps at 0x%x need %llu bytes, the file has %zu",
                            dbg->dso_count, dbg->map, (unsigned long long) need, d->file_size);
        d->link_maps = calloc(dbg->dso_count, sizeof(*d->link_maps));
        if (!d->link_maps)
                return fail_nomem(c);
        for (uint32_t i = 0; i < dbg->dso_count; i++) {
                struct md_raw_link_map lm;
                char what[48];

                copy_at(d, dbg->map + (uint64_t) i * sizeof(lm), &lm, sizeof(lm));
                d->link_maps[i].addr = lm.addr;
                d->link_maps[i].ld = lm.ld;
                (void) snprintf(what, sizeof(what), "DSO debug: link map %u", i);
                r = read_name(c, lm.name, what, &d->link_maps[i].name);
                if (r < 0)
                        return r;
                d->n_link_maps = i + 1;
        }
        return 0;
}

enum kind {
        K_THREAD_LIST,
        K_MODULE_LIST,
        K_MEMORY_LIST,
        K_EXCEPTION,
        K_SYSTEM_INFO,
        K_CPU_INFO,
        K_PROC_STATUS,
        K_LSB_RELEASE,
        K_CMD_LINE,
        K_ENVIRON,
        K_AUXV,
        K_MAPS,
        K_DSO_DEBUG,
        K_CRASH_INFO,
        K_THREAD_INFO,
        K_TAGS,
        K_BREADCRUMBS,
        K_TLS,
        K_HOST,
        K_MAX,
};

static int kind_of(uint32_t type) {
        switch (type) {
        case MD_STREAM_THREAD_LIST:       return K_THREAD_LIST;
        case MD_STREAM_MODULE_LIST:       return K_MODULE_LIST;
        case MD_STREAM_MEMORY_LIST:       return K_MEMORY_LIST;
        case MD_STREAM_EXCEPTION:         return K_EXCEPTION;
        case MD_STREAM_SYSTEM_INFO:       return K_SYSTEM_INFO;
        case MD_STREAM_LINUX_CPU_INFO:    return K_CPU_INFO;
        case MD_STREAM_LINUX_PROC_STATUS: return K_PROC_STATUS;
        case MD_STREAM_LINUX_LSB_RELEASE: return K_LSB_RELEASE;
        case MD_STREAM_LINUX_CMD_LINE:    return K_CMD_LINE;
        case MD_STREAM_LINUX_ENVIRON:     return K_ENVIRON;
        case MD_STREAM_LINUX_AUXV:        return K_AUXV;
        case MD_STREAM_LINUX_MAPS:        return K_MAPS;
        case MD_STREAM_LINUX_DSO_DEBUG:   return K_DSO_DEBUG;
        case PROTO_STREAM_CRASH_INFO:     return K_CRASH_INFO;
        case PROTO_STREAM_THREAD_INFO:    return K_THREAD_INFO;
        case PROTO_STREAM_TAGS:           return K_TAGS;
        case PROTO_STREAM_BREADCRUMBS:    return K_BREADCRUMBS;
        case PROTO_STREAM_TLS:            return K_TLS;
        case PROTO_STREAM_HOST:           return K_HOST;
        default:                          return -1;
        }
}

static struct proto_blob blob_of(const struct proto_dump *d, const struct md_location *loc) {
        if (!loc || loc->data_size == 0)
                return (struct proto_blob) { NULL, 0 };
        return (struct proto_blob) { d->file + loc->rva, loc->data_size };
}

/* Checks the header and the directory and lists the streams; locs[k] gets
 * the first stream of each kind we read, have[k] says whether there was one. */
static int parse_header(struct ctx *c, struct md_location locs[K_MAX], bool have[K_MAX]) {
        struct proto_dump *d = c->d;
        struct md_header *h = &d->header;
        uint64_t need;
        size_t n = 0;

        if (d->file_size >= 4 && get_u32(d->file) != MD_SIGNATURE)
                return fail(c, -EBADMSG, "not a minidump (bad signature 0x%08x)", get_u32(d->file));
        if (d->file_size < sizeof(*h))
                return fail(c, -EBADMSG, "truncated: header needs %zu bytes, file has %zu",
                            sizeof(*h), d->file_size);
        copy_at(d, 0, h, sizeof(*h));
        if ((h->version & 0xffff) != MD_VERSION)
                return fail(c, -EBADMSG, "unsupported minidump version 0x%x", h->version & 0xffff);
        need = (uint64_t) h->stream_count * sizeof(struct md_directory);
        if (!in_file(d, h->stream_directory_rva, need))
                return fail(c, -EBADMSG, "truncated: directory at 0x%x needs %llu bytes, file has %zu",
                            h->stream_directory_rva, (unsigned long long) need, d->file_size);
        /* Bounded: the directory fits in the file, 12 bytes an entry. */
        if (h->stream_count > 0) {
                d->streams = calloc(h->stream_count, sizeof(*d->streams));
                if (!d->streams)
                        return fail_nomem(c);
        }

        for (uint32_t i = 0; i < h->stream_count; i++) {
                struct md_directory e;
                int k;

                copy_at(d, h->stream_directory_rva + (uint64_t) i * sizeof(e), &e, sizeof(e));
                if (e.stream_type == MD_STREAM_UNUSED)
                        continue;
                if (!in_file(d, e.location.rva, e.location.data_size)) {
                        const char *name = proto_stream_name(e.stream_type);

                        return fail(c, -EBADMSG,
                                    "stream %u (%s%stype 0x%x) at 0x%x (%u bytes) runs past the end of the file (%zu bytes)",
                                    i, name ?: "", name ? ", " : "", e.stream_type, e.location.rva,
                                    e.location.data_size, d->file_size);
                }
                d->streams[n++] = (struct proto_stream_entry) {
                        .type = e.stream_type, .rva = e.location.rva, .size = e.location.data_size,
                };
                k = kind_of(e.stream_type);
                if (k >= 0 && !have[k]) {
                        have[k] = true;
                        locs[k] = e.location;
                }
        }
        d->n_streams = n;
        return 0;
}

/* Parses d->file. Order matters: thread info and the memory index need the
 * thread list, whatever order the directory gives. */
static int parse_file(struct ctx *c) {
        struct proto_dump *d = c->d;
        struct md_location locs[K_MAX] = {};
        bool have[K_MAX] = {};
        int r;

#define LOC(k) (have[k] ? &locs[k] : NULL)
        r = parse_header(c, locs, have);
        if (r >= 0 && have[K_THREAD_LIST])
                r = parse_thread_list(c, LOC(K_THREAD_LIST));
        if (r >= 0 && have[K_MODULE_LIST])
                r = parse_module_list(c, LOC(K_MODULE_LIST));
        if (r >= 0)
                r = parse_memory(c, LOC(K_MEMORY_LIST));
        if (r >= 0 && have[K_EXCEPTION])
                r = parse_exception(c, LOC(K_EXCEPTION));
        if (r >= 0 && have[K_SYSTEM_INFO])
                r = parse_system_info(c, LOC(K_SYSTEM_INFO));
        if (r >= 0 && have[K_CRASH_INFO])
                r = parse_crash_info(c, LOC(K_CRASH_INFO));
        if (r >= 0 && have[K_THREAD_INFO])
                r = parse_thread_info(c, LOC(K_THREAD_INFO));
        if (r >= 0 && have[K_TAGS])
                r = parse_tags(c, LOC(K_TAGS));
        if (r >= 0 && have[K_BREADCRUMBS])
                r = parse_breadcrumbs(c, LOC(K_BREADCRUMBS));
        if (r >= 0 && have[K_DSO_DEBUG])
                r = parse_dso_debug(c, LOC(K_DSO_DEBUG));
        if (r >= 0 && have[K_TLS])
                r = parse_tls(c, LOC(K_TLS));
        if (r < 0)
                return r;
        d->cpu_info = blob_of(d, LOC(K_CPU_INFO));
        d->proc_status = blob_of(d, LOC(K_PROC_STATUS));
        d->lsb_release = blob_of(d, LOC(K_LSB_RELEASE));
        d->cmd_line = blob_of(d, LOC(K_CMD_LINE));
        d->environ = blob_of(d, LOC(K_ENVIRON));
        d->auxv = blob_of(d, LOC(K_AUXV));
        d->maps = blob_of(d, LOC(K_MAPS));
        d->host = blob_of(d, LOC(K_HOST));
#undef LOC
        return 0;
}

/* Streams a zstd input (one frame, or several back to back, as `zstd -d`
 * accepts) into a buffer that doubles as needed, never past max: the size a
 * frame header claims is not trusted for anything. */
static int decompress(const uint8_t *src, size_t n, uint64_t max, uint8_t **ret, size_t *ret_size,
                      char *err, size_t errlen) {
        ZSTD_inBuffer in = { .src = src, .size = n, .pos = 0 };
        ZSTD_DCtx *z;
        uint8_t *buf, *p;
        size_t cap, pos = 0, left;
        int r;

        z = ZSTD_createDCtx();
        if (!z)
                return errf(err, errlen, -ENOMEM, "out of memory");
        if (ZSTD_isError(ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX))) {
                ZSTD_freeDCtx(z);
                return errf(err, errlen, -EINVAL, "zstd: cannot set the window limit");
        }
        /* Dumps compress about 4-10x; start near there. */
        cap = n < SIZE_MAX / 8 ? n * 8 : SIZE_MAX;
        if (cap < 64 * 1024)
                cap = 64 * 1024;
        if (cap > max)
                cap = (size_t) max;
        buf = malloc(cap > 0 ? cap : 1);
        if (!buf) {
                ZSTD_freeDCtx(z);
                return errf(err, errlen, -ENOMEM, "out of memory");
        }

        for (;;) {
                ZSTD_outBuffer out;

                if (pos == cap) {
                        if (cap >= max) {
                                r = errf(err, errlen, -EFBIG,
                                         "zstd: decompresses to more than %llu bytes, the most this reader accepts",
                                         (unsigned long long) max);
                                goto fail;
                        }
                        cap = cap > max / 2 ? (size_t) max : cap * 2;
                        p = realloc(buf, cap);
                        if (!p) {
                                r = errf(err, errlen, -ENOMEM, "out of memory");
                                goto fail;
                        }
                        buf = p;
                }
                out = (ZSTD_outBuffer) { .dst = buf, .size = cap, .pos = pos };
                left = ZSTD_decompressStream(z, &out, &in);
                if (ZSTD_isError(left)) {
                        r = errf(err, errlen, -EBADMSG, "zstd: %s", ZSTD_getErrorName(left));
                        goto fail;
                }
                pos = out.pos;
                if (left == 0 && in.pos == in.size)
                        break;
                /* All input used, room left, and the frame still not done. */
                if (in.pos == in.size && out.pos < out.size) {
                        r = errf(err, errlen, -EBADMSG, "zstd: truncated frame (%zu bytes)", n);
                        goto fail;
                }
        }
        ZSTD_freeDCtx(z);
        if (pos < cap) {
                p = realloc(buf, pos > 0 ? pos : 1);
                if (p)
                        buf = p;
        }
        *ret = buf;
        *ret_size = pos;
        return 0;
fail:
        ZSTD_freeDCtx(z);
        free(buf);
        return r;
}

/* Takes ownership of file (freed on failure). */
static int parse_owned(uint8_t *file, size_t size, bool compressed, struct proto_dump **ret,
                       char *err, size_t errlen) {
        struct proto_dump *d;
        struct ctx c;
        int r;

        d = calloc(1, sizeof(*d));
        if (!d) {
                free(file);
                return errf(err, errlen, -ENOMEM, "out of memory");
        }
        d->file = file;
        d->file_size = size;
        d->compressed = compressed;
        c = (struct ctx) {
                .d = d, .err = err, .errlen = errlen,
                .string_budget = 2 * (uint64_t) size + 65536,
        };
        r = parse_file(&c);
        if (r < 0) {
                proto_dump_free(d);
                return r;
        }
        *ret = d;
        return 0;
}

/* data is the input; owned, if not NULL, is the same buffer handed over. */
static int parse_input(const uint8_t *data, size_t size, uint8_t *owned, uint64_t max,
                       struct proto_dump **ret, char *err, size_t errlen) {
        uint8_t *file = NULL;
        size_t file_size = 0;
        int r;

        if (size == 0) {
                free(owned);
                return errf(err, errlen, -EBADMSG, "empty file");
        }
        if (size > max) {
                free(owned);
                return errf(err, errlen, -EFBIG, "the file has %zu bytes, more than the %llu this reader accepts",
                            size, (unsigned long long) max);
        }
        if (size >= 4 && get_u32(data) == ZSTD_MAGIC) {
                r = decompress(data, size, max, &file, &file_size, err, errlen);
                free(owned);
                if (r < 0)
                        return r;
                return parse_owned(file, file_size, true, ret, err, errlen);
        }
        /* Refuse what is plainly not a dump before copying it. */
        if (size >= 4 && get_u32(data) != MD_SIGNATURE) {
                uint32_t sig = get_u32(data);

                free(owned);    /* data too: read it first */
                return errf(err, errlen, -EBADMSG, "not a minidump (bad signature 0x%08x)", sig);
        }
        if (owned)
                file = owned;
        else {
                file = malloc(size);
                if (!file)
                        return errf(err, errlen, -ENOMEM, "out of memory");
                memcpy(file, data, size);
        }
        return parse_owned(file, size, false, ret, err, errlen);
}

int proto_dump_parse_max(const void *data, size_t size, uint64_t max_size,
                         struct proto_dump **ret, char *err, size_t errlen) {
        if (!ret || (!data && size > 0))
                return errf(err, errlen, -EINVAL, "invalid arguments");
        if (max_size > PROTO_DUMP_MAX_SIZE)
                max_size = PROTO_DUMP_MAX_SIZE;
        return parse_input(data, size, NULL, max_size, ret, err, errlen);
}

int proto_dump_parse(const void *data, size_t size, struct proto_dump **ret, char *err, size_t errlen) {
        return proto_dump_parse_max(data, size, PROTO_DUMP_MAX_SIZE, ret, err, errlen);
}

int proto_dump_load(const char *path, struct proto_dump **ret, char *err, size_t errlen) {
        int fd;

        if (!path || !ret)
                return errf(err, errlen, -EINVAL, "invalid arguments");
        /* O_NONBLOCK: a FIFO must not hang us before fstat() refuses it. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return errf(err, errlen, -errno, "cannot open: %s", strerrordesc_np(errno));
        return proto_dump_load_fd(fd, ret, err, errlen);
}

int proto_dump_load_fd(int fd, struct proto_dump **ret, char *err, size_t errlen) {
        struct stat st;
        uint8_t *buf;
        size_t size, got = 0;
        int r;

        if (fd < 0 || !ret) {
                if (fd >= 0)
                        (void) close(fd);
                return errf(err, errlen, -EINVAL, "invalid arguments");
        }
        if (fstat(fd, &st) < 0) {
                r = -errno;
                (void) close(fd);
                return errf(err, errlen, r, "cannot stat: %s", strerrordesc_np(-r));
        }
        if (!S_ISREG(st.st_mode)) {
                (void) close(fd);
                return errf(err, errlen, -EINVAL, "not a regular file");
        }
        if ((uint64_t) st.st_size > PROTO_DUMP_MAX_SIZE) {
                (void) close(fd);
                return errf(err, errlen, -EFBIG, "the file has %llu bytes, more than the %llu this reader accepts",
                            (unsigned long long) st.st_size, (unsigned long long) PROTO_DUMP_MAX_SIZE);
        }
        size = (size_t) st.st_size;
        buf = malloc(size > 0 ? size : 1);
        if (!buf) {
                (void) close(fd);
                return errf(err, errlen, -ENOMEM, "out of memory");
        }
        /* A file that shrinks while we read is parsed as what we got. */
        while (got < size) {
                ssize_t k = read(fd, buf + got, size - got);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        free(buf);
                        (void) close(fd);
                        return errf(err, errlen, r, "cannot read: %s", strerrordesc_np(-r));
                }
                if (k == 0)
                        break;
                got += (size_t) k;
        }
        (void) close(fd);
        return parse_input(buf, got, buf, PROTO_DUMP_MAX_SIZE, ret, err, errlen);
}

size_t proto_dump_read_memory(const struct proto_dump *d, uint64_t addr, void *buf, size_t len) {
        uint8_t *out = buf;
        size_t lo = 0, hi, done = 0;

        if (!d || !buf || len == 0 || d->n_memory == 0)
                return 0;
        /* The last region starting at or before addr. */
        hi = d->n_memory;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (d->memory[mid].start <= addr)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo == 0)
                return 0;
        /* Then on through regions that start right where the last one ended. */
        for (size_t i = lo - 1; i < d->n_memory && done < len; i++) {
                const struct proto_memory_region *m = &d->memory[i];
                uint64_t a = addr + done, off;
                size_t k;

                if (a < m->start || a - m->start >= m->size)
                        break;
                off = a - m->start;
                k = m->size - off < len - done ? (size_t) (m->size - off) : len - done;
                memcpy(out + done, m->data + off, k);
                done += k;
                /* A region that ends the address space: addr + done wraps. */
                if (m->start + (m->size - 1) == UINT64_MAX)
                        break;
        }
        return done;
}

const struct proto_thread *proto_dump_crashing_thread(const struct proto_dump *d) {
        if (!d || !d->has_exception)
                return NULL;
        for (size_t i = 0; i < d->n_threads; i++)
                if (d->threads[i].tid == d->exception.thread_id)
                        return &d->threads[i];
        return NULL;
}

const struct md_context_amd64 *proto_thread_context(const struct proto_dump *d, const struct proto_thread *t) {
        if (!d || !t)
                return NULL;
        if (d->has_exception && d->has_exception_context && t->tid == d->exception.thread_id)
                return &d->exception_context;
        return t->has_context ? &t->context : NULL;
}

void proto_dump_free(struct proto_dump *d) {
        if (!d)
                return;
        for (size_t i = 0; i < d->n_modules; i++)
                free(d->modules[i].name);
        for (size_t i = 0; i < d->n_link_maps; i++)
                free(d->link_maps[i].name);
        free(d->modules);
        free(d->link_maps);
        free(d->threads);
        free(d->memory);
        free(d->streams);
        free(d->tags);
        free(d->breadcrumbs);
        free(d->tls_modules);
        free(d->os_version);
        free(d->file);
        free(d);
}
