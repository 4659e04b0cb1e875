/* SPDX-License-Identifier: MIT */
/* tests/daemon/test-daemon-config.c: crashd's settings (daemon/config.c):
 * value parsers, the file parser and its errors, and that the documented
 * file daemon/crashd.conf shows every key with the default crashd really
 * has (argv[1] is its path). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "paths.h"
#include "programs.h"

static const char *documented_conf;

static char *write_temp(const char *text) {
        char *path = strdup("/tmp/crashd-test-conf.XXXXXX");
        int fd = mkstemp(path);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
        return path;
}

static void test_sizes(void **state) {
        uint64_t v;

        assert_int_equal(config_parse_size("4096", &v), 0);
        assert_int_equal(v, 4096);
        assert_int_equal(config_parse_size("64M", &v), 0);
        assert_int_equal(v, 64u << 20);
        assert_int_equal(config_parse_size("1G", &v), 0);
        assert_int_equal(v, 1u << 30);
        assert_int_equal(config_parse_size("2KiB", &v), 0);
        assert_int_equal(v, 2048);
        assert_int_equal(config_parse_size("3MB", &v), 0);
        assert_int_equal(v, 3u << 20);
        assert_int_equal(config_parse_size("", &v), -EINVAL);
        assert_int_equal(config_parse_size("-1", &v), -EINVAL);
        assert_int_equal(config_parse_size("12X", &v), -EINVAL);
        assert_int_equal(config_parse_size("99999999999999999999", &v), -ERANGE);
        assert_int_equal(config_parse_size("99999999999T", &v), -ERANGE);
}

static void test_durations(void **state) {
        uint64_t v;

        assert_int_equal(config_parse_duration("0", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(config_parse_duration("60s", &v), 0);
        assert_int_equal(v, 60);
        assert_int_equal(config_parse_duration("30m", &v), 0);
        assert_int_equal(v, 1800);
        assert_int_equal(config_parse_duration("12h", &v), 0);
        assert_int_equal(v, 43200);
        assert_int_equal(config_parse_duration("90d", &v), 0);
        assert_int_equal(v, 90 * 86400);
        assert_int_equal(config_parse_duration("2w", &v), 0);
        assert_int_equal(v, 14 * 86400);
        assert_int_equal(config_parse_duration("5x", &v), -EINVAL);
        assert_int_equal(config_parse_duration("5ss", &v), -EINVAL);
        assert_int_equal(config_parse_duration("h", &v), -EINVAL);
}

static void test_bools(void **state) {
        bool b;

        assert_int_equal(config_parse_bool("yes", &b), 0);
        assert_true(b);
        assert_int_equal(config_parse_bool("Off", &b), 0);
        assert_false(b);
        assert_int_equal(config_parse_bool("maybe", &b), -EINVAL);
}

static void test_defaults(void **state) {
        struct daemon_config c;

        assert_int_equal(config_init(&c), 0);
        assert_string_equal(c.state_dir, "");
        assert_int_equal(c.workers, 0);
        assert_int_equal(c.queue_size, 64);
        assert_int_equal(c.max_dump_size, 64u << 20);
        assert_true(c.sync);
        assert_true(c.system_debug);
        assert_null(c.debug_dirs[0]);
        assert_int_equal(c.signature_frames, 3);
        assert_int_equal(c.max_crashes, 10000);
        assert_int_equal(c.max_total_size, 1u << 30);
        assert_int_equal(c.max_age_s, 90 * 86400);
        assert_int_equal(c.stale_tmp_age_s, 60);
        assert_int_equal(c.log_level, LOG_INFO);
        config_done(&c);
}

static void test_file(void **state) {
        struct daemon_config c;
        char err[512] = "";
        char *path = write_temp("# a comment\n"
                                "; another\n"
                                "\n"
                                "  workers = 3  \n"
                                "max_crashes=5\n"
                                "max_age = 1h\n"
                                "debug_dirs = /a:/b::/c\n"
                                "state_dir = \"/var/x\"\n"
                                "log_level = debug\n");

        assert_int_equal(config_init(&c), 0);
        assert_int_equal(config_load_file(&c, path, err, sizeof(err)), 0);
        assert_int_equal(c.workers, 3);
        assert_int_equal(c.max_crashes, 5);
        assert_int_equal(c.max_age_s, 3600);
        assert_string_equal(c.debug_dirs[0], "/a");
        assert_string_equal(c.debug_dirs[1], "/b");
        assert_string_equal(c.debug_dirs[2], "/c");
        assert_null(c.debug_dirs[3]);
        assert_string_equal(c.state_dir, "/var/x");
        assert_int_equal(c.log_level, LOG_DEBUG);
        config_done(&c);
        unlink(path);
        free(path);
}

static void expect_error(const char *text, const char *message_part) {
        struct daemon_config c;
        char err[512] = "";
        char *path = write_temp(text);

        assert_int_equal(config_init(&c), 0);
        assert_int_equal(config_load_file(&c, path, err, sizeof(err)), -EINVAL);
        if (!strstr(err, message_part))
                fail_msg("error '%s' does not say '%s'", err, message_part);
        /* The file and the line are named. */
        assert_non_null(strstr(err, path));
        config_done(&c);
        unlink(path);
        free(path);
}

