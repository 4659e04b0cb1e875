/* SPDX-License-Identifier: MIT */
/* daemon/config.c: the key table, the value parsers and the file parser
 * (see config.h). */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "programs.h"
#include "util.h"

enum key_type { T_STRING, T_PATH, T_UINT, T_U64, T_SIZE, T_DURATION, T_BOOL, T_LIST, T_LOG_LEVEL, T_LOG_TARGET, T_CSV };

struct key {
        const char *name;
        enum key_type type;
        size_t offset;
        const char *def;        /* the embedded default, parsed like the file */
        uint64_t min, max;      /* for numbers */
        const char *doc;
};

#define KEY(n, t, field, d, lo, hi, text) \
        { n, t, offsetof(struct daemon_config, field), d, lo, hi, text }

/* The one list of settings. daemon/crashd.conf documents the same keys
 * with the same defaults; tests/e2e checks that they agree. */
static const struct key keys[] = {
        KEY("state_dir", T_PATH, state_dir, "", 0, 0,
            "the database and stored dumps (root: /var/lib/crashd; others: ~/.local/state/crashd/state)"),
        KEY("spool_dir", T_PATH, spool_dir, "", 0, 0,
            "where programs drop dumps (root: /var/spool/crashd; others: ~/.local/state/crashd/spool)"),
        KEY("notify_socket", T_PATH, notify_socket, "", 0, 0,
            "datagram socket for the dumper's notices (root: /run/crashd/notify.sock; others: ~/.local/state/crashd/notify.sock)"),
        KEY("api_socket", T_PATH, api_socket, "", 0, 0,
            "stream socket for crashctl's JSON requests (root: /run/crashd/api.sock; others: ~/.local/state/crashd/api.sock)"),
        KEY("workers", T_UINT, workers, "0", 0, 64,
            "symbolication threads; 0: one per CPU, at most 8"),
        KEY("queue_size", T_UINT, queue_size, "64", 1, 65536,
            "dumps handed to the workers at once; more wait in the spool"),
        KEY("max_dump_size", T_SIZE, max_dump_size, "64M", 1024, UINT64_C(1) << 30,
            "larger spool files are moved to spool/bad/"),
        KEY("sync", T_BOOL, sync, "yes", 0, 0,
            "fdatasync each stored dump before its database commit (survives power loss)"),
        KEY("debug_dirs", T_LIST, debug_dirs, "", 0, 0,
            "extra directories with binaries and debug files, separated by ':'"),
        KEY("system_debug", T_BOOL, system_debug, "yes", 0, 0,
            "also look for debug files in /usr/lib/debug"),
        KEY("signature_frames", T_UINT, signature_frames, "3", 1, 16,
            "in-app frames that make a crash's signature"),
        KEY("max_threads", T_UINT, max_threads, "1024", 1, 65536,
            "threads of a dump symbolicated with values; more are listed with frames only"),
        KEY("max_threads_listed", T_UINT, max_threads_listed, "4096", 1, 65536,
            "threads of a dump in its report at all; the report says how many it left out"),
        KEY("max_report_frames", T_UINT, max_report_frames, "131072", 1, 16777216,
            "frames of all threads of one report"),
        KEY("max_vars", T_UINT, max_vars, "1024", 1, 1000000,
            "variables shown per frame"),
        KEY("max_report_vars", T_UINT, max_report_vars, "262144", 1, 16777216,
            "variables of all frames of one report"),
        KEY("max_value_bytes", T_SIZE, max_value_bytes, "16M", 4096, UINT64_C(1) << 32,
            "bytes of variables' text (names, types, values) in one report"),
        KEY("symbolicate_timeout", T_DURATION, symbolicate_timeout_s, "60s", 1, 3600,
            "wall time per dump; past it no more values and no more threads walked (the report says so)"),
        KEY("max_crashes", T_U64, max_crashes, "10000", 0, UINT64_MAX,
            "stored crashes kept, oldest deleted first; 0: no limit"),
        KEY("max_total_size", T_SIZE, max_total_size, "1G", 0, UINT64_MAX,
            "bytes of stored dumps and reports kept; 0: no limit"),
        KEY("max_crashes_per_user", T_U64, max_crashes_per_user, "2000", 0, UINT64_MAX,
            "stored crashes one user (uid) may have; past it their own oldest go first; 0: no limit"),
        KEY("max_size_per_user", T_SIZE, max_size_per_user, "256M", 0, UINT64_MAX,
            "bytes of dumps and reports one user may have; 0: no limit"),
        KEY("max_age", T_DURATION, max_age_s, "90d", 0, UINT64_MAX,
            "crashes older than this are deleted (s, m, h, d); 0: no limit"),
        KEY("loop_keep", T_UINT, loop_keep, "10", 0, 1000000,
            "a crash loop: of one group's crashes by one user within loop_window, the first this many "
            "and the latest are stored, the rest only counted; 0: store all"),
        KEY("loop_window", T_DURATION, loop_window_s, "1h", 1, UINT64_MAX,
            "the window loop_keep counts in"),
        KEY("bad_keep", T_UINT, bad_keep, "100", 0, 100000,
            "rejected files kept in spool/bad/, oldest deleted first"),
        KEY("stale_tmp_age", T_DURATION, stale_tmp_age_s, "60s", 1, 86400,
            "unfinished '.NAME.tmp' files in the spool older than this are removed"),
        KEY("api_max_clients", T_UINT, api_max_clients, "64", 1, 4096,
            "crashctl connections served at once; a user other than root gets a quarter of them"),
        KEY("http_listen", T_STRING, http_listen, "127.0.0.1:8040", 0, 0,
            "ADDRESS:PORT of the web page and the upload endpoint (http-server.c); empty: off"),
        KEY("upload_token", T_STRING, upload_token, "", 0, 0,
            "the token uploads must carry; required when http_listen is not a loopback address"),
        KEY("upload_user", T_STRING, upload_user, "nobody", 0, 0,
            "uploads (anyone may send one) are symbolicated and their sources read as this user"),
        KEY("max_upload_size", T_SIZE, max_upload_size, "64M", 1024, UINT64_C(1) << 30,
            "bytes of an upload's body, before and after gzip; larger ones get 413"),
        KEY("http_max_connections", T_UINT, http_max_connections, "256", 1, 65536,
            "HTTP connections open at once; when full, the one waiting longest for a request is closed"),
        KEY("http_max_connections_per_address", T_UINT, http_max_connections_per_address, "64", 1, 65536,
            "HTTP connections open at once from one client address"),
        KEY("http_request_timeout", T_DURATION, http_request_timeout_s, "120s", 1, 86400,
            "time from a request's first byte to its last (headers and body), however slowly it comes"),
        KEY("sentry_dsn", T_STRING, sentry_dsn, "", 0, 0,
            "https://KEY@HOST[:PORT]/PROJECT: send each new crash to Sentry (forward.c); empty: off"),
        KEY("sentry_attach_minidump", T_BOOL, sentry_attach_minidump, "no", 0, 0,
            "also send the minidump as an event.minidump attachment"),
        KEY("sentry_max_per_group", T_UINT, sentry_max_per_group, "10", 0, 1000000,
            "events sent to Sentry per group per hour; more are counted, not sent; 0: no limit"),
        KEY("webhook_url", T_CSV, webhook_urls, "", 0, 0,
            "URLs (comma-separated) that get a JSON POST for a new signature or one back after the quiet period"),
        KEY("webhook_quiet_period", T_DURATION, webhook_quiet_period_s, "7d", 0, UINT64_MAX,
            "a signature without crashes this long is notified again when it comes back; 0: never"),
        KEY("forward_queue_max", T_UINT, forward_queue_max, "10000", 1, 10000000,
            "items waiting to be forwarded; past it new ones are dropped (the crashes stay stored)"),
        KEY("forward_timeout", T_DURATION, forward_timeout_s, "30s", 1, 3600,
            "the longest one request to Sentry or a webhook may take (connecting: at most 10 s of it)"),
        KEY("forward_ca_file", T_PATH, forward_ca_file, "", 0, 0,
            "CA certificates for HTTPS forwarding; empty: the system's (verification is always on)"),
        KEY("mask_names", T_CSV, mask_names, "password,passwd,secret,token,api_key,apikey,auth,credential,cookie,private", 0, 0,
            "variable, member and tag names (case-insensitive substrings) whose values are masked"),
        KEY("mask_stored", T_BOOL, mask_stored, "yes", 0, 0,
            "mask mask_names in the stored report too, so in crashctl show, the API and the web page; no: only in what is forwarded"),
        KEY("log_level", T_LOG_LEVEL, log_level, "info", 0, 0,
            "debug, info, notice, warning or err"),
        KEY("log_target", T_LOG_TARGET, log_target, "auto", 0, 0,
            "auto (journald under systemd, else stderr), console or journal"),
};

