/* SPDX-License-Identifier: MIT */
/* tools/target.c: see target.h. A stored crash is found with the API's
 * "list" (the newest one the MATCHes name) and its dump fetched with
 * "dump", so the running daemon and its database (when it is down) answer
 * the same, and a user reaches only their own crashes (daemon/api.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "match.h"
#include "target.h"

/* The arguments as the user wrote them, for "no crash matches ...". */
static void join_args(int n, char **args, char *buf, size_t size) {
        size_t used = 0;

        buf[0] = 0;
        for (int i = 0; i < n && used + 1 < size; i++) {
                int k = snprintf(buf + used, size - used, "%s%s", i ? " " : "", args[i]);

                if (k < 0)
                        break;
                used += (size_t) k < size - used ? (size_t) k : size - used - 1;
        }
}

int target_find(const char *cmd, const struct client_options *co, int n_args, char **args, bool files_ok,
                struct target *t) {
        json_t *req, *answer = NULL, *crashes;
        char err[1024] = "", what[256];
        int r;

        *t = (struct target) {};
        for (int i = 0; files_ok && i < n_args; i++) {
                if (!match_is_dump_path(args[i]))
                        continue;
                if (n_args > 1) {
                        fprintf(stderr, "crashctl: %s: a dump file or MATCHes, not both; see 'crashctl %s --help'\n",
                                cmd, cmd);
                        return EXIT_USAGE;
                }
                t->path = args[i];
                (void) snprintf(t->label, sizeof(t->label), "%s", args[i]);
                return 0;
        }

        req = json_pack("{s:s, s:i, s:b}", "method", "list", "limit", 1, "reverse", 1);
        if (!req)
                return 1;
        for (int i = 0; i < n_args; i++)
                if (match_add(req, args[i], err, sizeof(err)) < 0) {
                        fprintf(stderr, "crashctl: %s: %s\n", cmd, err);
                        json_decref(req);
                        return EXIT_USAGE;
                }
        r = client_call(co, req, &answer, NULL, err, sizeof(err));
        json_decref(req);
        if (r < 0) {
                fprintf(stderr, "crashctl: %s: %s\n", cmd, err);
                return 1;
        }
        crashes = json_object_get(answer, "crashes");
        if (json_array_size(crashes) == 0) {
                join_args(n_args, args, what, sizeof(what));
                if (n_args)
                        fprintf(stderr, "crashctl: %s: no crash matches '%s'\n", cmd, what);
                else
                        fprintf(stderr, "crashctl: %s: no crashes stored\n", cmd);
                json_decref(answer);
                return 1;
        }
        t->crash = json_incref(json_array_get(crashes, 0));
        json_decref(answer);
        t->id = (int64_t) json_integer_value(json_object_get(t->crash, "id"));
        (void) snprintf(t->label, sizeof(t->label), "crash %lld", (long long) t->id);
        return 0;
}

int target_open(const char *cmd, const struct client_options *co, const struct target *t, int *ret_fd) {
        json_t *req, *answer = NULL;
        char err[1024] = "";
        int r, fd = -1;

        if (t->path) {
                /* O_NONBLOCK: a FIFO must not hang us; the reader refuses it. */
                fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
                if (fd < 0) {
                        fprintf(stderr, "crashctl: %s: cannot open: %m\n", t->path);
                        return 1;
                }
                *ret_fd = fd;
                return 0;
        }
        req = json_pack("{s:s, s:I}", "method", "dump", "id", (json_int_t) t->id);
        if (!req)
                return 1;
        r = client_call(co, req, &answer, &fd, err, sizeof(err));
        json_decref(req);
        json_decref(answer);
        if (r < 0) {
                fprintf(stderr, "crashctl: %s: %s: %s\n", cmd, t->label, err);
                return 1;
        }
        if (fd < 0) {
                fprintf(stderr, "crashctl: %s: %s: crashd sent no file\n", cmd, t->label);
                return 1;
        }
        *ret_fd = fd;
        return 0;
}

int target_load(const char *cmd, const struct client_options *co, const struct target *t, struct proto_dump **ret) {
        char err[512];
        int fd, r;

        r = target_open(cmd, co, t, &fd);
        if (r)
                return r;
        if (proto_dump_load_fd(fd, ret, err, sizeof(err)) < 0) {
                fprintf(stderr, "crashctl: %s: %s\n", t->label, err);
                return 1;
        }
        return 0;
}

void target_done(struct target *t) {
        json_decref(t->crash);
        t->crash = NULL;
}
