/* SPDX-License-Identifier: MIT */
/* tests/daemon/test-daemon-store.c: the SQLite store (daemon/store.c) and
 * its queries (daemon/query.c) in a temporary directory: idempotent
 * inserts, groups with per-user and per-build counts, retention that keeps
 * group counts, the attempt counter, and that a user's queries see only
 * their crashes. */
#include <jansson.h>
#include <errno.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "query.h"
#include "store.h"

static char dir[] = "/tmp/crashd-test-store.XXXXXX";

static int setup(void **state) {
        struct store *s;

        strcpy(dir, "/tmp/crashd-test-store.XXXXXX");
        if (!mkdtemp(dir))
                return -1;
        if (store_open(dir, &s) < 0)
                return -1;
        *state = s;
        return 0;
}

static int teardown(void **state) {
        char cmd[256];

        store_close(*state);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

static struct store_crash crash(uint32_t uid, const char *name, const char *sha, const char *signature,
                                const char *build_id, uint64_t t) {
        static char stored[16][128];
        static unsigned k;
        char *st = stored[k++ % 16];

        snprintf(st, 128, "%u-%s-%s", uid, sha, name);
        return (struct store_crash) {
                .uid = uid, .spool_name = name, .sha256 = sha, .stored_name = st,
                .dump_size = 1000, .received_ns = t, .crash_time_ns = t, .pid = 42, .signo = 11, .code = 1,
                .program = "crashme", .executable = "/usr/bin/crashme", .build_id = build_id,
                .signature = signature,
                .report_json = "{\"crash\":{\"signal\":11}}", .report_json_len = 24,
                .report_text = "Signal: SIGSEGV\n", .report_text_len = 16,
        };
}

static json_t *run_query(struct store *s, int which, int64_t uid, int64_t id, const struct query_filter *f) {
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        json_t *j;
        int r;

        switch (which) {
        case 0: r = query_list(store_db(s), f, out); break;
        case 1: r = query_show(store_db(s), uid, id, out); break;
        default: r = query_groups(store_db(s), uid, out); break;
        }
        fclose(out);
        if (r < 0) {
                free(buf);
                return NULL;
        }
        j = json_loadb(buf, len, 0, NULL);
        assert_non_null(j);
        free(buf);
        return j;
}

static json_t *list(struct store *s, struct query_filter f) {
        return run_query(s, 0, 0, 0, &f);
}

static size_t n_crashes(struct store *s, int64_t uid) {
        json_t *j = list(s, (struct query_filter) { .uid = uid, .signo = -1 });
        size_t n = json_array_size(json_object_get(j, "crashes"));

        json_decref(j);
        return n;
}

static void test_insert_is_idempotent(void **state) {
        struct store *s = *state;
        struct store_crash c = crash(1000, "a.1.dmp.zst", "aaaa", "f | g", "b1", 100);
        struct store_insert_result r1, r2, r3;

        assert_int_equal(store_insert(s, &c, &r1), 0);
        assert_false(r1.duplicate);
        assert_int_equal(r1.id, 1);
        assert_int_equal(r1.group_count, 1);

        /* SIGKILL after the commit, before the spool file went: the same
         * file again is the same crash. */
        assert_int_equal(store_insert(s, &c, &r2), 0);
        assert_true(r2.duplicate);
        assert_int_equal(r2.id, r1.id);
        assert_int_equal(n_crashes(s, QUERY_ALL_USERS), 1);

        /* Another file with the same content is another crash (and so is
         * the same name with other content). */
        c.spool_name = "a.2.dmp.zst";
        assert_int_equal(store_insert(s, &c, &r3), 0);
        assert_false(r3.duplicate);
        assert_int_equal(r3.group_id, r1.group_id);
        assert_int_equal(r3.group_count, 2);
        c = crash(1000, "a.1.dmp.zst", "bbbb", "f | g", "b1", 101);
        assert_int_equal(store_insert(s, &c, &r3), 0);
        assert_false(r3.duplicate);
        assert_int_equal(n_crashes(s, QUERY_ALL_USERS), 3);
}

static int table_rows(struct store *s, const char *table) {
        char sql[128];
        sqlite3_stmt *st;
        int n = -1;

        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
        if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        return n;
}

struct side {
        struct store *s;
        int fail;
};

/* Writes a row of its own, as forwarding does, then fails or not. */
static int note_row(void *userdata, int64_t id, int64_t group_id, uint64_t group_count) {
        struct side *x = userdata;

        assert_true(id > 0 && group_id > 0 && group_count > 0);
        assert_int_equal(sqlite3_exec(store_db(x->s), "INSERT INTO side VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
        return x->fail ? -EIO : 0;
}

/* What before_commit writes is stored with the crash or not at all: a
 * failure there rolls the crash back too, and the other way round. */
static void test_before_commit_is_atomic(void **state) {
        struct store *s = *state;
        struct store_crash c = crash(1000, "t.1.dmp.zst", "cccc", "h", "b1", 100);
        struct store_insert_result r;
        struct side x = { s, 1 };

        assert_int_equal(sqlite3_exec(store_db(s), "CREATE TABLE side(x)", NULL, NULL, NULL), SQLITE_OK);
        c.before_commit = note_row;
        c.userdata = &x;
        assert_true(store_insert(s, &c, &r) < 0);
        assert_int_equal(n_crashes(s, QUERY_ALL_USERS), 0);
        assert_int_equal(table_rows(s, "side"), 0);
        x.fail = 0;
        assert_int_equal(store_insert(s, &c, &r), 0);
        assert_false(r.duplicate);
        assert_int_equal(n_crashes(s, QUERY_ALL_USERS), 1);
        assert_int_equal(table_rows(s, "side"), 1);
}

static void test_users_see_their_own(void **state) {
        struct store *s = *state;
        struct store_insert_result r;
        struct store_crash a = crash(1000, "a.dmp.zst", "aa", "f", "b1", 100);
        struct store_crash b = crash(2000, "b.dmp.zst", "bb", "f", "b1", 200);
        json_t *j;
        char *buf = NULL;
        size_t len = 0;
        FILE *out;

        assert_int_equal(store_insert(s, &a, &r), 0);
        assert_int_equal(store_insert(s, &b, &r), 0);
        assert_int_equal(n_crashes(s, QUERY_ALL_USERS), 2);
        assert_int_equal(n_crashes(s, 1000), 1);
        assert_int_equal(n_crashes(s, 2000), 1);
        assert_int_equal(n_crashes(s, 3000), 0);

        /* Crash 2 is uid 2000's: for 1000 it does not exist. */
        j = run_query(s, 1, 2000, 2, NULL);
        assert_non_null(j);
        assert_string_equal(json_string_value(json_object_get(j, "text")), "Signal: SIGSEGV\n");
        assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(j, "report"), "crash"), "signal")), 11);
        json_decref(j);
        out = open_memstream(&buf, &len);
        assert_int_equal(query_show(store_db(s), 1000, 2, out), -ENOENT);
        fclose(out);
        free(buf);
        char name[256];
        uint64_t size;
        assert_int_equal(query_dump_file(store_db(s), 1000, 2, name, sizeof(name), &size), -ENOENT);
        assert_int_equal(query_dump_file(store_db(s), 2000, 2, name, sizeof(name), &size), 0);
        assert_string_equal(name, b.stored_name);
        assert_int_equal(size, 1000);

        /* The shared group counts each user's own crashes for them. */
        j = run_query(s, 2, 1000, 0, NULL);
        assert_int_equal(json_array_size(json_object_get(j, "groups")), 1);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(j, "groups"), 0), "count")), 1);
        json_decref(j);
        j = run_query(s, 2, QUERY_ALL_USERS, 0, NULL);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(j, "groups"), 0), "count")), 2);
        json_decref(j);
        j = run_query(s, 2, 3000, 0, NULL);
        assert_int_equal(json_array_size(json_object_get(j, "groups")), 0);
        json_decref(j);
}

