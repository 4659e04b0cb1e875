/* SPDX-License-Identifier: MIT */
/* tests/daemon/test-daemon-job.c: what a worker does with one spool entry
 * (daemon/job.c): a good dump (zstd or raw) becomes a stored file and a
 * report; everything else is judged without being followed, blocked on or
 * believed: symlinks, FIFOs, directories, odd names, empty, garbage,
 * truncated, oversized and zstd bombs, hard links. */
#include <fcntl.h>
#include <jansson.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <cmocka.h>

#include "job.h"
#include "sample-dump.h"

static char dir[] = "/tmp/crashd-test-job.XXXXXX";
static int spool_fd, dumps_fd;
static struct symb_context *ctx;
static uint8_t *sample_zst, *sample_raw;
static size_t sample_zst_size, sample_raw_size;

static void put(const char *name, const void *data, size_t n) {
        int fd = openat(spool_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, n), (ssize_t) n);
        close(fd);
}

static struct job *run(const char *name, uint64_t max_size) {
        struct job *j = calloc(1, sizeof(*j));

        assert_non_null(j);
        strcpy(j->name, name);
        j->spool_fd = spool_fd;
        j->dumps_fd = dumps_fd;
        j->limits = (struct job_limits) {
                .max_dump_size = max_size ? max_size : 64 << 20,
                .max_raw_size = max_size ? 16 * max_size : 1 << 30,
                .signature_frames = 3,
                .sync = false,
        };
        job_run(j, ctx);
        return j;
}

static void expect_bad(const char *name, uint64_t max_size, const char *reason_part) {
        struct job *j = run(name, max_size);

        if (j->status != JOB_BAD)
                fail_msg("%s: status %d, reason '%s'", name, j->status, j->reason);
        if (!strstr(j->reason, reason_part))
                fail_msg("%s: reason '%s' does not say '%s'", name, j->reason, reason_part);
        assert_null(j->json);
        job_free(j);
}

static void read_file(int at, const char *name, uint8_t **ret, size_t *ret_size) {
        struct stat st;
        int fd = openat(at, name, O_RDONLY | O_CLOEXEC);

        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        *ret = malloc((size_t) st.st_size + 1);
        assert_int_equal(read(fd, *ret, (size_t) st.st_size), st.st_size);
        *ret_size = (size_t) st.st_size;
        close(fd);
}

static int setup(void **state) {
        struct symb_options o = { .no_system_debug = true };
        struct proto_buf b = {};
        char path[256];
        int fd;

        if (!mkdtemp(dir))
                return -1;
        snprintf(path, sizeof(path), "%s/spool", dir);
        mkdir(path, 0700);
        spool_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        snprintf(path, sizeof(path), "%s/dumps", dir);
        mkdir(path, 0700);
        dumps_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (spool_fd < 0 || dumps_fd < 0 || symb_context_new(&o, &ctx) < 0)
                return -1;

        if (proto_buf_map(&b, 1 << 20) < 0 || sample_dump_build(&b, SAMPLE_FULL) < 0)
                return -1;
        sample_raw_size = b.size;
        sample_raw = malloc(b.size);
        memcpy(sample_raw, b.data, b.size);
        fd = openat(spool_fd, "sample.zst", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || sample_dump_write_zstd(fd, &b) < 0)
                return -1;
        close(fd);
        proto_buf_unmap(&b);
        read_file(spool_fd, "sample.zst", &sample_zst, &sample_zst_size);
        unlinkat(spool_fd, "sample.zst", 0);
        return 0;
}

