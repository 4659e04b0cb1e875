/* SPDX-License-Identifier: MIT */
/* daemon/store.c: see store.h. */
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paths.h"
#include "store.h"
#include "util.h"

struct store {
        sqlite3 *db;
        sqlite3_stmt *find, *insert_crash, *insert_report, *upsert_group, *upsert_stats, *has_file;
        sqlite3_stmt *attempt_get, *attempt_begin, *attempt_end, *unblamed_get, *unblamed_end;
        char errmsg[256];
};

static const char schema[] =
        "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE IF NOT EXISTS groups("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  signature TEXT NOT NULL,"
        "  executable TEXT NOT NULL,"
        "  count INTEGER NOT NULL,"
        "  first_seen_ns INTEGER NOT NULL,"
        "  last_seen_ns INTEGER NOT NULL,"
        "  UNIQUE(signature, executable));"
        /* Per user (so that a user's view counts their own crashes only)
         * and per build. */
        "CREATE TABLE IF NOT EXISTS group_stats("
        "  group_id INTEGER NOT NULL REFERENCES groups(id),"
        "  uid INTEGER NOT NULL,"
        "  build_id TEXT NOT NULL,"
        "  count INTEGER NOT NULL,"
        "  first_seen_ns INTEGER NOT NULL,"
        "  last_seen_ns INTEGER NOT NULL,"
        "  PRIMARY KEY(group_id, uid, build_id)) WITHOUT ROWID;"
        /* AUTOINCREMENT: an id is never reused after retention, so that
         * `crashctl show 42` can never show a different crash later. */
        "CREATE TABLE IF NOT EXISTS crashes("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  uid INTEGER NOT NULL,"
        "  spool_name TEXT NOT NULL,"
        "  sha256 TEXT NOT NULL,"
        "  stored_name TEXT NOT NULL,"
        "  dump_size INTEGER NOT NULL,"
        "  report_size INTEGER NOT NULL,"
        "  received_ns INTEGER NOT NULL,"
        "  crash_time_ns INTEGER NOT NULL,"
        "  pid INTEGER NOT NULL,"
        "  signal INTEGER NOT NULL,"
        "  code INTEGER NOT NULL,"
        "  program TEXT,"
        "  executable TEXT,"
        "  build_id TEXT,"
        "  signature TEXT NOT NULL,"
        "  group_id INTEGER NOT NULL REFERENCES groups(id),"
        /* An upload's peer, as crashd saw it (never a tag a sender could
         * set); NULL for everything else. */
        "  upload_from TEXT,"
        "  UNIQUE(uid, spool_name, sha256));"
        "CREATE INDEX IF NOT EXISTS crashes_uid ON crashes(uid, id);"
        "CREATE INDEX IF NOT EXISTS crashes_stored ON crashes(stored_name);"
        "CREATE INDEX IF NOT EXISTS crashes_group ON crashes(group_id);"
        /* Spool files handed to a worker and not finished: a dump that
         * kills or hangs crashd is counted here across restarts. */
        "CREATE TABLE IF NOT EXISTS attempts(name TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;"
        /* Deaths while the dump was in flight that were not its fault as
         * far as crashd could tell (blame.c): counted apart. */
        "CREATE TABLE IF NOT EXISTS unblamed_attempts(name TEXT PRIMARY KEY, count INTEGER NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS reports("
        "  crash_id INTEGER PRIMARY KEY REFERENCES crashes(id) ON DELETE CASCADE,"
        "  json TEXT NOT NULL,"
        "  text TEXT NOT NULL);";

static int errno_from_sqlite(int rc) {
        switch (rc & 0xff) {
        case SQLITE_FULL: return -ENOSPC;
        case SQLITE_BUSY: case SQLITE_LOCKED: return -EBUSY;
        case SQLITE_NOMEM: return -ENOMEM;
        case SQLITE_READONLY: case SQLITE_PERM: case SQLITE_AUTH: return -EACCES;
        case SQLITE_CANTOPEN: return -ENOENT;
        case SQLITE_CORRUPT: case SQLITE_NOTADB: return -EUCLEAN;
        default: return -EIO;
        }
}

static int fail(struct store *s, int rc, const char *what) {
        (void) snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", what, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        return errno_from_sqlite(rc);
}