static void test_filters(void **state) {
        struct store *s = *state;
        struct store_insert_result r;
        struct store_crash c;
        json_t *j;

        c = crash(0, "x.1.dmp.zst", "01", "f", "b1", 1000);
        assert_int_equal(store_insert(s, &c, &r), 0);
        c = crash(0, "x.2.dmp.zst", "02", "f", "b1", 2000);
        c.signo = 6;
        assert_int_equal(store_insert(s, &c, &r), 0);
        c = crash(0, "y.3.dmp.zst", "03", "g", "b1", 3000);
        c.program = "other";
        c.executable = "/opt/other/bin/other";
        assert_int_equal(store_insert(s, &c, &r), 0);

        j = list(s, (struct query_filter) { .uid = QUERY_ALL_USERS, .signo = 6 });
        assert_int_equal(json_array_size(json_object_get(j, "crashes")), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "crashes"), 0), "signal_name")), "SIGABRT");
        json_decref(j);
        /* By name, by path, by the path's last part. */
        j = list(s, (struct query_filter) { .uid = QUERY_ALL_USERS, .signo = -1, .program = "other" });
        assert_int_equal(json_array_size(json_object_get(j, "crashes")), 1);
        json_decref(j);
        j = list(s, (struct query_filter) { .uid = QUERY_ALL_USERS, .signo = -1, .program = "/usr/bin/crashme" });
        assert_int_equal(json_array_size(json_object_get(j, "crashes")), 2);
        json_decref(j);
        j = list(s, (struct query_filter) { .uid = QUERY_ALL_USERS, .signo = -1, .program = "bin/crashme" });
        assert_int_equal(json_array_size(json_object_get(j, "crashes")), 2);
        json_decref(j);
        j = list(s, (struct query_filter) { .uid = QUERY_ALL_USERS, .signo = -1, .program = "ashme" });
        assert_int_equal(json_array_size(json_object_get(j, "crashes")), 0);
        json_decref(j);
        j = list(s, (struct query_filter) { .uid = QUERY_ALL_USERS, .signo = -1, .since_ns = 2000 });
        assert_int_equal(json_array_size(json_object_get(j, "crashes")), 2);
        json_decref(j);
        /* The newest N, still oldest first. */
        j = list(s, (struct query_filter) { .uid = QUERY_ALL_USERS, .signo = -1, .limit = 2 });
        assert_int_equal(json_array_size(json_object_get(j, "crashes")), 2);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(j, "crashes"), 0), "id")), 2);
        assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(j, "crashes"), 1), "id")), 3);
        json_decref(j);
}

