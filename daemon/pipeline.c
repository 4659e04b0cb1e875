/* SPDX-License-Identifier: MIT */
/* daemon/pipeline.c: from a name in the spool to a stored crash (see
 * daemon.h). The loop's side of the work queue:
 *
 *  - Names are deduplicated (a dump is usually announced twice: by the
 *    dumper's notice and by inotify) and wait in a backlog. The backlog is
 *    bounded too; past it, names are dropped and the spool is rescanned
 *    when there is room, so a burst slows intake and loses nothing: the
 *    spool itself is the queue of record.
 *  - At most queue_size jobs are with the workers. A job's result is
 *    stored here, on the loop: the dump file was written by the worker,
 *    the row is committed, and only then is the spool file removed, so a
 *    SIGKILL at any point leaves either the spool file (processed again,
 *    found in the database by its key, not stored twice) or nothing.
 *  - A failure on our side (the state directory full, out of memory)
 *    pauses intake: the dump stays in the spool and a timer retries with a
 *    backoff up to RETRY_MAX_S.
 *  - A dump that crashes or hangs crashd is caught by the attempts count:
 *    a name that was handed out before and never finished runs alone, and
 *    after MAX_ATTEMPTS it goes to bad/ instead of killing crashd again. */
#include <errno.h>
#include <pwd.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

#include "blame.h"
#include "daemon.h"
#include "forward.h"
#include "programs.h"
#include "log.h"
#include "spool.h"
#include "util.h"

/* A copy of a NULL-terminated list of names (NULL stays NULL). */
static int strv_copy(char *const *l, char ***ret) {
        size_t n = 0;
        char **c;

        *ret = NULL;
        if (!l)
                return 0;
        while (l[n])
                n++;
        c = calloc(n + 1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(c[i] = strdup(l[i]))) {
                        while (i > 0)
                                free(c[--i]);
                        free(c);
                        return -ENOMEM;
                }
        *ret = c;
        return 0;
}

#define BACKLOG_MAX 16384       /* names held in memory; the rest wait for a rescan */
#define RETRY_MAX_S 10
#define MAX_ATTEMPTS 3           /* deaths blamed on the dump (blame.c) */
#define MAX_UNBLAMED 10          /* deaths with it in flight, blamed on nothing (SIGKILL, OOM) */
#define RAW_SIZE_FACTOR 16      /* a dump may decompress to 16x max_dump_size */

struct name_entry {
        struct name_entry *hash_next;
        struct name_entry *backlog_next;
        bool in_flight;
        bool solo;              /* suspected of killing crashd: runs alone */
        char name[];
};

static uint64_t hash_name(const char *s) {
        uint64_t h = UINT64_C(14695981039346656037);

        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * UINT64_C(1099511628211);
        return h;
}

static struct name_entry **bucket(struct daemon *d, const char *name) {
        return &d->names[hash_name(name) & (d->n_names_buckets - 1)];
}

static struct name_entry *find(struct daemon *d, const char *name) {
        for (struct name_entry *e = *bucket(d, name); e; e = e->hash_next)
                if (strcmp(e->name, name) == 0)
                        return e;
        return NULL;
}

static int grow(struct daemon *d) {
        size_t n = d->n_names_buckets * 2;
        struct name_entry **b = calloc(n, sizeof(*b));

        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_names_buckets; i++)
                for (struct name_entry *e = d->names[i], *next; e; e = next) {
                        next = e->hash_next;
                        e->hash_next = b[hash_name(e->name) & (n - 1)];
                        b[hash_name(e->name) & (n - 1)] = e;
                }
        free(d->names);
        d->names = b;
        d->n_names_buckets = n;
        return 0;
}

static void forget(struct daemon *d, const char *name) {
        for (struct name_entry **p = bucket(d, name); *p; p = &(*p)->hash_next)
                if (strcmp((*p)->name, name) == 0) {
                        struct name_entry *e = *p;
                        *p = e->hash_next;
                        free(e);
                        d->n_names--;
                        return;
                }
}

size_t pipeline_backlog(const struct daemon *d) {
        return d->n_backlog;
}