const char *store_errmsg(const struct store *s) {
        return s->errmsg;
}

struct sqlite3 *store_db(struct store *s) {
        return s->db;
}

static int exec(struct store *s, const char *sql) {
        int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);

        return rc == SQLITE_OK ? 0 : fail(s, rc, sql[0] == 'C' ? "creating the schema" : sql);
}

/* Databases made before crashes had a column get it (additive: older
 * code reads such a database as before). */
static int add_column(struct store *s, const char *column) {
        char probe[128], alter[128];
        sqlite3_stmt *st;

        (void) snprintf(probe, sizeof(probe), "SELECT %s FROM crashes LIMIT 0", column);
        if (sqlite3_prepare_v2(s->db, probe, -1, &st, NULL) == SQLITE_OK) {
                sqlite3_finalize(st);
                return 0;
        }
        (void) snprintf(alter, sizeof(alter), "ALTER TABLE crashes ADD COLUMN %s TEXT", column);
        return exec(s, alter);
}

static int add_upload_from(struct store *s) {
        int r = add_column(s, "upload_from");

        /* dpkg's package for the executable (packages.h), and its version. */
        if (r >= 0)
                r = add_column(s, "package");
        if (r >= 0)
                r = add_column(s, "package_version");
        return r;
}

static int prepare(struct store *s, sqlite3_stmt **st, const char *sql) {
        int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);

        return rc == SQLITE_OK ? 0 : fail(s, rc, "preparing a statement");
}

void store_close(struct store *s) {
        if (!s)
                return;
        sqlite3_finalize(s->find);
        sqlite3_finalize(s->insert_crash);
        sqlite3_finalize(s->insert_report);
        sqlite3_finalize(s->upsert_group);
        sqlite3_finalize(s->upsert_stats);
        sqlite3_finalize(s->has_file);
        sqlite3_finalize(s->attempt_get);
        sqlite3_finalize(s->attempt_begin);
        sqlite3_finalize(s->attempt_end);
        sqlite3_finalize(s->unblamed_get);
        sqlite3_finalize(s->unblamed_end);
        (void) sqlite3_close(s->db);
        free(s);
}