/* The id of uid 2000's crash. */
static int64_t other_id(struct store *s) {
        struct store_victim v;

        assert_int_equal(store_pick_oldest(s, 2000, 0, false, &v), 0);
        return v.id;
}

static void test_retention_keeps_group_counts(void **state) {
        struct store *s = *state;
        struct store_insert_result r;
        struct store_usage *usage = NULL;
        struct store_victim v;
        size_t n_usage = 0;
        char name[16], sha[16];
        json_t *j, *g;

        for (int i = 0; i < 10; i++) {
                snprintf(name, sizeof(name), "c%d.dmp", i);
                snprintf(sha, sizeof(sha), "%02d", i);
                struct store_crash c = crash(1000, name, sha, "f | g", i < 5 ? "b1" : "b2", 1000 + (uint64_t) i);
                assert_int_equal(store_insert(s, &c, &r), 0);
        }
        /* Another user, another group: its only crash. */
        struct store_crash other = crash(2000, "o.dmp", "aa", "h", "b3", 999);
        assert_int_equal(store_insert(s, &other, &r), 0);

        assert_int_equal(store_usage(s, -1, &usage, &n_usage), 0);
        assert_int_equal(n_usage, 2);
        assert_int_equal(usage[0].uid, 1000);
        assert_int_equal(usage[0].count, 10);
        assert_int_equal(usage[0].bytes, 10 * (1000 + 24 + 16));
        assert_int_equal(usage[1].uid, 2000);
        assert_int_equal(usage[1].count, 1);
        free(usage);
        assert_int_equal(store_usage(s, 2000, &usage, &n_usage), 0);
        assert_int_equal(n_usage, 1);
        free(usage);

        /* Oldest by arrival (the id): c0, anyone's or uid 1000's. */
        assert_int_equal(store_pick_oldest(s, -1, 0, false, &v), 0);
        assert_int_equal(v.uid, 1000);
        assert_int_equal(store_pick_oldest(s, 1000, 0, true, &v), 0);
        assert_string_equal(v.stored_name, "1000-00-c0.dmp");
        assert_int_equal(v.bytes, 1040);
        /* Sparing the newest of each group: uid 2000 has only that. */
        assert_int_equal(store_pick_oldest(s, 2000, 0, true, &v), -ENOENT);
        assert_int_equal(store_pick_oldest(s, 2000, 0, false, &v), 0);
        /* Received before 1000: o.dmp only (at 999). */
        assert_int_equal(store_pick_oldest(s, 1000, 1000, false, &v), -ENOENT);
        assert_int_equal(store_pick_oldest(s, -1, 1000, false, &v), 0);
        assert_int_equal(v.uid, 2000);
        assert_int_equal(store_pick_oldest(s, 1000, 1004, false, &v), 0);
        assert_string_equal(v.stored_name, "1000-00-c0.dmp");

        for (int i = 0; i < 4; i++) {
                char expect[64];

                assert_int_equal(store_pick_oldest(s, 1000, 0, true, &v), 0);
                snprintf(expect, sizeof(expect), "1000-%02d-c%d.dmp", i, i);
                assert_string_equal(v.stored_name, expect);
                assert_int_equal(store_delete_crash(s, v.id), 0);
        }
        assert_int_equal(store_delete_crash(s, other_id(s)), 0);
        assert_int_equal(n_crashes(s, QUERY_ALL_USERS), 6);
        assert_int_equal(store_has_file(s, "1000-00-c0.dmp"), 0);
        assert_int_equal(store_has_file(s, "1000-09-c9.dmp"), 1);

        j = run_query(s, 2, QUERY_ALL_USERS, 0, NULL);
        g = json_array_get(json_object_get(j, "groups"), 0);
        assert_int_equal(json_integer_value(json_object_get(g, "count")), 10);
        assert_int_equal(json_integer_value(json_object_get(g, "stored")), 6);
        assert_int_equal(json_array_size(json_object_get(g, "builds")), 2);
        assert_int_equal(json_integer_value(json_object_get(g, "first_seen_ns")), 1000);
        assert_int_equal(json_integer_value(json_object_get(g, "last_seen_ns")), 1009);
        json_decref(j);
        /* Ids are never reused. */
        struct store_crash c = crash(1000, "new.dmp", "99", "f | g", "b2", 2000);
        assert_int_equal(store_insert(s, &c, &r), 0);
        assert_int_equal(r.id, 12);
}

