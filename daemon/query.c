/* SPDX-License-Identifier: MIT */
/* daemon/query.c: see query.h. Rows are written one at a time, so a list
 * of every stored crash costs one row's memory, not the whole list's. */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-util.h"
#include "paths.h"
#include "query.h"
#include "util.h"

/* CRASH_N_COLUMNS of them; crash_json() reads them by index, and a query
 * that selects more puts its own after them. */
#define CRASH_N_COLUMNS 19
#define CRASH_COLUMNS \
        "id, uid, spool_name, dump_size, report_size, received_ns, crash_time_ns, pid, signal, code," \
        " program, executable, build_id, signature, group_id, sha256, upload_from, package, package_version"

int query_open_readonly(const char *state_dir, sqlite3 **ret, char *err, size_t errlen) {
        char path[PATH_MAX];
        sqlite3 *db = NULL;
        int rc;

        if (snprintf(path, sizeof(path), "%s/" PATHS_DB_NAME, state_dir) >= (int) sizeof(path))
                return -ENAMETOOLONG;
        if (access(path, F_OK) < 0) {
                int r = -errno;
                (void) snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return r;
        }
        rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc == SQLITE_OK)
                rc = sqlite3_exec(db, "PRAGMA busy_timeout=5000", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
                (void) snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
                (void) sqlite3_close(db);
                return (rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_PERM ? -EACCES : -EIO;
        }
        *ret = db;
        return 0;
}

static const char *col_text(sqlite3_stmt *st, int i) {
        return (const char *) sqlite3_column_text(st, i);
}

static int set_new(json_t *o, const char *key, json_t *v) {
        return v && json_object_set_new(o, key, v) == 0 ? 0 : -ENOMEM;
}

/* One CRASH object from a row selected with CRASH_COLUMNS. */
static json_t *crash_json(sqlite3_stmt *st) {
        json_t *o = json_object();
        uint64_t received = (uint64_t) sqlite3_column_int64(st, 5), crashed = (uint64_t) sqlite3_column_int64(st, 6);
        uint64_t t = crashed ? crashed : received;
        int signo = sqlite3_column_int(st, 8);
        const char *abbrev = signo > 0 ? sigabbrev_np(signo) : NULL;
        char iso[64], signame[32];
        int r = 0;

        if (!o)
                return NULL;
        format_iso_time(t, iso, sizeof(iso));
        if (abbrev)
                (void) snprintf(signame, sizeof(signame), "SIG%s", abbrev);
        r |= set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
        r |= set_new(o, "time", json_util_string(iso));
        r |= set_new(o, "time_ns", json_integer((json_int_t) t));
        r |= set_new(o, "received_ns", json_integer((json_int_t) received));
        r |= set_new(o, "pid", json_integer(sqlite3_column_int64(st, 7)));
        r |= set_new(o, "uid", json_integer(sqlite3_column_int64(st, 1)));
        r |= set_new(o, "signal", json_integer(signo));
        r |= set_new(o, "signal_name", abbrev ? json_util_string(signame) : json_util_null());
        r |= set_new(o, "code", json_integer(sqlite3_column_int(st, 9)));
        r |= set_new(o, "program", json_string_lossy(col_text(st, 10)));
        r |= set_new(o, "executable", json_string_lossy(col_text(st, 11)));
        r |= set_new(o, "build_id", json_string_lossy(col_text(st, 12)));
        r |= set_new(o, "signature", json_string_lossy(col_text(st, 13)));
        r |= set_new(o, "group", json_integer(sqlite3_column_int64(st, 14)));
        r |= set_new(o, "file", json_string_lossy(col_text(st, 2)));
        r |= set_new(o, "size", json_integer(sqlite3_column_int64(st, 3)));
        r |= set_new(o, "report_size", json_integer(sqlite3_column_int64(st, 4)));
        r |= set_new(o, "sha256", json_string_lossy(col_text(st, 15)));
        /* Learned by crashd from the connection, not from the upload. */
        r |= set_new(o, "upload_from", json_string_lossy(col_text(st, 16)));
        /* dpkg's package of the executable, looked up when it was stored. */
        r |= set_new(o, "package", json_string_lossy(col_text(st, 17)));
        r |= set_new(o, "package_version", json_string_lossy(col_text(st, 18)));
        if (r) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static int dump_json(json_t *j, FILE *out) {
        return json_dumpf(j, out, JSON_COMPACT) == 0 ? 0 : -EIO;
}

static int step_error(sqlite3 *db, int rc) {
        (void) db;
        switch (rc & 0xff) {
        case SQLITE_NOMEM: return -ENOMEM;
        /* Locked by another process: the daemon's connection never waits
         * (store.c), so the caller says so rather than stalling. */
        case SQLITE_BUSY: case SQLITE_LOCKED: return -EBUSY;
        default: return -EIO;
        }
}

/* Writes {"KEY":[...]} with one object per row that row() makes (NULL: out
 * of memory), and finalizes st. */
static int write_rows(sqlite3 *db, sqlite3_stmt *st, const char *key, FILE *out,
                      json_t *(*row)(sqlite3 *db, sqlite3_stmt *st, void *userdata), void *userdata) {
        bool first = true;
        int rc, r = 0;

        fprintf(out, "{\"%s\":[", key);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                json_t *o = row(db, st, userdata);

                if (!o) {
                        r = -ENOMEM;
                        break;
                }
                if (!first)
                        fputc(',', out);
                first = false;
                r = dump_json(o, out);
                json_decref(o);
                if (r < 0)
                        break;
        }
        if (r == 0 && rc != SQLITE_DONE)
                r = step_error(db, rc);
        sqlite3_finalize(st);
        if (r < 0)
                return r;
        fputs("]}\n", out);
        return ferror(out) ? -EIO : 0;
}

