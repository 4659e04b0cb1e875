/* SPDX-License-Identifier: MIT */
/* tests/proto/test-reader-reject.c: hostile input. Truncations, a wrong
 * signature, a directory past the end, counts whose products wrap 32 bits,
 * overlapping memory, zstd bombs, and thousands of deterministic byte flips:
 * each gives an error line or a consistent dump, never a crash (the asan
 * build catches what a plain build cannot). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reader-internal.h"
#include "sample-dump.h"

static struct proto_buf buf;            /* the full sample, raw */
static uint8_t *zdump;                  /* the same, zstd */
static size_t zdump_size;

static int setup(void **state) {
        char path[] = "/tmp/test-reject-XXXXXX";
        struct stat st;
        int fd, r;

        r = proto_buf_map(&buf, 1 << 20);
        if (r < 0 || sample_dump_build(&buf, SAMPLE_FULL) < 0)
                return -1;
        fd = mkstemp(path);
        if (fd < 0)
                return -1;
        (void) unlink(path);
        if (sample_dump_write_zstd(fd, &buf) < 0 || fstat(fd, &st) < 0)
                return -1;
        zdump_size = (size_t) st.st_size;
        zdump = malloc(zdump_size);
        if (!zdump || pread(fd, zdump, zdump_size, 0) != (ssize_t) zdump_size)
                return -1;
        (void) close(fd);
        return 0;
}

static int teardown(void **state) {
        proto_buf_unmap(&buf);
        free(zdump);
        return 0;
}

static uint8_t *sample_copy(void) {
        uint8_t *p = malloc(buf.size);

        assert_non_null(p);
        memcpy(p, buf.data, buf.size);
        return p;
}

/* Parses and wants a failure whose message is one line and, if want is not
 * NULL, starts with want. ret is never written on failure. */
static int expect_error_max(const void *data, size_t size, uint64_t max, const char *want) {
        struct proto_dump *d = (struct proto_dump *) &buf;    /* a sentinel */
        char err[512] = "";
        int r;

        r = proto_dump_parse_max(data, size, max, &d, err, sizeof(err));
        if (r >= 0)
                fail_msg("parsed, but wanted an error starting '%s'", want ?: "");
        assert_ptr_equal(d, (struct proto_dump *) &buf);
        assert_true(err[0] != 0);
        assert_null(strchr(err, '\n'));
        if (want && strncmp(err, want, strlen(want)) != 0)
                fail_msg("error '%s', wanted it to start '%s'", err, want);
        return r;
}

static int expect_error(const void *data, size_t size, const char *want) {
        return expect_error_max(data, size, PROTO_DUMP_MAX_SIZE, want);
}

static void test_truncations_raw(void **state) {
        /* The sample's last stream ends the file, so every cut breaks it. */
        for (size_t n = 0; n < buf.size; n++) {
                uint8_t *p = malloc(n + 1);

                memcpy(p, buf.data, n);
                expect_error(p, n, NULL);
                free(p);
        }
}

static void test_truncations_zstd(void **state) {
        for (size_t n = 0; n < zdump_size; n++) {
                uint8_t *p = malloc(n + 1);

                memcpy(p, zdump, n);
                expect_error(p, n, NULL);
                free(p);
        }
}

