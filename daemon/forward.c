/* SPDX-License-Identifier: MIT */
/* daemon/forward.c: the outbox and its sender (see forward.h). */
#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "forward.h"
#include "programs.h"
#include "http-client.h"
#include "job.h"
#include "log.h"
#include "sentry-envelope.h"
#include "util.h"
#include "webhook.h"

#define NS_PER_S UINT64_C(1000000000)
#define NS_PER_MS UINT64_C(1000000)

/* An additive migration: a database from before forwarding gets the
 * table on its first start with this code; older code ignores it. */
static const char outbox_schema[] =
        "CREATE TABLE IF NOT EXISTS outbox("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  kind TEXT NOT NULL,"                 /* 'sentry' or 'webhook' */
        "  target TEXT NOT NULL,"               /* the DSN or the URL */
        "  crash_id INTEGER,"
        "  event_id TEXT,"
        "  created_ns INTEGER NOT NULL,"
        "  attempts INTEGER NOT NULL DEFAULT 0,"
        "  next_ns INTEGER NOT NULL DEFAULT 0," /* CLOCK_REALTIME: not before */
        "  last_status INTEGER,"                /* HTTP status, 0: no answer */
        "  last_error TEXT,"
        "  payload BLOB NOT NULL,"
        "  attachment BLOB,"
        "  attachment_name TEXT);"
        "CREATE INDEX IF NOT EXISTS outbox_next ON outbox(next_ns, id);"
        /* sentry_max_per_group: each group's events in its current hour. */
        "CREATE TABLE IF NOT EXISTS sentry_budget("
        "  group_id INTEGER PRIMARY KEY,"
        "  window_start_ns INTEGER NOT NULL,"
        "  sent INTEGER NOT NULL);";

enum { KIND_SENTRY, KIND_WEBHOOK };

struct forward {
        struct daemon *d;
        sqlite3 *db;
        struct http_client *http;
        struct event *timer;
        sqlite3_stmt *insert, *due, *load, *del, *retry, *next, *limit_all, *limit_attachment, *limit_target,
                *group_seen, *group_row;
        int64_t in_flight[FORWARD_PARALLEL];
        unsigned n_in_flight;
        uint64_t n_queued, n_sent, n_dropped, n_retries;
        bool failing[2];                /* per kind: log the change, not every retry */
        bool full_logged;
        /* Sentry's rate limits, for items queued after they came. */
        uint64_t error_until_ns, attachment_until_ns;
        char hostname[256];
};

struct pending {
        struct forward *f;
        int64_t id;
        int kind;
        unsigned attempts;
        bool has_attachment;
        char target[];
};

uint64_t forward_backoff_ms(unsigned attempt, uint32_t rnd) {
        uint64_t ms = (uint64_t) FORWARD_BACKOFF_MAX_S * 1000;

        if (attempt == 0)
                attempt = 1;
        if (attempt - 1 < 20 && (UINT64_C(1000) << (attempt - 1)) < ms)
                ms = UINT64_C(1000) << (attempt - 1);
        return ms / 2 + rnd % (ms / 2 + 1);
}

int forward_parse_retry_after(const char *v, time_t now, uint64_t *ret_s) {
        struct tm tm = {};
        char *end;
        time_t t;

        if (!v)
                return -EINVAL;
        while (*v == ' ')
                v++;
        if (*v >= '0' && *v <= '9') {
                unsigned long long s;

                errno = 0;
                s = strtoull(v, &end, 10);
                while (*end == ' ')
                        end++;
                if (errno || *end)
                        return -EINVAL;
                *ret_s = s;
                return 0;
        }
        /* IMF-fixdate, the form HTTP/1.1 senders must use. */
        end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        if (!end || *end)
                return -EINVAL;
        t = timegm(&tm);
        if (t == (time_t) -1)
                return -EINVAL;
        *ret_s = t > now ? (uint64_t) (t - now) : 0;
        return 0;
}

static uint32_t random_u32(void) {
        uint32_t v = 0;

        if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t) sizeof(v))
                v = (uint32_t) now_ns(CLOCK_MONOTONIC);
        return v;
}

