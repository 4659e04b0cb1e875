/* SPDX-License-Identifier: MIT */
/* daemon/http-conn.c: see http-conn.h. One connection is a small state
 * machine over its bufferevent's input: the request line and headers,
 * then a body (Content-Length or chunked) streamed to a temp file, then
 * the handler's answer; then the next request on the same connection, or
 * the end. evhttp (libevent 2.1) could not be bounded this way: it holds
 * every body in memory, has no connection limit, and logs each failed
 * accept. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http-conn.h"
#include "log.h"
#include "util.h"

#define MAX_HEADER_BYTES 32768          /* request line, headers and trailers together */
#define MAX_HEADER_LINES 100
#define MAX_CHUNK_LINE 1024
#define INPUT_HIGH_WATER (256 * 1024)   /* bytes read ahead of the state machine */
#define LINGER_S 2                      /* reading what a refused client still sends */
#define LINGER_MAX (4 * 1024 * 1024)

enum state {
        ST_HEAD,                /* request line and headers */
        ST_BODY,                /* Content-Length bytes */
        ST_CHUNK_SIZE,
        ST_CHUNK_DATA,
        ST_CHUNK_END,           /* the CRLF after a chunk's data */
        ST_TRAILER,
        ST_WRITING,             /* the answer is going out */
        ST_LINGER,              /* answered with an error: discard input, then close */
};

struct http_request {
        struct http_conn *conn;
        char method[8];
        struct evhttp_uri *uri;
        struct evkeyvalq in_headers, out_headers;
        bool have_line, head, sent;
        int body_fd;
        uint64_t body_len;
        void *body_map;
};

struct http_conn {
        struct http_conn *prev, *next;
        struct http_conns *s;
        struct bufferevent *bev;
        struct event *deadline;
        char peer[INET6_ADDRSTRLEN];
        enum state st;
        uint64_t since_ns;              /* accepted, or the current request's first byte */
        bool in_request;
        bool close_after;
        size_t header_bytes;
        unsigned header_lines;
        uint64_t want;                  /* body or chunk bytes still to come */
        uint64_t budget;                /* body bytes counted against body_budget */
        size_t lingered;
        struct http_request req;
};

struct http_conns {
        struct event_base *base;
        struct evconnlistener *listener;
        struct event *resume;
        struct http_conn_limits l;
        http_handler_t handler;
        void *userdata;
        struct http_conn *conns;
        unsigned n;
        uint64_t body_in_flight;
        /* Floods are logged once a minute at most, with what was done. */
        uint64_t fd_shortage_logged_ns, full_logged_ns;
        unsigned n_evicted, n_refused;
};

unsigned http_conns_count(const struct http_conns *s) {
        return s->n;
}

/* ---- requests ------------------------------------------------------------ */

static void request_init(struct http_conn *c) {
        c->req = (struct http_request) { .conn = c, .body_fd = -1 };
        TAILQ_INIT(&c->req.in_headers);
        TAILQ_INIT(&c->req.out_headers);
}

static void request_clear(struct http_conn *c) {
        struct http_request *r = &c->req;

        if (r->body_map)
                (void) munmap(r->body_map, r->body_len);
        if (r->body_fd >= 0)
                (void) close(r->body_fd);
        if (r->uri)
                evhttp_uri_free(r->uri);
        evhttp_clear_headers(&r->in_headers);
        evhttp_clear_headers(&r->out_headers);
        c->s->body_in_flight -= c->budget;
        c->budget = 0;
        request_init(c);
}

const char *http_request_method(const struct http_request *req) {
        return req->method;
}

const char *http_request_path(const struct http_request *req) {
        const char *p = evhttp_uri_get_path(req->uri);

        return p && *p ? p : "/";
}

const char *http_request_query(const struct http_request *req) {
        return evhttp_uri_get_query(req->uri);
}

const char *http_request_header(const struct http_request *req, const char *name) {
        return evhttp_find_header(&req->in_headers, name);
}

const char *http_request_peer(const struct http_request *req) {
        return req->conn->peer;
}

const uint8_t *http_request_body(const struct http_request *req, size_t *len) {
        *len = req->body_map ? (size_t) req->body_len : 0;
        return req->body_map;
}