/* Retention keeps the newest crash of each group until nothing else is
 * left: of a user's crashes in groups A A A B, the last A and the B are
 * picked last. */
static void test_retention_spares_group_newest(void **state) {
        struct store *s = *state;
        struct store_insert_result r;
        struct store_victim v;
        const char *sig[] = { "A", "B", "A", "A" };
        char name[16], sha[16];

        for (int i = 0; i < 4; i++) {
                snprintf(name, sizeof(name), "g%d.dmp", i);
                snprintf(sha, sizeof(sha), "%02d", i);
                struct store_crash c = crash(1000, name, sha, sig[i], "b", 100 + (uint64_t) i);
                assert_int_equal(store_insert(s, &c, &r), 0);
        }
        assert_int_equal(store_pick_oldest(s, 1000, 0, true, &v), 0);
        assert_string_equal(v.stored_name, "1000-00-g0.dmp");
        assert_int_equal(store_delete_crash(s, v.id), 0);
        assert_int_equal(store_pick_oldest(s, 1000, 0, true, &v), 0);
        assert_string_equal(v.stored_name, "1000-02-g2.dmp");   /* not g1, B's only crash */
        assert_int_equal(store_delete_crash(s, v.id), 0);
        assert_int_equal(store_pick_oldest(s, 1000, 0, true, &v), -ENOENT);
        assert_int_equal(store_pick_oldest(s, 1000, 0, false, &v), 0);
        assert_string_equal(v.stored_name, "1000-01-g1.dmp");
}