static int prepare(struct forward *f, sqlite3_stmt **s, const char *sql) {
        int rc = sqlite3_prepare_v3(f->db, sql, -1, SQLITE_PREPARE_PERSISTENT, s, NULL);

        if (rc != SQLITE_OK)
                return log_error_errno(-EIO, "Failed to prepare the outbox query '%s': %s", sql, sqlite3_errmsg(f->db));
        return 0;
}

static int step_done(struct forward *f, sqlite3_stmt *s) {
        int rc = sqlite3_step(s);

        (void) sqlite3_reset(s);
        (void) sqlite3_clear_bindings(s);
        if (rc != SQLITE_DONE) {
                log_warning("The outbox query failed: %s", sqlite3_errmsg(f->db));
                return rc == SQLITE_FULL ? -ENOSPC : -EIO;
        }
        return 0;
}

static const char *kind_name(int kind) {
        return kind == KIND_SENTRY ? "sentry" : "webhook";
}

static bool kind_enabled(const struct forward *f, int kind) {
        const struct daemon_config *c = &f->d->config;

        /* Sentry: the global DSN, or a [program] section's. */
        return kind == KIND_SENTRY ? (c->sentry_dsn && c->sentry_dsn[0]) || programs_any_dsn(c->programs)
                                   : c->webhook_urls && c->webhook_urls[0];
}

static void kick(struct forward *f);

static void on_timer(evutil_socket_t fd, short what, void *userdata) {
        (void) fd;
        (void) what;
        kick(userdata);
}

static bool is_in_flight(const struct forward *f, int64_t id) {
        for (unsigned i = 0; i < f->n_in_flight; i++)
                if (f->in_flight[i] == id)
                        return true;
        return false;
}

static void drop_in_flight(struct forward *f, int64_t id) {
        for (unsigned i = 0; i < f->n_in_flight; i++)
                if (f->in_flight[i] == id) {
                        f->in_flight[i] = f->in_flight[--f->n_in_flight];
                        return;
                }
}

static void delete_item(struct forward *f, int64_t id) {
        (void) sqlite3_bind_int64(f->del, 1, id);
        if (step_done(f, f->del) == 0 && sqlite3_changes(f->db) > 0 && f->n_queued > 0)
                f->n_queued--;
}

static void retry_item(struct forward *f, int64_t id, unsigned attempts, uint64_t next_ns, long status,
                       const char *error) {
        (void) sqlite3_bind_int64(f->retry, 1, attempts);
        (void) sqlite3_bind_int64(f->retry, 2, (int64_t) next_ns);
        (void) sqlite3_bind_int64(f->retry, 3, status);
        (void) sqlite3_bind_text(f->retry, 4, error, -1, SQLITE_TRANSIENT);
        (void) sqlite3_bind_int64(f->retry, 5, id);
        (void) step_done(f, f->retry);
}

/* Holds back every queued item of a category until `until`. */
static void hold(struct forward *f, sqlite3_stmt *s, const char *target, uint64_t until) {
        (void) sqlite3_bind_int64(s, 1, (int64_t) until);
        (void) sqlite3_bind_text(s, 2, target, -1, SQLITE_TRANSIENT);
        (void) step_done(f, s);
}