size_t config_n_keys(void) {
        return ELEMENTSOF(keys);
}

const struct config_key_info *config_key(size_t i) {
        static struct config_key_info info[ELEMENTSOF(keys)];

        if (i >= ELEMENTSOF(keys))
                return NULL;
        info[i] = (struct config_key_info) { keys[i].name, keys[i].def, keys[i].doc };
        return &info[i];
}

static void set_err(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...) {
        va_list ap;

        if (!err || errlen == 0)
                return;
        va_start(ap, fmt);
        (void) vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
}

static int parse_u64(const char *s, uint64_t *ret, char **end) {
        unsigned long long v;

        if (!isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, end, 10);
        if (errno)
                return -errno;
        *ret = v;
        return 0;
}

static int mul_ok(uint64_t v, uint64_t m, uint64_t *ret) {
        if (m && v > UINT64_MAX / m)
                return -ERANGE;
        *ret = v * m;
        return 0;
}

int config_parse_size(const char *s, uint64_t *ret) {
        uint64_t v, m = 1;
        char *end;
        int r;

        r = parse_u64(s, &v, &end);
        if (r < 0)
                return r;
        switch (*end) {
        case 0: break;
        case 'K': case 'k': m = UINT64_C(1) << 10; end++; break;
        case 'M': m = UINT64_C(1) << 20; end++; break;
        case 'G': m = UINT64_C(1) << 30; end++; break;
        case 'T': m = UINT64_C(1) << 40; end++; break;
        default: return -EINVAL;
        }
        if (*end == 'i' && end[1] == 'B')       /* "64MiB" */
                end += 2;
        else if (*end == 'B' && m > 1)          /* "64MB": still binary units */
                end++;
        if (*end)
                return -EINVAL;
        return mul_ok(v, m, ret);
}