static void test_attempts(void **state) {
        struct store *s = *state;
        struct store_insert_result r;
        struct store_crash c = crash(0, "k.dmp.zst", "aa", "f", NULL, 1);
        unsigned n, u;

        assert_int_equal(store_attempt_get(s, "k.dmp.zst", &n, &u), 0);
        assert_int_equal(n, 0);
        assert_int_equal(store_attempt_begin(s, "k.dmp.zst"), 0);
        assert_int_equal(store_attempt_begin(s, "k.dmp.zst"), 0);
        assert_int_equal(store_attempt_get(s, "k.dmp.zst", &n, &u), 0);
        assert_int_equal(n, 2);
        assert_int_equal(u, 0);
        /* Storing it clears the count. */
        assert_int_equal(store_insert(s, &c, &r), 0);
        assert_int_equal(store_attempt_get(s, "k.dmp.zst", &n, &u), 0);
        assert_int_equal(n, 0);
        assert_int_equal(store_attempt_begin(s, "j.dmp.zst"), 0);
        assert_int_equal(store_attempt_end(s, "j.dmp.zst"), 0);
        assert_int_equal(store_attempt_get(s, "j.dmp.zst", &n, &u), 0);
        assert_int_equal(n, 0);
}

/* A death blamed on one dump keeps its count; the others in flight move
 * theirs to the unblamed count, and a death blamed on none moves all. */
static void test_attempts_absolve(void **state) {
        struct store *s = *state;
        unsigned n, u;

        assert_int_equal(store_attempt_begin(s, "guilty.dmp"), 0);
        assert_int_equal(store_attempt_begin(s, "bystander.dmp"), 0);
        assert_int_equal(store_attempt_begin(s, "bystander.dmp"), 0);
        assert_int_equal(store_attempts_absolve(s, "guilty.dmp"), 0);
        assert_int_equal(store_attempt_get(s, "guilty.dmp", &n, &u), 0);
        assert_int_equal(n, 1);
        assert_int_equal(u, 0);
        assert_int_equal(store_attempt_get(s, "bystander.dmp", &n, &u), 0);
        assert_int_equal(n, 1);
        assert_int_equal(u, 1);
        assert_int_equal(store_attempts_absolve(s, ""), 0);
        assert_int_equal(store_attempt_get(s, "guilty.dmp", &n, &u), 0);
        assert_int_equal(n, 0);
        assert_int_equal(u, 1);
        assert_int_equal(store_attempt_get(s, "bystander.dmp", &n, &u), 0);
        assert_int_equal(n, 0);
        assert_int_equal(u, 2);
        assert_int_equal(store_attempt_end(s, "bystander.dmp"), 0);
        assert_int_equal(store_attempt_get(s, "bystander.dmp", &n, &u), 0);
        assert_int_equal(n + u, 0);
}

static void test_readonly_query(void **state) {
        struct store *s = *state;
        struct store_insert_result r;
        struct store_crash c = crash(0, "k.dmp.zst", "aa", "f", NULL, 1);
        struct sqlite3 *db = NULL;
        char err[256];
        char *buf = NULL;
        size_t len = 0;
        FILE *out;

        assert_int_equal(store_insert(s, &c, &r), 0);
        /* crashctl's path when the daemon is down: the same answers. */
        assert_int_equal(query_open_readonly(dir, &db, err, sizeof(err)), 0);
        out = open_memstream(&buf, &len);
        assert_int_equal(query_list(db, &(struct query_filter) { .uid = QUERY_ALL_USERS, .signo = -1 }, out), 0);
        fclose(out);
        assert_non_null(strstr(buf, "\"file\":\"k.dmp.zst\""));
        free(buf);
        sqlite3_close(db);
        assert_int_equal(query_open_readonly("/nonexistent", &db, err, sizeof(err)), -ENOENT);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_insert_is_idempotent, setup, teardown),
                cmocka_unit_test_setup_teardown(test_before_commit_is_atomic, setup, teardown),
                cmocka_unit_test_setup_teardown(test_users_see_their_own, setup, teardown),
                cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
                cmocka_unit_test_setup_teardown(test_retention_spares_group_newest, setup, teardown),
                cmocka_unit_test_setup_teardown(test_retention_keeps_group_counts, setup, teardown),
                cmocka_unit_test_setup_teardown(test_attempts, setup, teardown),
                cmocka_unit_test_setup_teardown(test_attempts_absolve, setup, teardown),
                cmocka_unit_test_setup_teardown(test_readonly_query, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
