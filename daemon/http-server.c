/* SPDX-License-Identifier: MIT */
/* daemon/http-server.c: the HTTP listener, sessions and routing (see
 * http-server.h). evhttp reads requests on the loop without blocking and
 * enforces the caps before a handler runs: headers (32 KiB), bodies
 * (max_upload_size, 413 past it, chunked or not) and a timeout per
 * connection, so a slow or hostile client costs a socket, not the loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/bufferevent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "daemon.h"
#include "http-server.h"
#include "log.h"
#include "upload.h"
#include "util.h"

#define MAX_HEADERS_SIZE 32768
#define TIMEOUT_S 60
#define MAX_SESSIONS 256
#define MAX_SESSIONS_PER_UID 8          /* so that one user cannot push the others' sessions out */
#define SESSION_TTL_NS (UINT64_C(12) * 3600 * 1000000000)   /* a working day; `crashctl web` makes a new one */

struct session {
        char token[HTTP_TOKEN_SIZE];
        uid_t uid;
        uint64_t expires_ns;
};

struct http_server {
        struct daemon *d;
        struct evhttp *http;
        unsigned port;
        struct session sessions[MAX_SESSIONS];
};

int http_listen_parse(const char *s, char *host, size_t host_size, uint16_t *ret_port, bool *ret_loopback) {
        const char *colon, *h = s;
        size_t hlen;
        char *end;
        unsigned long port;
        struct in_addr a4;
        struct in6_addr a6;

        if (!s || !*s)
                return -EINVAL;
        if (s[0] == '[') {
                const char *rb = strchr(s, ']');

                if (!rb || rb[1] != ':')
                        return -EINVAL;
                h = s + 1;
                hlen = (size_t) (rb - h);
                colon = rb + 1;
        } else {
                colon = strrchr(s, ':');
                if (!colon)
                        return -EINVAL;
                hlen = (size_t) (colon - s);
        }
        if (hlen == 0 || hlen >= host_size)
                return -EINVAL;
        errno = 0;
        port = strtoul(colon + 1, &end, 10);
        if (errno || *end || colon[1] < '0' || colon[1] > '9' || port > 65535)
                return -EINVAL;
        for (size_t i = 0; i < hlen; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:-_%", h[i]))
                        return -EINVAL;
        memcpy(host, h, hlen);
        host[hlen] = 0;
        *ret_port = (uint16_t) port;
        if (inet_pton(AF_INET, host, &a4) == 1)
                *ret_loopback = (ntohl(a4.s_addr) >> 24) == 127;
        else if (inet_pton(AF_INET6, host, &a6) == 1)
                *ret_loopback = IN6_IS_ADDR_LOOPBACK(&a6);
        else
                /* A name could resolve anywhere; only "localhost" is
                 * taken at its word (RFC 6761 says it is loopback). */
                *ret_loopback = strcmp(host, "localhost") == 0;
        return 0;
}

int http_config_check(const struct daemon_config *c, char *err, size_t errlen) {
        char host[256];
        uint16_t port;
        bool loopback;

        if (!c->http_listen || !c->http_listen[0])
                return 0;
        if (http_listen_parse(c->http_listen, host, sizeof(host), &port, &loopback) < 0) {
                (void) snprintf(err, errlen, "http_listen: '%s' is not ADDRESS:PORT", c->http_listen);
                return -EINVAL;
        }
        if (!loopback && (!c->upload_token || !c->upload_token[0])) {
                (void) snprintf(err, errlen,
                                "http_listen: '%s' is not a loopback address, so upload_token must be set "
                                "(anyone who can reach the port could upload)", c->http_listen);
                return -EINVAL;
        }
        return 0;
}

/* Equal strings, in time that depends on the length of b only. */
static bool token_equal(const char *a, const char *b) {
        size_t na = strlen(a), nb = strlen(b);
        unsigned char diff = na != nb;

        for (size_t i = 0; i < nb; i++)
                diff |= (unsigned char) (a[i < na ? i : 0] ^ b[i]);
        return diff == 0;
}

void http_reply(struct evhttp_request *req, int status, const char *reason, const char *content_type,
                const void *body, size_t len) {
        struct evkeyvalq *h = evhttp_request_get_output_headers(req);
        struct evbuffer *out = evbuffer_new();

        (void) evhttp_add_header(h, "Content-Type", content_type);
        (void) evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
        (void) evhttp_add_header(h, "X-Frame-Options", "DENY");
        (void) evhttp_add_header(h, "Referrer-Policy", "no-referrer");
        (void) evhttp_add_header(h, "Cache-Control", "no-store");
        (void) evhttp_add_header(h, "Content-Security-Policy",
                                 "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                 "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        if (out && len > 0)
                (void) evbuffer_add(out, body, len);
        evhttp_send_reply(req, status, reason, out);
        if (out)
                evbuffer_free(out);
}

void http_reply_error(struct evhttp_request *req, int status, const char *reason, const char *message) {
        char buf[768];
        int n;

        /* message is ours (never request bytes), plain ASCII: no escaping needed beyond quotes. */
        n = snprintf(buf, sizeof(buf), "{\"error\":\"%s\",\"status\":%d}\n", message, status);
        if (n < 0 || (size_t) n >= sizeof(buf))
                n = snprintf(buf, sizeof(buf), "{\"error\":\"%s\",\"status\":%d}\n", reason, status);
        http_reply(req, status, reason, "application/json", buf, n > 0 ? (size_t) n : 0);
}

int http_server_new_session(struct daemon *d, uid_t uid, char *token, unsigned *ret_port) {
        struct http_server *s = d->http;
        uint8_t rnd[32];
        uint64_t now = now_ns(CLOCK_MONOTONIC);
        struct session *slot = NULL;

        if (!s)
                return -ENOTCONN;
        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t) sizeof(rnd))
                return -EIO;
        /* The uid's oldest when it has its share; else a free or expired
         * slot; else the one that expires first. */
        {
                struct session *own_oldest = NULL;
                unsigned own = 0;

                for (size_t i = 0; i < MAX_SESSIONS; i++) {
                        struct session *e = &s->sessions[i];

                        if (e->token[0] && e->expires_ns >= now && e->uid == uid) {
                                own++;
                                if (!own_oldest || e->expires_ns < own_oldest->expires_ns)
                                        own_oldest = e;
                        }
                }
                if (own >= MAX_SESSIONS_PER_UID)
                        slot = own_oldest;
        }
        for (size_t i = 0; i < MAX_SESSIONS && !slot; i++) {
                struct session *e = &s->sessions[i];

                if (!e->token[0] || e->expires_ns < now)
                        slot = e;
        }
        if (!slot) {
                slot = &s->sessions[0];
                for (size_t i = 1; i < MAX_SESSIONS; i++)
                        if (s->sessions[i].expires_ns < slot->expires_ns)
                                slot = &s->sessions[i];
        }
        for (size_t i = 0; i < sizeof(rnd); i++)
                (void) snprintf(slot->token + 2 * i, 3, "%02x", rnd[i]);
        slot->uid = uid;
        slot->expires_ns = now + SESSION_TTL_NS;
        memcpy(token, slot->token, HTTP_TOKEN_SIZE);
        *ret_port = s->port;
        return 0;
}