static void test_small_and_signature(void **state) {
        static const uint8_t elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
        uint8_t hdr[32] = { 'M', 'D', 'M', 'P' };

        assert_int_equal(expect_error(NULL, 0, "empty file"), -EBADMSG);
        assert_int_equal(expect_error("MD", 2, "truncated: header needs 32 bytes, file has 2"), -EBADMSG);
        expect_error("MDMP", 4, "truncated: header needs 32 bytes, file has 4");
        expect_error(elf, sizeof(elf), "not a minidump (bad signature 0x464c457f)");
        expect_error("\x28\xb5\x2f", 3, "truncated: header needs 32 bytes, file has 3");
        /* A version Breakpad would not read either. */
        memcpy(hdr + 4, &(uint32_t) { 0x1234 }, 4);
        expect_error(hdr, sizeof(hdr), "unsupported minidump version 0x1234");
        /* A header with no streams is a valid, empty dump. */
        {
                struct proto_dump *d = NULL;
                char err[128];

                memcpy(hdr + 4, &(uint32_t) { MD_VERSION }, 4);
                assert_int_equal(proto_dump_parse(hdr, sizeof(hdr), &d, err, sizeof(err)), 0);
                assert_int_equal(d->n_streams, 0);
                assert_int_equal(d->n_threads, 0);
                assert_int_equal(d->n_memory, 0);
                assert_null(proto_dump_crashing_thread(d));
                proto_dump_free(d);
        }
        assert_int_equal(proto_dump_parse(NULL, 5, &(struct proto_dump *) { NULL }, NULL, 0), -EINVAL);
        /* err may be NULL or tiny. */
        assert_int_equal(proto_dump_parse(elf, sizeof(elf), &(struct proto_dump *) { NULL }, NULL, 0), -EBADMSG);
        {
                char tiny[8];

                assert_true(proto_dump_parse(elf, sizeof(elf), &(struct proto_dump *) { NULL }, tiny, sizeof(tiny)) < 0);
                assert_string_equal(tiny, "not a m");
        }
}

static void set_u32(uint8_t *p, size_t off, uint32_t v) {
        memcpy(p + off, &v, 4);
}

static void test_directory(void **state) {
        uint8_t *p = sample_copy();
        char want[160];

        /* The directory starts 8 bytes before the end. */
        set_u32(p, offsetof(struct md_header, stream_directory_rva), (uint32_t) buf.size - 8);
        snprintf(want, sizeof(want), "truncated: directory at 0x%x needs %zu bytes, file has %zu",
                 (uint32_t) buf.size - 8, 19 * sizeof(struct md_directory), buf.size);
        expect_error(p, buf.size, want);
        set_u32(p, offsetof(struct md_header, stream_directory_rva), UINT32_MAX);
        expect_error(p, buf.size, "truncated: directory at 0xffffffff");
        free(p);

        /* 0x40000000 entries of 12 bytes: 0 in 32-bit arithmetic. */
        p = sample_copy();
        set_u32(p, offsetof(struct md_header, stream_count), 0x40000000);
        snprintf(want, sizeof(want), "truncated: directory at 0x20 needs 12884901888 bytes, file has %zu", buf.size);
        expect_error(p, buf.size, want);
        free(p);

        /* A stream past the end, and one whose rva + size wraps 32 bits. */
        p = sample_copy();
        sample_find_stream(p, buf.size, MD_STREAM_THREAD_LIST)->location.rva = (uint32_t) buf.size - 4;
        snprintf(want, sizeof(want),
                 "stream 0 (ThreadList, type 0x3) at 0x%x (148 bytes) runs past the end of the file (%zu bytes)",
                 (uint32_t) buf.size - 4, buf.size);
        expect_error(p, buf.size, want);
        sample_find_stream(p, buf.size, MD_STREAM_THREAD_LIST)->location.rva = UINT32_MAX - 10;
        expect_error(p, buf.size, "stream 0 (ThreadList, type 0x3) at 0xfffffff5");
        free(p);

        p = sample_copy();
        sample_find_stream(p, buf.size, SAMPLE_UNKNOWN_STREAM)->location.data_size = UINT32_MAX;
        expect_error(p, buf.size, "stream 18 (type 0x7e570001) at");
        free(p);
}

/* Sets the u32 at offset off inside the first stream of this type. */
static void corrupt_stream(uint32_t type, size_t off, uint32_t v, const char *want) {
        uint8_t *p = sample_copy();
        struct md_directory *e = sample_find_stream(p, buf.size, type);

        assert_non_null(e);
        set_u32(p, e->location.rva + off, v);
        expect_error(p, buf.size, want);
        free(p);
}

