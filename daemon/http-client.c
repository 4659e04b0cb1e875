/* SPDX-License-Identifier: MIT */
/* daemon/http-client.c: libcurl's multi interface on a libevent loop (see
 * http-client.h), in the shape of curl's hiperfifo example: curl tells us
 * which sockets to watch and when to wake it; each event hands the socket
 * back to curl_multi_socket_action(), and finished transfers are collected
 * from curl_multi_info_read() after every action. */
#include <curl/curl.h>
#include <errno.h>
#include <event2/event.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http-client.h"
#include "util.h"

#define HEADER_VALUE_MAX 1024   /* Retry-After, X-Sentry-Rate-Limits: longer is not ours to honour */

struct http_client {
        struct event_base *base;
        CURLM *multi;
        struct event *timer;
        unsigned running;
        struct transfer *transfers;     /* under way, for http_client_free() */
};

struct transfer {
        struct http_client *client;
        struct transfer *prev, *next;
        CURL *easy;
        struct curl_slist *headers;
        void *body;
        http_done_fn done;
        void *userdata;
        char error[CURL_ERROR_SIZE];
        char retry_after[HEADER_VALUE_MAX];
        char rate_limits[HEADER_VALUE_MAX];
};

struct sock {
        struct event *ev;
};

static void unlink_transfer(struct transfer *t) {
        struct http_client *c = t->client;

        if (!c)
                return;
        (void) curl_multi_remove_handle(c->multi, t->easy);
        if (t->prev)
                t->prev->next = t->next;
        else
                c->transfers = t->next;
        if (t->next)
                t->next->prev = t->prev;
        t->prev = t->next = NULL;
        t->client = NULL;
        c->running--;
}

static void transfer_free(struct transfer *t) {
        if (!t)
                return;
        if (t->easy) {
                unlink_transfer(t);
                curl_easy_cleanup(t->easy);
        }
        curl_slist_free_all(t->headers);
        free(t->body);
        free(t);
}

static void check_done(struct http_client *c) {
        CURLMsg *m;
        int left;

        while ((m = curl_multi_info_read(c->multi, &left))) {
                struct transfer *t = NULL;
                struct http_response resp = {};
                curl_off_t us = 0;

                if (m->msg != CURLMSG_DONE)
                        continue;
                (void) curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **) &t);
                if (m->data.result == CURLE_OK)
                        (void) curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &resp.status);
                else {
                        resp.error = t->error[0] ? t->error : curl_easy_strerror(m->data.result);
                        resp.bad_url = m->data.result == CURLE_URL_MALFORMAT ||
                                       m->data.result == CURLE_UNSUPPORTED_PROTOCOL;
                }
                (void) curl_easy_getinfo(m->easy_handle, CURLINFO_TOTAL_TIME_T, &us);
                resp.elapsed_us = (uint64_t) us;
                resp.retry_after = t->retry_after[0] ? t->retry_after : NULL;
                resp.sentry_rate_limits = t->rate_limits[0] ? t->rate_limits : NULL;
                /* Detach first: the callback may start new transfers. */
                unlink_transfer(t);
                t->done(&resp, t->userdata);
                transfer_free(t);
        }
}

static void action(struct http_client *c, curl_socket_t fd, int what) {
        int still;

        (void) curl_multi_socket_action(c->multi, fd, what, &still);
        check_done(c);
}

static void on_socket(evutil_socket_t fd, short what, void *userdata) {
        struct http_client *c = userdata;

        action(c, fd, (what & EV_READ ? CURL_CSELECT_IN : 0) | (what & EV_WRITE ? CURL_CSELECT_OUT : 0));
}

static void on_timer(evutil_socket_t fd, short what, void *userdata) {
        (void) fd;
        (void) what;
        action(userdata, CURL_SOCKET_TIMEOUT, 0);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
        struct http_client *c = userp;
        struct sock *s = socketp;
        short kind;

        (void) easy;
        if (what == CURL_POLL_REMOVE) {
                if (s) {
                        event_free(s->ev);
                        free(s);
                        (void) curl_multi_assign(c->multi, fd, NULL);
                }
                return 0;
        }
        kind = EV_PERSIST | (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);
        if (!s) {
                s = calloc(1, sizeof(*s));
                if (!s)
                        return -1;
                (void) curl_multi_assign(c->multi, fd, s);
        } else {
                event_free(s->ev);
        }
        s->ev = event_new(c->base, fd, kind, on_socket, c);
        if (!s->ev || event_add(s->ev, NULL) < 0)
                return -1;
        return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp) {
        struct http_client *c = userp;
        struct timeval tv;

        (void) multi;
        if (timeout_ms < 0)
                return event_del(c->timer) < 0 ? -1 : 0;
        /* 0 means "now": from the loop, never from inside this callback. */
        tv.tv_sec = timeout_ms / 1000;
        tv.tv_usec = (timeout_ms % 1000) * 1000;
        return evtimer_add(c->timer, &tv) < 0 ? -1 : 0;
}