static const struct session *find_session(struct http_server *s, const char *token) {
        uint64_t now = now_ns(CLOCK_MONOTONIC);
        const struct session *found = NULL;

        if (!token || strlen(token) != HTTP_TOKEN_SIZE - 1)
                return NULL;
        for (size_t i = 0; i < MAX_SESSIONS; i++) {
                const struct session *e = &s->sessions[i];

                if (e->token[0] && e->expires_ns >= now && token_equal(token, e->token))
                        found = e;
        }
        return found;
}

static const char *bearer(struct evhttp_request *req) {
        const char *a = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");

        if (a && strncasecmp(a, "Bearer ", 7) == 0) {
                a += 7;
                while (*a == ' ')
                        a++;
                return a;
        }
        return NULL;
}

/* The upload token from Authorization, X-Crashd-Token or ?token=; NULL if
 * none. buf holds a decoded query value. */
static const char *upload_token_of(struct evhttp_request *req, char *buf, size_t size) {
        const char *t = bearer(req);
        const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));

        if (t)
                return t;
        t = evhttp_find_header(evhttp_request_get_input_headers(req), "X-Crashd-Token");
        if (t)
                return t;
        if (q) {
                struct evkeyvalq params;
                const char *v;

                if (evhttp_parse_query_str(q, &params) == 0) {
                        v = evhttp_find_header(&params, "token");
                        if (v)
                                (void) strlcpy_ok(buf, v, size);
                        evhttp_clear_headers(&params);
                        if (v)
                                return buf;
                }
        }
        return NULL;
}