int store_open(const char *state_dir, struct store **ret) {
        struct store *s;
        char path[PATH_MAX];
        int rc, r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        if (snprintf(path, sizeof(path), "%s/" PATHS_DB_NAME, state_dir) >= (int) sizeof(path)) {
                free(s);
                return -ENAMETOOLONG;
        }
        rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                             SQLITE_OPEN_NOFOLLOW, NULL);
        if (rc != SQLITE_OK) {
                r = fail(s, rc, path);
                goto fail;
        }
        (void) sqlite3_extended_result_codes(s->db, 1);
        /* A reader (crashctl on a stopped daemon, the API) never blocks a
         * commit with WAL; NORMAL syncs at checkpoints only, which loses no
         * commit on a crash of the daemon itself. */
        if ((r = exec(s, "PRAGMA journal_mode=WAL")) < 0 ||
            (r = exec(s, "PRAGMA synchronous=NORMAL")) < 0 ||
            (r = exec(s, "PRAGMA foreign_keys=ON")) < 0 ||
            (r = exec(s, "PRAGMA busy_timeout=5000")) < 0 ||
            /* Bounded: 2 MiB of page cache whatever the size of the store. */
            (r = exec(s, "PRAGMA cache_size=-2048")) < 0 ||
            (r = exec(s, schema)) < 0 ||
            (r = exec(s, "INSERT OR IGNORE INTO meta(key, value) VALUES('schema', '1')")) < 0 ||
            (r = add_upload_from(s)) < 0 ||
            /* From here on the store is used on the event loop, which must
             * never wait: a database locked by another process (an
             * administrator's sqlite3 shell, a backup) fails at once with
             * -EBUSY, and the pipeline keeps the dump and retries on a
             * timer while the API goes on answering (WAL readers are not
             * blocked by a writer). Waiting was only right while opening. */
            (r = exec(s, "PRAGMA busy_timeout=0")) < 0)
                goto fail;

        if ((r = prepare(s, &s->find, "SELECT id, group_id FROM crashes WHERE uid = ? AND spool_name = ? AND sha256 = ?")) < 0 ||
            (r = prepare(s, &s->insert_crash,
                         "INSERT INTO crashes(uid, spool_name, sha256, stored_name, dump_size, report_size,"
                         " received_ns, crash_time_ns, pid, signal, code, program, executable, build_id,"
                         " signature, group_id, upload_from, package, package_version)"
                         " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) < 0 ||
            (r = prepare(s, &s->insert_report, "INSERT INTO reports(crash_id, json, text) VALUES(?,?,?)")) < 0 ||
            (r = prepare(s, &s->upsert_group,
                         "INSERT INTO groups(signature, executable, count, first_seen_ns, last_seen_ns)"
                         " VALUES(?1, ?2, 1, ?3, ?3)"
                         " ON CONFLICT(signature, executable) DO UPDATE SET count = count + 1,"
                         " first_seen_ns = min(first_seen_ns, ?3), last_seen_ns = max(last_seen_ns, ?3)"
                         " RETURNING id, count")) < 0 ||
            (r = prepare(s, &s->upsert_stats,
                         "INSERT INTO group_stats(group_id, uid, build_id, count, first_seen_ns, last_seen_ns)"
                         " VALUES(?1, ?2, ?3, 1, ?4, ?4)"
                         " ON CONFLICT(group_id, uid, build_id) DO UPDATE SET count = count + 1,"
                         " first_seen_ns = min(first_seen_ns, ?4), last_seen_ns = max(last_seen_ns, ?4)")) < 0 ||
            (r = prepare(s, &s->has_file, "SELECT 1 FROM crashes WHERE stored_name = ?")) < 0 ||
            (r = prepare(s, &s->attempt_get, "SELECT count FROM attempts WHERE name = ?")) < 0 ||
            (r = prepare(s, &s->attempt_begin,
                         "INSERT INTO attempts(name, count) VALUES(?, 1)"
                         " ON CONFLICT(name) DO UPDATE SET count = count + 1")) < 0 ||
            (r = prepare(s, &s->attempt_end, "DELETE FROM attempts WHERE name = ?")) < 0 ||
            (r = prepare(s, &s->unblamed_get, "SELECT count FROM unblamed_attempts WHERE name = ?")) < 0 ||
            (r = prepare(s, &s->unblamed_end, "DELETE FROM unblamed_attempts WHERE name = ?")) < 0)
                goto fail;

        *ret = s;
        return 0;
fail:
        store_close(s);
        return r;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v) {
        if (v)
                (void) sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
        else
                (void) sqlite3_bind_null(st, i);
}

static int step_done(struct store *s, sqlite3_stmt *st, const char *what) {
        int rc = sqlite3_step(st);

        (void) sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : fail(s, rc, what);
}

static void rollback(struct store *s) {
        (void) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* A crash loop: when this group already has loop_keep + 1 of this uid's
 * crashes within the window (the first loop_keep and the latest), the
 * latest goes and the new one takes its place; the group still counts
 * every crash. Inside store_insert's transaction, before the insert. */
static int loop_replace(struct store *s, const struct store_crash *c, int64_t group_id, uint64_t seen,
                        int64_t *ret_id, char *name, size_t name_size) {
        static const char sql[] =
                "SELECT count(*), max(id) FROM crashes WHERE group_id = ?1 AND uid = ?2"
                " AND (CASE WHEN crash_time_ns > 0 THEN crash_time_ns ELSE received_ns END) >= ?3";
        sqlite3_stmt *st = NULL;
        int64_t n = 0, latest = 0;
        int rc, r;

        if (!c->loop_keep)
                return 0;
        r = prepare(s, &st, sql);
        if (r < 0)
                return r;
        (void) sqlite3_bind_int64(st, 1, group_id);
        (void) sqlite3_bind_int64(st, 2, c->uid);
        (void) sqlite3_bind_int64(st, 3, (int64_t) (seen > c->loop_window_ns ? seen - c->loop_window_ns : 0));
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                n = sqlite3_column_int64(st, 0);
                latest = sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW)
                return fail(s, rc, "counting a group's recent crashes");
        if (n < (int64_t) c->loop_keep + 1)
                return 0;

        r = prepare(s, &st, "SELECT stored_name FROM crashes WHERE id = ?");
        if (r < 0)
                return r;
        (void) sqlite3_bind_int64(st, 1, latest);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                (void) snprintf(name, name_size, "%s", (const char *) sqlite3_column_text(st, 0) ?: "");
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW)
                return fail(s, rc, "finding a group's latest crash");
        r = store_delete_crash(s, latest);
        if (r < 0)
                return r;
        *ret_id = latest;
        return 0;
}

