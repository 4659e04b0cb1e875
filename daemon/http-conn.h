/* SPDX-License-Identifier: MIT */
/* daemon/http-conn.h: crashd's HTTP/1.1 server connections, on the
 * daemon's libevent loop. Every local user (and, off loopback, anyone)
 * can connect, so each cost is bounded as it arrives:
 *
 *  - connections: at most max_conns in all and max_per_peer from one
 *    address; when full, the connection that has waited longest for its
 *    request's headers makes room (an idle or slow client cannot keep
 *    others out), else the new one is closed. Running out of descriptors
 *    pauses accepting for a second, logged once a minute at most.
 *  - headers: 32 KiB and 100 lines; a body: max_body bytes (413 as soon
 *    as a Content-Length or the bytes so far say more), written as it
 *    arrives to an unlinked temp file in tmp_dir (O_TMPFILE), never held
 *    in memory; all bodies being received at once: body_budget bytes.
 *  - time: idle_s without a byte; request_s from a request's first byte to
 *    its last (a client that sends one byte every few seconds is cut off
 *    all the same).
 *
 * A complete request goes to the handler, which answers at once with
 * http_request_send(); keep-alive and HEAD are handled here. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct http_request;
struct http_conns;

struct http_conn_limits {
        unsigned max_conns, max_per_peer;
        uint64_t max_body, body_budget;
        unsigned idle_s, request_s;
        int tmp_dir_fd;                 /* where bodies are spooled (O_TMPFILE) */
};

typedef void (*http_handler_t)(struct http_request *req, void *userdata);

/* Serves the listening socket fd (bound and listening; taken over; < 0:
 * none, connections come through http_conns_adopt()). */
int http_conns_new(struct event_base *base, int fd, const struct http_conn_limits *l, http_handler_t handler,
                   void *userdata, struct http_conns **ret);
/* Serves one connected socket (taken over) from peer, as if accepted. */
int http_conns_adopt(struct http_conns *s, int fd, const char *peer);
void http_conns_free(struct http_conns *s);
unsigned http_conns_count(const struct http_conns *s);

/* The request: method ("GET", "HEAD", "POST"), path (as evhttp's URI
 * parser splits it, not percent-decoded; never NULL), query (or NULL), a header (case-insensitive;
 * NULL if absent), the peer's address, and the body (mapped read-only
 * from its temp file; NULL with *len 0 when empty). */
const char *http_request_method(const struct http_request *req);
const char *http_request_path(const struct http_request *req);
const char *http_request_query(const struct http_request *req);
const char *http_request_header(const struct http_request *req, const char *name);
const char *http_request_peer(const struct http_request *req);
const uint8_t *http_request_body(const struct http_request *req, size_t *len);

/* Adds a response header (before http_request_send()). */
int http_request_add_header(struct http_request *req, const char *name, const char *value);
/* The answer; once per request. A HEAD request gets the headers only. */
void http_request_send(struct http_request *req, int status, const char *reason, const void *body, size_t len);