static void test_file_errors(void **state) {
        expect_error("workers = 2\nbogus = 1\n", ":2: unknown key 'bogus'");
        expect_error("workers\n", ":1: expected 'key = value'");
        expect_error("workers = many\n", "not a valid number");
        expect_error("workers = 65\n", "out of range");
        expect_error("queue_size = 0\n", "out of range");
        expect_error("max_dump_size = 1\n", "out of range");
        expect_error("max_age = 3 days\n", "duration");
        expect_error("sync = perhaps\n", "yes or no");
        expect_error("state_dir = relative/path\n", "not an absolute path");
        expect_error("debug_dirs = /ok:relative\n", "not an absolute path");
        expect_error("log_level = loud\n", "debug, info");
        expect_error("log_target = syslog\n", "auto, console or journal");
}

/* [program GLOB] sections (daemon/programs.c): their keys, matching by
 * path or by name, the first match winning, and --dump-config. */
static void test_program_sections(void **state) {
        struct daemon_config c;
        char err[512] = "", *buf = NULL;
        size_t len = 0;
        FILE *f;
        const struct program_rule *r;
        char *path = write_temp("max_crashes = 5\n"
                                "[program /opt/shop/bin/*]\n"
                                "collect = no\n"
                                "[program nginx]\n"
                                "sentry_dsn = https://k@sentry.example/7\n"
                                "mask_names = session, card\n"
                                "tags = team=web,tier=1\n"
                                "loop_keep = 3\n"
                                "sentry_max_per_group = 0\n"
                                "[program  ngin* ]\n"
                                "collect = yes\n");

        (void) state;
        assert_int_equal(config_init(&c), 0);
        assert_int_equal(config_load_file(&c, path, err, sizeof(err)), 0);
        assert_int_equal(c.max_crashes, 5);
        assert_non_null(c.programs);
        assert_int_equal(c.programs->n, 3);

        r = programs_match(c.programs, "/opt/shop/bin/cart", "cart");
        assert_non_null(r);
        assert_int_equal(r->collect, 0);
        assert_null(programs_match(c.programs, "/opt/shop/lib/cart", "cart"));
        /* A name matches the executable's last part or the process's name. */
        r = programs_match(c.programs, "/usr/sbin/nginx", "nginx");
        assert_non_null(r);
        assert_string_equal(r->pattern, "nginx");
        assert_string_equal(r->sentry_dsn, "https://k@sentry.example/7");
        assert_string_equal(r->mask_names[0], "session");
        assert_string_equal(r->mask_names[1], "card");
        assert_null(r->mask_names[2]);
        assert_string_equal(r->tags[1], "tier=1");
        assert_int_equal(r->loop_keep, 3);
        assert_int_equal(r->sentry_max_per_group, 0);
        assert_int_equal(r->collect, -1);
        assert_ptr_equal(programs_match(c.programs, "/usr/bin/python3", "nginx"), r);
        r = programs_match(c.programs, "/usr/sbin/nginx-debug", NULL);
        assert_non_null(r);
        assert_string_equal(r->pattern, "ngin*");
        assert_int_equal(r->collect, 1);
        assert_int_equal(r->loop_keep, -1);
        assert_null(programs_match(c.programs, NULL, NULL));
        assert_true(programs_any_dsn(c.programs));

        f = open_memstream(&buf, &len);
        assert_non_null(f);
        config_dump(&c, f);
        assert_int_equal(fclose(f), 0);
        assert_non_null(strstr(buf, "\n[program nginx]\nsentry_dsn = https://k@sentry.example/7\n"
                                    "mask_names = session,card\ntags = team=web,tier=1\nloop_keep = 3\n"
                                    "sentry_max_per_group = 0\n"));
        assert_non_null(strstr(buf, "[program /opt/shop/bin/*]\ncollect = no\n"));
        free(buf);
        config_done(&c);
        unlink(path);
        free(path);

        expect_error("[section]\n", ":1: expected '[program GLOB]'");
        expect_error("[program ]\n", "no pattern");
        expect_error("[program x]\nworkers = 2\n", ":2: 'workers' cannot be set in a [program] section");
        expect_error("[program x]\ncollect = maybe\n", "yes or no");
        expect_error("[program x]\ntags = nokey\n", "not KEY=VALUE");
        expect_error("[program x]\nloop_keep = -1\n", "not a number");
}

static void test_missing_file(void **state) {
        struct daemon_config c;
        char err[512];

        assert_int_equal(config_init(&c), 0);
        assert_int_equal(config_load_file(&c, "/nonexistent/crashd.conf", err, sizeof(err)), -ENOENT);
        config_done(&c);
}