static json_t *crash_row(sqlite3 *db, sqlite3_stmt *st, void *userdata) {
        (void) db;
        (void) userdata;
        return crash_json(st);
}

void query_filter_from_json(const json_t *req, int64_t caller_uid, struct query_filter *f) {
        *f = (struct query_filter) {
                .uid = caller_uid,
                .has_user = json_get_int(req, "user", -1) >= 0,
                .user = (uint32_t) json_get_int(req, "user", 0),
                .program = json_get_str(req, "program"),
                .signo = (int) json_get_int(req, "signal", -1),
                .since_ns = (uint64_t) json_get_int(req, "since_ns", 0),
                .until_ns = (uint64_t) json_get_int(req, "until_ns", 0),
                .limit = (uint64_t) json_get_int(req, "limit", 0),
                .reverse = json_is_true(json_object_get(req, "reverse")),
                .id = json_get_int(req, "id", 0),
                .number = json_get_int(req, "number", 0),
                .pid = json_get_int(req, "pid", 0),
                .comm = json_get_str(req, "comm"),
                .exe = json_get_str(req, "exe"),
                .signature = json_get_str(req, "signature"),
                .name = json_get_str(req, "name"),
                .build_id = json_get_str(req, "build_id"),
                .group = json_get_int(req, "group", 0),
                .tag_key = json_get_str(req, "tag_key"),
                .tag_value = json_get_str(req, "tag_value"),
        };
}

