/* SPDX-License-Identifier: MIT */
/* tests/proto/test-writer.c: proto/writer.h at its edges: a full buffer,
 * directory limits, UTF-8 to UTF-16 with surrogates and bad bytes, zstd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "minidump.h"
#include "reader.h"
#include "writer.h"

static void test_buf_limits(void **state) {
        static const uint8_t zeros[128];
        struct proto_buf b = {};
        uint32_t rva = 0xdead;
        uint8_t *p;

        assert_int_equal(proto_buf_map(&b, 0), -EINVAL);
        assert_int_equal(proto_buf_map(&b, 4096), 0);
        assert_null(proto_buf_reserve(&b, 1, 3, NULL));         /* not a power of two */
        assert_null(proto_buf_reserve(&b, 1, 0, NULL));

        p = proto_buf_reserve(&b, 4000, 8, &rva);
        assert_non_null(p);
        assert_int_equal(rva, 0);
        assert_int_equal(proto_buf_append(&b, zeros, 97, 1, NULL), -ENOSPC);
        assert_int_equal(b.size, 4000);                         /* unchanged by the failure */
        /* Alignment padding counts: 4000 is 16-aligned, 4001 is not. */
        assert_non_null(proto_buf_reserve(&b, 1, 1, &rva));
        assert_int_equal(rva, 4000);
        assert_null(proto_buf_reserve(&b, 90, 16, NULL));       /* 4016 + 90 > 4096 */
        assert_non_null(proto_buf_reserve(&b, 80, 16, &rva));   /* 4016 + 80 == 4096 */
        assert_int_equal(rva, 4016);
        assert_int_equal(b.size, 4096);
        assert_null(proto_buf_reserve(&b, 1, 1, NULL));
        assert_null(proto_buf_reserve(&b, SIZE_MAX, 1, NULL));  /* no overflow past the end */

        /* Reserved bytes are zero even where the buffer held something. */
        memset(b.data, 0xaa, b.capacity);
        b.size = 1;
        p = proto_buf_reserve(&b, 64, 32, &rva);
        assert_non_null(p);
        assert_int_equal(rva, 32);
        for (size_t i = 1; i < 96; i++)
                assert_int_equal(b.data[i], 0);
        assert_int_equal(b.data[96], 0xaa);

        proto_buf_unmap(&b);
        assert_null(b.data);
        assert_null(proto_buf_reserve(&b, 1, 1, NULL));
        assert_int_equal(proto_buf_append(&b, "x", 1, 1, NULL), -ENOSPC);
}

static void test_writer_limits(void **state) {
        struct proto_buf b = {};
        struct proto_writer w;
        uint32_t rva;

        assert_int_equal(proto_buf_map(&b, 128), 0);
        assert_int_equal(proto_writer_begin(&w, &b, 0, 0), -EINVAL);
        assert_int_equal(proto_writer_begin(&w, &b, 4097, 0), -EINVAL);
        b.size = 0;
        /* 32 header bytes + 10 * 12 directory bytes do not fit in 128. */
        assert_int_equal(proto_writer_begin(&w, &b, 10, 0), -ENOSPC);
        b.size = 0;
        assert_int_equal(proto_writer_begin(&w, &b, 2, 77), 0);
        assert_int_equal(w.directory_rva, 32);
        assert_int_equal(b.size, 56);
        assert_int_equal(proto_writer_add_blob(&w, 0x100, "abcd", 4), 0);
        /* A location past what was written is refused. */
        assert_int_equal(proto_writer_add_stream(&w, 0x101, 56, 100), -EINVAL);
        assert_int_equal(proto_writer_add_stream(&w, 0x101, UINT32_MAX, 2), -EINVAL);
        assert_int_equal(proto_writer_add_stream(&w, 0x101, 56, 4), 0);
        assert_int_equal(proto_writer_add_stream(&w, 0x102, 56, 4), -E2BIG);
        /* The buffer is nearly full: 60 used, an md_string of 40 units needs 86. */
        assert_int_equal(proto_writer_string(&w, "0123456789012345678901234567890123456789", 40, &rva), -ENOSPC);
        assert_int_equal(proto_writer_add_blob(&w, 0x103, "x", 1), -E2BIG);
        assert_int_equal(proto_writer_finish(&w), 0);
        assert_int_equal(((struct md_header *) b.data)->stream_count, 2);
        assert_int_equal(((struct md_header *) b.data)->time_date_stamp, 77);
        assert_int_equal(((struct md_header *) b.data)->signature, MD_SIGNATURE);
        proto_buf_unmap(&b);
}

struct utf_case {
        const char *in;
        size_t len;
        uint16_t out[12];
        size_t n_out;
        const char *back;       /* what the reader gives back as UTF-8 */
};

#define FFFD "\xef\xbf\xbd"

static const struct utf_case utf_cases[] = {
        { "", 0, {}, 0, "" },
        { "A", 1, { 'A' }, 1, "A" },
        { "\xc3\xa9", 2, { 0xe9 }, 1, "\xc3\xa9" },                              /* é */
        { "\xe2\x82\xac", 3, { 0x20ac }, 1, "\xe2\x82\xac" },                    /* € */
        { "\xf0\x9f\x98\x80", 4, { 0xd83d, 0xde00 }, 2, "\xf0\x9f\x98\x80" },    /* U+1F600 */
        { "\xf4\x8f\xbf\xbf", 4, { 0xdbff, 0xdfff }, 2, "\xf4\x8f\xbf\xbf" },    /* U+10FFFF */
        { "\xff", 1, { 0xfffd }, 1, FFFD },
        { "a\xc3", 2, { 'a', 0xfffd }, 2, "a" FFFD },                             /* cut short */
        { "\xc3" "a", 2, { 0xfffd, 'a' }, 2, FFFD "a" },                          /* not a continuation */
        { "\xc0\xaf", 2, { 0xfffd, 0xfffd }, 2, FFFD FFFD },                      /* overlong '/' */
        { "\xed\xa0\x80", 3, { 0xfffd, 0xfffd, 0xfffd }, 3, FFFD FFFD FFFD },     /* a surrogate */
        { "\xf4\x90\x80\x80", 4, { 0xfffd, 0xfffd, 0xfffd, 0xfffd }, 4, FFFD FFFD FFFD FFFD }, /* > U+10FFFF */
        { "a\0b", 3, { 'a', 0, 'b' }, 3, "a" },                                  /* the reader stops at NUL */
};

