/* SPDX-License-Identifier: MIT */
/* tests/forward/test-forward-queue.c: the outbox and its sender
 * (daemon/forward.c, http-client.c) on a real event loop and a real
 * database, against a tiny HTTP server in the same loop that answers as
 * each test scripts it: a 503 is retried after the backoff, a 429 waits
 * for Retry-After, Sentry's rate limits hold back every queued item, a
 * 400 drops the item, the bound drops new items, and items survive a
 * stop and start. Runs under the sanitizers too, which the end-to-end
 * run (run-forward.py) cannot. */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon.h"
#include "forward.h"
#include "job.h"
#include "util.h"

#define MAX_REQ 32

struct answer {
        int status;
        const char *headers;            /* "Name: value\r\n"... */
};

struct server {
        int fd, port;
        struct event *ev;
        struct answer script[8];
        unsigned n_script, next;
        unsigned n_req;
        int status[MAX_REQ];
        uint64_t time_ns[MAX_REQ];
        char auth[MAX_REQ][256];
};

struct conn {
        struct server *s;
        int fd;
        struct event *ev;
        char buf[1 << 16];
        size_t len;
};

static struct daemon D;
static struct server S;
static char tmpdir[64];

static void on_conn(evutil_socket_t fd, short what, void *userdata) {
        struct conn *c = userdata;
        ssize_t n = read(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
        char *end, *cl, *au, resp[512];
        size_t need;
        struct answer a = { 200, "" };

        (void) what;
        if (n <= 0)
                goto close;
        c->len += (size_t) n;
        c->buf[c->len] = 0;
        end = strstr(c->buf, "\r\n\r\n");
        if (!end)
                return;
        cl = strcasestr(c->buf, "\r\nContent-Length:");
        need = (size_t) (end + 4 - c->buf) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
        if (c->len < need)
                return;
        if (c->s->next < c->s->n_script)
                a = c->s->script[c->s->next++];
        if (c->s->n_req < MAX_REQ) {
                c->s->status[c->s->n_req] = a.status;
                c->s->time_ns[c->s->n_req] = now_ns(CLOCK_MONOTONIC);
                au = strcasestr(c->buf, "\r\nX-Sentry-Auth: ");
                if (au)
                        (void) snprintf(c->s->auth[c->s->n_req], sizeof(c->s->auth[0]), "%.*s",
                                        (int) strcspn(au + 17, "\r"), au + 17);
                c->s->n_req++;
        }
        n = snprintf(resp, sizeof(resp), "HTTP/1.1 %d Scripted\r\nContent-Length: 2\r\nConnection: close\r\n%s\r\n{}",
                     a.status, a.headers);
        assert_int_equal(write(fd, resp, (size_t) n), n);
close:
        event_free(c->ev);
        close(c->fd);
        free(c);
}

static void on_accept(evutil_socket_t fd, short what, void *userdata) {
        struct server *s = userdata;
        struct conn *c;
        int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

        (void) what;
        if (cfd < 0)
                return;
        c = calloc(1, sizeof(*c));
        assert_non_null(c);
        c->s = s;
        c->fd = cfd;
        c->ev = event_new(D.base, cfd, EV_READ | EV_PERSIST, on_conn, c);
        assert_int_equal(event_add(c->ev, NULL), 0);
}

/* A port nobody listens on (yet). */
static int free_port(void) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        assert_int_equal(bind(fd, (struct sockaddr *) &a, sizeof(a)), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *) &a, &len), 0);
        close(fd);
        return ntohs(a.sin_port);
}

static void server_start(int port) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int one = 1;

        S.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        assert_true(S.fd >= 0);
        (void) setsockopt(S.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        assert_int_equal(bind(S.fd, (struct sockaddr *) &a, sizeof(a)), 0);
        assert_int_equal(listen(S.fd, 16), 0);
        S.port = port;
        S.ev = event_new(D.base, S.fd, EV_READ | EV_PERSIST, on_accept, &S);
        assert_int_equal(event_add(S.ev, NULL), 0);
}

static void server_stop(void) {
        if (S.ev)
                event_free(S.ev);
        if (S.fd > 0)
                close(S.fd);
        S.ev = NULL;
        S.fd = -1;
}

static void tick(evutil_socket_t fd, short what, void *userdata) {
        (void) fd;
        (void) what;
        (void) userdata;
}