void pipeline_offer(struct daemon *d, const char *name) {
        struct name_entry *e;
        size_t n = strlen(name);

        if (d->stopping || name[0] == '.' || n == 0 || n > NAME_MAX || strcmp(name, "bad") == 0)
                return;
        if (find(d, name))
                return;
        if (d->n_backlog >= BACKLOG_MAX) {
                d->rescan_needed = true;
                return;
        }
        if (d->n_names >= 2 * d->n_names_buckets && grow(d) < 0) {
                d->rescan_needed = true;
                return;
        }
        e = calloc(1, sizeof(*e) + n + 1);
        if (!e) {
                d->rescan_needed = true;
                return;
        }
        memcpy(e->name, name, n + 1);
        e->hash_next = *bucket(d, name);
        *bucket(d, name) = e;
        d->n_names++;
        *d->backlog_tail = e;
        d->backlog_tail = &e->backlog_next;
        d->n_backlog++;
}

static struct name_entry *backlog_pop(struct daemon *d) {
        struct name_entry *e = d->backlog_head;

        if (!e)
                return NULL;
        d->backlog_head = e->backlog_next;
        if (!d->backlog_head)
                d->backlog_tail = &d->backlog_head;
        e->backlog_next = NULL;
        d->n_backlog--;
        return e;
}

/* An attempt count that could not be cleared (the database was locked):
 * it is cleared later, or the next start would take a dump that was
 * handled for one that killed crashd. */
struct attempt_clear {
        struct attempt_clear *next;
        char name[];
};

static void flush_attempt_clears(struct daemon *d) {
        while (d->attempt_clears) {
                struct attempt_clear *a = d->attempt_clears;

                if (store_attempt_end(d->store, a->name) < 0)
                        return;
                d->attempt_clears = a->next;
                free(a);
        }
}

static void on_retry(evutil_socket_t fd, short what, void *userdata) {
        struct daemon *d = userdata;

        d->paused = false;
        d->rescan_needed = true;
        log_debug("Retrying the spool after a failure.");
        pipeline_kick(d);
}

/* Something on our side failed: keep the spool file, stop taking new
 * work, try again later. Logged once per episode, not once per dump. */
static void pause_intake(struct daemon *d, const char *message) {
        struct timeval tv;

        d->n_retries++;
        if (!d->last_error[0] || strcmp(d->last_error, message) != 0) {
                log_error("%s The dump stays in the spool; crashd retries until it can be stored.", message);
                (void) strlcpy_ok(d->last_error, message, sizeof(d->last_error));
        } else
                log_debug("%s", message);
        d->rescan_needed = true;
        if (d->paused)
                return;
        d->paused = true;
        /* A lock held by another process costs one failed statement to
         * probe: try every second, so that crashd catches up as soon as
         * it is released. */
        if (d->store_blocked)
                d->retry_s = 1;
        else
                d->retry_s = d->retry_s ? (d->retry_s * 2 > RETRY_MAX_S ? RETRY_MAX_S : d->retry_s * 2) : 1;
        tv = (struct timeval) { .tv_sec = d->retry_s };
        (void) evtimer_add(d->retry_timer, &tv);
}

/* The message for a failure on our side: a full state directory is said
 * in so many words, since that is what an administrator has to fix. */
static void pause_for(struct daemon *d, int r, const char *what) {
        char msg[1600];

        d->store_blocked = r == -EBUSY;
        if (r == -EBUSY)
                (void) snprintf(msg, sizeof(msg), "The database is locked by another process: %s.", what);
        else if (r == -ENOSPC || r == -EDQUOT)
                (void) snprintf(msg, sizeof(msg), "The state directory '%s' is full: %s.", d->config.state_dir, what);
        else
                (void) snprintf(msg, sizeof(msg), "%c%s.", what[0] >= 'a' && what[0] <= 'z' ? what[0] - 'a' + 'A' : what[0],
                                what + 1);
        pause_intake(d, msg);
}

static void resumed(struct daemon *d) {
        d->retry_s = 0;
        d->store_blocked = false;
        flush_attempt_clears(d);
        if (d->last_error[0]) {
                log_info("Storing crashes again.");
                d->last_error[0] = 0;
        }
}

