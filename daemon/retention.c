/* SPDX-License-Identifier: MIT */
/* daemon/retention.c: keeps the store within max_crashes, max_total_size
 * and max_age, deleting the oldest crashes first (by arrival: the id
 * order). Groups keep their counts and first/last seen: a group is history,
 * a crash is evidence. Rows go in one transaction; their files are
 * unlinked after the commit (a file left behind by a crash in between is
 * swept at the next start). */
#include <errno.h>
#include <stdlib.h>

#include "daemon.h"
#include "log.h"
#include "util.h"

#define BATCH 512       /* deletions per transaction: the loop stays responsive */

int retention_run(struct daemon *d, bool check_age) {
        const struct daemon_config *c = &d->config;
        uint64_t min_received = 0, n, total = 0;
        int r;

        /* The totals are kept as crashes come and go, so the common case
         * (under every limit) costs no query. */
        if (!d->totals_known) {
                r = store_totals(d->store, &d->total_count, &d->total_bytes);
                if (r < 0)
                        return log_warning_errno(r, "Failed to count stored crashes: %s", store_errmsg(d->store));
                d->totals_known = true;
        }
        if (!(c->max_crashes && d->total_count > c->max_crashes) &&
            !(c->max_total_size && d->total_bytes > c->max_total_size) &&
            !(check_age && c->max_age_s))
                return 0;
        if (check_age && c->max_age_s) {
                uint64_t now = now_ns(CLOCK_REALTIME), age = c->max_age_s * UINT64_C(1000000000);

                min_received = now > age ? now - age : 0;
        }
        r = store_count_excess(d->store, c->max_crashes, c->max_total_size, min_received, &n);
        if (r < 0)
                return log_warning_errno(r, "Failed to apply the retention limits: %s", store_errmsg(d->store));

        while (n > 0) {
                uint64_t k = n > BATCH ? BATCH : n;
                char **files = NULL;

                r = store_delete_oldest(d->store, k, &files);
                if (r < 0)
                        return log_warning_errno(r, "Failed to delete old crashes: %s", store_errmsg(d->store));
                for (char **f = files; *f; f++) {
                        if (unlinkat(d->dirs.dumps_fd, *f, 0) < 0 && errno != ENOENT)
                                log_debug_errno(-errno, "Failed to remove the stored dump '%s': %m", *f);
                        free(*f);
                }
                free(files);
                n -= k;
                total += k;
        }
        if (total > 0) {
                d->totals_known = false;        /* recounted next time */
                d->n_deleted += total;
                log_debug("Retention deleted %llu crash%s.", (unsigned long long) total, total == 1 ? "" : "es");
        }
        return 0;
}