int store_insert(struct store *s, const struct store_crash *c, struct store_insert_result *ret) {
        /* When the crash happened, for first/last seen: the dump's clock if
         * it has one, else when it arrived. */
        uint64_t seen = c->crash_time_ns ? c->crash_time_ns : c->received_ns;
        int64_t id, group_id, replaced_id = 0;
        uint64_t group_count;
        char replaced_name[256] = "";
        int rc, r;

        r = exec(s, "BEGIN IMMEDIATE");
        if (r < 0)
                return r;

        (void) sqlite3_bind_int64(s->find, 1, c->uid);
        bind_text(s->find, 2, c->spool_name);
        bind_text(s->find, 3, c->sha256);
        rc = sqlite3_step(s->find);
        if (rc == SQLITE_ROW) {
                *ret = (struct store_insert_result) {
                        .id = sqlite3_column_int64(s->find, 0),
                        .group_id = sqlite3_column_int64(s->find, 1),
                        .duplicate = true,
                };
                (void) sqlite3_reset(s->find);
                rollback(s);
                return 0;
        }
        (void) sqlite3_reset(s->find);
        if (rc != SQLITE_DONE) {
                r = fail(s, rc, "looking up a crash");
                goto fail;
        }

        bind_text(s->upsert_group, 1, c->signature);
        bind_text(s->upsert_group, 2, c->executable ? c->executable : "");
        (void) sqlite3_bind_int64(s->upsert_group, 3, (int64_t) seen);
        rc = sqlite3_step(s->upsert_group);
        if (rc != SQLITE_ROW) {
                (void) sqlite3_reset(s->upsert_group);
                r = fail(s, rc, "updating the group");
                goto fail;
        }
        group_id = sqlite3_column_int64(s->upsert_group, 0);
        group_count = (uint64_t) sqlite3_column_int64(s->upsert_group, 1);
        r = step_done(s, s->upsert_group, "updating the group");
        if (r < 0)
                goto fail;

        (void) sqlite3_bind_int64(s->upsert_stats, 1, group_id);
        (void) sqlite3_bind_int64(s->upsert_stats, 2, c->uid);
        bind_text(s->upsert_stats, 3, c->build_id ? c->build_id : "");
        (void) sqlite3_bind_int64(s->upsert_stats, 4, (int64_t) seen);
        r = step_done(s, s->upsert_stats, "updating the group's statistics");
        if (r < 0)
                goto fail;

        (void) sqlite3_bind_int64(s->insert_crash, 1, c->uid);
        bind_text(s->insert_crash, 2, c->spool_name);
        bind_text(s->insert_crash, 3, c->sha256);
        bind_text(s->insert_crash, 4, c->stored_name);
        (void) sqlite3_bind_int64(s->insert_crash, 5, (int64_t) c->dump_size);
        (void) sqlite3_bind_int64(s->insert_crash, 6, (int64_t) (c->report_json_len + c->report_text_len));
        (void) sqlite3_bind_int64(s->insert_crash, 7, (int64_t) c->received_ns);
        (void) sqlite3_bind_int64(s->insert_crash, 8, (int64_t) c->crash_time_ns);
        (void) sqlite3_bind_int64(s->insert_crash, 9, c->pid);
        (void) sqlite3_bind_int64(s->insert_crash, 10, c->signo);
        (void) sqlite3_bind_int64(s->insert_crash, 11, c->code);
        bind_text(s->insert_crash, 12, c->program);
        bind_text(s->insert_crash, 13, c->executable);
        bind_text(s->insert_crash, 14, c->build_id);
        bind_text(s->insert_crash, 15, c->signature);
        (void) sqlite3_bind_int64(s->insert_crash, 16, group_id);
        bind_text(s->insert_crash, 17, c->upload_from && *c->upload_from ? c->upload_from : NULL);
        bind_text(s->insert_crash, 18, c->package);
        bind_text(s->insert_crash, 19, c->package_version);
        r = loop_replace(s, c, group_id, seen, &replaced_id, replaced_name, sizeof(replaced_name));
        if (r < 0)
                goto fail;
        r = step_done(s, s->insert_crash, "inserting the crash");
        if (r < 0)
                goto fail;
        id = sqlite3_last_insert_rowid(s->db);

        (void) sqlite3_bind_int64(s->insert_report, 1, id);
        (void) sqlite3_bind_text(s->insert_report, 2, c->report_json, (int) c->report_json_len, SQLITE_STATIC);
        (void) sqlite3_bind_text(s->insert_report, 3, c->report_text, (int) c->report_text_len, SQLITE_STATIC);
        r = step_done(s, s->insert_report, "inserting the report");
        if (r < 0)
                goto fail;

        bind_text(s->attempt_end, 1, c->spool_name);
        r = step_done(s, s->attempt_end, "clearing the attempt");
        if (r >= 0) {
                bind_text(s->unblamed_end, 1, c->spool_name);
                r = step_done(s, s->unblamed_end, "clearing the attempt");
        }
        if (r < 0)
                goto fail;

        if (c->before_commit) {
                r = c->before_commit(c->userdata, id, group_id, group_count);
                if (r < 0)
                        goto fail;
        }

        r = exec(s, "COMMIT");
        if (r < 0)
                goto fail;
        *ret = (struct store_insert_result) { .id = id, .group_id = group_id, .group_count = group_count,
                                              .replaced_id = replaced_id };
        if (replaced_id)
                memcpy(ret->replaced_stored_name, replaced_name, sizeof(ret->replaced_stored_name));
        return 0;
fail:
        rollback(s);
        return r;
}