static void move_bad(struct daemon *d, const char *name, uid_t uid, const char *reason) {
        char esc[3 * NAME_MAX], why[1024];
        int r;

        log_escape(name, esc, sizeof(esc));
        log_escape(reason, why, sizeof(why));
        r = spool_move_bad(&d->dirs, name, reason, d->config.bad_keep);
        (void) unlinkat(d->dirs.uploads_fd, name, 0);
        if (r < 0)
                log_warning_errno(r, "Rejected spool file '%s' (uid %u): %s; could not move it to bad/: %m", esc,
                                  (unsigned) uid, why);
        else
                log_warning("Rejected spool file '%s' (uid %u): %s. Moved to %s/" "bad/.", esc, (unsigned) uid, why,
                            d->config.spool_dir);
        d->n_bad++;
}

static void end_attempt(struct daemon *d, const char *name) {
        size_t n = strlen(name);
        struct attempt_clear *a;
        int r = store_attempt_end(d->store, name);

        if (r >= 0)
                return;
        log_debug_errno(r, "Failed to clear the attempt count of '%s': %s", name, store_errmsg(d->store));
        /* At most one per job handed out, and intake is paused meanwhile. */
        a = malloc(sizeof(*a) + n + 1);
        if (!a)
                return;
        memcpy(a->name, name, n + 1);
        a->next = d->attempt_clears;
        d->attempt_clears = a;
}

struct stored_ctx {
        struct daemon *d;
        const struct job *j;
        uint64_t prev_seen_ns;
};

/* Inside the crash's transaction: its forwards go in with it. */
static int queue_forwards(void *userdata, int64_t id, int64_t group_id, uint64_t group_count) {
        struct stored_ctx *x = userdata;

        return forward_crash_stored(x->d, x->j, id, group_id, group_count, x->prev_seen_ns);
}

static void store_result(struct daemon *d, struct job *j) {
        struct store_insert_result res;
        char esc[3 * NAME_MAX], msg[1280];
        int r;

        struct store_crash c = {
                .uid = j->uid,
                .spool_name = j->name,
                .sha256 = j->sha256,
                .stored_name = j->stored_name,
                .dump_size = j->size,
                .received_ns = now_ns(CLOCK_REALTIME),
                .crash_time_ns = j->crash_time_ns,
                .pid = j->pid,
                .signo = j->signo,
                .code = j->code,
                .program = j->program,
                .executable = j->executable,
                .build_id = j->build_id,
                .signature = j->signature,
                .upload_from = j->upload_from,
                .package = j->package,
                .package_version = j->package_version,
                .report_json = j->json,
                .report_json_len = j->json_len,
                .report_text = j->text,
                .report_text_len = j->text_len,
        };

        struct stored_ctx ctx = {
                .d = d,
                .j = j,
                .prev_seen_ns = forward_group_last_seen(d, j),  /* before the insert moves it */
        };

        c.before_commit = queue_forwards;
        c.userdata = &ctx;
        c.loop_keep = j->loop_keep >= 0 ? (unsigned) j->loop_keep : d->config.loop_keep;
        c.loop_window_ns = d->config.loop_window_s * UINT64_C(1000000000);

        log_escape(j->name, esc, sizeof(esc));
        r = store_insert(d->store, &c, &res);
        if (r < 0) {
                /* Not stored: the file written for it is not needed (the
                 * next attempt writes it again). */
                (void) unlinkat(d->dirs.dumps_fd, j->stored_name, 0);
                (void) snprintf(msg, sizeof(msg), "cannot store the crash in '%s' (%s)", esc, store_errmsg(d->store));
                end_attempt(d, j->name);
                pause_for(d, r, msg);
                return;
        }
        resumed(d);
        if (res.duplicate) {
                d->n_duplicates++;
                log_debug("'%s' is crash %lld already.", esc, (long long) res.id);
        } else {
                d->n_stored++;
                retention_stored(d, (uint32_t) j->uid, c.dump_size + c.report_json_len + c.report_text_len);
                if (res.replaced_id) {
                        /* A crash loop: the previous latest crash made room
                         * (its row went with this one's insert). */
                        if (unlinkat(d->dirs.dumps_fd, res.replaced_stored_name, 0) < 0 && errno != ENOENT)
                                log_debug_errno(-errno, "Failed to remove the stored dump '%s': %m",
                                                res.replaced_stored_name);
                        d->usage_known = false;
                        d->n_loop_replaced++;
                        log_debug("Crash %lld replaces crash %lld, the latest of a crash loop in group %lld.",
                                  (long long) res.id, (long long) res.replaced_id, (long long) res.group_id);
                }
                log_crash(&(struct log_crash) {
                        .id = res.id,
                        .program = j->program ? j->program : "?",
                        .signo = j->signo,
                        .signature = j->signature,
                        .uid = (uint32_t) j->uid,
                        .pid = j->pid,
                        .group_id = res.group_id,
                        .group_count = res.group_count,
                });
                forward_kick(d);
        }
        r = spool_remove_if_same(&d->dirs, j->name, j->dev, j->ino);
        if (r >= 0)
                (void) unlinkat(d->dirs.uploads_fd, j->name, 0);
        if (r == -ESTALE)
                /* Replaced under the same name after we read it: that is
                 * another file, for another round. */
                d->rescan_needed = true;
        else if (r < 0)
                log_warning_errno(r, "Failed to remove '%s' from the spool after storing it: %m", esc);
}