static void on_done(const struct http_response *resp, void *userdata) {
        _cleanup_free_ struct pending *p = userdata;
        struct forward *f = p->f;
        uint64_t now = now_ns(CLOCK_REALTIME), wait_s = 0, error_s = 0, attachment_s = 0;
        char msg[512];

        if (resp->cancelled)
                return;         /* crashd is stopping: the item stays queued */
        drop_in_flight(f, p->id);
        if (resp->status)
                (void) snprintf(msg, sizeof(msg), "HTTP %ld", resp->status);
        else
                (void) snprintf(msg, sizeof(msg), "%s", resp->error ? resp->error : "no answer");

        /* Sentry may send rate limits with any answer, 200 included. */
        if (p->kind == KIND_SENTRY && resp->sentry_rate_limits) {
                sentry_parse_rate_limits(resp->sentry_rate_limits, &error_s, &attachment_s);
                if (error_s) {
                        hold(f, f->limit_all, p->target, now + error_s * NS_PER_S);
                        f->error_until_ns = now + error_s * NS_PER_S;
                }
                if (attachment_s) {
                        hold(f, f->limit_attachment, p->target, now + attachment_s * NS_PER_S);
                        f->attachment_until_ns = now + attachment_s * NS_PER_S;
                }
                if (error_s || attachment_s)
                        log_notice("Sentry rate-limits crashd: events wait %" PRIu64 " s, minidumps %" PRIu64 " s.",
                                   error_s, attachment_s);
        }

        if (resp->status >= 200 && resp->status < 300) {
                delete_item(f, p->id);
                f->n_sent++;
                if (f->failing[p->kind]) {
                        f->failing[p->kind] = false;
                        log_info("Forwarding to %s works again.", kind_name(p->kind));
                }
                log_debug("Forwarded outbox item %" PRId64 " (%s) in %" PRIu64 " ms.", p->id, kind_name(p->kind),
                          resp->elapsed_us / 1000);
        } else if (resp->status == 429) {
                if (p->kind == KIND_SENTRY && (error_s || attachment_s))
                        wait_s = p->has_attachment && attachment_s > error_s ? attachment_s : error_s;
                if (wait_s == 0 && forward_parse_retry_after(resp->retry_after, time(NULL), &wait_s) < 0)
                        wait_s = FORWARD_429_DEFAULT_S;
                if (wait_s == 0)
                        wait_s = 1;     /* "Retry-After: 0" must not make a busy loop */
                /* A 429 without categories is about everything sent there. */
                if (!(p->kind == KIND_SENTRY && (error_s || attachment_s))) {
                        hold(f, f->limit_target, p->target, now + wait_s * NS_PER_S);
                        if (p->kind == KIND_SENTRY)
                                f->error_until_ns = f->attachment_until_ns = now + wait_s * NS_PER_S;
                }
                retry_item(f, p->id, p->attempts, now + wait_s * NS_PER_S, resp->status, msg);
                log_notice("The %s receiver asked crashd to wait %" PRIu64 " s (HTTP 429).", kind_name(p->kind),
                           wait_s);
        } else if (!(resp->status >= 400 && resp->status < 500 && resp->status != 408)) {
                /* Anything but the receiver's own refusal of this item (a
                 * 4xx): no answer, a reply that is not HTTP (curl calls
                 * that an unsupported protocol, like a bad URL), a
                 * redirect, a 5xx. Retried with backoff, within the
                 * queue's bounds: one bad answer must not drop what waits. */
                uint64_t ms = forward_backoff_ms(p->attempts + 1, random_u32());

                f->n_retries++;
                retry_item(f, p->id, p->attempts + 1, now + ms * NS_PER_MS, resp->status, msg);
                if (!f->failing[p->kind]) {
                        f->failing[p->kind] = true;
                        log_warning("Forwarding to %s failed (%s); %" PRIu64 " item%s queued, retrying with backoff.",
                                    kind_name(p->kind), msg, f->n_queued, f->n_queued == 1 ? "" : "s");
                } else
                        log_debug("Outbox item %" PRId64 " failed again (%s); retry in %" PRIu64 " ms.", p->id, msg, ms);
        } else {
                log_warning("The %s receiver refused outbox item %" PRId64 " (%s); dropped, sending it again "
                            "would get the same answer.", kind_name(p->kind), p->id, msg);
                /* A 4xx (not 408 or 429): this item, as sent, is refused. */
                delete_item(f, p->id);
                f->n_dropped++;
        }
        kick(f);
}