int store_totals(struct store *s, uint64_t *ret_count, uint64_t *ret_bytes) {
        sqlite3_stmt *st;
        int rc, r;

        r = prepare(s, &st, "SELECT count(*), coalesce(sum(dump_size + report_size), 0) FROM crashes");
        if (r < 0)
                return r;
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                *ret_count = (uint64_t) sqlite3_column_int64(st, 0);
                *ret_bytes = (uint64_t) sqlite3_column_int64(st, 1);
                r = 0;
        } else
                r = fail(s, rc, "counting crashes");
        sqlite3_finalize(st);
        return r;
}

int store_usage(struct store *s, int64_t uid, struct store_usage **ret, size_t *ret_n) {
        _cleanup_free_ struct store_usage *u = NULL;
        size_t n = 0, cap = 0;
        sqlite3_stmt *st;
        int rc, r;

        r = prepare(s, &st, "SELECT uid, count(*), coalesce(sum(dump_size + report_size), 0) FROM crashes"
                            " WHERE ?1 < 0 OR uid = ?1 GROUP BY uid ORDER BY uid");
        if (r < 0)
                return r;
        (void) sqlite3_bind_int64(st, 1, uid);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (n == cap) {
                        struct store_usage *m = reallocarray(u, cap ? cap * 2 : 16, sizeof(*u));

                        if (!m) {
                                sqlite3_finalize(st);
                                return -ENOMEM;
                        }
                        u = m;
                        cap = cap ? cap * 2 : 16;
                }
                u[n++] = (struct store_usage) {
                        .uid = (uint32_t) sqlite3_column_int64(st, 0),
                        .count = (uint64_t) sqlite3_column_int64(st, 1),
                        .bytes = (uint64_t) sqlite3_column_int64(st, 2),
                };
        }
        r = rc == SQLITE_DONE ? 0 : fail(s, rc, "counting crashes per user");
        sqlite3_finalize(st);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(u);
        *ret_n = n;
        return 0;
}