/* Runs the loop until cond() or the deadline. */
static bool run_until(bool (*cond)(void), double timeout_s) {
        uint64_t end = now_ns(CLOCK_MONOTONIC) + (uint64_t) (timeout_s * 1e9);
        struct event *t = event_new(D.base, -1, EV_PERSIST, tick, NULL);
        struct timeval tv = { 0, 10000 };
        bool ok;

        assert_int_equal(event_add(t, &tv), 0);
        while (!(ok = cond()) && now_ns(CLOCK_MONOTONIC) < end)
                (void) event_base_loop(D.base, EVLOOP_ONCE);
        event_free(t);
        return ok;
}

static int64_t outbox(const char *what) {
        sqlite3_stmt *st = NULL;
        char sql[128];
        int64_t v = -1;

        (void) snprintf(sql, sizeof(sql), "SELECT %s FROM outbox", what);
        assert_int_equal(sqlite3_prepare_v2(store_db(D.store), sql, -1, &st, NULL), SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
}

static bool outbox_empty(void) {
        return outbox("count(*)") == 0;
}

static unsigned want_requests;
static bool requests_seen(void) {
        return S.n_req >= want_requests;
}

static bool attempted(void) {
        return outbox("max(attempts)") >= 1;
}

static int setup(void **state) {
        char err[256];

        (void) state;
        memset(&D, 0, sizeof(D));
        memset(&S, 0, sizeof(S));
        S.fd = -1;
        strcpy(tmpdir, "/tmp/test-forward-queue.XXXXXX");
        assert_non_null(mkdtemp(tmpdir));
        assert_int_equal(config_init(&D.config), 0);
        assert_int_equal(config_set(&D.config, "log_level", "warning", err, sizeof(err)), 0);
        log_set_max_level(LOG_WARNING);
        D.base = event_base_new();
        assert_non_null(D.base);
        assert_int_equal(store_open(tmpdir, &D.store), 0);
        return 0;
}

static int teardown(void **state) {
        char cmd[128];

        (void) state;
        forward_stop(&D);
        server_stop();
        store_close(D.store);
        event_base_free(D.base);
        config_done(&D.config);
        (void) snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
        assert_int_equal(system(cmd), 0);
        return 0;
}

static void use_dsn(int port) {
        char dsn[128], err[256];

        (void) snprintf(dsn, sizeof(dsn), "http://testkey@127.0.0.1:%d/9", port);
        assert_int_equal(config_set(&D.config, "sentry_dsn", dsn, err, sizeof(err)), 0);
}

static void queue_crash(int64_t id) {
        struct job j = { .name = "prog.1.2.3.dmp.zst" };
        char ev[128];

        (void) snprintf(j.event_id, sizeof(j.event_id), "%032llx", (unsigned long long) id);
        (void) snprintf(ev, sizeof(ev), "{\"event_id\":\"%s\",\"level\":\"fatal\"}", j.event_id);
        j.sentry_event = ev;
        j.sentry_event_len = strlen(ev);
        assert_int_equal(forward_crash_stored(&D, &j, id, 1, 1, 0), 0);
        forward_kick(&D);
}

static void test_503_then_200(void **state) {
        struct forward_stats st;

        (void) state;
        server_start(free_port());
        use_dsn(S.port);
        S.script[0] = (struct answer) { 503, "" };
        S.n_script = 1;
        assert_int_equal(forward_start(&D), 0);
        queue_crash(1);
        want_requests = 2;
        assert_true(run_until(requests_seen, 10));
        assert_true(run_until(outbox_empty, 5));
        assert_int_equal(S.status[0], 503);
        assert_int_equal(S.status[1], 200);
        /* The first retry waits half to all of a second. */
        assert_true(S.time_ns[1] - S.time_ns[0] >= UINT64_C(490000000));
        assert_string_equal(S.auth[0], "Sentry sentry_version=7, sentry_key=testkey, sentry_client=crashd/" CRASHD_VERSION);
        forward_get_stats(&D, &st);
        assert_int_equal(st.sent, 1);
        assert_int_equal(st.retries, 1);
        assert_int_equal(st.queued, 0);
        /* Nothing more is sent. */
        want_requests = 3;
        assert_false(run_until(requests_seen, 1.5));
}

static void test_429_retry_after(void **state) {
        (void) state;
        server_start(free_port());
        use_dsn(S.port);
        S.script[0] = (struct answer) { 429, "Retry-After: 1\r\n" };
        S.n_script = 1;
        assert_int_equal(forward_start(&D), 0);
        queue_crash(1);
        want_requests = 2;
        assert_true(run_until(requests_seen, 10));
        assert_true(run_until(outbox_empty, 5));
        assert_int_equal(S.status[0], 429);
        assert_true(S.time_ns[1] - S.time_ns[0] >= UINT64_C(1000000000));
}

static void test_rate_limits_hold_all(void **state) {
        (void) state;
        server_start(free_port());
        use_dsn(S.port);
        S.script[0] = (struct answer) { 200, "X-Sentry-Rate-Limits: 1:error:organization\r\n" };
        S.n_script = 1;
        assert_int_equal(forward_start(&D), 0);
        queue_crash(1);
        want_requests = 1;
        assert_true(run_until(requests_seen, 5));
        assert_true(run_until(outbox_empty, 5));        /* the answer is in */
        /* Accepted, but the next event must wait a second. */
        queue_crash(2);
        queue_crash(3);
        want_requests = 2;
        assert_false(run_until(requests_seen, 0.7));
        want_requests = 3;
        assert_true(run_until(requests_seen, 5));
        assert_true(S.time_ns[1] - S.time_ns[0] >= UINT64_C(1000000000));
        assert_true(run_until(outbox_empty, 5));
}

static void test_400_dropped(void **state) {
        struct forward_stats st;

        (void) state;
        server_start(free_port());
        use_dsn(S.port);
        S.script[0] = (struct answer) { 400, "" };
        S.n_script = 1;
        assert_int_equal(forward_start(&D), 0);
        queue_crash(1);
        want_requests = 1;
        assert_true(run_until(requests_seen, 5));
        assert_true(run_until(outbox_empty, 5));
        forward_get_stats(&D, &st);
        assert_int_equal(st.dropped, 1);
        assert_int_equal(st.sent, 0);
}

static void test_bound(void **state) {
        struct forward_stats st;
        char err[256];

        (void) state;
        use_dsn(free_port());           /* nobody there */
        assert_int_equal(config_set(&D.config, "forward_queue_max", "2", err, sizeof(err)), 0);
        assert_int_equal(forward_start(&D), 0);
        queue_crash(1);
        queue_crash(2);
        queue_crash(3);
        assert_int_equal(outbox("count(*)"), 2);
        forward_get_stats(&D, &st);
        assert_int_equal(st.dropped, 1);
        assert_int_equal(st.queued, 2);
}

static void test_survives_restart(void **state) {
        int port = free_port();

        (void) state;
        use_dsn(port);                  /* down at first */
        assert_int_equal(forward_start(&D), 0);
        queue_crash(1);
        queue_crash(2);
        assert_true(run_until(attempted, 5));
        assert_int_equal(outbox("count(*)"), 2);
        forward_stop(&D);

        /* Up again, and crashd restarted: both go at once (the restart
         * forgets the backoff), each once. */
        server_start(port);
        assert_int_equal(forward_start(&D), 0);
        want_requests = 2;
        assert_true(run_until(requests_seen, 3));
        assert_true(run_until(outbox_empty, 5));
        want_requests = 3;
        assert_false(run_until(requests_seen, 1));
}

static void test_webhook_new(void **state) {
        char url[128], err[256];
        struct job j = { .name = "prog.1.2.3.dmp.zst", .signature = (char *) "a | b", .program = (char *) "prog",
                         .signo = 11, .pid = 7 };

        (void) state;
        server_start(free_port());
        (void) snprintf(url, sizeof(url), "http://127.0.0.1:%d/a, http://127.0.0.1:%d/b", S.port, S.port);
        assert_int_equal(config_set(&D.config, "webhook_url", url, err, sizeof(err)), 0);
        assert_int_equal(forward_start(&D), 0);
        assert_int_equal(forward_crash_stored(&D, &j, 1, 1, 1, 0), 0);  /* a new group: one POST per URL */
        assert_int_equal(forward_crash_stored(&D, &j, 2, 1, 2, now_ns(CLOCK_REALTIME)), 0);  /* seen just now: none */
        forward_kick(&D);
        want_requests = 2;
        assert_true(run_until(requests_seen, 5));
        assert_true(run_until(outbox_empty, 5));
        want_requests = 3;
        assert_false(run_until(requests_seen, 0.5));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_503_then_200, setup, teardown),
                cmocka_unit_test_setup_teardown(test_429_retry_after, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rate_limits_hold_all, setup, teardown),
                cmocka_unit_test_setup_teardown(test_400_dropped, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bound, setup, teardown),
                cmocka_unit_test_setup_teardown(test_survives_restart, setup, teardown),
                cmocka_unit_test_setup_teardown(test_webhook_new, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