int config_parse_duration(const char *s, uint64_t *ret) {
        uint64_t v, m = 1;
        char *end;
        int r;

        r = parse_u64(s, &v, &end);
        if (r < 0)
                return r;
        switch (*end) {
        case 0: case 's': break;
        case 'm': m = 60; break;
        case 'h': m = 3600; break;
        case 'd': m = 86400; break;
        case 'w': m = 7 * 86400; break;
        default: return -EINVAL;
        }
        if (*end && end[1])
                return -EINVAL;
        return mul_ok(v, m, ret);
}

int config_parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = { "1", "yes", "true", "on" }, *const no[] = { "0", "no", "false", "off" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        }
        return -EINVAL;
}

static void strv_free(char **l) {
        if (!l)
                return;
        for (char **p = l; *p; p++)
                free(*p);
        free(l);
}

static int split_list(const char *s, char ***ret) {
        size_t n = 0, cap = 4;
        char **l = calloc(cap + 1, sizeof(char *));
        const char *p = s;

        if (!l)
                return -ENOMEM;
        while (*p) {
                const char *e = strchr(p, ':');
                size_t len = e ? (size_t) (e - p) : strlen(p);

                if (len > 0) {
                        if (n == cap) {
                                char **nl = reallocarray(l, 2 * cap + 1, sizeof(char *));
                                if (!nl) {
                                        strv_free(l);
                                        return -ENOMEM;
                                }
                                l = nl;
                                cap *= 2;
                        }
                        l[n] = strndup(p, len);
                        if (!l[n]) {
                                strv_free(l);
                                return -ENOMEM;
                        }
                        l[++n] = NULL;
                }
                p += len;
                if (*p == ':')
                        p++;
        }
        *ret = l;
        return 0;
}