static void handle(struct daemon *d, struct job *j) {
        char esc[3 * NAME_MAX], msg[1400];

        switch (j->status) {
        case JOB_OK:
                store_result(d, j);
                break;
        case JOB_GONE:
                end_attempt(d, j->name);
                break;
        case JOB_BAD:
                end_attempt(d, j->name);
                move_bad(d, j->name, j->uid, j->reason);
                break;
        case JOB_IGNORED:
                /* Not wanted ([program] collect = no): gone from the
                 * spool, stored nowhere, said once in the log. */
                end_attempt(d, j->name);
                d->n_ignored++;
                log_escape(j->name, esc, sizeof(esc));
                log_info("'%s' is not collected: %s.", esc, j->reason);
                if (spool_remove_if_same(&d->dirs, j->name, j->dev, j->ino) >= 0)
                        (void) unlinkat(d->dirs.uploads_fd, j->name, 0);
                break;
        case JOB_RETRY:
                end_attempt(d, j->name);
                log_escape(j->name, esc, sizeof(esc));
                (void) snprintf(msg, sizeof(msg), "cannot store '%s': %s", esc, j->reason);
                pause_for(d, j->error, msg);
                break;
        }
}

/* Hands one backlog entry to a worker. Returns false when the loop in
 * pipeline_kick() must stop for now. */
