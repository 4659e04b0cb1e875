/* SPDX-License-Identifier: MIT */
/* daemon/sentry-envelope.c: the Sentry event, envelope, DSN and rate
 * limits (see sentry-envelope.h). The envelope format is Sentry's
 * (develop.sentry.dev/sdk/envelopes): newline-separated JSON headers, each
 * item's payload after its header, its length given so that a binary
 * minidump can follow. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sentry-envelope.h"
#include "symbolicate.h"
#include "util.h"

int sentry_event_make(const struct symb_report *r, const char *const *mask, const char *upload_from,
                      char **ret_json, size_t *ret_len, char ret_event_id[33]) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        FILE *f;
        json_t *ev, *id;
        char *out;
        int r_;

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        r_ = symb_format_sentry(f, r, mask);
        if (fclose(f) != 0 && r_ >= 0)
                r_ = -ENOMEM;
        if (r_ < 0)
                return r_;

        ev = json_loadb(buf, len, 0, NULL);
        if (!ev || !json_is_object(ev)) {
                json_decref(ev);
                return -EINVAL;
        }
        id = json_object_get(ev, "event_id");
        if (!json_is_string(id) || strlen(json_string_value(id)) != 32) {
                json_decref(ev);
                return -EINVAL;
        }
        memcpy(ret_event_id, json_string_value(id), 33);
        if (upload_from && *upload_from) {
                json_t *extra = json_object_get(ev, "extra");

                if (!json_is_object(extra)) {
                        extra = json_object();
                        if (!extra || json_object_set_new(ev, "extra", extra) < 0) {
                                json_decref(ev);
                                return -ENOMEM;
                        }
                }
                if (json_object_set_new(extra, "crashd_upload_from", json_string(upload_from)) < 0) {
                        json_decref(ev);
                        return -ENOMEM;
                }
        }
        out = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(ev);
        if (!out)
                return -ENOMEM;
        *ret_len = strlen(out);
        *ret_json = out;
        return 0;
}

int sentry_dsn_parse(const char *dsn, char **ret_url, char **ret_key) {
        const char *scheme_end, *at, *host, *slash, *project;
        _cleanup_free_ char *key = NULL;
        char *url;
        size_t plen;

        if (!dsn)
                return -EINVAL;
        if (!strncmp(dsn, "https://", 8))
                scheme_end = dsn + 8;
        else if (!strncmp(dsn, "http://", 7))
                scheme_end = dsn + 7;
        else
                return -EINVAL;
        at = strchr(scheme_end, '@');
        slash = strchr(scheme_end, '/');
        if (!at || (slash && slash < at) || at == scheme_end)
                return -EINVAL;
        /* KEY or the old KEY:SECRET: the public key is what authenticates. */
        key = strndup(scheme_end, strcspn(scheme_end, ":@"));
        if (!key)
                return -ENOMEM;
        host = at + 1;
        slash = strchr(host, '/');
        if (!slash || slash == host)
                return -EINVAL;
        /* The project is the last path segment; what is before it is a
         * prefix of a self-hosted Sentry under a path. */
        project = strrchr(host, '/') + 1;
        plen = strlen(project);
        while (plen > 0 && project[plen - 1] == '/')
                plen--;
        if (plen == 0)
                return -EINVAL;
        for (size_t i = 0; i < plen; i++)
                if (!isalnum((unsigned char) project[i]) && project[i] != '-' && project[i] != '_')
                        return -EINVAL;
        for (const char *p = host; p < project; p++)
                if ((unsigned char) *p <= ' ' || *p == '?' || *p == '#')
                        return -EINVAL;
        if (asprintf(&url, "%.*s%.*sapi/%.*s/envelope/", (int) (scheme_end - dsn), dsn, (int) (project - host),
                     host, (int) plen, project) < 0)
                return -ENOMEM;
        *ret_url = url;
        *ret_key = TAKE_PTR(key);
        return 0;
}