/* "a, b,c" -> {"a", "b", "c"}: a list of words that may hold ':' (URLs). */
static int split_csv(const char *s, char ***ret) {
        size_t n = 0;
        char **l = calloc(strlen(s) / 2 + 2, sizeof(char *));

        if (!l)
                return -ENOMEM;
        for (const char *p = s; *p;) {
                size_t len = strcspn(p, ",");
                const char *b = p, *e = p + len;

                while (b < e && isspace((unsigned char) *b))
                        b++;
                while (e > b && isspace((unsigned char) e[-1]))
                        e--;
                if (e > b && !(l[n++] = strndup(b, (size_t) (e - b)))) {
                        strv_free(l);
                        return -ENOMEM;
                }
                p += len;
                if (*p == ',')
                        p++;
        }
        *ret = l;
        return 0;
}

static const struct key *find_key(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (strcmp(keys[i].name, name) == 0)
                        return &keys[i];
        return NULL;
}

int config_set(struct daemon_config *c, const char *name, const char *value, char *err, size_t errlen) {
        const struct key *k = find_key(name);
        void *field;
        uint64_t v = 0;
        bool b;
        int r = 0;

        if (!k) {
                set_err(err, errlen, "unknown key '%s'", name);
                return -ENOENT;
        }
        field = (char *) c + k->offset;

        switch (k->type) {
        case T_STRING: {
                char *copy;

                if (strlen(value) >= 4096) {
                        set_err(err, errlen, "%s: value too long", name);
                        return -EINVAL;
                }
                copy = strdup(value);
                if (!copy)
                        return -ENOMEM;
                free(*(char **) field);
                *(char **) field = copy;
                return 0;
        }
        case T_PATH: {
                char *copy;

                if (value[0] && value[0] != '/') {
                        set_err(err, errlen, "%s: '%s' is not an absolute path", name, value);
                        return -EINVAL;
                }
                if (strlen(value) >= PATH_MAX - 64) {
                        set_err(err, errlen, "%s: path too long", name);
                        return -EINVAL;
                }
                copy = strdup(value);
                if (!copy)
                        return -ENOMEM;
                free(*(char **) field);
                *(char **) field = copy;
                return 0;
        }
        case T_LIST: {
                char **l;

                r = split_list(value, &l);
                if (r < 0)
                        return r;
                for (char **p = l; *p; p++)
                        if ((*p)[0] != '/') {
                                set_err(err, errlen, "%s: '%s' is not an absolute path", name, *p);
                                strv_free(l);
                                return -EINVAL;
                        }
                strv_free(*(char ***) field);
                *(char ***) field = l;
                return 0;
        }
        case T_CSV: {
                char **l;

                if (strlen(value) >= 4096) {
                        set_err(err, errlen, "%s: value too long", name);
                        return -EINVAL;
                }
                r = split_csv(value, &l);
                if (r < 0)
                        return r;
                strv_free(*(char ***) field);
                *(char ***) field = l;
                return 0;
        }
        case T_BOOL:
                if (config_parse_bool(value, &b) < 0) {
                        set_err(err, errlen, "%s: '%s' is not yes or no", name, value);
                        return -EINVAL;
                }
                *(bool *) field = b;
                return 0;
        case T_LOG_LEVEL:
                r = log_level_from_string(value);
                if (r < 0) {
                        set_err(err, errlen, "%s: '%s' is not debug, info, notice, warning or err", name, value);
                        return -EINVAL;
                }
                *(int *) field = r;
                return 0;
        case T_LOG_TARGET:
                if (strcmp(value, "auto") == 0)
                        *(enum log_target *) field = LOG_TARGET_AUTO;
                else if (strcmp(value, "console") == 0)
                        *(enum log_target *) field = LOG_TARGET_CONSOLE;
                else if (strcmp(value, "journal") == 0)
                        *(enum log_target *) field = LOG_TARGET_JOURNAL;
                else {
                        set_err(err, errlen, "%s: '%s' is not auto, console or journal", name, value);
                        return -EINVAL;
                }
                return 0;
        case T_UINT:
        case T_U64: {
                char *end;

                r = parse_u64(value, &v, &end);
                if (r == 0 && *end)
                        r = -EINVAL;
                break;
        }
        case T_SIZE:
                r = config_parse_size(value, &v);
                break;
        case T_DURATION:
                r = config_parse_duration(value, &v);
                break;
        }
        if (r < 0) {
                set_err(err, errlen, "%s: '%s' is not a valid %s", name, value,
                        k->type == T_SIZE ? "size (like 64M)" :
                        k->type == T_DURATION ? "duration (like 90d, 12h, 60s)" : "number");
                return -EINVAL;
        }
        if (v < k->min || v > k->max) {
                set_err(err, errlen, "%s: %s is out of range (%" PRIu64 "..%" PRIu64 ")", name, value, k->min, k->max);
                return -EINVAL;
        }
        if (k->type == T_U64 || k->type == T_SIZE || k->type == T_DURATION)
                *(uint64_t *) field = v;
        else
                *(unsigned *) field = (unsigned) v;
        return 0;
}

