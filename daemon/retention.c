/* SPDX-License-Identifier: MIT */
/* daemon/retention.c: keeps the store within its limits, fairly:
 *
 *  - max_age: crashes older than it go, whoever they belong to;
 *  - max_crashes_per_user, max_size_per_user: a user over their quota
 *    loses their own oldest crashes, no one else's;
 *  - max_crashes, max_total_size: while the store is over, the user who
 *    holds the most (bytes when the size is over, else crashes) loses
 *    their oldest. One user's burst cannot push out another user's only
 *    crash: it is theirs that go first.
 *
 * Within a user's crashes, the newest crash of each group is kept until
 * nothing else is left, so every kind of crash keeps its evidence. Groups
 * keep their counts and first/last seen: a group is history, a crash is
 * evidence. A crash's row goes first (its own transaction), its file
 * after (a file left behind by a crash in between is swept at the next
 * start). At most BATCH per run, so the loop stays responsive; the next
 * stored crash or the housekeeping timer goes on. */
#include <errno.h>
#include <stdlib.h>

#include "daemon.h"
#include "log.h"
#include "util.h"

#define BATCH 512

struct limits {
        uint64_t user_count, user_bytes, total_count, total_bytes;
};

static bool over_quota(const struct limits *l, const struct store_usage *u) {
        return (l->user_count && u->count > l->user_count) || (l->user_bytes && u->bytes > l->user_bytes);
}

/* The user who must lose a crash now, or NULL when every limit holds. */
static struct store_usage *next_user(const struct limits *l, struct store_usage *u, size_t n, uint64_t total_count,
                                     uint64_t total_bytes) {
        struct store_usage *best = NULL;
        bool by_bytes = l->total_bytes && total_bytes > l->total_bytes;

        for (size_t i = 0; i < n; i++)
                if (over_quota(l, &u[i]))
                        return &u[i];
        if (!by_bytes && !(l->total_count && total_count > l->total_count))
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (u[i].count > 0 && (!best || (by_bytes ? u[i].bytes > best->bytes : u[i].count > best->count)))
                        best = &u[i];
        return best;
}

static int delete_one(struct daemon *d, const struct store_victim *v) {
        int r = store_delete_crash(d->store, v->id);

        if (r < 0)
                return log_warning_errno(r, "Failed to delete an old crash: %s", store_errmsg(d->store));
        if (unlinkat(d->dirs.dumps_fd, v->stored_name, 0) < 0 && errno != ENOENT)
                log_debug_errno(-errno, "Failed to remove the stored dump '%s': %m", v->stored_name);
        return 0;
}

static struct store_usage *usage_of(struct daemon *d, uint32_t uid) {
        for (size_t i = 0; i < d->n_usage; i++)
                if (d->usage[i].uid == uid)
                        return &d->usage[i];
        return NULL;
}

void retention_stored(struct daemon *d, uint32_t uid, uint64_t bytes) {
        struct store_usage *u, *m;

        if (!d->usage_known)
                return;
        u = usage_of(d, uid);
        if (!u) {
                m = reallocarray(d->usage, d->n_usage + 1, sizeof(*m));
                if (!m) {
                        d->usage_known = false;         /* counted again next time */
                        return;
                }
                d->usage = m;
                u = &d->usage[d->n_usage++];
                *u = (struct store_usage) { .uid = uid };
        }
        u->count++;
        u->bytes += bytes;
}

void retention_stop(struct daemon *d) {
        free(d->usage);
        d->usage = NULL;
        d->n_usage = 0;
        d->usage_known = false;
}

int retention_run(struct daemon *d, bool check_age) {
        const struct daemon_config *c = &d->config;
        const struct limits l = {
                .user_count = c->max_crashes_per_user,
                .user_bytes = c->max_size_per_user,
                .total_count = c->max_crashes,
                .total_bytes = c->max_total_size,
        };
        uint64_t total = 0, count = 0, bytes = 0;
        int r = 0;

        if (check_age && c->max_age_s) {
                uint64_t now = now_ns(CLOCK_REALTIME), age = c->max_age_s * UINT64_C(1000000000);
                struct store_victim v;

                while (total < BATCH &&
                       (r = store_pick_oldest(d->store, -1, now > age ? now - age : 1, false, &v)) == 0 &&
                       (r = delete_one(d, &v)) == 0)
                        total++;
                if (r < 0 && r != -ENOENT)
                        goto done;
                if (total > 0)
                        d->usage_known = false;
        }
        /* Everyone's usage is counted once, then kept as crashes come and
         * go, so the common case (under every limit) costs no query. */
        if (!d->usage_known) {
                retention_stop(d);
                r = store_usage(d->store, -1, &d->usage, &d->n_usage);
                if (r < 0) {
                        log_warning_errno(r, "Failed to count stored crashes: %s", store_errmsg(d->store));
                        goto done;
                }
                d->usage_known = true;
        }
        for (size_t i = 0; i < d->n_usage; i++) {
                count += d->usage[i].count;
                bytes += d->usage[i].bytes;
        }
        while (total < BATCH) {
                struct store_usage *who = next_user(&l, d->usage, d->n_usage, count, bytes);
                struct store_victim v;

                if (!who)
                        break;
                r = store_pick_oldest(d->store, who->uid, 0, true, &v);
                if (r == -ENOENT)
                        /* Only the newest of each group is left. */
                        r = store_pick_oldest(d->store, who->uid, 0, false, &v);
                if (r < 0 || (r = delete_one(d, &v)) < 0) {
                        /* Counted again next time, whatever happened. */
                        d->usage_known = false;
                        break;
                }
                who->count--;
                who->bytes -= v.bytes < who->bytes ? v.bytes : who->bytes;
                count--;
                bytes -= v.bytes < bytes ? v.bytes : bytes;
                total++;
        }
        if (r < 0 && r != -ENOENT)
                log_warning_errno(r, "Failed to apply the retention limits: %s", store_errmsg(d->store));
done:
        if (total > 0) {
                d->n_deleted += total;
                log_debug("Retention deleted %llu crash%s.", (unsigned long long) total, total == 1 ? "" : "es");
        }
        return r == -ENOENT ? 0 : r;
}