int http_request_add_header(struct http_request *req, const char *name, const char *value) {
        return evhttp_add_header(&req->out_headers, name, value) == 0 ? 0 : -EINVAL;
}

static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

void http_request_send(struct http_request *req, int status, const char *reason, const void *body, size_t len) {
        struct http_conn *c = req->conn;
        struct evbuffer *out = bufferevent_get_output(c->bev);
        time_t t = time(NULL);
        struct tm tm;

        if (req->sent)
                return;
        req->sent = true;
        (void) gmtime_r(&t, &tm);
        evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nDate: %s, %02d %s %d %02d:%02d:%02d GMT\r\n"
                            "Content-Length: %zu\r\nConnection: %s\r\n", status, reason, days[tm.tm_wday],
                            tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                            len, c->close_after ? "close" : "keep-alive");
        for (struct evkeyval *h = TAILQ_FIRST(&req->out_headers); h; h = TAILQ_NEXT(h, next))
                evbuffer_add_printf(out, "%s: %s\r\n", h->key, h->value);
        evbuffer_add(out, "\r\n", 2);
        if (!req->head && len > 0)
                evbuffer_add(out, body, len);
}

/* ---- connections --------------------------------------------------------- */

static void conn_free(struct http_conn *c) {
        struct http_conns *s = c->s;

        request_clear(c);
        if (c->prev)
                c->prev->next = c->next;
        else
                s->conns = c->next;
        if (c->next)
                c->next->prev = c->prev;
        s->n--;
        if (c->deadline)
                event_free(c->deadline);
        bufferevent_free(c->bev);
        free(c);
}

/* An error answer during parsing: the rest of the request is not read, so
 * the connection closes after it (lingering, so that a client still
 * sending gets to read it instead of a reset). */
static void fail(struct http_conn *c, int status, const char *reason, const char *message) {
        char body[256];
        int n = snprintf(body, sizeof(body), "{\"error\":\"%s\",\"status\":%d}\n", message, status);

        c->close_after = true;
        (void) evhttp_add_header(&c->req.out_headers, "Content-Type", "application/json");
        http_request_send(&c->req, status, reason, body, n > 0 ? (size_t) n : 0);
        c->st = ST_LINGER;
        evtimer_del(c->deadline);
}

static void on_deadline(evutil_socket_t fd, short what, void *userdata) {
        struct http_conn *c = userdata;

        log_debug("HTTP client %s: the request took longer than %u s; closing.", c->peer, c->s->l.request_s);
        conn_free(c);
}

/* Counts n more body bytes against the budget of all bodies in flight. */
static bool reserve(struct http_conn *c, uint64_t n) {
        struct http_conns *s = c->s;

        if (s->body_in_flight + n > s->l.body_budget) {
                fail(c, 503, "Service Unavailable", "too many uploads at once; try again later");
                return false;
        }
        s->body_in_flight += n;
        c->budget += n;
        return true;
}