static int teardown(void **state) {
        char cmd[256];

        symb_context_free(ctx);
        close(spool_fd);
        close(dumps_fd);
        free(sample_zst);
        free(sample_raw);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

static void check_good(const char *name, const uint8_t *data, size_t n) {
        struct job *j;
        uint8_t *stored;
        size_t stored_size;
        json_t *report;
        char sha[65];

        put(name, data, n);
        j = run(name, 0);
        if (j->status != JOB_OK)
                fail_msg("%s: status %d: %s", name, j->status, j->reason);
        assert_int_equal(j->uid, getuid());
        assert_int_equal(j->size, n);
        sha256_hex(data, n, sha);
        assert_string_equal(j->sha256, sha);
        assert_int_equal(j->pid, SAMPLE_PID);
        assert_int_equal(j->signo, SAMPLE_SIGNO);
        assert_int_equal(j->crash_time_ns, SAMPLE_TIME_NS);
        assert_string_equal(j->executable, SAMPLE_EXE);
        assert_non_null(j->build_id);
        assert_non_null(j->signature);
        assert_true(j->text_len > 0);
        report = json_loadb(j->json, j->json_len, 0, NULL);
        assert_non_null(report);
        json_decref(report);

        /* The stored copy is the spool file byte for byte, named by the key;
         * the spool file itself is the loop's to remove, after the commit. */
        assert_non_null(strstr(j->stored_name, name));
        read_file(dumps_fd, j->stored_name, &stored, &stored_size);
        assert_int_equal(stored_size, n);
        assert_memory_equal(stored, data, n);
        free(stored);
        assert_int_equal(faccessat(spool_fd, name, F_OK, 0), 0);
        unlinkat(spool_fd, name, 0);
        job_free(j);
}

static void test_good_zstd(void **state) {
        check_good("crashme.4242.1700000000.123456789.dmp.zst", sample_zst, sample_zst_size);
}

static void test_good_raw(void **state) {
        check_good("crashme.4242.1700000000.123456789.dmp", sample_raw, sample_raw_size);
}

static void test_gone(void **state) {
        struct job *j = run("nothing.1.dmp.zst", 0);

        assert_int_equal(j->status, JOB_GONE);
        job_free(j);
}

static void test_symlink_not_followed(void **state) {
        char target[256];
        struct stat before, after;

        snprintf(target, sizeof(target), "%s/secret", dir);
        put("../secret", "top secret", 10);
        assert_int_equal(stat(target, &before), 0);
        assert_int_equal(symlinkat(target, spool_fd, "link.1.dmp.zst"), 0);
        expect_bad("link.1.dmp.zst", 0, "a symbolic link");
        assert_int_equal(stat(target, &after), 0);
        assert_int_equal(before.st_atim.tv_sec, after.st_atim.tv_sec);
}

static void test_fifo_never_opened(void **state) {
        assert_int_equal(mkfifoat(spool_fd, "fifo.1.dmp.zst", 0600), 0);
        alarm(20);      /* opening it would block forever */
        expect_bad("fifo.1.dmp.zst", 0, "a FIFO");
        alarm(0);
}

static void test_directory(void **state) {
        assert_int_equal(mkdirat(spool_fd, "dir.1.dmp.zst", 0700), 0);
        expect_bad("dir.1.dmp.zst", 0, "a directory");
}

static void test_names(void **state) {
        put("notes.txt", "x", 1);
        expect_bad("notes.txt", 0, "not a dump's name");
        put("we ird.dmp", "x", 1);
        expect_bad("we ird.dmp", 0, "not a dump's name");
        assert_false(job_name_ok(".hidden.dmp.zst"));
        assert_false(job_name_ok("a/b.dmp"));
        assert_true(job_name_ok("crashme.1.2.3.dmp.zst"));
        assert_true(job_name_ok("x_y-z+w@v.dmp"));
}

static void test_empty_and_garbage(void **state) {
        static const char garbage[] = "this is not a minidump, not even close";
        uint8_t *mangled = malloc(sample_raw_size);

        put("empty.1.dmp.zst", "", 0);
        expect_bad("empty.1.dmp.zst", 0, "empty");
        put("garbage.1.dmp", garbage, sizeof(garbage));
        expect_bad("garbage.1.dmp", 0, "not a minidump");
        /* A truncated zstd file, and a truncated raw one. */
        put("half.1.dmp.zst", sample_zst, sample_zst_size / 2);
        expect_bad("half.1.dmp.zst", 0, "zstd");
        put("half.1.dmp", sample_raw, 100);
        expect_bad("half.1.dmp", 0, "not a minidump");
        /* Valid zstd around garbage. */
        memcpy(mangled, sample_raw, sample_raw_size);
        memset(mangled, 0xff, 64);
        put("mangled.1.dmp", mangled, sample_raw_size);
        expect_bad("mangled.1.dmp", 0, "not a minidump");
        free(mangled);
}

static void test_size_caps(void **state) {
        size_t big = 8 << 20, n;
        uint8_t *zeros = calloc(1, big), *bomb = malloc(ZSTD_compressBound(big));

        put("big.1.dmp", sample_raw, sample_raw_size);
        expect_bad("big.1.dmp", 1024, "more than max_dump_size");

        /* 8 MiB of zeros in a few hundred bytes: capped while decompressing. */
        n = ZSTD_compress(bomb, ZSTD_compressBound(big), zeros, big, 3);
        assert_false(ZSTD_isError(n));
        assert_true(n < 4096);
        put("bomb.1.dmp.zst", bomb, n);
        expect_bad("bomb.1.dmp.zst", 4096, "decompresses to more than");
        free(zeros);
        free(bomb);
}

static void test_hard_link(void **state) {
        put("linked.1.dmp.zst", sample_zst, sample_zst_size);
        assert_int_equal(linkat(spool_fd, "linked.1.dmp.zst", spool_fd, "other-name", 0), 0);
        expect_bad("linked.1.dmp.zst", 0, "hard links");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good_zstd),
                cmocka_unit_test(test_good_raw),
                cmocka_unit_test(test_gone),
                cmocka_unit_test(test_symlink_not_followed),
                cmocka_unit_test(test_fifo_never_opened),
                cmocka_unit_test(test_directory),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_empty_and_garbage),
                cmocka_unit_test(test_size_caps),
                cmocka_unit_test(test_hard_link),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
