/* SPDX-License-Identifier: MIT */
/* daemon/sentry-envelope.h: what crashd sends to Sentry.
 *
 *  - The event, made on a worker thread from the symbolicated report, as
 *    `crashctl symbolicate --format sentry` makes it (exception with
 *    mechanism, every thread, frames oldest first with their vars,
 *    debug_meta, tags, breadcrumbs, release from a "release" tag or the
 *    program's build-id), with the variables and tags named like secrets
 *    masked, compacted to one line.
 *  - The envelope, made when it is sent: a header with event_id, dsn and
 *    sent_at, the event item and, when asked for, the minidump as an
 *    "event.minidump" attachment item with its length.
 *  - The DSN (https://KEY@HOST[:PORT][/PATH]/PROJECT) as the envelope
 *    endpoint and the X-Sentry-Auth header.
 * Functions return 0 or -errno (-EINVAL for input that is not what it
 * should be, -ENOMEM) and never log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct symb_report;

/* The event for r, one line of JSON, and its event_id (32 hex digits,
 * a hash of the dump, so the same dump is the same event). upload_from
 * (crashd's own knowledge of an upload's sender, or NULL/"") goes in
 * extra.crashd_upload_from, apart from the tags a sender can set. */
int sentry_event_make(const struct symb_report *r, const char *const *mask, const char *upload_from,
                      char **ret_json, size_t *ret_len, char ret_event_id[33]);

/* "https://KEY@HOST/PROJECT" -> "https://HOST/api/PROJECT/envelope/" and
 * "KEY". Only http and https. */
int sentry_dsn_parse(const char *dsn, char **ret_url, char **ret_key);
/* "X-Sentry-Auth: Sentry sentry_version=7, sentry_key=KEY, sentry_client=crashd/VERSION" */
int sentry_auth_header(const char *key, char **ret);

int sentry_envelope_build(const char *dsn, const char *event_id, const char *event, size_t event_len,
                          const void *minidump, size_t minidump_len, const char *minidump_name,
                          uint64_t sent_at_ns, char **ret, size_t *ret_len);

/* X-Sentry-Rate-Limits ("60:error;attachment:organization, 2700::project"):
 * the seconds to wait before sending each category crashd sends (an empty
 * category list means every category); 0 for a category not limited.
 * Malformed groups are skipped, as Sentry's SDKs do. */
void sentry_parse_rate_limits(const char *v, uint64_t *ret_error_s, uint64_t *ret_attachment_s);