static bool open_body(struct http_conn *c) {
        if (c->req.body_fd >= 0)
                return true;
        c->req.body_fd = openat(c->s->l.tmp_dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (c->req.body_fd < 0) {
                log_warning_errno(-errno, "Cannot make a temp file for an upload's body: %m");
                fail(c, 503, "Service Unavailable", "cannot store the body");
                return false;
        }
        return true;
}

static void dispatch(struct http_conn *c) {
        struct http_request *r = &c->req;

        evtimer_del(c->deadline);
        if (r->body_fd >= 0 && r->body_len > 0) {
                r->body_map = mmap(NULL, r->body_len, PROT_READ, MAP_PRIVATE, r->body_fd, 0);
                if (r->body_map == MAP_FAILED) {
                        r->body_map = NULL;
                        fail(c, 503, "Service Unavailable", "out of memory");
                        return;
                }
        }
        c->st = ST_WRITING;
        c->s->handler(r, c->s->userdata);
        if (!r->sent)
                http_request_send(r, 500, "Internal Server Error", NULL, 0);
        request_clear(c);
}

static bool token_char(char ch) {
        return ch > 32 && ch < 127 && !strchr("()<>@,;:\\\"/[]?={}", ch);
}

static bool parse_request_line(struct http_conn *c, char *line) {
        struct http_request *r = &c->req;
        char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;

        if (!sp1 || !sp2 || strchr(sp2 + 1, ' ')) {
                fail(c, 400, "Bad Request", "malformed request line");
                return false;
        }
        *sp1 = *sp2 = 0;
        if (strcmp(sp2 + 1, "HTTP/1.1") != 0 && strcmp(sp2 + 1, "HTTP/1.0") != 0) {
                fail(c, 505, "HTTP Version Not Supported", "HTTP/1.0 and 1.1 only");
                return false;
        }
        c->close_after = strcmp(sp2 + 1, "HTTP/1.0") == 0;
        if (strcmp(line, "GET") != 0 && strcmp(line, "HEAD") != 0 && strcmp(line, "POST") != 0) {
                fail(c, 405, "Method Not Allowed", "GET, HEAD or POST");
                return false;
        }
        strcpy(r->method, line);
        r->head = strcmp(line, "HEAD") == 0;
        if (sp1[1] != '/' || !(r->uri = evhttp_uri_parse(sp1 + 1))) {
                fail(c, 400, "Bad Request", "malformed request target");
                return false;
        }
        r->have_line = true;
        return true;
}

static bool parse_header(struct http_conn *c, char *line) {
        char *colon = strchr(line, ':'), *v, *end;

        if (line[0] == ' ' || line[0] == '\t' || !colon || colon == line) {
                fail(c, 400, "Bad Request", "malformed header");
                return false;
        }
        for (char *p = line; p < colon; p++)
                if (!token_char(*p)) {
                        fail(c, 400, "Bad Request", "malformed header name");
                        return false;
                }
        *colon = 0;
        for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
                ;
        for (end = v + strlen(v); end > v && (end[-1] == ' ' || end[-1] == '\t'); end--)
                ;
        *end = 0;
        if (++c->header_lines > MAX_HEADER_LINES || evhttp_add_header(&c->req.in_headers, line, v) < 0) {
                fail(c, 431, "Request Header Fields Too Large", "too many or malformed headers");
                return false;
        }
        return true;
}

/* After the headers: how the body comes, checked against the caps before
 * a byte of it is read. */
static void begin_body(struct http_conn *c) {
        struct http_request *r = &c->req;
        const char *te = http_request_header(r, "Transfer-Encoding");
        const char *cl = http_request_header(r, "Content-Length");
        const char *conn = http_request_header(r, "Connection");
        const char *expect = http_request_header(r, "Expect");
        uint64_t n = 0;

        if (conn && strcasestr(conn, "close"))
                c->close_after = true;
        else if (conn && strcasestr(conn, "keep-alive"))
                c->close_after = false;
        if (te && cl) {
                /* Two framings: the way requests get smuggled. */
                fail(c, 400, "Bad Request", "both Transfer-Encoding and Content-Length");
                return;
        }
        if (te && strcasecmp(te, "chunked") != 0) {
                fail(c, 501, "Not Implemented", "only chunked transfer coding is understood");
                return;
        }
        if (cl) {
                if (!*cl || strlen(cl) > 19 || strspn(cl, "0123456789") != strlen(cl)) {
                        fail(c, 400, "Bad Request", "malformed Content-Length");
                        return;
                }
                n = strtoull(cl, NULL, 10);
                if (n > c->s->l.max_body) {
                        fail(c, 413, "Payload Too Large", "the body is larger than max_upload_size");
                        return;
                }
        }
        if (expect) {
                if (strcasecmp(expect, "100-continue") != 0) {
                        fail(c, 417, "Expectation Failed", "only 100-continue");
                        return;
                }
                if (te || n > 0)
                        evbuffer_add_printf(bufferevent_get_output(c->bev), "HTTP/1.1 100 Continue\r\n\r\n");
        }
        if (te) {
                c->st = ST_CHUNK_SIZE;
                return;
        }
        if (n == 0) {
                dispatch(c);
                return;
        }
        if (!reserve(c, n) || !open_body(c))
                return;
        c->want = n;
        c->st = ST_BODY;
}

/* A line of the head, the chunk framing or the trailer; NULL while it is
 * incomplete (and -1 in *over when it can no longer fit its cap). */
static char *read_line(struct http_conn *c, struct evbuffer *in, size_t cap, bool *over) {
        size_t n = 0;
        char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);

        *over = false;
        if (!line) {
                *over = evbuffer_get_length(in) > cap;
                return NULL;
        }
        if (n + 2 > cap) {
                free(line);
                *over = true;
                return NULL;
        }
        return line;
}