static int send_item(struct forward *f, int64_t id) {
        _cleanup_free_ char *url = NULL, *key = NULL, *auth = NULL;
        char *body = NULL;
        size_t body_len = 0;
        const char *target, *kind_s;
        struct pending *p;
        int kind, rc, r;

        (void) sqlite3_bind_int64(f->load, 1, id);
        rc = sqlite3_step(f->load);
        if (rc != SQLITE_ROW) {
                (void) sqlite3_reset(f->load);
                return rc == SQLITE_DONE ? 0 : -EIO;
        }
        kind_s = (const char *) sqlite3_column_text(f->load, 0);
        kind = kind_s && !strcmp(kind_s, "sentry") ? KIND_SENTRY : KIND_WEBHOOK;
        target = (const char *) sqlite3_column_text(f->load, 1);
        if (!target)
                target = "";
        p = calloc(1, sizeof(*p) + strlen(target) + 1);
        if (!p) {
                (void) sqlite3_reset(f->load);
                return -ENOMEM;
        }
        *p = (struct pending) { .f = f, .id = id, .kind = kind,
                                .attempts = (unsigned) sqlite3_column_int64(f->load, 3),
                                .has_attachment = sqlite3_column_type(f->load, 5) != SQLITE_NULL };
        strcpy(p->target, target);

        if (kind == KIND_SENTRY) {
                const char *event_id = (const char *) sqlite3_column_text(f->load, 2);

                r = sentry_dsn_parse(target, &url, &key);
                if (r >= 0)
                        r = sentry_auth_header(key, &auth);
                if (r >= 0)
                        r = sentry_envelope_build(target, event_id ? event_id : "",
                                                  sqlite3_column_blob(f->load, 4),
                                                  (size_t) sqlite3_column_bytes(f->load, 4),
                                                  sqlite3_column_blob(f->load, 5),
                                                  (size_t) sqlite3_column_bytes(f->load, 5),
                                                  (const char *) sqlite3_column_text(f->load, 6),
                                                  now_ns(CLOCK_REALTIME), &body, &body_len);
        } else {
                size_t n = (size_t) sqlite3_column_bytes(f->load, 4);

                r = -ENOMEM;
                body = malloc(n + 1);
                if (body) {
                        if (n)
                                memcpy(body, sqlite3_column_blob(f->load, 4), n);
                        body[n] = 0;
                        body_len = n;
                        url = strdup(target);
                        r = url ? 0 : -ENOMEM;
                }
        }
        (void) sqlite3_reset(f->load);
        if (r == -EINVAL) {
                log_warning("Outbox item %" PRId64 " has a target that is not a valid %s; dropped.", id,
                            kind == KIND_SENTRY ? "DSN" : "URL");
                free(body);
                free(p);
                delete_item(f, id);
                f->n_dropped++;
                return 0;
        }
        if (r < 0) {
                free(body);
                free(p);
                return r;
        }

        {
                const char *headers[] = {
                        kind == KIND_SENTRY ? "Content-Type: application/x-sentry-envelope"
                                            : "Content-Type: application/json",
                        auth,
                        NULL,
                };
                struct http_request req = {
                        .url = url,
                        .headers = headers,
                        .connect_timeout_s = f->d->config.forward_timeout_s < 10 ? (unsigned) f->d->config.forward_timeout_s : 10,
                        .total_timeout_s = (unsigned) f->d->config.forward_timeout_s,
                        .ca_file = f->d->config.forward_ca_file,
                };

                r = http_client_post(f->http, &req, body, body_len, on_done, p);
        }
        if (r < 0) {
                free(p);
                return r;
        }
        f->in_flight[f->n_in_flight++] = id;
        return 0;
}

static void schedule(struct forward *f, uint64_t now) {
        struct timeval tv;
        uint64_t next = 0, delta;
        int rc;

        (void) sqlite3_bind_int64(f->next, 1, (int64_t) now);
        (void) sqlite3_bind_int(f->next, 2, kind_enabled(f, KIND_SENTRY));
        (void) sqlite3_bind_int(f->next, 3, kind_enabled(f, KIND_WEBHOOK));
        rc = sqlite3_step(f->next);
        if (rc == SQLITE_ROW && sqlite3_column_type(f->next, 0) != SQLITE_NULL)
                next = (uint64_t) sqlite3_column_int64(f->next, 0);
        (void) sqlite3_reset(f->next);
        if (!next) {
                (void) event_del(f->timer);
                return;
        }
        delta = next > now ? next - now : 0;
        /* The clock may jump: look again at least every minute. */
        if (delta > 60 * NS_PER_S)
                delta = 60 * NS_PER_S;
        tv.tv_sec = (time_t) (delta / NS_PER_S);
        tv.tv_usec = (suseconds_t) (delta % NS_PER_S / 1000) + 1;
        (void) evtimer_add(f->timer, &tv);
}

