/* SPDX-License-Identifier: MIT */
/* daemon/paths.c: see paths.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "paths.h"
#include "util.h"

int paths_user_base(char *buf, size_t size) {
        const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        int n;

        /* The same rule as libcrashdump.so's fallback spool. */
        if (xdg && xdg[0] == '/')
                n = snprintf(buf, size, "%s/crashd", xdg);
        else if (home && home[0] == '/')
                n = snprintf(buf, size, "%s/.local/state/crashd", home);
        else
                return -ENOENT;
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

static int set_if_empty(char **field, const char *base, const char *suffix) {
        char *s;

        if (*field && (*field)[0])
                return 0;
        if (asprintf(&s, "%s%s", base, suffix) < 0)
                return -ENOMEM;
        if (strlen(s) >= PATH_MAX - 64) {
                free(s);
                return -ENAMETOOLONG;
        }
        free(*field);
        *field = s;
        return 0;
}

int paths_set_base(struct daemon_config *c, const char *dir) {
        int r;

        if (dir[0] != '/')
                return -EINVAL;
        if ((r = set_if_empty(&c->spool_dir, dir, "/spool")) < 0 ||
            (r = set_if_empty(&c->state_dir, dir, "/state")) < 0 ||
            (r = set_if_empty(&c->notify_socket, dir, "/notify.sock")) < 0 ||
            (r = set_if_empty(&c->api_socket, dir, "/api.sock")) < 0)
                return r;
        return 0;
}

int paths_fill_defaults(struct daemon_config *c, bool system) {
        char base[PATH_MAX];
        int r;

        if (system) {
                if ((r = set_if_empty(&c->state_dir, PATHS_SYSTEM_STATE, "")) < 0 ||
                    (r = set_if_empty(&c->spool_dir, PATHS_SYSTEM_SPOOL, "")) < 0 ||
                    (r = set_if_empty(&c->notify_socket, PATHS_SYSTEM_NOTIFY, "")) < 0 ||
                    (r = set_if_empty(&c->api_socket, PATHS_SYSTEM_API, "")) < 0)
                        return r;
                return 0;
        }
        r = paths_user_base(base, sizeof(base));
        if (r < 0)
                return r;
        return paths_set_base(c, base);
}
