/* SPDX-License-Identifier: MIT */
/* tests/daemon/test-daemon-multipart.c: the multipart/form-data parser
 * (daemon/multipart.c) on what Breakpad's, Crashpad's and curl's clients
 * send and on malformed bodies, and upload.c's pure helpers: tags added to
 * a minidump (read back by the dump reader) and gzip with a cap. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "multipart.h"
#include "reader.h"
#include "sample-dump.h"
#include "upload.h"
#include "writer.h"

static const struct multipart_limits lim = { .max_parts = 16, .max_header_size = 1024, .max_part_size = 4096 };

struct seen {
        struct multipart_part parts[16];
        size_t n;
};

static int collect(const struct multipart_part *p, void *userdata) {
        struct seen *s = userdata;

        assert_true(s->n < 16);
        s->parts[s->n++] = *p;
        return 0;
}

static int parse(const char *body, size_t len, const char *boundary, struct seen *s) {
        memset(s, 0, sizeof(*s));
        return multipart_parse((const uint8_t *) body, len, boundary, &lim, collect, s);
}

static void test_boundary(void **state) {
        char b[MULTIPART_BOUNDARY_MAX + 1];

        assert_int_equal(multipart_boundary("multipart/form-data; boundary=abc", b, sizeof(b)), 3);
        assert_string_equal(b, "abc");
        assert_int_equal(multipart_boundary("Multipart/Form-Data;boundary=\"a b:c\"; charset=x", b, sizeof(b)), 5);
        assert_string_equal(b, "a b:c");
        /* curl's */
        assert_true(multipart_boundary("multipart/form-data; boundary=------------------------d74496d66958873e", b,
                                       sizeof(b)) > 0);
        assert_int_equal(multipart_boundary("multipart/mixed; boundary=abc", b, sizeof(b)), -EINVAL);
        assert_int_equal(multipart_boundary("multipart/form-datax; boundary=abc", b, sizeof(b)), -EINVAL);
        assert_int_equal(multipart_boundary("multipart/form-data", b, sizeof(b)), -EINVAL);
        assert_int_equal(multipart_boundary("multipart/form-data; boundary=", b, sizeof(b)), -EINVAL);
        assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"abc", b, sizeof(b)), -EINVAL);
        assert_int_equal(multipart_boundary("multipart/form-data; boundary=a\"b", b, sizeof(b)), -EINVAL);
        assert_int_equal(multipart_boundary(NULL, b, sizeof(b)), -EINVAL);
        {
                char ct[400];

                memset(ct, 'x', sizeof(ct));
                memcpy(ct, "multipart/form-data; boundary=", 30);
                ct[sizeof(ct) - 1] = 0;
                assert_int_equal(multipart_boundary(ct, b, sizeof(b)), -EINVAL);      /* 369 bytes */
        }
}

static void test_breakpad(void **state) {
        /* As Breakpad's HTTPUpload (libcurl's form) writes it, with binary
         * data that holds CR, LF and dashes. */
        static const char body[] =
                "--XyZ\r\n"
                "Content-Disposition: form-data; name=\"prod\"\r\n\r\n"
                "crashme\r\n"
                "--XyZ\r\n"
                "Content-Disposition: form-data; name=\"ver\"\r\n\r\n"
                "1.0\r\n"
                "--XyZ\r\n"
                "Content-Disposition: form-data; name=\"upload_file_minidump\"; filename=\"a.dmp\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n"
                "MDMP\r\n--X\r\n\0\xff--\r\n"
                "--XyZ--\r\n";
        struct seen s;

        assert_int_equal(parse(body, sizeof(body) - 1, "XyZ", &s), 3);
        assert_string_equal(s.parts[0].name, "prod");
        assert_false(s.parts[0].has_filename);
        assert_int_equal(s.parts[0].size, 7);
        assert_memory_equal(s.parts[0].data, "crashme", 7);
        assert_string_equal(s.parts[1].name, "ver");
        assert_string_equal(s.parts[2].name, "upload_file_minidump");
        assert_true(s.parts[2].has_filename);
        assert_string_equal(s.parts[2].filename, "a.dmp");
        assert_string_equal(s.parts[2].content_type, "application/octet-stream");
        assert_int_equal(s.parts[2].size, 15);
        assert_memory_equal(s.parts[2].data, "MDMP\r\n--X\r\n\0\xff--", 15);
}

static void test_lf_preamble_quotes(void **state) {
        static const char lf[] = "ignored preamble\n--b\nContent-Disposition: form-data; name=\"a\\\"q\"\n\nv1\n--b--";
        static const char empty[] = "--b\r\n\r\n\r\n--b\r\nContent-Disposition: form-data; name=x\r\n\r\n\r\n--b--\r\n";
        struct seen s;

        assert_int_equal(parse(lf, sizeof(lf) - 1, "b", &s), 1);
        assert_string_equal(s.parts[0].name, "a\"q");
        assert_int_equal(s.parts[0].size, 2);
        assert_int_equal(parse(empty, sizeof(empty) - 1, "b", &s), 2);
        assert_string_equal(s.parts[0].name, "");
        assert_int_equal(s.parts[0].size, 0);
        assert_string_equal(s.parts[1].name, "x");
        assert_int_equal(s.parts[1].size, 0);
}

static void test_malformed(void **state) {
        static const char *const bad[] = {
                "",
                "no delimiter at all",
                "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nno end",
                "--b\r\nContent-Disposition: form-data; name=\"x\r\n\r\nv\r\n--b--",       /* open quote */
                "--b\r\nContent-Disposition: attachment; name=\"x\"\r\n\r\nv\r\n--b--",    /* not form-data */
                "--b\r\nno colon here\r\n\r\nv\r\n--b--",
                "--b\r\nContent-Disposition: form-data\r\n",                                /* headers never end */
                "--bX\r\n\r\nv\r\n--b--",
                "--b",
        };
        struct seen s;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(parse(bad[i], strlen(bad[i]), "b", &s), -EBADMSG);
}