static void test_count_overflow(void **state) {
        uint8_t *p;
        char want[200];
        uint32_t name_rva;

        /* Each count times its entry size is a multiple of 2^32. */
        corrupt_stream(MD_STREAM_THREAD_LIST, 0, 0x40000000,
                       "thread list: 1073741824 threads need 51539607556 bytes but the stream has 148");
        corrupt_stream(MD_STREAM_THREAD_LIST, 0, 5,
                       "thread list: 5 threads need 244 bytes but the stream has 148");
        corrupt_stream(MD_STREAM_MODULE_LIST, 0, 0x40000000,
                       "module list: 1073741824 modules need 115964116996 bytes but the stream has 328");
        corrupt_stream(MD_STREAM_MEMORY_LIST, 0, 0x10000000,
                       "memory list: 268435456 ranges need 4294967300 bytes but the stream has 52");
        corrupt_stream(PROTO_STREAM_TAGS, 0, 0x10000, "tags: 65536 entries of 256 bytes need");
        corrupt_stream(PROTO_STREAM_BREADCRUMBS, 0, 0x1000000,
                       "breadcrumbs: 16777216 entries of 256 bytes need 4294967304 bytes but the stream has 520");
        corrupt_stream(PROTO_STREAM_THREAD_INFO, 4, 0x2000000, "thread info: 33554432 entries of 96 bytes need");
        corrupt_stream(PROTO_STREAM_THREAD_INFO, 8, 64, "thread info: entries of 64 bytes, need at least 96");
        corrupt_stream(PROTO_STREAM_TAGS, 4, 255, "tags: entries of 255 bytes, need at least 256");
        corrupt_stream(MD_STREAM_LINUX_DSO_DEBUG, offsetof(struct md_raw_debug, dso_count), 0x40000000,
                       "DSO debug: 1073741824 link maps at 0x");

        /* tags: count and entry size both 2^16. */
        p = sample_copy();
        {
                struct md_directory *e = sample_find_stream(p, buf.size, PROTO_STREAM_TAGS);

                set_u32(p, e->location.rva, 0x10000);
                set_u32(p, e->location.rva + 4, 0x10000);
                expect_error(p, buf.size, "tags: 65536 entries of 65536 bytes need 4294967304 bytes but the stream has 520");
        }
        free(p);

        /* An md_string whose length runs off the end. */
        p = sample_copy();
        memcpy(&name_rva, p + sample_find_stream(p, buf.size, MD_STREAM_MODULE_LIST)->location.rva + 4 +
                                  offsetof(struct md_module, module_name_rva), 4);
        set_u32(p, name_rva, 0xfffffffe);
        snprintf(want, sizeof(want), "module 0: string at 0x%x of 4294967294 bytes runs past the end of the file (%zu bytes)",
                 name_rva, buf.size);
        expect_error(p, buf.size, want);
        free(p);

        /* More threads than the reader accepts, in a stream that holds them. */
        {
                struct proto_buf big = {};
                struct proto_writer w;
                uint32_t count = 65537, rva;
                uint8_t *list;

                assert_int_equal(proto_buf_map(&big, 4 << 20), 0);
                assert_int_equal(proto_writer_begin(&w, &big, 1, 0), 0);
                list = proto_buf_reserve(&big, 4 + (size_t) count * sizeof(struct md_thread), 4, &rva);
                assert_non_null(list);
                memcpy(list, &count, 4);
                assert_int_equal(proto_writer_add_stream(&w, MD_STREAM_THREAD_LIST, rva,
                                                         4 + count * (uint32_t) sizeof(struct md_thread)), 0);
                assert_int_equal(proto_writer_finish(&w), 0);
                expect_error(big.data, big.size, "thread list: 65537 threads, more than the 65536 this reader accepts");
                proto_buf_unmap(&big);
        }
}

/* Builds a dump whose memory list holds these ranges in this order, each
 * filled with its own byte. */
struct range {
        uint64_t start;
        uint32_t size;
        uint8_t fill;
};