static int read_head(struct http_conn *c, struct evbuffer *in, bool trailer) {
        for (;;) {
                bool over;
                char *line = read_line(c, in, MAX_HEADER_BYTES - c->header_bytes, &over);
                bool ok;

                if (!line) {
                        if (over)
                                fail(c, 431, "Request Header Fields Too Large", "the headers are larger than 32 KiB");
                        return 0;
                }
                c->header_bytes += strlen(line) + 2;
                if (!*line) {
                        free(line);
                        if (trailer) {
                                dispatch(c);
                                return 1;
                        }
                        if (!c->req.have_line)
                                continue;       /* blank lines before a request are allowed */
                        begin_body(c);
                        return 1;
                }
                if (trailer)
                        ok = ++c->header_lines <= MAX_HEADER_LINES || (fail(c, 431, "Request Header Fields Too Large",
                                                                          "too many trailers"), false);
                else
                        ok = c->req.have_line ? parse_header(c, line) : parse_request_line(c, line);
                free(line);
                if (!ok)
                        return -1;
        }
}

/* Up to c->want bytes of input into the body's file. */
static int read_data(struct http_conn *c, struct evbuffer *in) {
        while (c->want > 0 && evbuffer_get_length(in) > 0) {
                size_t n = evbuffer_get_length(in);
                int w;

                if (n > c->want)
                        n = (size_t) c->want;
                w = evbuffer_write_atmost(in, c->req.body_fd, (ev_ssize_t) n);
                if (w <= 0) {
                        log_warning_errno(-errno, "Cannot write an upload's body to its temp file: %m");
                        fail(c, 503, "Service Unavailable", "cannot store the body");
                        return -1;
                }
                c->want -= (uint64_t) w;
                c->req.body_len += (uint64_t) w;
        }
        return c->want == 0 ? 1 : 0;
}

static int read_chunk_size(struct http_conn *c, struct evbuffer *in) {
        bool over;
        char *line = read_line(c, in, MAX_CHUNK_LINE, &over), *end;
        uint64_t n;
        size_t digits;

        if (!line) {
                if (over)
                        fail(c, 400, "Bad Request", "malformed chunk");
                return over ? -1 : 0;
        }
        digits = strspn(line, "0123456789abcdefABCDEF");
        end = line + digits;
        while (*end == ' ' || *end == '\t')
                end++;
        if (digits == 0 || digits > 15 || (*end && *end != ';')) {
                free(line);
                fail(c, 400, "Bad Request", "malformed chunk size");
                return -1;
        }
        n = strtoull(line, NULL, 16);
        free(line);
        if (n == 0) {
                c->st = ST_TRAILER;
                return 1;
        }
        if (c->req.body_len + n > c->s->l.max_body) {
                fail(c, 413, "Payload Too Large", "the body is larger than max_upload_size");
                return -1;
        }
        if (!reserve(c, n) || !open_body(c))
                return -1;
        c->want = n;
        c->st = ST_CHUNK_DATA;
        return 1;
}

static int read_chunk_end(struct http_conn *c, struct evbuffer *in) {
        bool over;
        char *line = read_line(c, in, 16, &over);
        bool empty;

        if (!line) {
                if (over)
                        fail(c, 400, "Bad Request", "malformed chunk");
                return over ? -1 : 0;
        }
        empty = !*line;
        free(line);
        if (!empty) {
                fail(c, 400, "Bad Request", "malformed chunk");
                return -1;
        }
        c->st = ST_CHUNK_SIZE;
        return 1;
}