static void test_limits(void **state) {
        char body[8192];
        size_t n = 0;
        struct seen s;

        /* 17 parts: one too many. */
        for (int i = 0; i < 17; i++)
                n += (size_t) snprintf(body + n, sizeof(body) - n, "--b\r\n\r\n%d\r\n", i);
        n += (size_t) snprintf(body + n, sizeof(body) - n, "--b--");
        assert_int_equal(parse(body, n, "b", &s), -E2BIG);

        /* A part of 4097 bytes. */
        n = (size_t) snprintf(body, sizeof(body), "--b\r\n\r\n");
        memset(body + n, 'a', 4097);
        n += 4097;
        n += (size_t) snprintf(body + n, sizeof(body) - n, "\r\n--b--");
        assert_int_equal(parse(body, n, "b", &s), -EFBIG);

        /* A header block of more than 1024 bytes. */
        n = (size_t) snprintf(body, sizeof(body), "--b\r\nX-Pad: ");
        memset(body + n, 'p', 1100);
        n += 1100;
        n += (size_t) snprintf(body + n, sizeof(body) - n, "\r\n\r\nv\r\n--b--");
        assert_int_equal(parse(body, n, "b", &s), -EBADMSG);

        /* A long name is cut and says so. */
        n = (size_t) snprintf(body, sizeof(body), "--b\r\nContent-Disposition: form-data; name=\"");
        memset(body + n, 'n', 300);
        n += 300;
        n += (size_t) snprintf(body + n, sizeof(body) - n, "\"\r\n\r\nv\r\n--b--");
        assert_int_equal(parse(body, n, "b", &s), 1);
        assert_true(s.parts[0].name_truncated);
        assert_int_equal(strlen(s.parts[0].name), MULTIPART_NAME_MAX - 1);
}

static void test_add_tags(void **state) {
        struct proto_buf b = {};
        struct proto_tag tags[2] = {};
        struct proto_dump *d = NULL, *d2 = NULL;
        uint8_t *out = NULL, *out2 = NULL;
        size_t out_size, out2_size;
        char err[256];

        assert_int_equal(proto_buf_map(&b, 1 << 20), 0);
        assert_int_equal(sample_dump_build(&b, SAMPLE_BREAKPAD), 0);
        strcpy(tags[0].key, "prod");
        strcpy(tags[0].value, "crashme");
        strcpy(tags[1].key, "ver");
        strcpy(tags[1].value, "1.2.3");
        assert_int_equal(upload_add_tags(b.data, b.size, tags, 2, &out, &out_size), 0);
        assert_int_equal(proto_dump_parse(out, out_size, &d, err, sizeof(err)), 0);
        assert_int_equal(d->n_tags, 2);
        assert_string_equal(d->tags[0].key, "prod");
        assert_string_equal(d->tags[1].value, "1.2.3");
        /* Again on the result: the dump's tags stay, a duplicate key is not added. */
        strcpy(tags[0].value, "other");
        strcpy(tags[1].key, "guid");
        assert_int_equal(upload_add_tags(out, out_size, tags, 2, &out2, &out2_size), 0);
        assert_int_equal(proto_dump_parse(out2, out2_size, &d2, err, sizeof(err)), 0);
        assert_int_equal(d2->n_tags, 3);
        assert_string_equal(d2->tags[0].value, "crashme");
        assert_string_equal(d2->tags[2].key, "guid");
        assert_int_equal(d2->n_threads, d->n_threads);
        free(out2);
        out2 = NULL;

        assert_int_equal(upload_add_tags((const uint8_t *) "MDMP", 4, tags, 1, &out2, &out2_size), -EBADMSG);
        out[12] = 0xff;         /* the directory's RVA past the end */
        out[13] = 0xff;
        out[14] = 0xff;
        assert_int_equal(upload_add_tags(out, out_size, tags, 1, &out2, &out2_size), -EBADMSG);
        proto_dump_free(d);
        proto_dump_free(d2);
        free(out);
        proto_buf_unmap(&b);
}

static void test_gunzip(void **state) {
        static uint8_t plain[100000], packed[100000];
        z_stream z = {};
        uint8_t *out = NULL;
        size_t n;

        for (size_t i = 0; i < sizeof(plain); i++)
                plain[i] = (uint8_t) (i % 251);
        assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
        z.next_in = plain;
        z.avail_in = sizeof(plain);
        z.next_out = packed;
        z.avail_out = sizeof(packed);
        assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
        n = sizeof(packed) - z.avail_out;
        deflateEnd(&z);

        assert_int_equal(upload_gunzip(packed, n, sizeof(plain), &out, &(size_t) { 0 }), 0);
        assert_memory_equal(out, plain, sizeof(plain));
        free(out);
        assert_int_equal(upload_gunzip(packed, n, sizeof(plain) - 1, &out, &(size_t) { 0 }), -EFBIG);
        assert_int_equal(upload_gunzip(packed, n / 2, sizeof(plain), &out, &(size_t) { 0 }), -EBADMSG);
        assert_int_equal(upload_gunzip((const uint8_t *) "not gzip", 8, 1000, &out, &(size_t) { 0 }), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_boundary),
                cmocka_unit_test(test_breakpad),
                cmocka_unit_test(test_lf_preamble_quotes),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_add_tags),
                cmocka_unit_test(test_gunzip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