static bool start_one(struct daemon *d) {
        struct name_entry *e = d->backlog_head;
        struct job *j;
        unsigned attempts = 0, unblamed = 0;
        char esc[3 * NAME_MAX], msg[768];
        int r;

        flush_attempt_clears(d);
        if (d->attempt_clears) {
                /* Until they are cleared, a count read here may be one
                 * that should be gone. */
                pause_for(d, -EBUSY, "cannot clear the attempt counts of handled dumps");
                return false;
        }
        r = store_attempt_get(d->store, e->name, &attempts, &unblamed);
        if (r < 0) {
                (void) snprintf(msg, sizeof(msg), "cannot read the database (%s)", store_errmsg(d->store));
                pause_for(d, r, msg);
                return false;
        }
        if (attempts >= MAX_ATTEMPTS || unblamed >= MAX_UNBLAMED) {
                (void) backlog_pop(d);
                move_bad(d, e->name, 0, attempts >= MAX_ATTEMPTS ?
                         "crashd faulted or hung while symbolicating it, three times" :
                         "crashd was stopped (killed, out of memory) while symbolicating it, ten times");
                end_attempt(d, e->name);
                forget(d, e->name);
                return true;
        }
        if (attempts > 0 || unblamed > 0) {
                /* Handed out before and never finished: crashd died with it
                 * in flight. It runs alone, so that if it kills crashd again
                 * it is the only one blamed. */
                if (d->in_flight > 0)
                        return false;
                e->solo = true;
                log_escape(e->name, esc, sizeof(esc));
                log_notice("'%s' was being processed when crashd stopped unexpectedly (%u time%s by its fault, "
                           "%u not); processing it alone.", esc, attempts, attempts == 1 ? "" : "s", unblamed);
        }
        r = store_attempt_begin(d->store, e->name);
        if (r < 0) {
                (void) snprintf(msg, sizeof(msg), "cannot write the database (%s)", store_errmsg(d->store));
                pause_for(d, r, msg);
                return false;
        }

        j = calloc(1, sizeof(*j));
        /* The worker's own copy of the stored report's mask (SIGHUP may
         * replace the config's); without it the report would be stored
         * unmasked, so no copy, no job. */
        if (j && d->config.mask_stored && strv_copy(d->config.mask_names, &j->mask) < 0) {
                free(j);
                j = NULL;
        }
        if (!j) {
                end_attempt(d, e->name);
                pause_for(d, -ENOMEM, "out of memory");
                return false;
        }
        (void) backlog_pop(d);
        e->in_flight = true;
        memcpy(j->name, e->name, strlen(e->name) + 1);
        j->spool_fd = d->dirs.spool_fd;
        j->dumps_fd = d->dirs.dumps_fd;
        j->uploads_fd = d->dirs.uploads_fd;
        j->limits = (struct job_limits) {
                .max_dump_size = d->config.max_dump_size,
                .max_raw_size = d->config.max_dump_size * RAW_SIZE_FACTOR,
                .signature_frames = d->config.signature_frames,
                .sync = d->config.sync,
                .drop_privileges = d->system,
                .upload_uid = d->upload_uid,
                .upload_gid = d->upload_gid,
                .symb = {
                        .max_threads = d->config.max_threads,
                        .max_threads_listed = d->config.max_threads_listed,
                        .max_report_frames = d->config.max_report_frames,
                        .max_vars = d->config.max_vars,
                        .max_report_vars = d->config.max_report_vars,
                        .max_value_bytes = d->config.max_value_bytes,
                        .time_limit_ms = (unsigned) (d->config.symbolicate_timeout_s * 1000),
                },
        };
        j->queued_ns = now_ns(CLOCK_MONOTONIC);
        j->programs = programs_ref(d->config.programs);
        j->loop_keep = j->sentry_max_per_group = -1;
        if (forward_job_prepare(d, j) < 0)
                log_warning("Out of memory: '%s' will not be forwarded to Sentry.", e->name);
        workqueue_push(d->wq, j);
        d->in_flight++;
        if (e->solo)
                d->solo_in_flight = true;
        return !e->solo;
}

void pipeline_kick(struct daemon *d) {
        while (!d->paused && !d->stopping && d->in_flight < d->config.queue_size) {
                if (!d->backlog_head) {
                        if (!d->rescan_needed)
                                break;
                        pipeline_rescan(d);
                        if (!d->backlog_head)
                                break;
                }
                if (d->solo_in_flight)
                        break;
                if (!start_one(d))
                        break;
        }
}

static bool offer_cb(const char *name, void *userdata) {
        struct daemon *d = userdata;

        pipeline_offer(d, name);
        /* Stop reading the directory once the backlog is full: the flag
         * pipeline_offer() set brings us back when it drains. */
        return d->n_backlog < BACKLOG_MAX;
}

void pipeline_rescan(struct daemon *d) {
        uint64_t stale = now_ns(CLOCK_REALTIME) - d->config.stale_tmp_age_s * UINT64_C(1000000000);
        unsigned removed = 0;
        int r;

        d->rescan_needed = false;
        r = spool_scan(&d->dirs, stale, offer_cb, d, &removed);
        if (r < 0)
                log_error_errno(r, "Failed to read the spool '%s': %m", d->config.spool_dir);
        if (removed > 0)
                log_info("Removed %u unfinished dump file%s older than %llu s from the spool.", removed,
                         removed == 1 ? "" : "s", (unsigned long long) d->config.stale_tmp_age_s);
}