static void test_set_and_dump(void **state) {
        struct daemon_config c;
        char err[256], *text = NULL;
        size_t len = 0;
        FILE *f;

        assert_int_equal(config_init(&c), 0);
        assert_int_equal(config_set(&c, "max_total_size", "512M", err, sizeof(err)), 0);
        assert_int_equal(config_set(&c, "nope", "1", err, sizeof(err)), -ENOENT);
        f = open_memstream(&text, &len);
        config_dump(&c, f);
        fclose(f);
        assert_non_null(strstr(text, "max_total_size = 512M\n"));
        assert_non_null(strstr(text, "max_age = 90d\n"));
        assert_non_null(strstr(text, "stale_tmp_age = 1m\n"));
        free(text);
        config_done(&c);
}

/* Every key of the table is in crashd.conf as "#key = DEFAULT" with the
 * default crashd has, and the file names no key that does not exist. */
static void test_documented_file_agrees(void **state) {
        struct daemon_config defaults, documented;
        char line[1024], err[512], *a = NULL, *b = NULL;
        size_t alen = 0, blen = 0, n_seen = 0;
        FILE *f = fopen(documented_conf, "re"), *fa, *fb;

        assert_non_null(f);
        assert_int_equal(config_init(&defaults), 0);
        assert_int_equal(config_init(&documented), 0);
        while (fgets(line, sizeof(line), f)) {
                char *eq, *key, *value, *end;

                if (line[0] != '#' || !(eq = strstr(line, " =")))
                        continue;
                key = line + 1;
                if (strchr(key, ' ') != eq)
                        continue;       /* prose, not "#key = value" */
                *eq = 0;
                value = eq + 2;
                while (*value == ' ')
                        value++;
                end = value + strlen(value);
                while (end > value && (end[-1] == '\n' || end[-1] == ' '))
                        *--end = 0;
                if (config_set(&documented, key, value, err, sizeof(err)) < 0)
                        fail_msg("crashd.conf: %s", err);
                n_seen++;
        }
        fclose(f);
        assert_int_equal(n_seen, config_n_keys());

        fa = open_memstream(&a, &alen);
        fb = open_memstream(&b, &blen);
        config_dump(&defaults, fa);
        config_dump(&documented, fb);
        fclose(fa);
        fclose(fb);
        assert_string_equal(a, b);
        free(a);
        free(b);
        config_done(&defaults);
        config_done(&documented);
}

static void test_paths(void **state) {
        struct daemon_config c;
        char base[4096];

        assert_int_equal(config_init(&c), 0);
        assert_int_equal(paths_fill_defaults(&c, true), 0);
        assert_string_equal(c.state_dir, "/var/lib/crashd");
        assert_string_equal(c.spool_dir, "/var/spool/crashd");
        assert_string_equal(c.notify_socket, "/run/crashd/notify.sock");
        assert_string_equal(c.api_socket, "/run/crashd/api.sock");
        config_done(&c);

        /* The per-user place is where libcrashdump.so falls back to. */
        setenv("HOME", "/home/someone", 1);
        unsetenv("XDG_STATE_HOME");
        assert_int_equal(config_init(&c), 0);
        assert_int_equal(paths_fill_defaults(&c, false), 0);
        assert_string_equal(c.spool_dir, "/home/someone/.local/state/crashd/spool");
        assert_string_equal(c.state_dir, "/home/someone/.local/state/crashd/state");
        assert_string_equal(c.notify_socket, "/home/someone/.local/state/crashd/notify.sock");
        assert_string_equal(c.api_socket, "/home/someone/.local/state/crashd/api.sock");
        config_done(&c);

        setenv("XDG_STATE_HOME", "/xdg", 1);
        assert_int_equal(paths_user_base(base, sizeof(base)), 0);
        assert_string_equal(base, "/xdg/crashd");

        /* Settings win over --dir, --dir over the defaults. */
        assert_int_equal(config_init(&c), 0);
        assert_int_equal(config_set(&c, "spool_dir", "/elsewhere", base, sizeof(base)), 0);
        assert_int_equal(paths_set_base(&c, "/t"), 0);
        assert_string_equal(c.spool_dir, "/elsewhere");
        assert_string_equal(c.state_dir, "/t/state");
        assert_int_equal(paths_set_base(&c, "relative"), -EINVAL);
        config_done(&c);
}

int main(int argc, char **argv) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_sizes),
                cmocka_unit_test(test_durations),
                cmocka_unit_test(test_bools),
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_file),
                cmocka_unit_test(test_file_errors),
                cmocka_unit_test(test_program_sections),
                cmocka_unit_test(test_missing_file),
                cmocka_unit_test(test_set_and_dump),
                cmocka_unit_test(test_documented_file_agrees),
                cmocka_unit_test(test_paths),
        };

        if (argc != 2) {
                fprintf(stderr, "usage: %s CRASHD_CONF\n", argv[0]);
                return 2;
        }
        documented_conf = argv[1];
        return cmocka_run_group_tests(tests, NULL, NULL);
}
