/* SPDX-License-Identifier: MIT */
/* daemon/http-server.c: the HTTP listener, sessions and routing (see
 * http-server.h). http-conn.c reads requests on the loop without blocking
 * and enforces the caps before a handler runs (connections, headers,
 * bodies streamed to a temp file, idle and total time), so a slow or
 * hostile client costs a bounded share of a socket, not the loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "daemon.h"
#include "http-conn.h"
#include "http-server.h"
#include "log.h"
#include "upload.h"
#include "util.h"

#define IDLE_TIMEOUT_S 60
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
        struct http_conns *conns;
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

void http_reply(struct http_request *req, int status, const char *reason, const char *content_type,
                const void *body, size_t len) {
        (void) http_request_add_header(req, "Content-Type", content_type);
        (void) http_request_add_header(req, "X-Content-Type-Options", "nosniff");
        (void) http_request_add_header(req, "X-Frame-Options", "DENY");
        (void) http_request_add_header(req, "Referrer-Policy", "no-referrer");
        (void) http_request_add_header(req, "Cache-Control", "no-store");
        (void) http_request_add_header(req, "Content-Security-Policy",
                                       "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        http_request_send(req, status, reason, body, len);
}

void http_reply_error(struct http_request *req, int status, const char *reason, const char *message) {
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

static const char *bearer(struct http_request *req) {
        const char *a = http_request_header(req, "Authorization");

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
static const char *upload_token_of(struct http_request *req, char *buf, size_t size) {
        const char *t = bearer(req);
        const char *q = http_request_query(req);

        if (t)
                return t;
        t = http_request_header(req, "X-Crashd-Token");
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

static void handle_upload(struct http_server *s, struct http_request *req) {
        struct daemon *d = s->d;
        char name[NAME_MAX + 1], err[256], peer[80] = "", tokbuf[256];
        size_t len;
        const uint8_t *body = http_request_body(req, &len);
        int r;

        /* Crash reporters send no Origin; a browser does, on the form
         * POST any web page could aim at 127.0.0.1 without a preflight. */
        if (http_request_header(req, "Origin")) {
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
        (void) snprintf(peer, sizeof(peer), "%s", http_request_peer(req));
        if (len == 0) {
                http_reply_error(req, 400, "Bad Request", "empty body");
                return;
        }
        if (len > d->config.max_upload_size) {
                http_reply_error(req, 413, "Payload Too Large", "the body is larger than max_upload_size");
                return;
        }
        r = upload_receive(d, body, len, http_request_header(req, "Content-Type"),
                           http_request_header(req, "Content-Encoding"), peer, name, sizeof(name), err, sizeof(err));
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

static void on_request(struct http_request *req, void *userdata) {
        struct http_server *s = userdata;
        const char *path = http_request_path(req);
        bool post = strcmp(http_request_method(req), "POST") == 0;
        const struct session *session;

        if (strcmp(path, "/upload") == 0 || strcmp(path, "/submit") == 0) {
                if (!post) {
                        http_reply_error(req, 405, "Method Not Allowed", "POST a minidump here");
                        return;
                }
                handle_upload(s, req);
                return;
        }
        if (post) {
                http_reply_error(req, 405, "Method Not Allowed", "only /upload takes POST");
                return;
        }
        session = find_session(s, bearer(req));
        if (!web_handle(s->d, req, path, session != NULL,
                        session ? (session->uid == 0 ? -1 : (int64_t) session->uid) : 0))
                http_reply_error(req, 404, "Not Found", "no such page");
}

/* A listening TCP socket on host:port (the first address that binds). */
static int listen_on(const char *host, uint16_t port, int *ret) {
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *ai, *p;
        char service[8];
        int fd = -1, r, one = 1;

        (void) snprintf(service, sizeof(service), "%u", (unsigned) port);
        r = getaddrinfo(host, service, &hints, &ai);
        if (r != 0)
                return r == EAI_SYSTEM ? -errno : -EADDRNOTAVAIL;
        r = -EADDRNOTAVAIL;
        for (p = ai; p; p = p->ai_next) {
                fd = socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
                if (fd < 0) {
                        r = -errno;
                        continue;
                }
                (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
                if (bind(fd, p->ai_addr, p->ai_addrlen) == 0 && listen(fd, 128) == 0)
                        break;
                r = -errno;
                (void) close(fd);
                fd = -1;
        }
        freeaddrinfo(ai);
        if (fd < 0)
                return r;
        *ret = fd;
        return 0;
}

int http_server_start(struct daemon *d) {
        struct http_server *s;
        char host[256];
        uint16_t port;
        bool loopback;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        int fd = -1, r;

        if (!d->config.http_listen || !d->config.http_listen[0])
                return 0;
        if (http_listen_parse(d->config.http_listen, host, sizeof(host), &port, &loopback) < 0)
                return log_error_errno(-EINVAL, "http_listen: '%s' is not ADDRESS:PORT.", d->config.http_listen);
        r = listen_on(host, port, &fd);
        if (r < 0) {
                /* The page is a convenience; crashes still get collected. */
                log_warning_errno(r, "Cannot listen on %s (%m); no web page and no uploads.", d->config.http_listen);
                return 0;
        }
        if (getsockname(fd, (struct sockaddr *) &ss, &sl) < 0)
                ss.ss_family = AF_UNSPEC;
        s = calloc(1, sizeof(*s));
        if (!s) {
                (void) close(fd);
                return log_error_errno(-ENOMEM, "Out of memory.");
        }
        s->d = d;
        s->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *) &ss)->sin6_port)
                  : ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *) &ss)->sin_port) : port;
        r = http_conns_new(d->base, fd, &(struct http_conn_limits) {
                        .max_conns = d->config.http_max_connections,
                        .max_per_peer = d->config.http_max_connections_per_address,
                        .max_body = d->config.max_upload_size,
                        /* Bodies on disk at once: four largest uploads. */
                        .body_budget = 4 * d->config.max_upload_size,
                        .idle_s = IDLE_TIMEOUT_S,
                        .request_s = (unsigned) d->config.http_request_timeout_s,
                        .tmp_dir_fd = d->dirs.state_fd,
                }, on_request, s, &s->conns);
        if (r < 0) {
                free(s);
                return log_error_errno(r, "Failed to set up the HTTP server: %m");
        }
        d->http = s;
        log_info("Web page and uploads on http://%s%s%s:%u/ (%s).", strchr(host, ':') ? "[" : "", host,
                 strchr(host, ':') ? "]" : "", s->port,
                 d->config.upload_token && d->config.upload_token[0] ? "uploads need the token" : "uploads need no token");
        return 0;
}

unsigned http_server_connections(const struct daemon *d) {
        return d->http ? http_conns_count(d->http->conns) : 0;
}

void http_server_stop(struct daemon *d) {
        struct http_server *s = d->http;

        if (!s)
                return;
        http_conns_free(s->conns);
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