static struct proto_dump *memory_dump(const struct range *r, size_t n, const char *want_err) {
        struct proto_buf b = {};
        struct proto_writer w;
        struct md_memory_descriptor *md = calloc(n, sizeof(*md));
        struct proto_dump *d = NULL;
        char err[256] = "";
        uint32_t rva, count = (uint32_t) n;
        uint8_t *list;
        int ret;

        assert_int_equal(proto_buf_map(&b, 1 << 20), 0);
        assert_int_equal(proto_writer_begin(&w, &b, 1, 0), 0);
        for (size_t i = 0; i < n; i++) {
                uint8_t *data = proto_buf_reserve(&b, r[i].size, 1, &md[i].memory.rva);

                assert_true(data || r[i].size == 0);
                memset(data, r[i].fill, r[i].size);
                md[i].start_of_memory_range = r[i].start;
                md[i].memory.data_size = r[i].size;
        }
        list = proto_buf_reserve(&b, 4 + n * sizeof(*md), 4, &rva);
        memcpy(list, &count, 4);
        memcpy(list + 4, md, n * sizeof(*md));
        assert_int_equal(proto_writer_add_stream(&w, MD_STREAM_MEMORY_LIST, rva, 4 + (uint32_t) (n * sizeof(*md))), 0);
        assert_int_equal(proto_writer_finish(&w), 0);
        ret = proto_dump_parse(b.data, b.size, &d, err, sizeof(err));
        if (want_err) {
                assert_true(ret < 0);
                assert_string_equal(err, want_err);
                d = NULL;
        } else if (ret < 0)
                fail_msg("parse: %s", err);
        proto_buf_unmap(&b);
        free(md);
        return d;
}

static void check_fill(const uint8_t *p, size_t n, uint8_t fill) {
        for (size_t i = 0; i < n; i++)
                if (p[i] != fill)
                        fail_msg("byte %zu is 0x%02x, want 0x%02x", i, p[i], fill);
}

static void test_overlapping_memory(void **state) {
        static const struct range ranges[] = {
                { 0x2000, 0x100, 0xa0 },
                { 0x2080, 0x100, 0xa1 },        /* its first half lies under a0: trimmed */
                { 0x2000, 0x40, 0xa2 },         /* same start, shorter: dropped */
                { 0x5000, 0x10, 0xa3 },
                { 0x4ff0, 0x10, 0xa4 },         /* adjacent, ends where a3 starts */
                { 0x1000, 0x10, 0xa5 },         /* same start as a6, shorter: dropped */
                { 0x1000, 0x20, 0xa6 },
                { UINT64_MAX - 15, 0x10, 0xa7 },/* ends the address space */
                { 0x9000, 0, 0xa8 },            /* empty: skipped */
                { 0x2010, 0x10, 0xa9 },         /* inside a0: dropped */
        };
        static const struct { uint64_t start, size; uint8_t fill; } want[] = {
                { 0x1000, 0x20, 0xa6 }, { 0x2000, 0x100, 0xa0 }, { 0x2100, 0x80, 0xa1 },
                { 0x4ff0, 0x10, 0xa4 }, { 0x5000, 0x10, 0xa3 }, { UINT64_MAX - 15, 0x10, 0xa7 },
        };
        const size_t n = sizeof(ranges) / sizeof(ranges[0]);
        struct range reversed[sizeof(ranges) / sizeof(ranges[0])];
        uint8_t out[0x200];

        for (size_t i = 0; i < n; i++)
                reversed[i] = ranges[n - 1 - i];
        /* The same ranges in the opposite file order give the same index. */
        for (int pass = 0; pass < 2; pass++) {
                struct proto_dump *d = memory_dump(pass ? reversed : ranges, n, NULL);

                assert_int_equal(d->n_memory, 6);
                for (size_t i = 0; i < 6; i++) {
                        assert_int_equal(d->memory[i].start, want[i].start);
                        assert_int_equal(d->memory[i].size, want[i].size);
                        check_fill(d->memory[i].data, want[i].size, want[i].fill);
                }
                /* Reads run on across adjacent regions and stop at gaps. */
                assert_int_equal(proto_dump_read_memory(d, 0x20f0, out, 0x20), 0x20);
                check_fill(out, 0x10, 0xa0);
                check_fill(out + 0x10, 0x10, 0xa1);
                assert_int_equal(proto_dump_read_memory(d, 0x2170, out, 0x40), 0x10);
                assert_int_equal(proto_dump_read_memory(d, 0x1ff8, out, 0x40), 0);
                assert_int_equal(proto_dump_read_memory(d, 0x2000, out, sizeof(out)), 0x180);
                assert_int_equal(proto_dump_read_memory(d, 0x4ff8, out, 0x100), 0x18);
                check_fill(out, 8, 0xa4);
                check_fill(out + 8, 0x10, 0xa3);
                assert_int_equal(proto_dump_read_memory(d, 0x0fff, out, 4), 0);
                assert_int_equal(proto_dump_read_memory(d, 0x1020, out, 1), 0);
                assert_int_equal(proto_dump_read_memory(d, 0x101f, out, 1), 1);
                assert_int_equal(out[0], 0xa6);
                /* No wrap past the top of the address space. */
                assert_int_equal(proto_dump_read_memory(d, UINT64_MAX - 7, out, 0x20), 8);
                check_fill(out, 8, 0xa7);
                assert_int_equal(proto_dump_read_memory(d, UINT64_MAX, out, 1), 1);
                proto_dump_free(d);
        }

        memory_dump((const struct range[]) { { 0x1000, 0x10, 1 }, { UINT64_MAX - 7, 0x10, 2 } }, 2,
                    "memory list: range 1, 0xfffffffffffffff8 + 16, wraps the address space");
}