static void kick(struct forward *f) {
        uint64_t now = now_ns(CLOCK_REALTIME);
        int64_t ids[2 * FORWARD_PARALLEL];
        unsigned n = 0;
        int rc;

        if (f->n_in_flight < FORWARD_PARALLEL) {
                (void) sqlite3_bind_int64(f->due, 1, (int64_t) now);
                (void) sqlite3_bind_int(f->due, 2, kind_enabled(f, KIND_SENTRY));
                (void) sqlite3_bind_int(f->due, 3, kind_enabled(f, KIND_WEBHOOK));
                (void) sqlite3_bind_int64(f->due, 4, FORWARD_PARALLEL + f->n_in_flight);
                while (n < ELEMENTSOF(ids) && (rc = sqlite3_step(f->due)) == SQLITE_ROW)
                        ids[n++] = sqlite3_column_int64(f->due, 0);
                (void) sqlite3_reset(f->due);
                for (unsigned i = 0; i < n && f->n_in_flight < FORWARD_PARALLEL; i++) {
                        int r;

                        if (is_in_flight(f, ids[i]))
                                continue;
                        r = send_item(f, ids[i]);
                        if (r < 0) {
                                log_warning_errno(r, "Failed to send outbox item %" PRId64 ": %m", ids[i]);
                                retry_item(f, ids[i], 0, now + NS_PER_S, 0, strerror(-r));
                        }
                }
        }
        schedule(f, now);
}

static int enqueue(struct forward *f, int kind, const char *target, int64_t crash_id, const char *event_id,
                   const void *payload, size_t len, const void *attachment, size_t attachment_len,
                   const char *attachment_name) {
        uint64_t not_before = 0;
        int r;

        if (f->n_queued >= f->d->config.forward_queue_max) {
                f->n_dropped++;
                if (!f->full_logged)
                        log_warning("The forwarding queue is full (%" PRIu64 " items, forward_queue_max); new "
                                    "items are dropped until it drains (the crashes stay stored).", f->n_queued);
                f->full_logged = true;
                return -ENOSPC;
        }
        f->full_logged = false;
        (void) sqlite3_bind_text(f->insert, 1, kind_name(kind), -1, SQLITE_STATIC);
        (void) sqlite3_bind_text(f->insert, 2, target, -1, SQLITE_TRANSIENT);
        (void) sqlite3_bind_int64(f->insert, 3, crash_id);
        if (event_id)
                (void) sqlite3_bind_text(f->insert, 4, event_id, -1, SQLITE_TRANSIENT);
        (void) sqlite3_bind_int64(f->insert, 5, (int64_t) now_ns(CLOCK_REALTIME));
        (void) sqlite3_bind_blob64(f->insert, 6, payload, len, SQLITE_STATIC);
        if (attachment && attachment_len)
                (void) sqlite3_bind_blob64(f->insert, 7, attachment, attachment_len, SQLITE_STATIC);
        if (attachment_name)
                (void) sqlite3_bind_text(f->insert, 8, attachment_name, -1, SQLITE_TRANSIENT);
        /* Under a rate limit, a new item waits like the queued ones. */
        if (kind == KIND_SENTRY) {
                not_before = f->error_until_ns;
                if (attachment && attachment_len && f->attachment_until_ns > not_before)
                        not_before = f->attachment_until_ns;
                if (not_before <= now_ns(CLOCK_REALTIME))
                        not_before = 0;
        }
        (void) sqlite3_bind_int64(f->insert, 9, (int64_t) not_before);
        r = step_done(f, f->insert);
        if (r < 0)
                return r;
        f->n_queued++;
        return 0;
}

int forward_job_prepare(struct daemon *d, struct job *j) {
        char **mask = NULL;
        size_t n = 0;

        if (!d->forward || ((!d->config.sentry_dsn || !d->config.sentry_dsn[0]) && !programs_any_dsn(d->config.programs)))
                return 0;
        /* The worker keeps its own copy: SIGHUP may replace the config's. */
        for (char **p = d->config.mask_names; p && *p; p++)
                n++;
        mask = calloc(n + 1, sizeof(char *));
        if (!mask)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(mask[i] = strdup(d->config.mask_names[i]))) {
                        for (size_t k = 0; k < i; k++)
                                free(mask[k]);
                        free(mask);
                        return -ENOMEM;
                }
        j->sentry_mask = mask;
        j->keep_minidump = d->config.sentry_attach_minidump;
        return 0;
}