static void process(struct http_conn *c) {
        struct evbuffer *in = bufferevent_get_input(c->bev);

        for (;;) {
                int r = 0;

                if (c->st == ST_WRITING)
                        return;
                if (c->st == ST_LINGER) {
                        size_t n = evbuffer_get_length(in);

                        c->lingered += n;
                        (void) evbuffer_drain(in, n);
                        /* Enough courtesy: a client still sending after
                         * LINGER_MAX gets the reset. */
                        if (c->lingered >= LINGER_MAX)
                                conn_free(c);
                        return;
                }
                if (evbuffer_get_length(in) == 0)
                        return;
                if (!c->in_request) {
                        struct timeval tv = { .tv_sec = c->s->l.request_s };

                        c->in_request = true;
                        c->since_ns = now_ns(CLOCK_MONOTONIC);
                        c->header_bytes = 0;
                        c->header_lines = 0;
                        (void) evtimer_add(c->deadline, &tv);
                }
                switch (c->st) {
                case ST_HEAD: r = read_head(c, in, false); break;
                case ST_BODY:
                        r = read_data(c, in);
                        if (r > 0)
                                dispatch(c);
                        break;
                case ST_CHUNK_SIZE: r = read_chunk_size(c, in); break;
                case ST_CHUNK_DATA:
                        r = read_data(c, in);
                        if (r > 0)
                                c->st = ST_CHUNK_END;
                        break;
                case ST_CHUNK_END: r = read_chunk_end(c, in); break;
                case ST_TRAILER: r = read_head(c, in, true); break;
                case ST_WRITING: case ST_LINGER: return;
                }
                if (r <= 0)
                        return;
        }
}

static void on_read(struct bufferevent *bev, void *userdata) {
        process(userdata);
}

static void on_linger_end(evutil_socket_t fd, short what, void *userdata) {
        conn_free(userdata);
}

/* The answer is out: the next request, or the end. */
static void on_write(struct bufferevent *bev, void *userdata) {
        struct http_conn *c = userdata;

        if (c->st == ST_LINGER) {
                struct timeval tv = { .tv_sec = LINGER_S };

                /* Stop sending, keep reading for a moment: a client that is
                 * still sending its body gets our answer, not a reset. */
                (void) shutdown(bufferevent_getfd(bev), SHUT_WR);
                event_free(c->deadline);
                c->deadline = evtimer_new(c->s->base, on_linger_end, c);
                if (!c->deadline || evtimer_add(c->deadline, &tv) < 0)
                        conn_free(c);
                return;
        }
        if (c->st != ST_WRITING)
                return;
        if (c->close_after) {
                conn_free(c);
                return;
        }
        c->st = ST_HEAD;
        c->in_request = false;
        c->since_ns = now_ns(CLOCK_MONOTONIC);
        process(c);
}

