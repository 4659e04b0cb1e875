/* SPDX-License-Identifier: MIT */
/* daemon/forward.h: the durable forwarding queue (the "outbox" table in
 * crashd's database) and what feeds it: Sentry envelopes for new crashes
 * and webhook notices for new and returning signatures.
 *
 *  - An item is in the outbox before anyone is told about it and is
 *    deleted only after the receiver answered 2xx. Network errors, 408 and
 *    5xx retry with exponential backoff and jitter (1 s doubling, at most
 *    FORWARD_BACKOFF_MAX_S); 429 waits for Retry-After, and Sentry's
 *    X-Sentry-Rate-Limits hold back the categories they name ("error" for
 *    events, "attachment" for items with a minidump) on every queued item,
 *    in the database, so a restart honours them too. Other answers (a bad
 *    DSN key, a rejected event) drop the item with a warning: sending it
 *    again would get the same answer.
 *  - The queue is bounded (forward_queue_max): past it new items are
 *    dropped with a warning, the crash itself stays stored.
 *  - At most FORWARD_PARALLEL requests at once, through http-client.c on
 *    the loop. The event and the minidump are made on the worker thread
 *    (forward_job_prepare() says what to make); the loop only wraps them.
 *  - A restart forgets network backoff (the next start tries at once) but
 *    not rate limits. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct daemon;
struct job;

#define FORWARD_PARALLEL 8
#define FORWARD_BACKOFF_MAX_S 900
#define FORWARD_429_DEFAULT_S 60

int forward_start(struct daemon *d);
void forward_stop(struct daemon *d);
/* Sends what is due (after a reload changed the settings). */
void forward_kick(struct daemon *d);

/* Before a job goes to a worker: what it should make for forwarding
 * (the Sentry event with the mask list, the minidump to attach). */
int forward_job_prepare(struct daemon *d, struct job *j);
/* Before the crash is stored: when its group last crashed (0: never). */
uint64_t forward_group_last_seen(struct daemon *d, const struct job *j);
/* While a new crash is being stored, inside its transaction: queue its
 * envelope and notices, so that they are stored with it or not at all.
 * Returns a negative errno only when the database failed (a full queue
 * drops the forward, not the crash). forward_kick() sends them after the
 * commit. */
int forward_crash_stored(struct daemon *d, const struct job *j, int64_t crash_id, int64_t group_id,
                         uint64_t group_count, uint64_t prev_seen_ns);

struct forward_stats {
        uint64_t queued, in_flight, sent, dropped, retries;
};
void forward_get_stats(const struct daemon *d, struct forward_stats *ret);

/* The delay before retry number `attempt` (1 for the first retry):
 * 2^(attempt-1) s, at most FORWARD_BACKOFF_MAX_S, of which a random half
 * ("equal jitter") so that many hosts do not come back at once. rnd is a
 * random number. In ms. */
uint64_t forward_backoff_ms(unsigned attempt, uint32_t rnd);
/* Retry-After: delta-seconds or an HTTP date. Returns 0 and the seconds
 * to wait from now, or -EINVAL. */
int forward_parse_retry_after(const char *v, time_t now, uint64_t *ret_s);