/* A zstd frame of `blocks` RLE blocks of 128 KiB each, no content size
 * declared: a few bytes a block, 128 KiB of output each. */
static uint8_t *rle_bomb(size_t blocks, size_t *ret_size) {
        size_t n = 6 + blocks * 4;
        uint8_t *p = malloc(n), *q = p;

        memcpy(q, "\x28\xb5\x2f\xfd", 4), q += 4;
        *q++ = 0x00;            /* frame header: no size, no checksum, no dictionary */
        *q++ = (20 - 10) << 3;  /* window 1 MiB */
        for (size_t i = 0; i < blocks; i++) {
                uint32_t h = (128u * 1024 << 3) | (1u << 1) | (i + 1 == blocks);

                *q++ = (uint8_t) h, *q++ = (uint8_t) (h >> 8), *q++ = (uint8_t) (h >> 16);
                *q++ = 'A';
        }
        *ret_size = n;
        return p;
}

static void test_zstd_bomb(void **state) {
        uint8_t *p;
        size_t n;

        /* 2 MiB out of 70 bytes: over a 1 MiB cap it stops; under 4 MiB it
         * decompresses and is then refused for what it is. */
        p = rle_bomb(16, &n);
        assert_int_equal(expect_error_max(p, n, 1 << 20,
                                          "zstd: decompresses to more than 1048576 bytes, the most this reader accepts"),
                         -EFBIG);
        expect_error_max(p, n, 4 << 20, "not a minidump (bad signature 0x41414141)");
        free(p);

        /* Past the real cap (8200 * 128 KiB > 1 GiB) from 33 KB of input:
         * stopped at the small cap without inflating the rest. */
        p = rle_bomb(8200, &n);
        assert_true(n < 40000);
        expect_error_max(p, n, 1 << 20, "zstd: decompresses to more than 1048576 bytes");
        free(p);

        /* A header that claims 2^40 bytes of content and holds 32: nothing
         * is sized from the claim, and the lie is an error. */
        {
                uint8_t f[64] = { 0x28, 0xb5, 0x2f, 0xfd, 0xc0, (20 - 10) << 3 };
                uint64_t claim = UINT64_C(1) << 40;
                uint32_t h = (32u << 3) | 1u;   /* a raw, last block of 32 bytes */

                memcpy(f + 6, &claim, 8);
                f[14] = (uint8_t) h, f[15] = (uint8_t) (h >> 8), f[16] = (uint8_t) (h >> 16);
                memcpy(f + 17, "MDMP", 4);
                memcpy(f + 21, &(uint32_t) { MD_VERSION }, 4);
                assert_int_equal(expect_error(f, 17 + 32, "zstd: "), -EBADMSG);
        }

        /* Windows the reader will not allocate: 64 MiB (zstd's own default
         * limit would take it), and 4 GiB through a single-segment size. */
        {
                uint8_t f[16] = { 0x28, 0xb5, 0x2f, 0xfd, 0x00, (26 - 10) << 3, 0x01, 0x00, 0x00 };

                expect_error(f, 9, "zstd: Frame requires too much memory for decoding");
        }
        {
                uint8_t f[16] = { 0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00 };

                expect_error(f, 12, "zstd: Frame requires too much memory for decoding");
        }

        /* Garbage after a good frame is an error, not ignored. */
        p = malloc(zdump_size + 4);
        memcpy(p, zdump, zdump_size);
        memcpy(p + zdump_size, "junk", 4);
        expect_error(p, zdump_size + 4, "zstd: ");
        free(p);
}