uint64_t forward_group_last_seen(struct daemon *d, const struct job *j) {
        struct forward *f = d->forward;
        uint64_t v = 0;

        if (!f || !j->signature || !d->config.webhook_urls || !d->config.webhook_urls[0])
                return 0;
        (void) sqlite3_bind_text(f->group_seen, 1, j->signature, -1, SQLITE_STATIC);
        (void) sqlite3_bind_text(f->group_seen, 2, j->executable ? j->executable : "", -1, SQLITE_STATIC);
        if (sqlite3_step(f->group_seen) == SQLITE_ROW)
                v = (uint64_t) sqlite3_column_int64(f->group_seen, 0);
        (void) sqlite3_reset(f->group_seen);
        return v;
}

static int queue_webhooks(struct forward *f, const struct job *j, int64_t crash_id, int64_t group_id,
                          uint64_t group_count, uint64_t prev_seen_ns) {
        const struct daemon_config *c = &f->d->config;
        uint64_t seen = j->crash_time_ns ? j->crash_time_ns : now_ns(CLOCK_REALTIME);
        struct webhook_crash w = {
                .kind = webhook_decide(group_count, prev_seen_ns, seen, c->webhook_quiet_period_s),
                .signature = j->signature,
                .program = j->program,
                .executable = j->executable,
                .hostname = f->hostname[0] ? f->hostname : NULL,
                .report_id = crash_id,
                .group_id = group_id,
                .signo = j->signo,
                .pid = j->pid,
                .uid = (uint32_t) j->uid,
                .count = group_count,
                .first_seen_ns = seen,
                .last_seen_ns = seen,
                .prev_seen_ns = prev_seen_ns,
        };
        _cleanup_free_ char *body = NULL;
        size_t len = 0;
        int r;

        if (w.kind == WEBHOOK_NONE || !j->signature)
                return 0;
        (void) sqlite3_bind_int64(f->group_row, 1, group_id);
        if (sqlite3_step(f->group_row) == SQLITE_ROW) {
                w.count = (uint64_t) sqlite3_column_int64(f->group_row, 0);
                w.first_seen_ns = (uint64_t) sqlite3_column_int64(f->group_row, 1);
                w.last_seen_ns = (uint64_t) sqlite3_column_int64(f->group_row, 2);
        }
        (void) sqlite3_reset(f->group_row);
        r = webhook_body(&w, &body, &len);
        if (r < 0) {
                log_warning_errno(r, "Failed to make the webhook notice for crash %" PRId64 ": %m", crash_id);
                return 0;
        }
        for (char **u = c->webhook_urls; *u; u++) {
                r = enqueue(f, KIND_WEBHOOK, *u, crash_id, NULL, body, len, NULL, 0, NULL);
                if (r < 0 && r != -ENOSPC)
                        return r;       /* the database failed: the crash is not stored either */
        }
        return 0;
}

/* Whether the group may send one more Sentry event this hour (and, if
 * so, counts it): a crash loop sends its first max events of each hour.
 * In the store's transaction, so a crash not stored is not counted. */
static int sentry_budget_take(struct forward *f, int64_t group_id, unsigned max) {
        static const char sql[] =
                "INSERT INTO sentry_budget(group_id, window_start_ns, sent) VALUES(?1, ?2, 1)"
                " ON CONFLICT(group_id) DO UPDATE SET"
                "  window_start_ns = CASE WHEN ?2 - window_start_ns >= ?3 THEN ?2 ELSE window_start_ns END,"
                "  sent = CASE WHEN ?2 - window_start_ns >= ?3 THEN 1 ELSE sent + 1 END"
                " RETURNING sent";
        sqlite3_stmt *st = NULL;
        int64_t sent = 0;
        int rc;

        if (!max)
                return 1;
        if (sqlite3_prepare_v2(f->db, sql, -1, &st, NULL) != SQLITE_OK)
                return -EIO;
        (void) sqlite3_bind_int64(st, 1, group_id);
        (void) sqlite3_bind_int64(st, 2, (int64_t) now_ns(CLOCK_REALTIME));
        (void) sqlite3_bind_int64(st, 3, INT64_C(3600) * 1000000000);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                sent = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW)
                return -EIO;
        return sent <= (int64_t) max;
}

