/* SPDX-License-Identifier: MIT */
/* daemon/config.h: crashd's settings. One table (config.c) names every
 * key, its type, its embedded default and the sentence that documents it;
 * the defaults are applied by parsing those strings, the config file
 * (daemon/crashd.conf shows every key with its default) is parsed the same
 * way, and command-line flags last. Empty path defaults are filled in by
 * paths.c: root gets /var/lib, /var/spool and /run, anyone else a
 * directory under ~/.local/state/crashd. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

struct daemon_config {
        /* Where things are. Empty after parsing means "the default for who
         * runs crashd" (paths_fill_defaults()). */
        char *state_dir;
        char *spool_dir;
        char *notify_socket;
        char *api_socket;

        /* Work. */
        unsigned workers;               /* 0: one per CPU, at most 8 */
        unsigned queue_size;            /* dumps handed to workers at once */
        uint64_t max_dump_size;         /* bytes; larger spool files are bad */
        bool sync;                      /* fdatasync each stored dump before the commit */

        /* Symbolication. */
        char **debug_dirs;              /* NULL-terminated */
        bool system_debug;              /* look in /usr/lib/debug too */
        unsigned signature_frames;      /* in-app frames in a signature */
        /* What one dump may cost (symb_limits in symbolicate.h). */
        unsigned max_threads, max_threads_listed, max_report_frames, max_vars, max_report_vars;
        uint64_t max_value_bytes;
        uint64_t symbolicate_timeout_s;
        bool mask_stored;               /* the stored report is masked with mask_names */

        /* Retention: 0 turns a limit off. */
        uint64_t max_crashes;
        uint64_t max_total_size;        /* bytes of dumps and reports */
        uint64_t max_age_s;
        uint64_t max_crashes_per_user;  /* quotas, per uid */
        unsigned loop_keep;             /* crash loops (store.c): first N per group, user and window */
        uint64_t loop_window_s;
        unsigned sentry_max_per_group;  /* events per group per hour (forward.c) */
        uint64_t max_size_per_user;

        /* Housekeeping. */
        unsigned bad_keep;              /* files kept in spool/bad/ */
        uint64_t stale_tmp_age_s;       /* unfinished ".NAME.tmp" older than this are removed */
        unsigned api_max_clients;

        /* The web page and uploads (http-server.c). */
        char *http_listen;              /* "127.0.0.1:8040"; "": off */
        char *upload_token;             /* "": none (loopback only) */
        char *upload_user;              /* uploads are symbolicated as this user */
        uint64_t max_upload_size;
        unsigned http_max_connections;          /* in all */
        unsigned http_max_connections_per_address;
        uint64_t http_request_timeout_s;        /* a request's first byte to its last */

        /* Forwarding: Sentry and webhooks (forward.c). */
        char *sentry_dsn;               /* "": off */
        bool sentry_attach_minidump;
        char **webhook_urls;            /* NULL-terminated; empty: off */
        uint64_t webhook_quiet_period_s;
        unsigned forward_queue_max;
        uint64_t forward_timeout_s;
        char *forward_ca_file;          /* "": the system's CA store */
        char **mask_names;              /* NULL-terminated; masked in every output (mask_stored) and
                                           in what leaves the machine */

        int log_level;
        enum log_target log_target;

        /* [program GLOB] sections (programs.h); NULL: none. */
        struct programs *programs;
};

/* A key as the table describes it, for --help, --dump-config and the test
 * that the documented file and the table agree. */
struct config_key_info {
        const char *name;
        const char *default_value;      /* as it would be written in the file */
        const char *doc;
};
size_t config_n_keys(void);
const struct config_key_info *config_key(size_t i);

/* Fills c with the embedded defaults. Returns 0 or -ENOMEM. */
int config_init(struct daemon_config *c);
void config_done(struct daemon_config *c);

/* Sets one key from its text form. On error returns -EINVAL (bad value),
 * -ENOENT (no such key) or -ENOMEM, with a reason in err. */
int config_set(struct daemon_config *c, const char *key, const char *value, char *err, size_t errlen);

/* Parses "key = value" lines from path ('#' and ';' start comments). A
 * missing file is -ENOENT with nothing changed; other errors name the
 * file and line in err. */
int config_load_file(struct daemon_config *c, const char *path, char *err, size_t errlen);

/* Writes every key and its value, in the file's syntax. */
void config_dump(const struct daemon_config *c, FILE *f);

/* Value parsers, shared with the tests. */
int config_parse_size(const char *s, uint64_t *ret);      /* "64M", "1G", "4096" */
int config_parse_duration(const char *s, uint64_t *ret);  /* seconds: "90d", "12h", "30m", "60s", "0" */
int config_parse_bool(const char *s, bool *ret);