int store_pick_oldest(struct store *s, int64_t uid, uint64_t received_before_ns, bool spare_group_newest,
                      struct store_victim *ret) {
        sqlite3_stmt *st;
        int rc, r;

        /* crashes_uid (uid, id) and crashes_group (group_id, id) answer
         * both parts from their indexes. */
        r = prepare(s, &st, "SELECT id, uid, dump_size + report_size, stored_name FROM crashes c"
                            " WHERE (?1 < 0 OR uid = ?1) AND (?2 = 0 OR received_ns < ?2)"
                            " AND (?3 = 0 OR id <> (SELECT max(id) FROM crashes WHERE group_id = c.group_id))"
                            " ORDER BY id LIMIT 1");
        if (r < 0)
                return r;
        (void) sqlite3_bind_int64(st, 1, uid);
        (void) sqlite3_bind_int64(st, 2, (int64_t) received_before_ns);
        (void) sqlite3_bind_int(st, 3, spare_group_newest);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                ret->id = sqlite3_column_int64(st, 0);
                ret->uid = (uint32_t) sqlite3_column_int64(st, 1);
                ret->bytes = (uint64_t) sqlite3_column_int64(st, 2);
                r = strlcpy_ok(ret->stored_name, (const char *) sqlite3_column_text(st, 3), sizeof(ret->stored_name))
                    ? 0 : -ENAMETOOLONG;
        } else
                r = rc == SQLITE_DONE ? -ENOENT : fail(s, rc, "choosing a crash to delete");
        sqlite3_finalize(st);
        return r;
}

int store_delete_crash(struct store *s, int64_t id) {
        sqlite3_stmt *st;
        int rc, r;

        /* The report goes with it (ON DELETE CASCADE); the group keeps
         * its counts. */
        r = prepare(s, &st, "DELETE FROM crashes WHERE id = ?");
        if (r < 0)
                return r;
        (void) sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        r = rc == SQLITE_DONE ? 0 : fail(s, rc, "deleting a crash");
        sqlite3_finalize(st);
        return r;
}

int store_has_file(struct store *s, const char *stored_name) {
        int rc;

        bind_text(s->has_file, 1, stored_name);
        rc = sqlite3_step(s->has_file);
        (void) sqlite3_reset(s->has_file);
        if (rc == SQLITE_ROW)
                return 1;
        if (rc == SQLITE_DONE)
                return 0;
        return fail(s, rc, "looking up a stored file");
}

static int get_count(struct store *s, sqlite3_stmt *st, const char *name, unsigned *ret) {
        int rc;

        bind_text(st, 1, name);
        rc = sqlite3_step(st);
        *ret = rc == SQLITE_ROW ? (unsigned) sqlite3_column_int(st, 0) : 0;
        (void) sqlite3_reset(st);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, rc, "reading attempts");
}

int store_attempt_get(struct store *s, const char *name, unsigned *ret, unsigned *ret_unblamed) {
        int r = get_count(s, s->attempt_get, name, ret);

        return r < 0 ? r : get_count(s, s->unblamed_get, name, ret_unblamed);
}

int store_attempts_absolve(struct store *s, const char *blamed) {
        static const char *const sql[] = {
                /* "WHERE true": an upsert's SELECT needs a WHERE clause. */
                "INSERT INTO unblamed_attempts(name, count) SELECT name, 1 FROM attempts WHERE name <> ?1 AND true"
                " ON CONFLICT(name) DO UPDATE SET count = count + 1",
                "UPDATE attempts SET count = count - 1 WHERE name <> ?1",
                "DELETE FROM attempts WHERE count <= 0",
        };
        int r = exec(s, "BEGIN IMMEDIATE");

        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(sql); i++) {
                sqlite3_stmt *st;

                r = prepare(s, &st, sql[i]);
                if (r < 0)
                        break;
                bind_text(st, 1, blamed);
                r = step_done(s, st, "absolving attempts");
                sqlite3_finalize(st);
        }
        if (r < 0) {
                rollback(s);
                return r;
        }
        return exec(s, "COMMIT");
}

int store_attempt_begin(struct store *s, const char *name) {
        bind_text(s->attempt_begin, 1, name);
        return step_done(s, s->attempt_begin, "counting an attempt");
}

int store_attempt_end(struct store *s, const char *name) {
        int r;

        bind_text(s->attempt_end, 1, name);
        r = step_done(s, s->attempt_end, "clearing an attempt");
        if (r < 0)
                return r;
        bind_text(s->unblamed_end, 1, name);
        return step_done(s, s->unblamed_end, "clearing an attempt");
}
