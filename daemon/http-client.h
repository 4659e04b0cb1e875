/* SPDX-License-Identifier: MIT */
/* daemon/http-client.h: HTTP(S) POSTs through libcurl's multi interface,
 * driven by crashd's libevent loop (CURLMOPT_SOCKETFUNCTION and
 * CURLMOPT_TIMERFUNCTION become events), so a slow or dead receiver never
 * blocks the loop. Proxies come from the environment (curl's http_proxy,
 * https_proxy, no_proxy), TLS peers are always verified (a CA file may be
 * given; verification is never turned off), and every transfer has a
 * connect and a total timeout. Loop thread only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct http_client;

struct http_request {
        const char *url;
        const char *const *headers;     /* "Name: value", NULL-terminated; may be NULL */
        unsigned connect_timeout_s;     /* 0: 10 */
        unsigned total_timeout_s;       /* 0: 30 */
        const char *ca_file;            /* NULL or "": the system's CA store */
};

struct http_response {
        long status;                    /* 0: no HTTP answer (see error) */
        const char *error;              /* curl's message when status is 0 */
        const char *retry_after;        /* the Retry-After header, or NULL */
        const char *sentry_rate_limits; /* X-Sentry-Rate-Limits, or NULL */
        uint64_t elapsed_us;
        bool cancelled;                 /* http_client_free() ended it: free userdata, nothing else */
        bool bad_url;                   /* status 0 because the URL cannot work: retrying will not help */
};

/* Called exactly once per request, on the loop; with cancelled set when
 * the client is freed first. */
typedef void (*http_done_fn)(const struct http_response *resp, void *userdata);

int http_client_new(struct event_base *base, struct http_client **ret);
/* Aborts the transfers under way (their callbacks see cancelled). */
void http_client_free(struct http_client *c);

/* POSTs body (taken over: freed by the client, with free()) to r->url.
 * Returns 0 (done will be called) or -errno (body freed, done never
 * called). */
int http_client_post(struct http_client *c, const struct http_request *r, void *body, size_t len,
                     http_done_fn done, void *userdata);
unsigned http_client_running(const struct http_client *c);