static void bind_opt_text(sqlite3_stmt *st, int i, const char *s) {
        if (s)
                (void) sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

int query_list(sqlite3 *db, const struct query_filter *f, FILE *out) {
        /* m: what the caller may see, with each crash's time (the crash's
         * own clock, else when it arrived). A bare number is a crash ID
         * when the caller has that crash, else a PID (tools/match.c). */
        static const char sql[] =
                "WITH m AS (SELECT *, CASE WHEN crash_time_ns > 0 THEN crash_time_ns ELSE received_ns END AS t"
                "           FROM crashes WHERE (?1 < 0 OR uid = ?1))"
                " SELECT " CRASH_COLUMNS " FROM (SELECT * FROM m"
                " WHERE (?2 IS NULL OR program = ?2 OR executable = ?2"
                "      OR substr(executable, -length(?2) - 1) = '/' || ?2)"
                " AND (?3 < 0 OR signal = ?3)"
                " AND (?4 = 0 OR t >= ?4)"
                " AND (?6 = 0 OR t < ?6)"
                " AND (?7 = 0 OR id = ?7)"
                " AND (?8 = 0 OR id = ?8 OR (pid = ?8 AND NOT EXISTS (SELECT 1 FROM m m2 WHERE m2.id = ?8)))"
                " AND (?9 = 0 OR pid = ?9)"
                " AND (?10 IS NULL OR program = ?10)"
                " AND (?11 IS NULL OR executable = ?11)"
                " AND (?12 IS NULL OR signature = ?12)"
                " AND (?13 IS NULL OR program = ?13 OR signature = ?13"
                "      OR substr(executable, -length(?13) - 1) = '/' || ?13)"
                " AND (?14 IS NULL OR build_id = ?14)"
                " AND (?15 = 0 OR group_id = ?15)"
                " AND (?16 < 0 OR uid = ?16)"
                " AND (?17 IS NULL OR EXISTS (SELECT 1 FROM reports r, json_each(r.json, '$.tags') j"
                "      WHERE r.crash_id = m.id AND j.key = ?17 AND (?18 IS NULL OR j.value = ?18)))"
                " ORDER BY t DESC, id DESC LIMIT ?5)"
                " ORDER BY CASE WHEN ?19 THEN -t ELSE t END, CASE WHEN ?19 THEN -id ELSE id END";
        sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        if (rc != SQLITE_OK)
                return step_error(db, rc);
        (void) sqlite3_bind_int64(st, 1, f->uid);
        bind_opt_text(st, 2, f->program);
        (void) sqlite3_bind_int64(st, 3, f->signo);
        (void) sqlite3_bind_int64(st, 4, (int64_t) f->since_ns);
        (void) sqlite3_bind_int64(st, 5, f->limit ? (int64_t) f->limit : -1);
        (void) sqlite3_bind_int64(st, 6, (int64_t) f->until_ns);
        (void) sqlite3_bind_int64(st, 7, f->id);
        (void) sqlite3_bind_int64(st, 8, f->number);
        (void) sqlite3_bind_int64(st, 9, f->pid);
        bind_opt_text(st, 10, f->comm);
        bind_opt_text(st, 11, f->exe);
        bind_opt_text(st, 12, f->signature);
        bind_opt_text(st, 13, f->name);
        bind_opt_text(st, 14, f->build_id);
        (void) sqlite3_bind_int64(st, 15, f->group);
        (void) sqlite3_bind_int64(st, 16, f->has_user ? (int64_t) f->user : -1);
        bind_opt_text(st, 17, f->tag_key);
        bind_opt_text(st, 18, f->tag_value);
        (void) sqlite3_bind_int(st, 19, f->reverse);

        return write_rows(db, st, "crashes", out, crash_row, NULL);
}

/* One number from a query of one row and column; -1 when it fails. */
static int64_t count_of(sqlite3 *db, const char *sql, int64_t uid) {
        sqlite3_stmt *st = NULL;
        int64_t n = -1;

        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
                return -1;
        (void) sqlite3_bind_int64(st, 1, uid);
        if (sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_type(st, 0) == SQLITE_NULL ? -2 : sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return n;
}

int query_status(sqlite3 *db, int64_t uid, FILE *out) {
        int64_t crashes = count_of(db, "SELECT count(*) FROM crashes WHERE (?1 < 0 OR uid = ?1)", uid);
        int64_t groups = count_of(db, "SELECT count(DISTINCT group_id) FROM crashes WHERE (?1 < 0 OR uid = ?1)", uid);
        int64_t last = count_of(db, "SELECT max(CASE WHEN crash_time_ns > 0 THEN crash_time_ns ELSE received_ns END)"
                                    " FROM crashes WHERE (?1 < 0 OR uid = ?1)", uid);
        json_t *o, *fw = NULL;
        int r;

        if (crashes < 0 || groups < 0)
                return -EIO;
        /* The outbox is every user's: only root is told about it. A
         * database from before forwarding has no outbox (forward.c). */
        if (uid == QUERY_ALL_USERS) {
                int64_t queued = count_of(db, "SELECT count(*) FROM outbox WHERE ?1 = ?1", uid);
                int64_t failing = count_of(db, "SELECT count(*) FROM outbox WHERE attempts > 0 AND ?1 = ?1", uid);
                sqlite3_stmt *st = NULL;
                const char *last_error = NULL;

                if (queued >= 0 &&
                    sqlite3_prepare_v2(db, "SELECT last_error FROM outbox WHERE last_error IS NOT NULL"
                                           " ORDER BY next_ns DESC LIMIT 1", -1, &st, NULL) == SQLITE_OK &&
                    sqlite3_step(st) == SQLITE_ROW)
                        last_error = col_text(st, 0);
                fw = queued >= 0 ? json_pack("{s:I, s:I, s:o}", "queued", (json_int_t) queued,
                                             "failing", (json_int_t) (failing < 0 ? 0 : failing),
                                             "last_error", json_string_lossy(last_error)) : json_util_null();
                sqlite3_finalize(st);
        }
        o = json_pack("{s:I, s:I, s:o, s:o}", "crashes", (json_int_t) crashes, "groups", (json_int_t) groups,
                      "last_crash_ns", last >= 0 ? json_integer(last) : json_util_null(),
                      "forward", fw ? fw : json_util_null());
        if (!o)
                return -ENOMEM;
        r = dump_json(o, out);
        fputc('\n', out);
        json_decref(o);
        return r;
}

int query_show(sqlite3 *db, int64_t uid, int64_t id, FILE *out) {
        static const char sql[] =
                "SELECT " CRASH_COLUMNS ", r.json, r.text FROM crashes c JOIN reports r ON r.crash_id = c.id"
                " WHERE c.id = ?1 AND (?2 < 0 OR c.uid = ?2)";
        sqlite3_stmt *st = NULL;
        json_t *crash = NULL, *text = NULL;
        int rc, r = 0;

        rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        if (rc != SQLITE_OK)
                return step_error(db, rc);
        (void) sqlite3_bind_int64(st, 1, id);
        (void) sqlite3_bind_int64(st, 2, uid);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
                r = -ENOENT;
        else if (rc != SQLITE_ROW)
                r = step_error(db, rc);
        else {
                crash = crash_json(st);
                text = json_string_lossy(col_text(st, CRASH_N_COLUMNS + 1));
                if (!crash || !text)
                        r = -ENOMEM;
        }
        if (r == 0) {
                /* The report is stored as the symbolicator wrote it (checked
                 * to parse when it was stored), so it goes out as it is. */
                fputs("{\"crash\":", out);
                r = dump_json(crash, out);
                fputs(",\"text\":", out);
                if (r == 0)
                        r = json_dumpf(text, out, JSON_COMPACT | JSON_ENCODE_ANY) == 0 ? 0 : -EIO;
                fputs(",\"report\":", out);
                fputs(col_text(st, CRASH_N_COLUMNS) ? col_text(st, CRASH_N_COLUMNS) : "null", out);
                fputs("}\n", out);
        }
        json_decref(crash);
        json_decref(text);
        sqlite3_finalize(st);
        if (r < 0)
                return r;
        return ferror(out) ? -EIO : 0;
}

static json_t *builds_json(sqlite3 *db, int64_t uid, int64_t group_id) {
        static const char sql[] =
                "SELECT build_id, sum(count), min(first_seen_ns), max(last_seen_ns) FROM group_stats"
                " WHERE group_id = ?1 AND (?2 < 0 OR uid = ?2) GROUP BY build_id ORDER BY 4 DESC";
        sqlite3_stmt *st = NULL;
        json_t *a = json_array();
        int rc;

        if (!a)
                return NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
                json_decref(a);
                return NULL;
        }
        (void) sqlite3_bind_int64(st, 1, group_id);
        (void) sqlite3_bind_int64(st, 2, uid);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                json_t *b = json_object();
                const char *bid = col_text(st, 0);

                if (!b || set_new(b, "build_id", bid && bid[0] ? json_string_lossy(bid) : json_util_null()) ||
                    set_new(b, "count", json_integer(sqlite3_column_int64(st, 1))) ||
                    set_new(b, "first_seen_ns", json_integer(sqlite3_column_int64(st, 2))) ||
                    set_new(b, "last_seen_ns", json_integer(sqlite3_column_int64(st, 3))) ||
                    json_array_append_new(a, b)) {
                        json_decref(a);
                        sqlite3_finalize(st);
                        return NULL;
                }
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
                json_decref(a);
                return NULL;
        }
        return a;
}

