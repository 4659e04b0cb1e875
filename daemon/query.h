/* SPDX-License-Identifier: MIT */
/* daemon/query.h: the read side of the store, as JSON. The daemon answers
 * API requests with these, and crashctl runs the same functions on the
 * database (read-only) when the daemon is down, so both paths print the
 * same thing. Every query takes the caller's uid: a user sees only their
 * own crashes and their own share of each group; QUERY_ALL_USERS (root)
 * sees everything.
 *
 * Output (version 1; fields are only ever added):
 *   list:   {"crashes": [CRASH...]}
 *   show:   {"crash": CRASH, "text": S, "report": <symbolicate JSON>}
 *   status: see query_status()
 *   groups: {"groups": [{"id", "signature", "executable", "count",
 *            "first_seen", "first_seen_ns", "last_seen", "last_seen_ns",
 *            "stored", "builds": [{"build_id", "count", "first_seen_ns",
 *            "last_seen_ns"}]}]}
 *   CRASH:  {"id", "time", "time_ns", "received_ns", "pid", "uid",
 *            "signal", "signal_name", "code", "program", "executable",
 *            "build_id", "signature", "group", "file", "size",
 *            "report_size", "sha256", "upload_from", "package", "package_version"}
 * Errors: -ENOENT (no such crash, or not the caller's), -EIO (the
 * database), -ENOMEM. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sqlite3;

#define QUERY_ALL_USERS INT64_C(-1)

struct query_filter {
        int64_t uid;            /* the caller: QUERY_ALL_USERS or one uid (never from the request) */
        bool has_user;          /* only user's crashes (`list -u`), within what uid sees */
        uint32_t user;
        const char *program;    /* program name, executable path or its basename; NULL: any */
        int signo;              /* -1: any */
        uint64_t since_ns;      /* 0: any; crash time at or after */
        uint64_t until_ns;      /* 0: any; crash time before */
        uint64_t limit;         /* the newest N; 0: all */
        bool reverse;           /* newest first (default: oldest first, by crash time) */
        /* coredumpctl's MATCHES (tools/match.c); each NULL or 0: any. */
        int64_t id;
        int64_t number;         /* a bare number: the crash of that ID if the caller has one, else a PID */
        int64_t pid;
        const char *comm;       /* the process's name (its main thread's comm) */
        const char *exe;        /* the executable's path */
        const char *signature;
        const char *name;       /* a bare word: comm, the executable's last part, or a signature */
        const char *build_id;   /* the executable's */
        int64_t group;
        const char *tag_key, *tag_value;
};

/* The request's fields (api.c's "list"), into f; f->uid is the caller's,
 * as the kernel says. Strings point into req. */
void query_filter_from_json(const json_t *req, int64_t caller_uid, struct query_filter *f);

/* Opens STATE_DIR/crashd.db read-only (crashctl, daemon down). */
int query_open_readonly(const char *state_dir, struct sqlite3 **ret, char *err, size_t errlen);

int query_list(struct sqlite3 *db, const struct query_filter *f, FILE *out);
int query_show(struct sqlite3 *db, int64_t uid, int64_t id, FILE *out);
int query_groups(struct sqlite3 *db, int64_t uid, FILE *out);
/* What the database says when the daemon is down (`crashctl status`):
 * {"crashes": N, "groups": N, "last_crash_ns": N|null, "forward":
 * {"queued": N, "failing": N, "last_error": S|null}|null} as uid sees it
 * (the outbox only for root: it holds every user's events). */
int query_status(struct sqlite3 *db, int64_t uid, FILE *out);
/* The dump file of crash id (its name in state/dumps/) and its size. */
int query_dump_file(struct sqlite3 *db, int64_t uid, int64_t id, char *name, size_t name_size, uint64_t *ret_size);
