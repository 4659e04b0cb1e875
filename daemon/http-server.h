/* SPDX-License-Identifier: MIT */
/* daemon/http-server.h: crashd's HTTP server (http-conn.c's connections
 * on the daemon's loop), on http_listen (127.0.0.1:8040 by default):
 *
 *   GET  /, /app.js, /style.css   the web page (web.c, files in web/)
 *   GET  /api/...                 its JSON API (web.c), with a session token
 *   POST /upload                  minidump uploads (upload.c)
 *
 * Every local user can reach a port on 127.0.0.1, so the API answers only
 * requests that carry a session token (Authorization: Bearer TOKEN) that
 * `crashctl web` got over the Unix API socket, where SO_PEERCRED says who
 * asked: a token is bound to that uid and sees that uid's crashes only
 * (root: all). Uploads need upload_token when it is set, and it must be
 * set when http_listen is not a loopback address. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct daemon;
struct daemon_config;
struct http_request;

/* "127.0.0.1:8040", "[::1]:8040", "localhost:8040", "0.0.0.0:80". */
int http_listen_parse(const char *s, char *host, size_t host_size, uint16_t *ret_port, bool *ret_loopback);
/* The configuration's HTTP settings: a parsable http_listen, and a token
 * when it is not loopback. -EINVAL with the reason in err. */
int http_config_check(const struct daemon_config *c, char *err, size_t errlen);

int http_server_start(struct daemon *d);
void http_server_stop(struct daemon *d);
/* Connections open now (status). */
unsigned http_server_connections(const struct daemon *d);

/* A new session token for uid (hex, NUL-terminated, in token, which must
 * hold HTTP_TOKEN_SIZE bytes) and the port the server listens on. -ENOTCONN
 * when there is no HTTP server. */
#define HTTP_TOKEN_SIZE 65
int http_server_new_session(struct daemon *d, uid_t uid, char *token, unsigned *ret_port);
/* The API's "web_session" answer: {"token": T, "port": N, "url": "http://HOST:PORT/#token=T"}. */
int http_server_session_json(struct daemon *d, uid_t uid, FILE *f);

/* web.c: the page and its API. Returns whether it handled the request. */
bool web_handle(struct daemon *d, struct http_request *req, const char *path, bool have_session, int64_t uid);
/* Sends body with status and content type, and crashd's security headers. */
void http_reply(struct http_request *req, int status, const char *reason, const char *content_type,
                const void *body, size_t len);
void http_reply_error(struct http_request *req, int status, const char *reason, const char *message);