int config_init(struct daemon_config *c) {
        char err[256];

        *c = (struct daemon_config) {};
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                int r = config_set(c, keys[i].name, keys[i].def, err, sizeof(err));
                /* The table is ours: a default that does not parse is a bug. */
                assert(r != -EINVAL && r != -ENOENT);
                if (r < 0) {
                        config_done(c);
                        return r;
                }
        }
        return 0;
}

void config_done(struct daemon_config *c) {
        free(c->state_dir);
        free(c->spool_dir);
        free(c->notify_socket);
        free(c->api_socket);
        strv_free(c->debug_dirs);
        free(c->http_listen);
        free(c->upload_user);
        free(c->upload_token);
        free(c->sentry_dsn);
        strv_free(c->webhook_urls);
        free(c->forward_ca_file);
        strv_free(c->mask_names);
        programs_unref(c->programs);
        *c = (struct daemon_config) {};
}

static char *trim(char *s) {
        char *e;

        while (isspace((unsigned char) *s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char) e[-1]))
                *--e = 0;
        return s;
}

int config_load_file(struct daemon_config *c, const char *path, char *err, size_t errlen) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        unsigned lineno = 0;
        bool in_section = false;
        ssize_t n;

        f = fopen(path, "re");
        if (!f) {
                int r = -errno;
                set_err(err, errlen, "%s: %s", path, strerror(errno));
                return r;
        }
        while ((n = getline(&line, &cap, f)) >= 0) {
                char e[256], *s, *eq, *key, *value;
                int r;

                lineno++;
                if (n > 4096) {
                        set_err(err, errlen, "%s:%u: line too long", path, lineno);
                        return -EINVAL;
                }
                s = trim(line);
                if (!*s || *s == '#' || *s == ';')
                        continue;
                /* [program GLOB]: the keys below it are that section's
                 * (programs.h), up to the next section. */
                if (*s == '[') {
                        size_t len = strlen(s);

                        if (len < 10 || s[len - 1] != ']' || strncmp(s, "[program ", 9) != 0) {
                                set_err(err, errlen, "%s:%u: expected '[program GLOB]'", path, lineno);
                                return -EINVAL;
                        }
                        s[len - 1] = 0;
                        if (!c->programs && !(c->programs = programs_new()))
                                return -ENOMEM;
                        r = programs_add(c->programs, trim(s + 9), e, sizeof(e));
                        if (r < 0) {
                                set_err(err, errlen, "%s:%u: %s", path, lineno, e);
                                return r;
                        }
                        in_section = true;
                        continue;
                }
                eq = strchr(s, '=');
                if (!eq) {
                        set_err(err, errlen, "%s:%u: expected 'key = value'", path, lineno);
                        return -EINVAL;
                }
                *eq = 0;
                key = trim(s);
                value = trim(eq + 1);
                /* Quotes are allowed around a value, as in systemd's files. */
                if (strlen(value) >= 2 && value[0] == '"' && value[strlen(value) - 1] == '"') {
                        value[strlen(value) - 1] = 0;
                        value++;
                }
                r = in_section ? programs_set(c->programs, key, value, e, sizeof(e))
                               : config_set(c, key, value, e, sizeof(e));
                if (r < 0) {
                        set_err(err, errlen, "%s:%u: %s", path, lineno, e);
                        return r == -ENOENT ? -EINVAL : r;
                }
        }
        if (ferror(f)) {
                set_err(err, errlen, "%s: read error", path);
                return -EIO;
        }
        return 0;
}