int sentry_auth_header(const char *key, char **ret) {
        for (const char *p = key; *p; p++)
                if (!isalnum((unsigned char) *p))
                        return -EINVAL;
        if (asprintf(ret, "X-Sentry-Auth: Sentry sentry_version=7, sentry_key=%s, sentry_client=crashd/%s", key,
                     CRASHD_VERSION) < 0)
                return -ENOMEM;
        return 0;
}

int sentry_envelope_build(const char *dsn, const char *event_id, const char *event, size_t event_len,
                          const void *minidump, size_t minidump_len, const char *minidump_name,
                          uint64_t sent_at_ns, char **ret, size_t *ret_len) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        char sent_at[64];
        struct tm tm;
        time_t t = (time_t) (sent_at_ns / 1000000000);
        json_t *hdr, *item;
        char *s;
        FILE *f;
        int r = 0;

        if (!gmtime_r(&t, &tm))
                return -EINVAL;
        (void) snprintf(sent_at, sizeof(sent_at), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                        (unsigned) (sent_at_ns / 1000000 % 1000));

        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        hdr = json_pack("{s:s, s:s, s:s}", "event_id", event_id, "dsn", dsn, "sent_at", sent_at);
        s = hdr ? json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(hdr);
        if (!s)
                r = -ENOMEM;
        else
                /* No length: the event is one line (compact JSON has no
                 * raw newline), and Sentry's SDK parsers read an item
                 * without one as JSON, with one as bytes. */
                fprintf(f, "%s\n{\"type\":\"event\",\"content_type\":\"application/json\"}\n", s);
        free(s);
        if (r == 0 && memchr(event, '\n', event_len))
                r = -EINVAL;
        if (r == 0) {
                (void) fwrite(event, 1, event_len, f);
                fputc('\n', f);
        }
        if (r == 0 && minidump && minidump_len > 0) {
                item = json_pack("{s:s, s:I, s:s, s:s, s:s}", "type", "attachment", "length",
                                 (json_int_t) minidump_len, "filename",
                                 minidump_name && minidump_name[0] ? minidump_name : "minidump.dmp",
                                 "attachment_type", "event.minidump", "content_type",
                                 "application/x-dmp");
                s = item ? json_dumps(item, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
                json_decref(item);
                if (!s)
                        r = -ENOMEM;
                else {
                        fprintf(f, "%s\n", s);
                        (void) fwrite(minidump, 1, minidump_len, f);
                        fputc('\n', f);
                }
                free(s);
        }
        if (fclose(f) != 0 && r == 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

void sentry_parse_rate_limits(const char *v, uint64_t *ret_error_s, uint64_t *ret_attachment_s) {
        uint64_t error_s = 0, attachment_s = 0;
        const char *p = v;

        while (p && *p) {
                const char *end = strchr(p, ',');
                size_t n = end ? (size_t) (end - p) : strlen(p);
                char group[512], *cats, *colon, *num_end;
                unsigned long long secs;

                if (n < sizeof(group)) {
                        memcpy(group, p, n);
                        group[n] = 0;
                        cats = group;
                        while (isspace((unsigned char) *cats))
                                cats++;
                        errno = 0;
                        secs = strtoull(cats, &num_end, 10);
                        if (isdigit((unsigned char) *cats) && errno == 0 && *num_end == ':') {
                                bool all = false, error = false, attachment = false;

                                cats = num_end + 1;
                                colon = strchr(cats, ':');
                                if (colon)
                                        *colon = 0;
                                if (!*cats)
                                        all = true;
                                char *save = NULL;

                                for (char *c = strtok_r(cats, ";", &save); c; c = strtok_r(NULL, ";", &save)) {
                                        while (isspace((unsigned char) *c))
                                                c++;
                                        if (!strcmp(c, "error"))
                                                error = true;
                                        else if (!strcmp(c, "attachment"))
                                                attachment = true;
                                }
                                if ((all || error) && secs > error_s)
                                        error_s = secs;
                                if ((all || attachment) && secs > attachment_s)
                                        attachment_s = secs;
                        }
                }
                p = end ? end + 1 : NULL;
        }
        *ret_error_s = error_s;
        *ret_attachment_s = attachment_s;
}
