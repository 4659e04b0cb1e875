/* SPDX-License-Identifier: MIT */
/* daemon/client.c: see client.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "client.h"
#include "json-util.h"
#include "paths.h"
#include "query.h"
#include "util.h"

#define ANSWER_MAX (UINT64_C(1) << 30)
#define TIMEOUT_S 60

struct target {
        char socket[PATH_MAX];
        char state_dir[PATH_MAX];
};

/* The places to try, in order (see client.h). An empty socket or state
 * directory is skipped. */
static size_t targets(const struct client_options *o, struct target t[3]) {
        char base[PATH_MAX];

        memset(t, 0, 3 * sizeof(*t));
        if (o->dir || o->socket || o->state_dir) {
                if (o->dir &&
                    (snprintf(t[0].socket, sizeof(t[0].socket), "%s/api.sock", o->dir) >= (int) sizeof(t[0].socket) ||
                     snprintf(t[0].state_dir, sizeof(t[0].state_dir), "%s/state", o->dir) >= (int) sizeof(t[0].state_dir)))
                        t[0] = (struct target) {};
                if (o->socket)
                        (void) strlcpy_ok(t[0].socket, o->socket, sizeof(t[0].socket));
                if (o->state_dir)
                        (void) strlcpy_ok(t[0].state_dir, o->state_dir, sizeof(t[0].state_dir));
                return 1;
        }
        (void) strlcpy_ok(t[0].socket, PATHS_SYSTEM_API, sizeof(t[0].socket));
        if (geteuid() == 0) {
                (void) strlcpy_ok(t[0].state_dir, PATHS_SYSTEM_STATE, sizeof(t[0].state_dir));
                return 1;
        }
        /* A user: the system daemon, then their own crashd or its state,
         * then the system's state directory (readable only if they were
         * given access to it). */
        if (paths_user_base(base, sizeof(base)) < 0) {
                (void) strlcpy_ok(t[1].state_dir, PATHS_SYSTEM_STATE, sizeof(t[1].state_dir));
                return 2;
        }
        if (snprintf(t[1].socket, sizeof(t[1].socket), "%s/api.sock", base) >= (int) sizeof(t[1].socket) ||
            snprintf(t[1].state_dir, sizeof(t[1].state_dir), "%s/state", base) >= (int) sizeof(t[1].state_dir))
                t[1] = (struct target) {};
        (void) strlcpy_ok(t[2].state_dir, PATHS_SYSTEM_STATE, sizeof(t[2].state_dir));
        return 3;
}

static int connect_unix(const char *path, int *ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct timeval tv = { .tv_sec = TIMEOUT_S };
        _cleanup_close_ int fd = -EBADF;

        if (!path[0])
                return -ENOENT;
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        *ret = TAKE_FD(fd);
        return 0;
}