/* Everything a consumer may touch, with the invariants the API promises. */
static void exercise(const struct proto_dump *d) {
        const uint8_t *lo = d->file, *hi = d->file + d->file_size;
        uint8_t tmp[512];
        size_t sum = 0;

#define IN_FILE(p, n) assert_true((n) == 0 || ((p) >= lo && (p) <= hi && (size_t) (n) <= (size_t) (hi - (p))))
        for (size_t i = 0; i < d->n_memory; i++) {
                const struct proto_memory_region *m = &d->memory[i];
                size_t k = m->size < sizeof(tmp) ? (size_t) m->size : sizeof(tmp);

                assert_true(m->size > 0);
                IN_FILE(m->data, m->size);
                if (i + 1 < d->n_memory)
                        assert_true(m->start + (m->size - 1) < d->memory[i + 1].start);
                assert_int_equal(proto_dump_read_memory(d, m->start, tmp, k), k);
                assert_memory_equal(tmp, m->data, k);
                sum += proto_dump_read_memory(d, m->start + m->size - 1, tmp, sizeof(tmp));
        }
        for (size_t i = 0; i < d->n_threads; i++) {
                const struct proto_thread *t = &d->threads[i];
                const struct md_context_amd64 *c = proto_thread_context(d, t);

                IN_FILE(t->stack.data, t->stack.size);
                IN_FILE(t->xstate.data, t->xstate.size);
                if (c)
                        sum += c->rip;
                if (t->has_info)
                        sum += strlen(t->info.name);
        }
        (void) proto_dump_crashing_thread(d);
        for (size_t i = 0; i < d->n_modules; i++) {
                assert_non_null(d->modules[i].name);
                assert_true(d->modules[i].build_id_size <= PROTO_BUILD_ID_MAX);
                sum += strlen(d->modules[i].name);
        }
        for (size_t i = 0; i < d->n_link_maps; i++)
                sum += strlen(d->link_maps[i].name);
        for (size_t i = 0; i < d->n_tags; i++)
                sum += strlen(d->tags[i].key) + strlen(d->tags[i].value);
        for (size_t i = 0; i < d->n_breadcrumbs; i++)
                sum += strlen(d->breadcrumbs[i].message);
        for (size_t i = 0; i < d->n_streams; i++)
                assert_true((uint64_t) d->streams[i].rva + d->streams[i].size <= d->file_size);
        if (d->os_version)
                sum += strlen(d->os_version);
        if (d->has_crash_info)
                sum += strlen(d->crash_info.dumper_version);
        IN_FILE(d->cmd_line.data, d->cmd_line.size);
        IN_FILE(d->maps.data, d->maps.size);
        IN_FILE(d->auxv.data, d->auxv.size);
        (void) sum;
#undef IN_FILE
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rng(void) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

static void flip_run(const uint8_t *src, size_t size, unsigned iterations, unsigned *ret_ok, unsigned *ret_bad) {
        const uint32_t interesting[] = {
                0, 1, 0x20, 0xff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
                (uint32_t) size, (uint32_t) size - 4, (uint32_t) size + 4, 0x40000000,
        };
        uint8_t *p = malloc(size);

        for (unsigned it = 0; it < iterations; it++) {
                struct proto_dump *d = NULL;
                char err[256];
                unsigned flips = 1 + rng() % 4;

                memcpy(p, src, size);
                for (unsigned f = 0; f < flips; f++) {
                        uint64_t x = rng();
                        size_t off = (x >> 8) % size;

                        if (x & 1)
                                p[off] ^= (uint8_t) (1u << ((x >> 1) % 8));
                        else if (off + 4 <= size)
                                set_u32(p, off & ~(size_t) 3,
                                        interesting[(x >> 1) % (sizeof(interesting) / sizeof(interesting[0]))]);
                }
                if (proto_dump_parse(p, size, &d, err, sizeof(err)) < 0) {
                        assert_null(strchr(err, '\n'));
                        ++*ret_bad;
                        continue;
                }
                exercise(d);
                proto_dump_free(d);
                ++*ret_ok;
        }
        free(p);
}

static void test_byte_flips(void **state) {
        unsigned ok = 0, bad = 0;

        flip_run(buf.data, buf.size, 4000, &ok, &bad);
        print_message("raw: %u parsed, %u refused\n", ok, bad);
        /* Both paths ran: flips in data bytes parse, flips in structure not
         * (most of the sample is contexts and memory, hence the skew). */
        assert_true(ok > 1000);
        assert_true(bad > 100);

        ok = bad = 0;
        flip_run(zdump, zdump_size, 500, &ok, &bad);
        print_message("zstd: %u parsed, %u refused\n", ok, bad);
        assert_true(bad > 0);
}

static void test_load_errors(void **state) {
        char path[] = "/tmp/test-reject-XXXXXX", err[256];
        struct proto_dump *d = NULL;
        int fd;

        assert_int_equal(proto_dump_load("/nonexistent/x.dmp", &d, err, sizeof(err)), -ENOENT);
        assert_string_equal(err, "cannot open: No such file or directory");
        assert_int_equal(proto_dump_load("/", &d, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "not a regular file");
        assert_int_equal(proto_dump_load("/dev/null", &d, err, sizeof(err)), -EINVAL);
        assert_null(d);

        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(proto_dump_load(path, &d, err, sizeof(err)), -EBADMSG);
        assert_string_equal(err, "empty file");
        /* The message reads the signature of a buffer load() owns. */
        assert_int_equal(write(fd, "\x7f" "ELF", 4), 4);
        assert_int_equal(proto_dump_load(path, &d, err, sizeof(err)), -EBADMSG);
        assert_string_equal(err, "not a minidump (bad signature 0x464c457f)");
        assert_int_equal(ftruncate(fd, 0), 0);
        assert_int_equal(pwrite(fd, buf.data, buf.size, 0), (ssize_t) buf.size);
        assert_int_equal(proto_dump_load(path, &d, err, sizeof(err)), 0);
        assert_false(d->compressed);
        assert_int_equal(d->file_size, buf.size);
        proto_dump_free(d);
        (void) close(fd);
        (void) unlink(path);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_truncations_raw),
                cmocka_unit_test(test_truncations_zstd),
                cmocka_unit_test(test_small_and_signature),
                cmocka_unit_test(test_directory),
                cmocka_unit_test(test_count_overflow),
                cmocka_unit_test(test_overlapping_memory),
                cmocka_unit_test(test_zstd_bomb),
                cmocka_unit_test(test_byte_flips),
                cmocka_unit_test(test_load_errors),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
