/* SPDX-License-Identifier: MIT */
/* daemon/api.c: crashctl's JSON API on a Unix stream socket.
 *
 * A connection carries one request, one line of JSON:
 *   {"method": "list", ...}      the filter's fields: query_filter_from_json()
 *   {"method": "show", "id": N}
 *   {"method": "dump", "id": N}
 *   {"method": "groups"}
 *   {"method": "status"}
 * and gets one JSON answer (query.h has the shapes), then the connection
 * closes. "dump" answers with {"crash": CRASH} and the dump file's
 * descriptor attached (SCM_RIGHTS), so a user gets their file without
 * being able to open the state directory. Errors are {"error": S,
 * "errno": N}.
 *
 * Who asks is the kernel's answer (SO_PEERCRED), never the request's: uid
 * 0 sees every crash, anyone else their own only, and another user's
 * crash is answered as if it did not exist. */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "daemon.h"
#include "forward.h"
#include "http-server.h"
#include "json-util.h"
#include "log.h"
#include "query.h"
#include "util.h"

#define REQUEST_MAX 65536
#define READ_TIMEOUT_S 10
#define WRITE_TIMEOUT_S 60

struct client;

struct api {
        struct daemon *d;
        struct evconnlistener *listener;
        bool owned;                     /* we bound it: unlink at exit */
        unsigned n_clients;
        struct client *clients;         /* all of them, for the teardown */
};

struct client {
        struct client *prev, *next;
        struct api *api;
        struct bufferevent *bev;
        struct ucred cred;
        bool answered;
};

static void client_free(struct client *c) {
        if (c->prev)
                c->prev->next = c->next;
        else
                c->api->clients = c->next;
        if (c->next)
                c->next->prev = c->prev;
        c->api->n_clients--;
        bufferevent_free(c->bev);
        free(c);
}

static ssize_t evbuffer_cookie_write(void *cookie, const char *buf, size_t n) {
        return evbuffer_add(cookie, buf, n) == 0 ? (ssize_t) n : -1;
}

static void answer_error(struct evbuffer *out, int error, const char *message) {
        json_t *o = json_pack("{s:s, s:i}", "error", message, "errno", error < 0 ? -error : error);
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

        if (s) {
                evbuffer_add_printf(out, "%s\n", s);
                free(s);
        } else
                evbuffer_add_printf(out, "{\"error\":\"out of memory\",\"errno\":12}\n");
        json_decref(o);
}

static const char *error_text(int r) {
        switch (r) {
        case -ENOENT: return "no such crash";
        case -ENOMEM: return "out of memory";
        case -ENOTCONN: return "crashd serves no web page (http_listen is empty or its port was taken)";
        case -EBUSY: return "the database is locked by another process; try again";
        default: return "database error";
        }
}

/* The store's view (query_status()), parsed back into an object. */
static json_t *store_status(struct daemon *d, int64_t uid) {
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        json_t *o = NULL;

        if (!m)
                return NULL;
        if (query_status(store_db(d->store), uid, m) < 0) {
                fclose(m);
                free(buf);
                return NULL;
        }
        if (fclose(m) == 0)
                o = json_loadb(buf, len, 0, NULL);
        free(buf);
        return o;
}

/* "status": the daemon's counters, and the store as the caller sees it.
 * The last error and the outbox can name other users' crashes and
 * targets: root only. */
static int status_json(struct daemon *d, int64_t uid, FILE *f) {
        json_t *o = json_pack("{s:s, s:i, s:I, s:i, s:i, s:i, s:I, s:b, s:b, s:i, s:I, s:I, s:I, s:I, s:I, s:I}",
                              "version", CRASHD_VERSION,
                              "pid", (int) getpid(),
                              "uptime_ns", (json_int_t) (now_ns(CLOCK_MONOTONIC) - d->started_ns),
                              "workers", (int) workqueue_workers(d->wq),
                              "queue_size", (int) d->config.queue_size,
                              "in_flight", (int) d->in_flight,
                              "backlog", (json_int_t) pipeline_backlog(d),
                              "paused", d->paused,
                              "store_blocked", d->store_blocked,
                              "http_connections", (int) http_server_connections(d),
                              "stored", (json_int_t) d->n_stored,
                              "duplicates", (json_int_t) d->n_duplicates,
                              "bad", (json_int_t) d->n_bad,
                              "retries", (json_int_t) d->n_retries,
                              "deleted", (json_int_t) d->n_deleted,
                              "loop_replaced", (json_int_t) d->n_loop_replaced);
        struct forward_stats fs;
        int r;

        if (!o)
                return -ENOMEM;
        if (uid == QUERY_ALL_USERS) {
                (void) json_object_set_new(o, "last_error", d->last_error[0] ? json_string_lossy(d->last_error)
                                                                             : json_util_null());
                /* The outbox (forward.c): Sentry and webhooks. */
                forward_get_stats(d, &fs);
                (void) json_object_set_new(o, "forward", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
                                                                   "queued", (json_int_t) fs.queued,
                                                                   "in_flight", (json_int_t) fs.in_flight,
                                                                   "sent", (json_int_t) fs.sent,
                                                                   "dropped", (json_int_t) fs.dropped,
                                                                   "retries", (json_int_t) fs.retries,
                                                                   "limited", (json_int_t) d->n_forward_limited));
        }
        (void) json_object_set_new(o, "store", store_status(d, uid));
        r = json_dumpf(o, f, JSON_COMPACT) == 0 ? 0 : -EIO;
        fputc('\n', f);
        json_decref(o);
        return r;
}