static int send_all(int fd, const char *p, size_t n) {
        while (n > 0) {
                ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

/* Reads the whole answer; a descriptor that comes with it goes to *ret_fd. */
static int receive(int fd, char **ret, size_t *ret_len, int *ret_fd) {
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;

        for (;;) {
                union {
                        struct cmsghdr h;
                        uint8_t space[CMSG_SPACE(4 * sizeof(int))];
                } control;
                struct iovec iov;
                struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                                     .msg_controllen = sizeof(control) };
                ssize_t k;

                if (cap - len < 65536) {
                        char *bigger;

                        if (cap > ANSWER_MAX)
                                return -E2BIG;
                        cap = cap ? 2 * cap : 131072;
                        bigger = realloc(buf, cap + 1);
                        if (!bigger)
                                return -ENOMEM;
                        buf = bigger;
                }
                iov = (struct iovec) { buf + len, cap - len };
                k = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == EAGAIN ? -ETIMEDOUT : -errno;
                }
                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                                continue;
                        size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                        for (size_t i = 0; i < nfd; i++) {
                                int got;

                                memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                                if (ret_fd && *ret_fd < 0)
                                        *ret_fd = got;
                                else
                                        close(got);
                        }
                }
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

static int parse_answer(const char *text, size_t len, json_t **ret, char *err, size_t errlen) {
        json_error_t jerr;
        json_t *j = json_loadb(text, len, 0, &jerr);
        const char *e;

        if (!j || !json_is_object(j)) {
                json_decref(j);
                (void) snprintf(err, errlen, "crashd sent an answer that is not JSON (%s)", j ? "not an object" : jerr.text);
                return -EBADMSG;
        }
        e = json_get_str(j, "error");
        if (e) {
                int64_t no = json_get_int(j, "errno", EIO);

                (void) snprintf(err, errlen, "%s", e);
                json_decref(j);
                return no > 0 && no < 4096 ? -(int) no : -EIO;
        }
        *ret = j;
        return 0;
}

static int call_daemon(int fd, json_t *request, json_t **ret, int *ret_fd, char *err, size_t errlen) {
        _cleanup_free_ char *req = json_dumps(request, JSON_COMPACT), *answer = NULL;
        size_t len = 0;
        int r;

        if (!req)
                return -ENOMEM;
        r = send_all(fd, req, strlen(req));
        if (r >= 0)
                r = send_all(fd, "\n", 1);
        if (r >= 0)
                r = receive(fd, &answer, &len, ret_fd);
        if (r < 0) {
                (void) snprintf(err, errlen, "talking to crashd: %s", strerror(-r));
                return r;
        }
        return parse_answer(answer, len, ret, err, errlen);
}

/* The daemon's answer, worked out here from the database. */
static int call_local(const char *state_dir, json_t *request, json_t **ret, int *ret_fd, char *err, size_t errlen) {
        int64_t uid = geteuid() == 0 ? QUERY_ALL_USERS : (int64_t) geteuid();
        const char *method = json_get_str(request, "method");
        char *buf = NULL;
        size_t len = 0;
        sqlite3 *db = NULL;
        FILE *f;
        int r;

        r = query_open_readonly(state_dir, &db, err, errlen);
        if (r < 0)
                return r;
        if (streq_ptr(method, "dump")) {
                char name[NAME_MAX + 1], path[PATH_MAX];
                uint64_t size;
                int64_t id = json_get_int(request, "id", -1);
                int fd;

                r = query_dump_file(db, uid, id, name, sizeof(name), &size);
                sqlite3_close(db);
                if (r < 0) {
                        (void) snprintf(err, errlen, "%s", r == -ENOENT ? "no such crash" : "database error");
                        return r;
                }
                (void) snprintf(path, sizeof(path), "%s/" PATHS_DUMPS_DIR "/%s", state_dir, name);
                fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                        r = -errno;
                        (void) snprintf(err, errlen, "%s: %s", path, strerror(errno));
                        return r;
                }
                *ret = json_pack("{s:I, s:I}", "id", (json_int_t) id, "size", (json_int_t) size);
                if (!*ret) {
                        close(fd);
                        return -ENOMEM;
                }
                if (ret_fd)
                        *ret_fd = fd;
                else
                        close(fd);
                return 0;
        }

        f = open_memstream(&buf, &len);
        if (!f) {
                sqlite3_close(db);
                return -ENOMEM;
        }
        if (streq_ptr(method, "list")) {
                struct query_filter filter;

                query_filter_from_json(request, uid, &filter);
                r = query_list(db, &filter, f);
        } else if (streq_ptr(method, "show"))
                r = query_show(db, uid, json_get_int(request, "id", -1), f);
        else if (streq_ptr(method, "groups"))
                r = query_groups(db, uid, f);
        else if (streq_ptr(method, "status"))
                r = query_status(db, uid, f);
        else
                r = -EOPNOTSUPP;
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        sqlite3_close(db);
        if (r >= 0)
                r = parse_answer(buf, len, ret, err, errlen);
        else
                (void) snprintf(err, errlen, "%s", r == -ENOENT ? "no such crash" :
                                r == -EOPNOTSUPP ? "crashd is not running" : "database error");
        free(buf);
        return r;
}

int client_call(const struct client_options *o, json_t *request, json_t **ret, int *ret_fd, char *err,
                size_t errlen) {
        struct target t[3];
        size_t n = targets(o, t);
        char first_err[512] = "";
        int r = -ENOENT;

        if (ret_fd)
                *ret_fd = -EBADF;
        if (!o->no_daemon)
                for (size_t i = 0; i < n; i++) {
                        _cleanup_close_ int fd = -EBADF;

                        if (connect_unix(t[i].socket, &fd) < 0)
                                continue;
                        return call_daemon(fd, request, ret, ret_fd, err, errlen);
                }
        for (size_t i = 0; i < n; i++) {
                if (!t[i].state_dir[0])
                        continue;
                r = call_local(t[i].state_dir, request, ret, ret_fd, err, errlen);
                /* An answer, even "no such crash", ends the search; a
                 * database that is not there or not readable does not. */
                if (r >= 0 || (r != -ENOENT && r != -EACCES && r != -EPERM) ||
                    (r == -ENOENT && strcmp(err, "no such crash") == 0))
                        return r;
                if (!first_err[0])
                        (void) strlcpy_ok(first_err, err, sizeof(first_err));
        }
        (void) snprintf(err, errlen, "crashd is not running, and no state directory can be read%s%s",
                        first_err[0] ? ": " : "", first_err);
        return r < 0 ? r : -ENOENT;
}

