/* SPDX-License-Identifier: MIT */
/* daemon/daemon.h: the state of a running crashd, shared by the files
 * that each do one part of the job on the event loop:
 *
 *   ingest.c    names arrive: notify socket, inotify, rescans
 *   pipeline.c  names become jobs for the workers, results become stored
 *               crashes (or bad/ entries, or a pause when the disk is full)
 *   retention.c old crashes go
 *   api.c       crashctl's JSON requests
 *   service.c   sd_notify, the watchdog, signals
 *
 * Everything here is touched by the loop's thread only; the workers see
 * jobs and nothing else. */
#pragma once

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "dirs.h"
#include "store.h"
#include "workqueue.h"

struct name_entry;
struct api;
struct http_server;
struct forward;

struct daemon {
        struct daemon_config config;
        bool system;                    /* running as root: the system layout, fsuid switching */
        const char *config_path;        /* what SIGHUP reloads; NULL: none */
        bool config_explicit;           /* --config: a missing file is an error */
        const char *base_dir;           /* --dir */
        char **overrides;               /* KEY=VALUE from the command line, reapplied on reload */
        size_t n_overrides;

        struct event_base *base;
        struct dirs dirs;
        struct store *store;
        struct workqueue *wq;
        struct event *wq_event;

        /* ingest.c */
        int notify_fd, inotify_fd;
        bool notify_owned;              /* we bound it (not socket activation): unlink at exit */
        struct event *notify_event, *inotify_event, *housekeeping_timer;

        /* pipeline.c: every name known (in the backlog or with a worker),
         * hashed, and the backlog in arrival order. */
        struct name_entry **names;
        size_t n_names_buckets, n_names;
        struct name_entry *backlog_head, **backlog_tail;
        size_t n_backlog;
        unsigned in_flight;             /* pushed to workers, result not handled yet */
        bool rescan_needed;
        bool solo_in_flight;            /* a suspect runs alone (pipeline.c) */
        bool paused;                    /* a transient failure: wait for the retry timer */
        uid_t upload_uid;               /* upload_user, resolved at start */
        gid_t upload_gid;
        bool store_blocked;             /* the last failure: the database is locked by another process */
        struct attempt_clear *attempt_clears;   /* attempt counts to clear once the store can be written */
        unsigned retry_s;
        struct event *retry_timer;
        bool stopping;
        uint64_t stop_deadline_ns;

        /* api.c */
        struct api *api;

        /* http-server.c: the web page and uploads (NULL: off) */
        struct http_server *http;

        /* forward.c: the outbox's sender (NULL before start and after stop) */
        struct forward *forward;

        /* service.c */
        struct event *sig_term, *sig_int, *sig_hup, *watchdog_timer, *drain_timer;
        uint64_t watchdog_usec;
        uint64_t started_ns;

        /* retention.c: what is stored, kept current by the pipeline. */
        bool usage_known;               /* usage is loaded; then kept current */
        struct store_usage *usage;      /* per uid */
        size_t n_usage;

        /* Counters, for the status request and the log. */
        uint64_t n_stored, n_duplicates, n_bad, n_retries, n_deleted;
        uint64_t n_loop_replaced;       /* crash loops: stored crashes a newer one replaced */
        uint64_t n_ignored;             /* dumps of programs with [program] collect = no */
        uint64_t n_forward_limited;     /* Sentry events not sent: sentry_max_per_group */
        char last_error[512];
};

/* pipeline.c */
int pipeline_start(struct daemon *d);
void pipeline_stop(struct daemon *d);
/* A name that may be a dump in the spool. Dot-files and "bad" are ignored;
 * a known name is ignored; past the backlog's bound the name is dropped and
 * a rescan is scheduled for when there is room. */
void pipeline_offer(struct daemon *d, const char *name);
/* Hands backlog names to the workers while there is room (and rescans
 * when a rescan is due and the backlog is empty). */
void pipeline_kick(struct daemon *d);
/* Reads the whole spool again (at start, after an overflow, on a timer). */
void pipeline_rescan(struct daemon *d);
/* SIGTERM: no new jobs; queued ones go back to the spool; running ones
 * finish and are stored. True when nothing is left in flight. */
bool pipeline_drain(struct daemon *d);
size_t pipeline_backlog(const struct daemon *d);

/* ingest.c */
int ingest_start(struct daemon *d);
/* Binds a Unix socket of type at path with mode, replacing a stale
 * socket (never another kind of file). */
int ingest_bind_unix(const char *path, int type, unsigned mode, int *ret);
void ingest_stop(struct daemon *d);

/* retention.c: check_age also deletes by age (a timer's job; the count
 * and size limits are checked after every store). */
int retention_run(struct daemon *d, bool check_age);
/* A crash of uid with bytes was stored (kept in the per-user usage). */
void retention_stored(struct daemon *d, uint32_t uid, uint64_t bytes);
void retention_stop(struct daemon *d);

/* api.c: fd is a socket-activated listening socket, or -1 to bind
 * api_socket. */
int api_start(struct daemon *d, int fd);
void api_stop(struct daemon *d);

/* main.c: the configuration from the file, the command line's settings
 * and the defaults for who runs crashd, as at start. */
int daemon_config_build(const struct daemon *d, struct daemon_config *ret, char *err, size_t errlen);

/* service.c */
/* The sockets systemd passed (crashd.socket), or -EBADF for each. */
int service_listen_fds(int *ret_notify, int *ret_api);
int service_start(struct daemon *d);
void service_stop(struct daemon *d);
void service_notify_ready(struct daemon *d);
void service_notify_status(struct daemon *d);
/* Called by the pipeline when draining finished. */
void service_drained(struct daemon *d);