/* "dump": the answer and the file's descriptor in one message. */
static void answer_dump(struct client *c, int64_t uid, int64_t id) {
        struct daemon *d = c->api->d;
        struct evbuffer *out = bufferevent_get_output(c->bev);
        char name[NAME_MAX + 1], *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint64_t size;
        json_t *o;
        int r;

        r = query_dump_file(store_db(d->store), uid, id, name, sizeof(name), &size);
        if (r < 0) {
                answer_error(out, r, error_text(r));
                return;
        }
        fd = openat(d->dirs.dumps_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                log_warning_errno(r, "Failed to open the stored dump '%s': %m", name);
                answer_error(out, r, "the stored dump cannot be opened");
                return;
        }
        o = json_pack("{s:I, s:I}", "id", (json_int_t) id, "size", (json_int_t) size);
        text = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o);
        if (!text) {
                answer_error(out, -ENOMEM, "out of memory");
                return;
        }
        {
                union {
                        struct cmsghdr h;
                        uint8_t space[CMSG_SPACE(sizeof(int))];
                } control = {};
                struct iovec iov[2] = { { text, strlen(text) }, { (char *) "\n", 1 } };
                struct msghdr mh = {
                        .msg_iov = iov, .msg_iovlen = 2,
                        .msg_control = &control, .msg_controllen = sizeof(control),
                };
                struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(cm), &fd, sizeof(int));
                /* Nothing was written on this connection yet, so the
                 * socket buffer has room for this small message. */
                if (sendmsg(bufferevent_getfd(c->bev), &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                        log_debug_errno(-errno, "Failed to send a dump to pid %d: %m", (int) c->cred.pid);
        }
        free(text);
}

static void answer(struct client *c, const char *line, size_t len) {
        struct daemon *d = c->api->d;
        struct evbuffer *out = bufferevent_get_output(c->bev);
        int64_t uid = c->cred.uid == 0 ? QUERY_ALL_USERS : (int64_t) c->cred.uid;
        json_error_t jerr;
        json_t *req;
        const char *method;
        FILE *f;
        int r;

        req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
        method = req ? json_get_str(req, "method") : NULL;
        if (!req || !json_is_object(req) || !method) {
                answer_error(out, -EINVAL, "expected one JSON object with a \"method\"");
                json_decref(req);
                return;
        }
        log_debug("API request '%s' from pid %d, uid %d.", method, (int) c->cred.pid, (int) c->cred.uid);

        if (strcmp(method, "dump") == 0) {
                answer_dump(c, uid, json_get_int(req, "id", -1));
                json_decref(req);
                return;
        }

        f = fopencookie(out, "w", (cookie_io_functions_t) { .write = evbuffer_cookie_write });
        if (!f) {
                answer_error(out, -ENOMEM, "out of memory");
                json_decref(req);
                return;
        }
        if (strcmp(method, "list") == 0) {
                struct query_filter filter;

                query_filter_from_json(req, uid, &filter);
                r = query_list(store_db(d->store), &filter, f);
        } else if (strcmp(method, "show") == 0)
                r = query_show(store_db(d->store), uid, json_get_int(req, "id", -1), f);
        else if (strcmp(method, "groups") == 0)
                r = query_groups(store_db(d->store), uid, f);
        else if (strcmp(method, "status") == 0)
                r = status_json(d, uid, f);
        else if (strcmp(method, "web_session") == 0)    /* `crashctl web`: a token for this uid */
                r = http_server_session_json(d, c->cred.uid, f);
        else
                r = -EOPNOTSUPP;
        if (fclose(f) != 0 && r >= 0)
                r = -EIO;
        if (r < 0) {
                /* Nothing has gone out yet (bufferevents write from the
                 * loop): replace a half answer with the error. */
                (void) evbuffer_drain(out, evbuffer_get_length(out));
                answer_error(out, r, r == -EOPNOTSUPP ? "unknown method" : error_text(r));
        }
        json_decref(req);
}

