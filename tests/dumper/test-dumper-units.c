/* SPDX-License-Identifier: MIT */
/* tests/dumper/test-dumper-units.c: the dumper's plain-code parts, which
 * run in the crash path and so can't be checked under ASan there: the
 * /proc/PID/maps parser, the address-range set and the signal-safe
 * helpers. Built and run in the sanitizer builds too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dumper.h"
#include "maps.h"
#include "regions.h"
#include "safe.h"

static const char maps_text[] =
        "55d0c0a00000-55d0c0a01000 r--p 00000000 fd:01 1234                       /usr/bin/prog\n"
        "55d0c0a01000-55d0c0a02000 r-xp 00001000 fd:01 1234                       /usr/bin/prog\n"
        "55d0c0a03000-55d0c0a04000 rw-p 00002000 fd:01 1234                       /usr/bin/prog (deleted)\n"
        "55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0                          [heap]\n"
        "garbage line without fields\n"
        "7f0000000000-7f0000001000 ---p 00000000 00:00 0 \n"
        "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]\n"
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]";

static void test_maps_parse(void **state) {
        struct dumper_mapping m[16];
        struct dumper_maps maps = { m, 0 };

        (void) state;
        maps.n = maps_parse(maps_text, sizeof(maps_text) - 1, m, 16);
        assert_int_equal(maps.n, 7);    /* the garbage line is skipped */
        assert_int_equal(m[0].start, 0x55d0c0a00000);
        assert_int_equal(m[0].end, 0x55d0c0a01000);
        assert_int_equal(m[0].perms, MAP_R);
        assert_int_equal(m[1].perms, MAP_R | MAP_X);
        assert_int_equal(m[1].offset, 0x1000);
        assert_int_equal(m[1].inode, 1234);
        assert_true(mapping_path_is(&m[0], "/usr/bin/prog"));
        assert_true(mapping_same_path(&m[0], &m[1]));
        assert_false(mapping_same_path(&m[0], &m[2]));  /* " (deleted)" */
        assert_int_equal(m[4].path_len, 0);             /* trailing space, no path */
        assert_int_equal(m[4].perms, 0);
        assert_true(mapping_path_is(&m[5], "[stack]"));
        /* The last line has no newline. */
        assert_int_equal(m[6].start, 0xffffffffff600000);

        assert_ptr_equal(maps_find(&maps, 0x55d0c0a01000), &m[1]);
        assert_ptr_equal(maps_find(&maps, 0x55d0c0a00fff), &m[0]);
        assert_null(maps_find(&maps, 0x55d0c0a02000));  /* a gap */
        assert_null(maps_find(&maps, 0));
        assert_ptr_equal(maps_next(&maps, 0x55d0c0a02000), &m[2]);
        assert_null(maps_next(&maps, 0xfffffffffffff000));
        /* Room for fewer entries than there are lines. */
        assert_int_equal(maps_parse(maps_text, sizeof(maps_text) - 1, m, 2), 2);
        assert_int_equal(maps_parse("", 0, m, 16), 0);
}

static void test_regions(void **state) {
        struct region r[4];
        struct region_set s = { r, 0, 4 };

        (void) state;
        assert_int_equal(region_add(&s, 100, 200), 100);
        assert_int_equal(region_add(&s, 100, 200), 0);          /* nothing new */
        assert_int_equal(region_add(&s, 150, 250), 50);         /* overlap merges */
        assert_int_equal(s.n, 1);
        assert_int_equal(r[0].start, 100);
        assert_int_equal(r[0].end, 250);
        assert_int_equal(region_add(&s, 300, 400), 100);
        assert_int_equal(region_add(&s, 10, 20), 10);
        assert_int_equal(s.n, 3);
        assert_int_equal(r[0].start, 10);                       /* kept sorted */
        /* Touching ranges merge; one range across three merges them all. */
        assert_int_equal(region_add(&s, 20, 350), 80 + 50);
        assert_int_equal(s.n, 1);
        assert_int_equal(r[0].start, 10);
        assert_int_equal(r[0].end, 400);
        assert_int_equal(region_covered(&s, 0, 1000), 390);
        assert_non_null(region_find(&s, 10));
        assert_non_null(region_find(&s, 399));
        assert_null(region_find(&s, 400));
        assert_null(region_find(&s, 9));
        assert_int_equal(region_add(&s, 5, 5), 0);              /* empty */
        assert_int_equal(region_add(&s, 9, 3), 0);              /* backwards */
        /* A full set refuses new ranges but still merges into old ones. */
        region_add(&s, 500, 510);
        region_add(&s, 600, 610);
        region_add(&s, 700, 710);
        assert_int_equal(s.n, 4);
        assert_int_equal(region_add(&s, 800, 810), 0);
        assert_int_equal(s.n, 4);
        assert_int_equal(region_add(&s, 505, 520), 10);
}

