/* SPDX-License-Identifier: MIT */
/* tests/fuzz/fuzz-http.c: any bytes a client may send to crashd's HTTP
 * server (daemon/http-conn.c), through a real connection on a real event
 * loop: one end of a socketpair is adopted as a connection, the input is
 * written to the other and the writing side shut. Every request that
 * completes reaches the handler with a path, a body inside what was sent
 * and at most the body cap; the loop must end (the connection closed)
 * within a bounded number of turns, and nothing may leak or overrun. */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http-conn.h"

#define MAX_BODY 4096
#define MAX_TURNS 100000

static size_t input_size;

static void handler(struct http_request *req, void *userdata) {
        size_t len;
        const uint8_t *body = http_request_body(req, &len);
        const char *path = http_request_path(req);
        unsigned *n = userdata;

        if (!path || path[0] != '/' || len > MAX_BODY || len > input_size || (len > 0) != (body != NULL))
                abort();
        /* The body must be readable to its end (ASan checks each byte). */
        {
                volatile uint8_t sum = 0;

                for (size_t i = 0; i < len; i++)
                        sum ^= body[i];
        }
        (void) http_request_header(req, "Content-Type");
        (void) http_request_query(req);
        (*n)++;
        (void) http_request_add_header(req, "Content-Type", "text/plain");
        http_request_send(req, 200, "OK", "ok\n", 3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct event_base *base = event_base_new();
        struct http_conns *s = NULL;
        char tmpl[] = "/tmp/fuzz-http.XXXXXX", buf[65536];
        int sv[2], dir_fd, turns = 0;
        unsigned handled = 0;
        size_t off = 0;

        if (!base || !mkdtemp(tmpl))
                abort();
        dir_fd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
                abort();
        input_size = size;
        struct http_conn_limits l = {
                .max_conns = 4, .max_per_peer = 4, .max_body = MAX_BODY, .body_budget = 2 * MAX_BODY,
                .idle_s = 5, .request_s = 5, .tmp_dir_fd = dir_fd,
        };
        if (http_conns_new(base, -1, &l, handler, &handled, &s) < 0 || http_conns_adopt(s, sv[0], "fuzz") < 0)
                abort();
        /* Feed and drain by turns: the server may answer before it has
         * read everything, and a full socket must not stall either side. */
        while (http_conns_count(s) > 0) {
                if (off < size) {
                        ssize_t k = write(sv[1], data + off, size - off);

                        if (k > 0)
                                off += (size_t) k;
                        else if (k < 0 && errno != EAGAIN)
                                off = size;     /* the server closed */
                        if (off == size)
                                (void) shutdown(sv[1], SHUT_WR);
                } else if (size == 0 && turns == 0)
                        (void) shutdown(sv[1], SHUT_WR);
                while (read(sv[1], buf, sizeof(buf)) > 0)
                        ;
                (void) event_base_loop(base, EVLOOP_NONBLOCK);
                if (++turns > MAX_TURNS)
                        abort();        /* a connection that neither finishes nor fails */
        }
        http_conns_free(s);
        close(sv[1]);
        close(dir_fd);
        (void) rmdir(tmpl);
        event_base_free(base);
        return 0;
}
