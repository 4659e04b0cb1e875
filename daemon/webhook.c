/* SPDX-License-Identifier: MIT */
/* daemon/webhook.c: when to notify and what the notice says (see
 * webhook.h). */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "webhook.h"
#include "util.h"

enum webhook_kind webhook_decide(uint64_t group_count, uint64_t prev_seen_ns, uint64_t seen_ns, uint64_t quiet_s) {
        if (group_count <= 1)
                return WEBHOOK_NEW;
        if (quiet_s == 0 || prev_seen_ns == 0 || seen_ns <= prev_seen_ns)
                return WEBHOOK_NONE;
        return (seen_ns - prev_seen_ns) / UINT64_C(1000000000) >= quiet_s ? WEBHOOK_REGRESSION : WEBHOOK_NONE;
}

static void iso8601(uint64_t ns, char out[32]) {
        time_t t = (time_t) (ns / 1000000000);
        struct tm tm;

        if (!gmtime_r(&t, &tm)) {
                strcpy(out, "1970-01-01T00:00:00Z");
                return;
        }
        (void) strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void span(uint64_t s, char *out, size_t size) {
        if (s >= 2 * 86400)
                (void) snprintf(out, size, "%llu days", (unsigned long long) (s / 86400));
        else if (s >= 2 * 3600)
                (void) snprintf(out, size, "%llu hours", (unsigned long long) (s / 3600));
        else if (s >= 2 * 60)
                (void) snprintf(out, size, "%llu minutes", (unsigned long long) (s / 60));
        else
                (void) snprintf(out, size, "%llu second%s", (unsigned long long) s, s == 1 ? "" : "s");
}

int webhook_body(const struct webhook_crash *c, char **ret, size_t *ret_len) {
        char first[32], last[32], sig[32], summary[1024], text[1400], quiet[64] = "";
        const char *program = c->program ? c->program : "?";
        const char *abbrev = c->signo ? sigabbrev_np((int) c->signo) : NULL;
        json_t *o;
        char *s;

        if (c->kind == WEBHOOK_NONE || !c->signature)
                return -EINVAL;
        iso8601(c->first_seen_ns, first);
        iso8601(c->last_seen_ns, last);
        if (abbrev)
                (void) snprintf(sig, sizeof(sig), "SIG%s", abbrev);
        else if (c->signo)
                (void) snprintf(sig, sizeof(sig), "signal %u", c->signo);
        else
                (void) snprintf(sig, sizeof(sig), "a requested dump");
        (void) snprintf(summary, sizeof(summary), "%s (pid %u) %s in %s", program, c->pid, sig, c->signature);
        if (c->kind == WEBHOOK_NEW)
                (void) snprintf(text, sizeof(text), "New crash in %s%s%s: %s (crash %lld, group %lld)", program,
                                c->hostname ? " on " : "", c->hostname ? c->hostname : "", summary,
                                (long long) c->report_id, (long long) c->group_id);
        else {
                span(c->last_seen_ns > c->prev_seen_ns ? (c->last_seen_ns - c->prev_seen_ns) / 1000000000 : 0, quiet,
                     sizeof(quiet));
                (void) snprintf(text, sizeof(text),
                                "Crash is back in %s%s%s after %s: %s (crash %lld, group %lld, seen %llu times)",
                                program, c->hostname ? " on " : "", c->hostname ? c->hostname : "", quiet, summary,
                                (long long) c->report_id, (long long) c->group_id, (unsigned long long) c->count);
        }
        o = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s}",
                      "event", c->kind == WEBHOOK_NEW ? "new" : "regression",
                      "text", text,
                      "signature", c->signature,
                      "program", c->program,
                      "executable", c->executable,
                      "host", c->hostname,
                      "report_id", (json_int_t) c->report_id,
                      "group_id", (json_int_t) c->group_id,
                      "count", (json_int_t) c->count,
                      "signal", (json_int_t) c->signo,
                      "pid", (json_int_t) c->pid,
                      "uid", (json_int_t) c->uid,
                      "first_seen", first,
                      "last_seen", last,
                      "summary", summary);
        if (!o)
                return -ENOMEM;
        s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (!s)
                return -ENOMEM;
        *ret_len = strlen(s);
        *ret = s;
        return 0;
}