static void handle_upload(struct http_server *s, struct evhttp_request *req) {
        struct daemon *d = s->d;
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        struct evkeyvalq *h = evhttp_request_get_input_headers(req);
        struct evhttp_connection *conn = evhttp_request_get_connection(req);
        char name[NAME_MAX + 1], err[256], peer[80] = "", tokbuf[256];
        size_t len = evbuffer_get_length(in);
        const uint8_t *body;
        int r;

        /* Crash reporters send no Origin; a browser does, on the form
         * POST any web page could aim at 127.0.0.1 without a preflight. */
        if (evhttp_find_header(h, "Origin")) {
                http_reply_error(req, 403, "Forbidden", "uploads from web pages are not accepted");
                return;
        }
        if (d->config.upload_token && d->config.upload_token[0]) {
                const char *t = upload_token_of(req, tokbuf, sizeof(tokbuf));

                if (!t) {
                        http_reply_error(req, 401, "Unauthorized", "an upload token is required");
                        return;
                }
                if (!token_equal(t, d->config.upload_token)) {
                        log_notice("Upload refused: a wrong token.");
                        http_reply_error(req, 403, "Forbidden", "wrong upload token");
                        return;
                }
        }
        if (conn) {
                char *addr = NULL;
                ev_uint16_t port = 0;

                evhttp_connection_get_peer(conn, &addr, &port);
                if (addr)
                        (void) snprintf(peer, sizeof(peer), "%s", addr);
        }
        if (len == 0) {
                http_reply_error(req, 400, "Bad Request", "empty body");
                return;
        }
        if (len > d->config.max_upload_size) {
                http_reply_error(req, 413, "Payload Too Large", "the body is larger than max_upload_size");
                return;
        }
        body = evbuffer_pullup(in, -1);
        if (!body) {
                http_reply_error(req, 503, "Service Unavailable", "out of memory");
                return;
        }
        r = upload_receive(d, body, len, evhttp_find_header(h, "Content-Type"),
                           evhttp_find_header(h, "Content-Encoding"), peer, name, sizeof(name), err, sizeof(err));
        if (r < 0) {
                log_info("Upload from %s refused: %s.", peer[0] ? peer : "?", err);
                if (r == -EFBIG)
                        http_reply_error(req, 413, "Payload Too Large", err);
                else if (r == -EBADMSG || r == -EINVAL)
                        http_reply_error(req, 400, "Bad Request", err);
                else
                        http_reply_error(req, 503, "Service Unavailable", err);
                return;
        }
        /* Breakpad's and Crashpad's clients take the body as the report's
         * id and log it. */
        {
                char reply[NAME_MAX + 16];
                int n = snprintf(reply, sizeof(reply), "%s\n", name);

                http_reply(req, 200, "OK", "text/plain; charset=utf-8", reply, n > 0 ? (size_t) n : 0);
        }
}