static void on_results(evutil_socket_t fd, short what, void *userdata) {
        struct daemon *d = userdata;
        struct job *list = workqueue_collect(d->wq);
        bool stored = false;

        while (list) {
                struct job *j = list;
                struct name_entry *e = find(d, j->name);

                list = j->next;
                if (e && e->solo)
                        d->solo_in_flight = false;
                handle(d, j);
                stored = stored || j->status == JOB_OK;
                forget(d, j->name);
                d->in_flight--;
                job_free(j);
        }
        if (stored)
                (void) retention_run(d, /* check_age= */ false);
        if (d->stopping) {
                if (d->in_flight == 0)
                        service_drained(d);
                return;
        }
        pipeline_kick(d);
}

/* upload_user's ids; nobody's customary ones when there is no such user
 * (anything but root will do: it only has to own nothing). */
static void resolve_upload_user(struct daemon *d) {
        char buf[4096];
        struct passwd pw, *p = NULL;
        const char *name = d->config.upload_user && *d->config.upload_user ? d->config.upload_user : "nobody";

        if (getpwnam_r(name, &pw, buf, sizeof(buf), &p) == 0 && p && p->pw_uid != 0) {
                d->upload_uid = p->pw_uid;
                d->upload_gid = p->pw_gid;
                return;
        }
        if (d->system)
                log_warning("upload_user '%s' is not a user other than root; uploads are symbolicated as "
                            "uid 65534.", name);
        d->upload_uid = d->upload_gid = 65534;
}

int pipeline_start(struct daemon *d) {
        char blamed[NAME_MAX + 1];
        int r;

        resolve_upload_user(d);
        /* The attempts left by a death: only the dump the death was
         * blamed on (if any) keeps its count. */
        blame_take(blamed, sizeof(blamed));
        if (blamed[0])
                log_notice("crashd died of a fault or a hang while symbolicating '%s'.", blamed);
        r = store_attempts_absolve(d->store, blamed);
        if (r < 0)
                log_warning_errno(r, "Failed to update the attempt counts: %s", store_errmsg(d->store));
        d->n_names_buckets = 1024;
        d->names = calloc(d->n_names_buckets, sizeof(*d->names));
        if (!d->names)
                return log_error_errno(-ENOMEM, "Out of memory.");
        d->backlog_tail = &d->backlog_head;
        d->retry_timer = evtimer_new(d->base, on_retry, d);
        d->wq_event = event_new(d->base, workqueue_fd(d->wq), EV_READ | EV_PERSIST, on_results, d);
        if (!d->retry_timer || !d->wq_event || event_add(d->wq_event, NULL) < 0)
                return log_error_errno(-ENOMEM, "Failed to set up the work queue's events.");
        /* Dumps written while crashd was down. */
        d->rescan_needed = true;
        return 0;
}

bool pipeline_drain(struct daemon *d) {
        struct job *queued;

        d->stopping = true;
        /* Jobs no worker started go back: their files are still in the
         * spool, and the next start finds them. */
        queued = workqueue_take_queued(d->wq);
        while (queued) {
                struct job *j = queued;

                queued = j->next;
                end_attempt(d, j->name);
                forget(d, j->name);
                d->in_flight--;
                job_free(j);
        }
        return d->in_flight == 0;
}

void pipeline_stop(struct daemon *d) {
        if (d->wq_event)
                event_free(d->wq_event);
        if (d->retry_timer)
                event_free(d->retry_timer);
        d->wq_event = d->retry_timer = NULL;
        for (size_t i = 0; i < d->n_names_buckets; i++)
                for (struct name_entry *e = d->names[i], *next; e; e = next) {
                        next = e->hash_next;
                        free(e);
                }
        free(d->names);
        d->names = NULL;
        flush_attempt_clears(d);
        while (d->attempt_clears) {
                struct attempt_clear *a = d->attempt_clears;

                d->attempt_clears = a->next;
                free(a);
        }
        d->n_names_buckets = d->n_names = d->n_backlog = 0;
        d->backlog_head = NULL;
        d->backlog_tail = &d->backlog_head;
}
