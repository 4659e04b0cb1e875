/* SPDX-License-Identifier: MIT */
/* tests/daemon/test-daemon-packages.c: which dpkg package holds a file
 * (daemon/packages.c), on a dpkg database made here: whole lines only,
 * installed packages only, architecture-qualified lists, the /usr merge,
 * the cache dropped when dpkg's status changes, and paths from a hostile
 * dump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "packages.h"

static char admin[64];

static void write_file(const char *name, const char *text) {
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", admin, name);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

static const char status_v1[] =
        "Package: coreutils\nStatus: install ok installed\nArchitecture: amd64\nVersion: 9.1-1\n\n"
        "Package: oldtool\nStatus: deinstall ok config-files\nVersion: 1.0\n\n"
        "Package: libfoo1\nStatus: install ok installed\nArchitecture: i386\nVersion: 2.0-1\n\n"
        "Package: libfoo1\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.0-2\n\n"
        "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\n";

static int setup(void **state) {
        char info[128];

        (void) state;
        snprintf(admin, sizeof(admin), "/tmp/test-packages.XXXXXX");
        assert_non_null(mkdtemp(admin));
        snprintf(info, sizeof(info), "%s/info", admin);
        assert_int_equal(mkdir(info, 0755), 0);
        write_file("info/coreutils.list", "/.\n/usr\n/usr/bin\n/usr/bin/sleep\n/usr/bin/sleeper-not\n");
        write_file("info/oldtool.list", "/usr/bin/oldtool\n");
        write_file("info/libfoo1:i386.list", "/usr/lib/i386-linux-gnu/libfoo.so.1\n");
        write_file("info/libfoo1:amd64.list", "/usr/lib/x86_64-linux-gnu/libfoo.so.1\n");
        write_file("info/bash.list", "/bin\n/bin/bash\n");
        write_file("info/bash.md5sums", "/usr/bin/md5only\n");
        write_file("status", status_v1);
        packages_forget();
        return 0;
}

static int teardown(void **state) {
        char cmd[128];

        (void) state;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", admin);
        assert_int_equal(system(cmd), 0);
        packages_forget();
        return 0;
}

static void expect(const char *path, const char *name, const char *version) {
        char *n = NULL, *v = NULL;
        bool ok = packages_owner(admin, path, &n, &v);

        if (!name) {
                assert_false(ok);
                assert_null(n);
                assert_null(v);
                return;
        }
        assert_true(ok);
        assert_string_equal(n, name);
        assert_string_equal(v, version);
        free(n);
        free(v);
}

static void test_owner(void **state) {
        (void) state;
        expect("/usr/bin/sleep", "coreutils", "9.1-1");
        expect("/usr/bin/slee", NULL, NULL);            /* whole lines only */
        expect("/usr/bin/sleep/", NULL, NULL);
        expect("/usr/bin/oldtool", NULL, NULL);         /* removed: its config files only */
        expect("/usr/lib/x86_64-linux-gnu/libfoo.so.1", "libfoo1", "2.0-2");
        expect("/usr/lib/i386-linux-gnu/libfoo.so.1", "libfoo1", "2.0-1");
        expect("/usr/bin/bash", "bash", "5.2.15-2+b2"); /* /usr-merged: the list says /bin/bash */
        expect("/bin/bash", "bash", "5.2.15-2+b2");
        expect("/usr/bin/md5only", NULL, NULL);         /* only .list files say what a package holds */
        expect("/tmp/crashme", NULL, NULL);
}

static void test_cache_follows_dpkg(void **state) {
        struct timespec later[2] = { { .tv_sec = time(NULL) + 10 }, { .tv_sec = time(NULL) + 10 } };
        char path[128];

        (void) state;
        expect("/usr/bin/sleep", "coreutils", "9.1-1");
        expect("/usr/bin/newtool", NULL, NULL);         /* cached: not there */
        /* An upgrade and an install: dpkg rewrites its status file. */
        write_file("info/newtool.list", "/usr/bin/newtool\n");
        write_file("status", "Package: coreutils\nStatus: install ok installed\nVersion: 9.4-3\n\n"
                             "Package: newtool\nStatus: install ok installed\nVersion: 0.1\n");
        snprintf(path, sizeof(path), "%s/status", admin);
        assert_int_equal(utimensat(AT_FDCWD, path, later, 0), 0);
        expect("/usr/bin/sleep", "coreutils", "9.4-3");
        expect("/usr/bin/newtool", "newtool", "0.1");
}

static void test_hostile(void **state) {
        char big[5000];

        (void) state;
        expect("", NULL, NULL);
        expect("usr/bin/sleep", NULL, NULL);            /* relative */
        expect("/usr/bin/sleep\n/usr/bin/bash", NULL, NULL);
        memset(big, 'a', sizeof(big) - 1);
        big[0] = '/';
        big[sizeof(big) - 1] = 0;
        expect(big, NULL, NULL);
        /* No dpkg at all. */
        {
                char *n = NULL, *v = NULL;

                assert_false(packages_owner("/nonexistent/dpkg", "/usr/bin/sleep", &n, &v));
                assert_null(n);
        }
        /* Many paths: the cache stays bounded and right. */
        for (int i = 0; i < 600; i++) {
                char p[64];

                snprintf(p, sizeof(p), "/usr/bin/none-%d", i);
                expect(p, NULL, NULL);
        }
        expect("/usr/bin/sleep", "coreutils", "9.1-1");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cache_follows_dpkg, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