static void dump_size(FILE *f, const char *name, uint64_t v) {
        static const char units[] = "KMGT";
        int u = -1;

        while (v && v % 1024 == 0 && u < 3) {
                v /= 1024;
                u++;
        }
        if (u >= 0)
                fprintf(f, "%s = %" PRIu64 "%c\n", name, v, units[u]);
        else
                fprintf(f, "%s = %" PRIu64 "\n", name, v);
}

static void dump_duration(FILE *f, const char *name, uint64_t v) {
        if (v && v % 86400 == 0)
                fprintf(f, "%s = %" PRIu64 "d\n", name, v / 86400);
        else if (v && v % 3600 == 0)
                fprintf(f, "%s = %" PRIu64 "h\n", name, v / 3600);
        else if (v && v % 60 == 0)
                fprintf(f, "%s = %" PRIu64 "m\n", name, v / 60);
        else
                fprintf(f, "%s = %" PRIu64 "s\n", name, v);
}

void config_dump(const struct daemon_config *c, FILE *f) {
        static const char *const targets[] = { "auto", "console", "journal" };

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const struct key *k = &keys[i];
                const void *field = (const char *) c + k->offset;

                switch (k->type) {
                case T_STRING:
                        /* A secret is not printed. */
                        fprintf(f, "%s = %s\n", k->name,
                                strcmp(k->name, "upload_token") == 0 && *(char *const *) field &&
                                **(char *const *) field ? "(set)" :
                                *(char *const *) field ? *(char *const *) field : "");
                        break;
                case T_PATH:
                        fprintf(f, "%s = %s\n", k->name, *(char *const *) field ? *(char *const *) field : "");
                        break;
                case T_LIST: {
                        char *const *l = *(char **const *) field;

                        fprintf(f, "%s = ", k->name);
                        for (size_t j = 0; l && l[j]; j++)
                                fprintf(f, "%s%s", j ? ":" : "", l[j]);
                        fputc('\n', f);
                        break;
                }
                case T_CSV: {
                        char *const *l = *(char **const *) field;

                        fprintf(f, "%s = ", k->name);
                        for (size_t j = 0; l && l[j]; j++)
                                fprintf(f, "%s%s", j ? "," : "", l[j]);
                        fputc('\n', f);
                        break;
                }
                case T_BOOL:
                        fprintf(f, "%s = %s\n", k->name, *(const bool *) field ? "yes" : "no");
                        break;
                case T_LOG_LEVEL:
                        fprintf(f, "%s = %s\n", k->name, log_level_to_string(*(const int *) field));
                        break;
                case T_LOG_TARGET:
                        fprintf(f, "%s = %s\n", k->name, targets[*(const enum log_target *) field]);
                        break;
                case T_UINT:
                        fprintf(f, "%s = %u\n", k->name, *(const unsigned *) field);
                        break;
                case T_U64:
                        fprintf(f, "%s = %" PRIu64 "\n", k->name, *(const uint64_t *) field);
                        break;
                case T_SIZE:
                        dump_size(f, k->name, *(const uint64_t *) field);
                        break;
                case T_DURATION:
                        dump_duration(f, k->name, *(const uint64_t *) field);
                        break;
                }
        }
        programs_dump(c->programs, f);
}
