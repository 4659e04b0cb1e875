/* SPDX-License-Identifier: MIT */
/* daemon/webhook.h: notices to people. A JSON POST to each configured URL
 * when a crash brings a signature never seen before, and when a known one
 * comes back after a quiet period (webhook_quiet_period) without crashes.
 * The body has the signature, program, counts, first and last seen, the
 * crash's id and a one-line summary, and a Slack-compatible "text" field,
 * so a Slack (or Mattermost, Rocket.Chat) incoming webhook shows it as it
 * is. The POSTs go through forward.c's durable queue. Never logs. */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum webhook_kind {
        WEBHOOK_NONE,
        WEBHOOK_NEW,            /* the group's first crash */
        WEBHOOK_REGRESSION,     /* back after at least the quiet period */
};

/* group_count: the group's count with this crash; prev_seen_ns: the
 * group's last crash before this one (0: none); seen_ns: this crash's
 * time. */
enum webhook_kind webhook_decide(uint64_t group_count, uint64_t prev_seen_ns, uint64_t seen_ns, uint64_t quiet_s);

struct webhook_crash {
        enum webhook_kind kind;
        const char *signature;
        const char *program;            /* may be NULL */
        const char *executable;         /* may be NULL */
        const char *hostname;           /* may be NULL */
        int64_t report_id, group_id;
        uint32_t signo, pid, uid;
        uint64_t count;
        uint64_t first_seen_ns, last_seen_ns, prev_seen_ns;
};

/* The JSON body. Returns 0 or -ENOMEM/-EINVAL. */
int webhook_body(const struct webhook_crash *c, char **ret, size_t *ret_len);