/* What the environment's removal does to the stack region around it. */
static void test_region_remove(void **state) {
        struct region r[4];
        struct region_set s = { r, 0, 4 };

        (void) state;
        region_add(&s, 100, 200);
        region_add(&s, 300, 400);
        region_remove(&s, 150, 160);                            /* splits */
        assert_int_equal(s.n, 3);
        assert_int_equal(r[0].end, 150);
        assert_int_equal(r[1].start, 160);
        assert_int_equal(r[1].end, 200);
        region_remove(&s, 190, 310);                            /* trims two */
        assert_int_equal(s.n, 3);
        assert_int_equal(r[1].end, 190);
        assert_int_equal(r[2].start, 310);
        region_remove(&s, 0, 155);                              /* drops and trims */
        assert_int_equal(s.n, 2);
        assert_int_equal(r[0].start, 160);
        region_remove(&s, 310, 400);                            /* exactly one */
        assert_int_equal(s.n, 1);
        assert_int_equal(region_covered(&s, 0, 1000), 30);
        region_remove(&s, 500, 400);                            /* backwards: nothing */
        assert_int_equal(s.n, 1);
        /* Full: the split-off upper part is dropped, never an overflow. */
        region_add(&s, 500, 600);
        region_add(&s, 700, 710);
        region_add(&s, 800, 810);
        assert_int_equal(s.n, 4);
        region_remove(&s, 550, 560);
        assert_int_equal(s.n, 4);
        assert_int_equal(region_covered(&s, 500, 600), 50);
}

static void test_safe_helpers(void **state) {
        char buf[32];
        const char *p, *end;
        uint64_t v;

        (void) state;
        assert_int_equal(safe_fmt_u64(buf, 0), 1);
        assert_string_equal(buf, "0");
        safe_fmt_u64(buf, UINT64_MAX);
        assert_string_equal(buf, "18446744073709551615");
        safe_fmt_hex(buf, 0xdeadbeef);
        assert_string_equal(buf, "deadbeef");
        assert_int_equal(safe_strlcpy(buf, "abcdefgh", 4), 3);
        assert_string_equal(buf, "abc");
        safe_strlcpy(buf, "abc", sizeof(buf));
        safe_strlcat(buf, "defghijklmnopqrstuvwxyz0123456789", sizeof(buf));
        assert_int_equal(strlen(buf), sizeof(buf) - 1);
        assert_true(safe_streq("x", "x"));
        assert_false(safe_streq("x", "xy"));
        assert_true(safe_startswith("processor\t: 0", "processor"));
        assert_false(safe_startswith("proc", "processor"));

        p = "7fff1234-rest";
        end = p + strlen(p);
        assert_true(safe_parse_u64(&p, end, 16, &v));
        assert_int_equal(v, 0x7fff1234);
        assert_int_equal(*p, '-');
        p = "-";
        assert_false(safe_parse_u64(&p, p + 1, 10, &v));
        p = "129";
        assert_true(safe_parse_u64(&p, p + 3, 8, &v));  /* stops at the 9 */
        assert_int_equal(v, 012);
}

/* The "Seccomp:" field of /proc/PID/status, scanned by hand on the crash
 * path (seccomp.c). */
static void test_seccomp_status(void **state) {
        static const char filter[] = "Name:\tx\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\n";
        static const char strict[] = "Name:\tx\nSeccomp:\t1\n";
        static const char none[] = "Name:\tx\nSeccomp:\t0\n";
        static const char cut[] = "Name:\tx\nSeccomp:";
        static const char other[] = "Name:\tSeccomp:\t2\nSeccomp_filters:\t2\n";

        (void) state;
        assert_int_equal(dumper_seccomp_status_mode(filter, sizeof(filter) - 1), 2);
        assert_int_equal(dumper_seccomp_status_mode(strict, sizeof(strict) - 1), 1);
        assert_int_equal(dumper_seccomp_status_mode(none, sizeof(none) - 1), 0);
        assert_int_equal(dumper_seccomp_status_mode(cut, sizeof(cut) - 1), 0);
        /* Only at the start of a line; Seccomp_filters is another field. */
        assert_int_equal(dumper_seccomp_status_mode(other, sizeof(other) - 1), 0);
        /* The real one: this test runs without seccomp. */
        {
                char buf[4096];
                ssize_t n = safe_read_file("/proc/self/status", buf, sizeof(buf));

                assert_true(n > 0);
                assert_int_equal(dumper_seccomp_status_mode(buf, (size_t) n), 0);
        }
}

static void test_safe_read_memory(void **state) {
        static const char here[] = "readable bytes";
        char buf[64];

        (void) state;
        assert_int_equal(safe_read_memory(getpid(), (uintptr_t) here, buf, sizeof(here)), sizeof(here));
        assert_string_equal(buf, here);
        /* Unmapped memory gives 0 bytes, not a fault. */
        assert_int_equal(safe_read_memory(getpid(), 16, buf, 8), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_maps_parse),
                cmocka_unit_test(test_regions),
                cmocka_unit_test(test_region_remove),
                cmocka_unit_test(test_safe_helpers),
                cmocka_unit_test(test_safe_read_memory),
                cmocka_unit_test(test_seccomp_status),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