int forward_crash_stored(struct daemon *d, const struct job *j, int64_t crash_id, int64_t group_id,
                         uint64_t group_count, uint64_t prev_seen_ns) {
        struct forward *f = d->forward;
        const struct daemon_config *c = &d->config;
        const char *dsn;
        int r;

        if (!f)
                return 0;
        if (c->webhook_urls && c->webhook_urls[0]) {
                r = queue_webhooks(f, j, crash_id, group_id, group_count, prev_seen_ns);
                if (r < 0)
                        return r;
        }
        /* The crash's [program] section may name its own DSN (or none). */
        dsn = j->sentry_dsn ? j->sentry_dsn : c->sentry_dsn;
        if (dsn && dsn[0] && j->sentry_event) {
                char name[NAME_MAX + 8];
                size_t n = strlen(j->name);
                unsigned max = j->sentry_max_per_group >= 0 ? (unsigned) j->sentry_max_per_group
                                                             : c->sentry_max_per_group;

                r = sentry_budget_take(f, group_id, max);
                if (r < 0)
                        return r;       /* the database failed: the crash is not stored either */
                if (r == 0) {
                        d->n_forward_limited++;
                        log_debug("Crash %" PRId64 " is not sent to Sentry: group %" PRId64 " sent %u this hour "
                                  "(sentry_max_per_group).", crash_id, group_id, max);
                        return 0;
                }

                /* The attachment is the plain minidump, as Sentry takes it. */
                (void) snprintf(name, sizeof(name), "%.*s", (int) (str_has_suffix(j->name, ".zst") ? n - 4 : n),
                                j->name);
                r = enqueue(f, KIND_SENTRY, dsn, crash_id, j->event_id, j->sentry_event,
                            j->sentry_event_len, j->minidump, j->minidump_len, j->minidump ? name : NULL);
                /* A full queue drops the forward (said in the log), not the crash. */
                if (r < 0 && r != -ENOSPC)
                        return r;
        }
        return 0;
}

void forward_get_stats(const struct daemon *d, struct forward_stats *ret) {
        const struct forward *f = d->forward;

        *ret = (struct forward_stats) {};
        if (!f)
                return;
        *ret = (struct forward_stats) { .queued = f->n_queued, .in_flight = f->n_in_flight, .sent = f->n_sent,
                                        .dropped = f->n_dropped, .retries = f->n_retries };
}

static void forward_free(struct forward *f) {
        if (!f)
                return;
        http_client_free(f->http);
        if (f->timer)
                event_free(f->timer);
        sqlite3_stmt *stmts[] = { f->insert, f->due, f->load, f->del, f->retry, f->next, f->limit_all,
                                  f->limit_attachment, f->limit_target, f->group_seen, f->group_row };
        for (size_t i = 0; i < ELEMENTSOF(stmts); i++)
                (void) sqlite3_finalize(stmts[i]);
        free(f);
}