static void on_event(struct bufferevent *bev, short what, void *userdata) {
        struct http_conn *c = userdata;

        /* Lingering, a quiet reader is fine: the linger timer ends it. */
        if (c->st == ST_LINGER && (what & BEV_EVENT_READING) && !(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
                return;
        conn_free(c);
}

/* The connection that has waited longest for its request's headers
 * (from peer, or from anyone when peer is NULL). */
#define FLOOD_LOG_INTERVAL_NS (UINT64_C(60) * 1000000000)

/* Whether a flood's log line is due (once a minute at most). */
static bool flood_log_due(uint64_t *last_ns) {
        uint64_t now = now_ns(CLOCK_MONOTONIC);

        if (*last_ns && now - *last_ns < FLOOD_LOG_INTERVAL_NS)
                return false;
        *last_ns = now;
        return true;
}

static struct http_conn *oldest_waiting(struct http_conns *s, const char *peer) {
        struct http_conn *best = NULL;

        for (struct http_conn *c = s->conns; c; c = c->next)
                if (c->st == ST_HEAD && (!peer || strcmp(c->peer, peer) == 0) &&
                    (!best || c->since_ns < best->since_ns))
                        best = c;
        return best;
}

static unsigned peer_count(const struct http_conns *s, const char *peer) {
        unsigned n = 0;

        for (const struct http_conn *c = s->conns; c; c = c->next)
                n += strcmp(c->peer, peer) == 0;
        return n;
}

/* Room for one more connection from peer, made if needed. */
static bool make_room(struct http_conns *s, const char *peer) {
        struct http_conn *victim = NULL;

        if (peer_count(s, peer) >= s->l.max_per_peer)
                victim = oldest_waiting(s, peer);
        else if (s->n >= s->l.max_conns)
                victim = oldest_waiting(s, NULL);
        else
                return true;
        if (victim)
                s->n_evicted++;
        else
                s->n_refused++;
        if (flood_log_due(&s->full_logged_ns)) {
                log_warning("HTTP connections at their limit (%u in all, %u per address): closing those that "
                            "waited longest for a request (%u so far) or refusing new ones (%u so far).",
                            s->l.max_conns, s->l.max_per_peer, s->n_evicted, s->n_refused);
        }
        if (!victim)
                return false;
        conn_free(victim);
        return true;
}

int http_conns_adopt(struct http_conns *s, int fd, const char *peer) {
        struct timeval idle = { .tv_sec = s->l.idle_s };
        struct http_conn *c;
        int one = 1;

        if (!make_room(s, peer) || !(c = calloc(1, sizeof(*c)))) {
                (void) close(fd);
                return -EBUSY;
        }
        c->s = s;
        (void) snprintf(c->peer, sizeof(c->peer), "%s", peer);
        c->since_ns = now_ns(CLOCK_MONOTONIC);
        request_init(c);
        c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
        c->deadline = evtimer_new(s->base, on_deadline, c);
        if (!c->bev || !c->deadline) {
                if (c->bev)
                        bufferevent_free(c->bev);
                else
                        (void) close(fd);
                if (c->deadline)
                        event_free(c->deadline);
                free(c);
                return -ENOMEM;
        }
        /* Headers and body go out in one write; without this, Nagle and
         * the peer's delayed ACK add 40 ms to answers on a kept-alive
         * connection. */
        (void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c->next = s->conns;
        if (c->next)
                c->next->prev = c;
        s->conns = c;
        s->n++;
        bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
        bufferevent_set_timeouts(c->bev, &idle, &idle);
        bufferevent_setwatermark(c->bev, EV_READ, 0, INPUT_HIGH_WATER);
        (void) bufferevent_enable(c->bev, EV_READ | EV_WRITE);
        return 0;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len, void *userdata) {
        char peer[INET6_ADDRSTRLEN] = "?";

        if (sa->sa_family == AF_INET)
                (void) inet_ntop(AF_INET, &((struct sockaddr_in *) sa)->sin_addr, peer, sizeof(peer));
        else if (sa->sa_family == AF_INET6)
                (void) inet_ntop(AF_INET6, &((struct sockaddr_in6 *) sa)->sin6_addr, peer, sizeof(peer));
        (void) http_conns_adopt(userdata, fd, peer);
}

static void on_resume(evutil_socket_t fd, short what, void *userdata) {
        struct http_conns *s = userdata;

        (void) evconnlistener_enable(s->listener);
}

/* accept() failed. Out of descriptors, the listening socket stays
 * readable: accepting again at once spins the loop (and libevent would
 * log every try), so pause for a second and say so once per episode. */
static void on_accept_error(struct evconnlistener *l, void *userdata) {
        struct http_conns *s = userdata;
        int e = errno;
        struct timeval tv = { .tv_sec = 1 };

        if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM) {
                log_debug_errno(-e, "HTTP accept failed: %m");
                return;
        }
        if (flood_log_due(&s->fd_shortage_logged_ns))
                log_warning_errno(-e, "Cannot accept HTTP connections (%m); pausing for a second at a time "
                                  "(%u open).", s->n);
        (void) evconnlistener_disable(l);
        (void) evtimer_add(s->resume, &tv);
}

int http_conns_new(struct event_base *base, int fd, const struct http_conn_limits *l, http_handler_t handler,
                   void *userdata, struct http_conns **ret) {
        struct http_conns *s = calloc(1, sizeof(*s));

        if (!s) {
                (void) close(fd);
                return -ENOMEM;
        }
        s->base = base;
        s->l = *l;
        s->handler = handler;
        s->userdata = userdata;
        s->resume = evtimer_new(base, on_resume, s);
        if (fd >= 0) {
                (void) evutil_make_socket_nonblocking(fd);
                s->listener = evconnlistener_new(base, on_accept, s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
                                                 -1, fd);
        }
        if (!s->resume || (fd >= 0 && !s->listener)) {
                if (fd >= 0 && !s->listener)
                        (void) close(fd);
                http_conns_free(s);
                return -ENOMEM;
        }
        if (s->listener)
                evconnlistener_set_error_cb(s->listener, on_accept_error);
        *ret = s;
        return 0;
}

void http_conns_free(struct http_conns *s) {
        if (!s)
                return;
        while (s->conns)
                conn_free(s->conns);
        if (s->listener)
                evconnlistener_free(s->listener);
        if (s->resume)
                event_free(s->resume);
        free(s);
}