int client_parse_signal(const char *s) {
        char *end;
        long v;

        if (!s || !*s)
                return -EINVAL;
        errno = 0;
        v = strtol(s, &end, 10);
        if (!errno && !*end)
                return v >= 0 && v <= 64 ? (int) v : -EINVAL;
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (int i = 1; i < 65; i++) {
                const char *a = sigabbrev_np(i);

                if (a && strcasecmp(a, s) == 0)
                        return i;
        }
        return -EINVAL;
}

int client_parse_since(const char *s, uint64_t *ret) {
        struct tm tm = {};
        char *end;
        time_t t;

        if (!s || !*s)
                return -EINVAL;
        if (s[0] == '@') {
                unsigned long long v;

                errno = 0;
                v = strtoull(s + 1, &end, 10);
                if (errno || end == s + 1 || *end)
                        return -EINVAL;
                *ret = (uint64_t) v * 1000000000u;
                return 0;
        }
        if (s[0] == '-') {
                unsigned long long v, m = 1, now = now_ns(CLOCK_REALTIME) / 1000000000u;

                errno = 0;
                v = strtoull(s + 1, &end, 10);
                if (errno || end == s + 1)
                        return -EINVAL;
                switch (*end) {
                case 0: case 's': break;
                case 'm': m = 60; break;
                case 'h': m = 3600; break;
                case 'd': m = 86400; break;
                case 'w': m = 7 * 86400; break;
                default: return -EINVAL;
                }
                if (*end && end[1])
                        return -EINVAL;
                *ret = (v * m > now ? 0 : now - v * m) * UINT64_C(1000000000);
                return 0;
        }
        /* systemd's words for times: midnight of those days, local time. */
        if (strcmp(s, "now") == 0) {
                *ret = now_ns(CLOCK_REALTIME);
                return 0;
        }
        if (strcmp(s, "today") == 0 || strcmp(s, "yesterday") == 0 || strcmp(s, "tomorrow") == 0) {
                time_t now = time(NULL);

                if (!localtime_r(&now, &tm))
                        return -EINVAL;
                tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
                tm.tm_mday += s[0] == 'y' ? -1 : s[1] == 'o' && s[2] == 'm' ? 1 : 0;
                tm.tm_isdst = -1;
                t = mktime(&tm);
                if (t == (time_t) -1 || t < 0)
                        return -EINVAL;
                *ret = (uint64_t) t * 1000000000u;
                return 0;
        }
        end = strptime(s, "%Y-%m-%d", &tm);
        if (!end)
                return -EINVAL;
        if (*end) {
                char *e2 = strptime(end, " %H:%M:%S", &tm);
                if (!e2)
                        e2 = strptime(end, " %H:%M", &tm);
                if (!e2 || *e2)
                        return -EINVAL;
        }
        tm.tm_isdst = -1;
        t = mktime(&tm);
        if (t == (time_t) -1 || t < 0)
                return -EINVAL;
        *ret = (uint64_t) t * 1000000000u;
        return 0;
}

/* Length of a valid UTF-8 sequence at s, or 0 (as json-util.c). */
static size_t utf8_seq(const unsigned char *s) {
        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                return (s[1] & 0xc0) == 0x80 ? 2 : 0;
        if (s[0] >= 0xe0 && s[0] <= 0xef)
                return (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 ? 3 : 0;
        if (s[0] >= 0xf0 && s[0] <= 0xf4)
                return (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 ? 4 : 0;
        return 0;
}

void client_print_escaped(FILE *f, const char *s, size_t width) {
        const unsigned char *p = (const unsigned char *) (s ? s : "");
        size_t cols = 0;

        while (*p) {
                size_t k = utf8_seq(p), w = k == 0 || *p < 0x20 || *p == 0x7f ? 4 : 1;
                const unsigned char *next = p + (k ? k : 1);

                if (width && cols + w > width - 1 && (*next || cols + w > width)) {
                        fputs("\u2026", f);
                        cols++;
                        break;
                }
                if (k == 0 || *p < 0x20 || *p == 0x7f)
                        fprintf(f, "\\x%02x", *p);
                else
                        fwrite(p, 1, k, f);
                cols += w;
                p = next;
        }
        for (; width && cols < width; cols++)
                fputc(' ', f);
}

void client_format_time(uint64_t ns, char *buf, size_t size) {
        time_t t = (time_t) (ns / 1000000000u);
        struct tm tm;

        if (!localtime_r(&t, &tm) || strftime(buf, size, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                (void) snprintf(buf, size, "-");
}

bool client_option(int c, const char *arg, struct client_options *o) {
        switch (c) {
        case CLIENT_OPT_DIR:
                o->dir = arg;
                return true;
        case CLIENT_OPT_SOCKET:
                o->socket = arg;
                return true;
        case CLIENT_OPT_STATE_DIR:
                o->state_dir = arg;
                return true;
        case CLIENT_OPT_NO_DAEMON:
                o->no_daemon = true;
                return true;
        default:
                return false;
        }
}