static json_t *group_row(sqlite3 *db, sqlite3_stmt *st, void *userdata) {
        int64_t uid = *(const int64_t *) userdata;
        json_t *o = json_object();
        char first_iso[64], last_iso[64];

        format_iso_time((uint64_t) sqlite3_column_int64(st, 4), first_iso, sizeof(first_iso));
        format_iso_time((uint64_t) sqlite3_column_int64(st, 5), last_iso, sizeof(last_iso));
        if (!o || set_new(o, "id", json_integer(sqlite3_column_int64(st, 0))) ||
            set_new(o, "signature", json_string_lossy(col_text(st, 1))) ||
            set_new(o, "executable", json_string_lossy(col_text(st, 2))) ||
            set_new(o, "count", json_integer(sqlite3_column_int64(st, 3))) ||
            set_new(o, "first_seen", json_util_string(first_iso)) ||
            set_new(o, "first_seen_ns", json_integer(sqlite3_column_int64(st, 4))) ||
            set_new(o, "last_seen", json_util_string(last_iso)) ||
            set_new(o, "last_seen_ns", json_integer(sqlite3_column_int64(st, 5))) ||
            set_new(o, "stored", json_integer(sqlite3_column_int64(st, 6))) ||
            set_new(o, "builds", builds_json(db, uid, sqlite3_column_int64(st, 0)))) {
                json_decref(o);
                return NULL;
        }
        return o;
}