static void on_read(struct bufferevent *bev, void *userdata) {
        struct client *c = userdata;
        struct evbuffer *in = bufferevent_get_input(bev);
        struct evbuffer_ptr eol;
        size_t eol_len = 0;
        char *line;

        if (c->answered)
                return;
        eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
        if (eol.pos < 0) {
                if (evbuffer_get_length(in) > REQUEST_MAX) {
                        answer_error(bufferevent_get_output(bev), -E2BIG, "request too long");
                        goto answered;
                }
                return;
        }
        line = (char *) evbuffer_pullup(in, eol.pos);
        if (line || eol.pos == 0)
                answer(c, line ? line : "", (size_t) eol.pos);
answered:
        c->answered = true;
        bufferevent_disable(bev, EV_READ);
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
                client_free(c);         /* "dump" answered outside the buffer */
}

static void on_write(struct bufferevent *bev, void *userdata) {
        struct client *c = userdata;

        /* Called when the output buffer has drained. */
        if (c->answered)
                client_free(c);
}

static void on_event(struct bufferevent *bev, short what, void *userdata) {
        struct client *c = userdata;

        if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
                if ((what & BEV_EVENT_EOF) && !c->answered) {
                        /* A request without a final newline. */
                        struct evbuffer *in = bufferevent_get_input(bev);
                        size_t n = evbuffer_get_length(in);
                        char *line = n ? (char *) evbuffer_pullup(in, -1) : NULL;

                        if (line) {
                                answer(c, line, n);
                                c->answered = true;
                                if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
                                        return;
                        }
                }
                client_free(c);
        }
}

static unsigned uid_clients(const struct api *api, uid_t uid) {
        unsigned n = 0;

        for (const struct client *c = api->clients; c; c = c->next)
                n += c->cred.uid == uid;
        return n;
}

/* A quarter of the slots per user (at least one): four users together
 * could still fill them, each waiting out READ_TIMEOUT_S. */
static unsigned per_uid_max(const struct api *api) {
        unsigned n = api->d->config.api_max_clients / 4;

        return n ? n : 1;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *userdata) {
        struct api *api = userdata;
        struct timeval rt = { .tv_sec = READ_TIMEOUT_S }, wt = { .tv_sec = WRITE_TIMEOUT_S };
        socklen_t sl = sizeof(struct ucred);
        struct client *c;

        if (api->n_clients >= api->d->config.api_max_clients) {
                log_debug("Too many API clients; refusing one.");
                close(fd);
                return;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                close(fd);
                return;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &sl) < 0) {
                free(c);
                close(fd);
                return;
        }
        if (c->cred.uid != 0 && uid_clients(api, c->cred.uid) >= per_uid_max(api)) {
                /* One user holding every slot would blind the others (and
                 * root, who always gets in below the global cap). */
                log_debug("Too many API clients of uid %u; refusing one.", (unsigned) c->cred.uid);
                free(c);
                close(fd);
                return;
        }
        c->api = api;
        c->bev = bufferevent_socket_new(api->d->base, fd, BEV_OPT_CLOSE_ON_FREE);
        if (!c->bev) {
                free(c);
                close(fd);
                return;
        }
        api->n_clients++;
        c->next = api->clients;
        if (c->next)
                c->next->prev = c;
        api->clients = c;
        bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
        bufferevent_set_timeouts(c->bev, &rt, &wt);
        bufferevent_setwatermark(c->bev, EV_READ, 0, REQUEST_MAX + 2);
        (void) bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

int api_start(struct daemon *d, int fd) {
        struct api *api;
        int r;

        api = calloc(1, sizeof(*api));
        if (!api)
                return log_error_errno(-ENOMEM, "Out of memory.");
        api->d = d;
        d->api = api;
        if (fd < 0) {
                r = ingest_bind_unix(d->config.api_socket, SOCK_STREAM, d->system ? 0666 : 0600, &fd);
                if (r < 0)
                        return log_error_errno(r, "Failed to bind the API socket '%s': %m", d->config.api_socket);
                api->owned = true;
                if (listen(fd, 64) < 0) {
                        r = -errno;
                        close(fd);
                        return log_error_errno(r, "Failed to listen on '%s': %m", d->config.api_socket);
                }
        }
        evutil_make_socket_nonblocking(fd);
        api->listener = evconnlistener_new(d->base, on_accept, api, LEV_OPT_CLOSE_ON_FREE, -1, fd);
        if (!api->listener) {
                close(fd);
                return log_error_errno(-ENOMEM, "Failed to listen on the API socket.");
        }
        return 0;
}

void api_stop(struct daemon *d) {
        struct api *api = d->api;

        if (!api)
                return;
        if (api->listener)
                evconnlistener_free(api->listener);
        if (api->owned)
                (void) unlink(d->config.api_socket);
        while (api->clients)
                client_free(api->clients);
        free(api);
        d->api = NULL;
}