static void test_utf16(void **state) {
        const size_t n = sizeof(utf_cases) / sizeof(utf_cases[0]);
        struct proto_buf b = {};
        struct proto_writer w;
        uint32_t rvas[sizeof(utf_cases) / sizeof(utf_cases[0])], list_rva;
        struct proto_dump *d = NULL;
        uint8_t *list;
        char err[256] = "";

        assert_int_equal(proto_buf_map(&b, 65536), 0);
        assert_int_equal(proto_writer_begin(&w, &b, 1, 0), 0);
        for (size_t i = 0; i < n; i++) {
                const struct utf_case *c = &utf_cases[i];
                uint32_t length;

                assert_int_equal(proto_writer_string(&w, c->in, c->len, &rvas[i]), 0);
                assert_int_equal(rvas[i] % 4, 0);
                memcpy(&length, b.data + rvas[i], 4);
                assert_int_equal(length, c->n_out * 2);
                for (size_t k = 0; k < c->n_out; k++) {
                        uint16_t u;

                        memcpy(&u, b.data + rvas[i] + 4 + 2 * k, 2);
                        assert_int_equal(u, c->out[k]);
                }
                /* The terminator Breakpad's readers expect. */
                assert_int_equal(b.data[rvas[i] + 4 + 2 * c->n_out], 0);
                assert_int_equal(b.data[rvas[i] + 5 + 2 * c->n_out], 0);
        }

        /* And back through the reader, as module names. */
        list = proto_buf_reserve(&b, 4 + n * sizeof(struct md_module), 4, &list_rva);
        assert_non_null(list);
        memcpy(list, &(uint32_t) { (uint32_t) n }, 4);
        for (size_t i = 0; i < n; i++) {
                struct md_module m = { .base_of_image = i * 0x1000, .module_name_rva = rvas[i] };

                memcpy(list + 4 + i * sizeof(m), &m, sizeof(m));
        }
        assert_int_equal(proto_writer_add_stream(&w, MD_STREAM_MODULE_LIST, list_rva,
                                                 4 + n * sizeof(struct md_module)), 0);
        assert_int_equal(proto_writer_finish(&w), 0);
        assert_int_equal(proto_dump_parse(b.data, b.size, &d, err, sizeof(err)), 0);
        assert_int_equal(d->n_modules, n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(d->modules[i].name, utf_cases[i].back);
        proto_dump_free(d);
        proto_buf_unmap(&b);
}

static void test_zstd(void **state) {
        struct proto_buf b = {};
        struct proto_writer w;
        struct proto_dump *d = NULL;
        size_t ws = proto_zstd_workspace_size();
        char path[] = "/tmp/test-writer-XXXXXX", err[256] = "";
        void *workspace;
        int fd;

        assert_true(ws > 0 && ws < 8 * 1024 * 1024);
        workspace = mmap(NULL, ws, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assert_true(workspace != MAP_FAILED);
        assert_int_equal(proto_buf_map(&b, 1 << 20), 0);
        assert_int_equal(proto_writer_begin(&w, &b, 1, 5), 0);
        /* 300 KiB: more than one 128 KiB block and the 32 KiB output chunk. */
        assert_non_null(proto_buf_reserve(&b, 300 * 1024, 4, NULL));
        /* Four random bits a byte: compressible, but not to nothing. */
        for (size_t i = 1000, x = 88172645463325252u; i < b.size; i++) {
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                b.data[i] = (uint8_t) (x >> 60);
        }
        assert_int_equal(proto_writer_finish(&w), 0);

        fd = mkstemp(path);
        assert_true(fd >= 0);
        (void) unlink(path);
        assert_int_equal(proto_zstd_write(fd, b.data, b.size, workspace, 1024), -ENOMEM);
        assert_int_equal(proto_zstd_write(-1, b.data, b.size, workspace, ws), -EBADF);
        assert_int_equal(ftruncate(fd, 0), 0);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        /* The workspace is reusable: write twice, read the second. */
        assert_int_equal(proto_zstd_write(fd, b.data, b.size, workspace, ws), 0);
        assert_int_equal(ftruncate(fd, 0), 0);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        assert_int_equal(proto_zstd_write(fd, b.data, b.size, workspace, ws), 0);
        {
                off_t n = lseek(fd, 0, SEEK_END);
                uint8_t *z = malloc((size_t) n);

                assert_true(n > 0 && n < (off_t) b.size);
                assert_int_equal(pread(fd, z, (size_t) n, 0), n);
                assert_int_equal(proto_dump_parse(z, (size_t) n, &d, err, sizeof(err)), 0);
                assert_true(d->compressed);
                assert_int_equal(d->file_size, b.size);
                assert_memory_equal(d->file, b.data, b.size);
                assert_int_equal(d->header.time_date_stamp, 5);
                proto_dump_free(d);
                free(z);
        }
        (void) close(fd);
        (void) munmap(workspace, ws);
        proto_buf_unmap(&b);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_buf_limits),
                cmocka_unit_test(test_writer_limits),
                cmocka_unit_test(test_utf16),
                cmocka_unit_test(test_zstd),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