int query_groups(sqlite3 *db, int64_t uid, FILE *out) {
        static const char sql[] =
                "SELECT g.id, g.signature, g.executable, sum(s.count), min(s.first_seen_ns), max(s.last_seen_ns),"
                " (SELECT count(*) FROM crashes c WHERE c.group_id = g.id AND (?1 < 0 OR c.uid = ?1))"
                " FROM groups g JOIN group_stats s ON s.group_id = g.id"
                " WHERE (?1 < 0 OR s.uid = ?1) GROUP BY g.id ORDER BY 6 DESC, g.id";
        sqlite3_stmt *st = NULL;
        int rc;

        rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        if (rc != SQLITE_OK)
                return step_error(db, rc);
        (void) sqlite3_bind_int64(st, 1, uid);
        return write_rows(db, st, "groups", out, group_row, &uid);
}

int query_dump_file(sqlite3 *db, int64_t uid, int64_t id, char *name, size_t name_size, uint64_t *ret_size) {
        static const char sql[] = "SELECT stored_name, dump_size FROM crashes WHERE id = ?1 AND (?2 < 0 OR uid = ?2)";
        sqlite3_stmt *st = NULL;
        int rc, r;

        rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        if (rc != SQLITE_OK)
                return step_error(db, rc);
        (void) sqlite3_bind_int64(st, 1, id);
        (void) sqlite3_bind_int64(st, 2, uid);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                r = strlcpy_ok(name, col_text(st, 0) ? col_text(st, 0) : "", name_size) ? 0 : -ENAMETOOLONG;
                *ret_size = (uint64_t) sqlite3_column_int64(st, 1);
        } else
                r = rc == SQLITE_DONE ? -ENOENT : step_error(db, rc);
        sqlite3_finalize(st);
        return r;
}
