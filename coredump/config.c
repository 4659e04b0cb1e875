/* SPDX-License-Identifier: MIT */
/* coredump/config.c: see config.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONFIG_FILE_MAX (64 * 1024)

void config_defaults(struct coredump_config *c) {
        memset(c, 0, sizeof(*c));
        snprintf(c->spool, sizeof(c->spool), "%s", COREDUMP_SPOOL);
        snprintf(c->socket, sizeof(c->socket), "%s", COREDUMP_SOCKET);
        snprintf(c->core_dir, sizeof(c->core_dir), "%s", COREDUMP_CORE_DIR);
        c->core_max = UINT64_C(2) << 30;
        c->timeout = 60;
        c->buffer_max = 128u << 20;
        /* The dumper's defaults (dumper/preload.c). */
        c->stack_max = 256 * 1024;
        c->thread_stack_max = 64 * 1024;
        c->heap_max = 128 * 1024;
        c->globals_max = 64 * 1024;
        c->lib_globals_max = 128 * 1024;
}

static int parse_bool(const char *v, bool *ret) {
        if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
                *ret = true;
        else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

/* N, or N with K, M or G (powers of 1024). */
static int parse_size(const char *v, uint64_t min, uint64_t max, uint64_t *ret) {
        unsigned long long n;
        char *end;
        int shift = 0;

        if (!isdigit((unsigned char) v[0]))
                return -EINVAL;
        errno = 0;
        n = strtoull(v, &end, 10);
        if (errno)
                return -EINVAL;
        switch (*end) {
        case 'K': case 'k': shift = 10; end++; break;
        case 'M': case 'm': shift = 20; end++; break;
        case 'G': case 'g': shift = 30; end++; break;
        }
        if (*end || n > (max >> shift) || (n << shift) < min)
                return -EINVAL;
        *ret = (uint64_t) n << shift;
        return 0;
}

static int set_path(char *dst, size_t size, const char *v) {
        if (v[0] && v[0] != '/')
                return -EINVAL;         /* absolute, or empty */
        if (strlen(v) >= size)
                return -ENAMETOOLONG;
        memcpy(dst, v, strlen(v) + 1);
        return 0;
}

int config_set(struct coredump_config *c, const char *key, const char *v, char *err, size_t errlen) {
        uint64_t n;
        int r = -EINVAL;

        if (!strcmp(key, "spool")) {
                r = v[0] ? set_path(c->spool, sizeof(c->spool), v) : -EINVAL;
                /* A spool of one's own gets no notices unless a socket
                 * is named too (as the dumper's CRASHD_DUMP_DIR). */
                if (r == 0 && !c->socket_set && strcmp(v, COREDUMP_SPOOL) != 0)
                        c->socket[0] = 0;
        } else if (!strcmp(key, "socket")) {
                r = set_path(c->socket, sizeof(c->socket), v);
                c->socket_set = r == 0;
        } else if (!strcmp(key, "keep_core"))
                r = parse_bool(v, &c->keep_core);
        else if (!strcmp(key, "core_dir"))
                r = v[0] ? set_path(c->core_dir, sizeof(c->core_dir), v) : -EINVAL;
        else if (!strcmp(key, "core_max"))
                r = parse_size(v, 0, UINT64_MAX >> 1, &c->core_max);
        else if (!strcmp(key, "timeout")) {
                r = parse_size(v, 1, 3600, &n);
                if (r == 0)
                        c->timeout = (unsigned) n;
        } else if (!strcmp(key, "buffer_max"))
                r = parse_size(v, 1u << 20, UINT64_C(64) << 30, &c->buffer_max);
        else if (!strcmp(key, "capture_env"))
                r = parse_bool(v, &c->capture_env);
        else if (!strcmp(key, "stack_max"))
                r = parse_size(v, 4096, 64u << 20, &c->stack_max);
        else if (!strcmp(key, "thread_stack_max"))
                r = parse_size(v, 1024, 64u << 20, &c->thread_stack_max);
        else if (!strcmp(key, "heap_max"))
                r = parse_size(v, 0, 64u << 20, &c->heap_max);
        else if (!strcmp(key, "globals_max"))
                r = parse_size(v, 0, 64u << 20, &c->globals_max);
        else if (!strcmp(key, "lib_globals_max"))
                r = parse_size(v, 0, 64u << 20, &c->lib_globals_max);
        else if (!strcmp(key, "verbose"))
                r = parse_bool(v, &c->verbose);
        else if (!strcmp(key, "stats"))
                r = set_path(c->stats, sizeof(c->stats), v);
        else {
                snprintf(err, errlen, "unknown key '%s'", key);
                return -EINVAL;
        }
        if (r < 0)
                snprintf(err, errlen, "bad value '%s' for %s", v, key);
        return r < 0 ? -EINVAL : 0;
}

static char *trim(char *s) {
        char *e;

        while (isspace((unsigned char) *s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char) e[-1]))
                *--e = 0;
        return s;
}

int config_load(struct coredump_config *c, const char *path, bool root_only, char *err, size_t errlen) {
        char buf[CONFIG_FILE_MAX + 1], *line, *save = NULL;
        struct stat st;
        size_t len = 0;
        unsigned lineno = 0;
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return -errno;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
            (root_only && (st.st_uid != 0 || (st.st_mode & 022)))) {
                close(fd);
                snprintf(err, errlen, "%s: not a regular file of root's that only root can write", path);
                return -EPERM;
        }
        while (len < CONFIG_FILE_MAX) {
                ssize_t k = read(fd, buf + len, CONFIG_FILE_MAX - len);

                if (k <= 0)
                        break;
                len += (size_t) k;
        }
        close(fd);
        buf[len] = 0;
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *eq, *key, *value, reason[256];

                lineno++;
                line = trim(line);
                if (!line[0] || line[0] == '#')
                        continue;
                eq = strchr(line, '=');
                if (!eq) {
                        snprintf(err, errlen, "%s:%u: not KEY = VALUE", path, lineno);
                        return -EINVAL;
                }
                *eq = 0;
                key = trim(line);
                value = trim(eq + 1);
                r = config_set(c, key, value, reason, sizeof(reason));
                if (r < 0) {
                        snprintf(err, errlen, "%s:%u: %s", path, lineno, reason);
                        return r;
                }
        }
        return 0;
}
