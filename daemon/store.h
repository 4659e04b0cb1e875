/* SPDX-License-Identifier: MIT */
/* daemon/store.h: the write side of crashd's SQLite database (WAL) in the
 * state directory: crashes, their reports (the symbolicator's JSON and
 * text), groups with counts and first/last seen, per executable and, in
 * group_stats, per user and build-id. Group counts are kept when
 * retention deletes crashes.
 *
 * A crash is keyed by (uid, spool file name, SHA-256 of the file):
 * inserting the same key again is a no-op that returns the stored id, which
 * is what makes ingest idempotent across a SIGKILL between the commit and
 * the removal of the spool file. Only the event loop's thread uses a store.
 * Errors: -ENOSPC (SQLITE_FULL), -EBUSY, -ENOMEM, -EIO; store_errmsg()
 * says more. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sqlite3;
struct store;

#define STORE_SCHEMA_VERSION 1

/* Opens (creating if needed) DIR/crashd.db. */
int store_open(const char *state_dir, struct store **ret);
void store_close(struct store *s);
const char *store_errmsg(const struct store *s);
struct sqlite3 *store_db(struct store *s);

struct store_crash {
        uint32_t uid;                   /* the spool file's owner, from the kernel */
        const char *spool_name;
        const char *sha256;             /* hex */
        const char *stored_name;        /* the file in state/dumps/ */
        uint64_t dump_size;
        uint64_t received_ns;           /* CLOCK_REALTIME when stored */
        uint64_t crash_time_ns;         /* from the dump; 0: unknown */
        uint32_t pid;
        uint32_t signo;                 /* 0: a requested dump */
        int32_t code;
        const char *program;            /* may be NULL */
        const char *executable;
        const char *build_id;           /* hex, or NULL */
        const char *signature;
        const char *upload_from;        /* an upload's peer (crashd's own knowledge), or NULL */
        const char *package, *package_version;  /* dpkg's for the executable, or NULL */
        /* Crash loops: of this group's crashes by this uid within
         * loop_window_ns of this one, keep the first loop_keep and the
         * latest; 0: keep all. */
        unsigned loop_keep;
        uint64_t loop_window_ns;
        const char *report_json;
        size_t report_json_len;
        const char *report_text;
        size_t report_text_len;
        /* Called inside the transaction, just before it commits, for a new
         * crash: what it writes (the forwarding queue's rows) is stored
         * with the crash or not at all. A negative return rolls it all
         * back. May be NULL. */
        int (*before_commit)(void *userdata, int64_t id, int64_t group_id, uint64_t group_count);
        void *userdata;
};

struct store_insert_result {
        int64_t id;
        bool duplicate;                 /* the key was already stored: nothing changed */
        int64_t group_id;
        uint64_t group_count;
        /* A crash loop's previous latest crash, deleted in the same
         * transaction (0: none): its file is the caller's to remove. */
        int64_t replaced_id;
        char replaced_stored_name[256];
};

int store_insert(struct store *s, const struct store_crash *c, struct store_insert_result *ret);

/* Totals over stored crashes (retention). */
int store_totals(struct store *s, uint64_t *ret_count, uint64_t *ret_bytes);
/* What each user's stored crashes hold (uid < 0: every user; else that
 * one), by uid; malloc'd. */
struct store_usage {
        uint32_t uid;
        uint64_t count, bytes;
};
int store_usage(struct store *s, int64_t uid, struct store_usage **ret, size_t *ret_n);
/* The oldest crash of uid (< 0: anyone's), received before
 * received_before_ns (0: whenever), and, with spare_group_newest, not the
 * newest crash of its group. -ENOENT when there is none. */
struct store_victim {
        int64_t id;
        uint32_t uid;
        uint64_t bytes;
        char stored_name[256];
};
int store_pick_oldest(struct store *s, int64_t uid, uint64_t received_before_ns, bool spare_group_newest,
                      struct store_victim *ret);
/* Deletes one crash and its report (the caller unlinks its file after). */
int store_delete_crash(struct store *s, int64_t id);
/* Attempts: how often a spool file was handed to a worker without the
 * result being handled (crashd died or hung on it). store_insert() clears
 * the count of the name it stores. */
int store_attempt_get(struct store *s, const char *name, unsigned *ret, unsigned *ret_unblamed);
/* At start, after a death that was not blamed on blamed (or on no dump,
 * when it is ""): each other dump's attempt moves from the count to the
 * unblamed count. */
int store_attempts_absolve(struct store *s, const char *blamed);
int store_attempt_begin(struct store *s, const char *name);
int store_attempt_end(struct store *s, const char *name);

/* Whether a file in state/dumps/ belongs to a stored crash. */
int store_has_file(struct store *s, const char *stored_name);