static void on_request(struct evhttp_request *req, void *userdata) {
        struct http_server *s = userdata;
        const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
        const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
        enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
        const struct session *session;

        if (!path || !*path)
                path = "/";
        {
                /* evhttp writes the headers and the body separately: without
                 * this, Nagle and the peer's delayed ACK add 40 ms to every
                 * answer on a kept-alive connection. */
                struct evhttp_connection *conn = evhttp_request_get_connection(req);
                struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
                int one = 1;

                if (bev)
                        (void) setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        }
        if (strcmp(path, "/upload") == 0 || strcmp(path, "/submit") == 0) {
                if (cmd != EVHTTP_REQ_POST) {
                        http_reply_error(req, 405, "Method Not Allowed", "POST a minidump here");
                        return;
                }
                handle_upload(s, req);
                return;
        }
        if (cmd == EVHTTP_REQ_POST) {
                http_reply_error(req, 405, "Method Not Allowed", "only /upload takes POST");
                return;
        }
        session = find_session(s, bearer(req));
        if (!web_handle(s->d, req, path, session != NULL,
                        session ? (session->uid == 0 ? -1 : (int64_t) session->uid) : 0))
                http_reply_error(req, 404, "Not Found", "no such page");
}

int http_server_start(struct daemon *d) {
        struct http_server *s;
        struct evhttp_bound_socket *bound;
        char host[256];
        uint16_t port;
        bool loopback;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);

        if (!d->config.http_listen || !d->config.http_listen[0])
                return 0;
        if (http_listen_parse(d->config.http_listen, host, sizeof(host), &port, &loopback) < 0)
                return log_error_errno(-EINVAL, "http_listen: '%s' is not ADDRESS:PORT.", d->config.http_listen);
        s = calloc(1, sizeof(*s));
        if (!s)
                return log_error_errno(-ENOMEM, "Out of memory.");
        s->d = d;
        s->http = evhttp_new(d->base);
        if (!s->http) {
                free(s);
                return log_error_errno(-ENOMEM, "Failed to create the HTTP server.");
        }
        evhttp_set_max_headers_size(s->http, MAX_HEADERS_SIZE);
        evhttp_set_max_body_size(s->http, (ev_ssize_t) d->config.max_upload_size);
        evhttp_set_timeout(s->http, TIMEOUT_S);
        evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
        evhttp_set_default_content_type(s->http, "application/octet-stream");
        evhttp_set_gencb(s->http, on_request, s);
        bound = evhttp_bind_socket_with_handle(s->http, host, port);
        if (!bound) {
                /* The page is a convenience; crashes still get collected. */
                log_warning("Cannot listen on %s (%m); no web page and no uploads.", d->config.http_listen);
                evhttp_free(s->http);
                free(s);
                return 0;
        }
        if (getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *) &ss, &sl) == 0)
                s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &ss)->sin6_port
                                                        : ((struct sockaddr_in *) &ss)->sin_port);
        else
                s->port = port;
        d->http = s;
        log_info("Web page and uploads on http://%s%s%s:%u/ (%s).", strchr(host, ':') ? "[" : "", host,
                 strchr(host, ':') ? "]" : "", s->port,
                 d->config.upload_token && d->config.upload_token[0] ? "uploads need the token" : "uploads need no token");
        return 0;
}

void http_server_stop(struct daemon *d) {
        struct http_server *s = d->http;

        if (!s)
                return;
        evhttp_free(s->http);
        explicit_bzero(s->sessions, sizeof(s->sessions));
        free(s);
        d->http = NULL;
}

int http_server_session_json(struct daemon *d, uid_t uid, FILE *f) {
        char token[HTTP_TOKEN_SIZE], host[256];
        unsigned port;
        uint16_t p16;
        bool loopback;
        int r;

        r = http_server_new_session(d, uid, token, &port);
        if (r < 0)
                return r;
        if (http_listen_parse(d->config.http_listen, host, sizeof(host), &p16, &loopback) < 0)
                return -EINVAL;
        /* A wildcard address is reached through loopback from this host. */
        if (strcmp(host, "0.0.0.0") == 0)
                strcpy(host, "127.0.0.1");
        else if (strcmp(host, "::") == 0)
                strcpy(host, "::1");
        log_info("Web session for uid %u.", (unsigned) uid);
        fprintf(f, "{\"token\":\"%s\",\"port\":%u,\"url\":\"http://%s%s%s:%u/#token=%s\"}\n", token, port,
                strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port, token);
        return 0;
}