int forward_start(struct daemon *d) {
        struct forward *f;
        char *errmsg = NULL;
        int r;

        f = calloc(1, sizeof(*f));
        if (!f)
                return log_error_errno(-ENOMEM, "Out of memory.");
        f->d = d;
        f->db = store_db(d->store);
        if (sqlite3_exec(f->db, outbox_schema, NULL, NULL, &errmsg) != SQLITE_OK) {
                log_error("Failed to create the outbox table: %s", errmsg ? errmsg : "?");
                sqlite3_free(errmsg);
                forward_free(f);
                return -EIO;
        }
        if ((r = prepare(f, &f->insert,
                         "INSERT INTO outbox(kind, target, crash_id, event_id, created_ns, payload, attachment,"
                         " attachment_name, next_ns) VALUES(?,?,?,?,?,?,?,?,?)")) < 0 ||
            (r = prepare(f, &f->due,
                         "SELECT id FROM outbox WHERE next_ns <= ?1"
                         " AND ((kind = 'sentry' AND ?2) OR (kind = 'webhook' AND ?3))"
                         " ORDER BY next_ns, id LIMIT ?4")) < 0 ||
            (r = prepare(f, &f->load,
                         "SELECT kind, target, event_id, attempts, payload, attachment, attachment_name"
                         " FROM outbox WHERE id = ?")) < 0 ||
            (r = prepare(f, &f->del, "DELETE FROM outbox WHERE id = ?")) < 0 ||
            (r = prepare(f, &f->retry,
                         "UPDATE outbox SET attempts = ?1, next_ns = ?2, last_status = ?3, last_error = ?4"
                         " WHERE id = ?5")) < 0 ||
            (r = prepare(f, &f->next,
                         "SELECT min(next_ns) FROM outbox WHERE next_ns > ?1"
                         " AND ((kind = 'sentry' AND ?2) OR (kind = 'webhook' AND ?3))")) < 0 ||
            (r = prepare(f, &f->limit_all,
                         "UPDATE outbox SET next_ns = max(next_ns, ?1), last_status = 429"
                         " WHERE kind = 'sentry' AND target = ?2")) < 0 ||
            (r = prepare(f, &f->limit_attachment,
                         "UPDATE outbox SET next_ns = max(next_ns, ?1), last_status = 429"
                         " WHERE kind = 'sentry' AND target = ?2 AND attachment IS NOT NULL")) < 0 ||
            (r = prepare(f, &f->limit_target,
                         "UPDATE outbox SET next_ns = max(next_ns, ?1), last_status = 429 WHERE target = ?2")) < 0 ||
            (r = prepare(f, &f->group_seen,
                         "SELECT last_seen_ns FROM groups WHERE signature = ? AND executable = ?")) < 0 ||
            (r = prepare(f, &f->group_row, "SELECT count, first_seen_ns, last_seen_ns FROM groups WHERE id = ?")) < 0) {
                forward_free(f);
                return r;
        }
        /* A restart is a good time to try again: network backoff is
         * forgotten, a receiver's request to wait is not. */
        if (sqlite3_exec(f->db, "UPDATE outbox SET next_ns = 0 WHERE last_status IS NOT 429", NULL, NULL, NULL) !=
            SQLITE_OK)
                log_warning("Failed to reset the outbox's backoff: %s", sqlite3_errmsg(f->db));
        {
                sqlite3_stmt *count = NULL;

                if (sqlite3_prepare_v2(f->db, "SELECT count(*) FROM outbox", -1, &count, NULL) == SQLITE_OK &&
                    sqlite3_step(count) == SQLITE_ROW)
                        f->n_queued = (uint64_t) sqlite3_column_int64(count, 0);
                (void) sqlite3_finalize(count);
        }
        if (gethostname(f->hostname, sizeof(f->hostname) - 1) < 0)
                f->hostname[0] = 0;
        f->timer = evtimer_new(d->base, on_timer, f);
        if (!f->timer) {
                forward_free(f);
                return log_error_errno(-ENOMEM, "Out of memory.");
        }
        r = http_client_new(d->base, &f->http);
        if (r < 0) {
                forward_free(f);
                return log_error_errno(r, "Failed to set up libcurl: %m");
        }
        d->forward = f;
        if (d->config.sentry_dsn && d->config.sentry_dsn[0]) {
                _cleanup_free_ char *url = NULL, *key = NULL;

                if (sentry_dsn_parse(d->config.sentry_dsn, &url, &key) < 0)
                        log_error("sentry_dsn is not a DSN (https://KEY@HOST/PROJECT); crashes will not reach Sentry.");
                else
                        log_info("Forwarding new crashes to Sentry at %s.", url);
        }
        if (f->n_queued > 0)
                log_info("%" PRIu64 " forward%s queued from before.", f->n_queued, f->n_queued == 1 ? " is" : "s are");
        kick(f);
        return 0;
}

void forward_kick(struct daemon *d) {
        if (d->forward)
                kick(d->forward);
}

void forward_stop(struct daemon *d) {
        forward_free(d->forward);
        d->forward = NULL;
}