static void keep_header(char *dst, const char *p, size_t n) {
        while (n > 0 && (*p == ' ' || *p == '\t')) {
                p++;
                n--;
        }
        while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == '\n' || p[n - 1] == ' '))
                n--;
        if (n >= HEADER_VALUE_MAX)
                n = HEADER_VALUE_MAX - 1;
        memcpy(dst, p, n);
        dst[n] = 0;
}

static size_t header_cb(char *p, size_t size, size_t n, void *userdata) {
        struct transfer *t = userdata;
        size_t len = size * n;

        if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
                /* A new response (after a 100 Continue): forget the last one's. */
                t->retry_after[0] = t->rate_limits[0] = 0;
        } else if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
                keep_header(t->retry_after, p + 12, len - 12);
        } else if (len > 21 && !strncasecmp(p, "X-Sentry-Rate-Limits:", 21)) {
                keep_header(t->rate_limits, p + 21, len - 21);
        }
        return len;
}

static size_t discard_cb(char *p, size_t size, size_t n, void *userdata) {
        (void) p;
        (void) userdata;
        return size * n;
}

int http_client_new(struct event_base *base, struct http_client **ret) {
        struct http_client *c;

        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return -EIO;
        c = calloc(1, sizeof(*c));
        if (!c) {
                curl_global_cleanup();
                return -ENOMEM;
        }
        c->base = base;
        c->multi = curl_multi_init();
        c->timer = evtimer_new(base, on_timer, c);
        if (!c->multi || !c->timer) {
                http_client_free(c);
                return -ENOMEM;
        }
        (void) curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
        (void) curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
        (void) curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
        (void) curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
        /* Few connections to one receiver, kept open between events. */
        (void) curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 8L);
        *ret = c;
        return 0;
}

void http_client_free(struct http_client *c) {
        if (!c)
                return;
        if (c->multi) {
                while (c->transfers) {
                        struct transfer *t = c->transfers;

                        unlink_transfer(t);             /* removes it from the multi */
                        t->done(&(struct http_response) { .error = "cancelled", .cancelled = true }, t->userdata);
                        transfer_free(t);
                }
                /* Sockets still open are closed by the cleanup, through socket_cb. */
                (void) curl_multi_cleanup(c->multi);
        }
        if (c->timer)
                event_free(c->timer);
        free(c);
        curl_global_cleanup();
}

unsigned http_client_running(const struct http_client *c) {
        return c->running;
}

int http_client_post(struct http_client *c, const struct http_request *r, void *body, size_t len,
                     http_done_fn done, void *userdata) {
        struct transfer *t;
        bool ok = true;

        t = calloc(1, sizeof(*t));
        if (!t) {
                free(body);
                return -ENOMEM;
        }
        t->body = body;
        t->done = done;
        t->userdata = userdata;
        t->easy = curl_easy_init();
        if (!t->easy) {
                transfer_free(t);
                return -ENOMEM;
        }
        for (const char *const *h = r->headers; h && *h; h++) {
                struct curl_slist *l = curl_slist_append(t->headers, *h);
                if (!l) {
                        transfer_free(t);
                        return -ENOMEM;
                }
                t->headers = l;
        }
        /* No "Expect: 100-continue" round trip before larger bodies. */
        {
                struct curl_slist *l = curl_slist_append(t->headers, "Expect:");
                if (!l) {
                        transfer_free(t);
                        return -ENOMEM;
                }
                t->headers = l;
        }

#define SET(opt, val) ok = ok && curl_easy_setopt(t->easy, opt, val) == CURLE_OK
        SET(CURLOPT_URL, r->url);
        SET(CURLOPT_PROTOCOLS_STR, "http,https");
        SET(CURLOPT_REDIR_PROTOCOLS_STR, "https");
        SET(CURLOPT_FOLLOWLOCATION, 0L);
        SET(CURLOPT_NOSIGNAL, 1L);
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDS, (char *) body);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
        SET(CURLOPT_HTTPHEADER, t->headers);
        SET(CURLOPT_USERAGENT, "crashd/" CRASHD_VERSION);
        SET(CURLOPT_CONNECTTIMEOUT, (long) (r->connect_timeout_s ? r->connect_timeout_s : 10));
        SET(CURLOPT_TIMEOUT, (long) (r->total_timeout_s ? r->total_timeout_s : 30));
        /* Verification stays on (curl's default), said out loud. */
        SET(CURLOPT_SSL_VERIFYPEER, 1L);
        SET(CURLOPT_SSL_VERIFYHOST, 2L);
        if (r->ca_file && r->ca_file[0])
                SET(CURLOPT_CAINFO, r->ca_file);
        SET(CURLOPT_ERRORBUFFER, t->error);
        SET(CURLOPT_HEADERFUNCTION, header_cb);
        SET(CURLOPT_HEADERDATA, t);
        SET(CURLOPT_WRITEFUNCTION, discard_cb);
        SET(CURLOPT_PRIVATE, (char *) t);
#undef SET
        if (!ok) {
                transfer_free(t);
                return -EINVAL;
        }
        if (curl_multi_add_handle(c->multi, t->easy) != CURLM_OK) {
                transfer_free(t);
                return -ENOMEM;
        }
        t->client = c;
        t->next = c->transfers;
        if (t->next)
                t->next->prev = t;
        c->transfers = t;
        c->running++;
        return 0;
}
