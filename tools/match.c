/* SPDX-License-Identifier: MIT */
/* tools/match.c: see match.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json-util.h"
#include "match.h"

static bool ends_with(const char *s, const char *suffix) {
        size_t n = strlen(s), k = strlen(suffix);

        return n >= k && strcmp(s + n - k, suffix) == 0;
}

bool match_is_dump_path(const char *arg) {
        static const uint8_t mdmp[4] = { 'M', 'D', 'M', 'P' }, zstd[4] = { 0x28, 0xb5, 0x2f, 0xfd };
        uint8_t head[4];
        struct stat st;
        bool dump;
        int fd;

        if (ends_with(arg, ".dmp") || ends_with(arg, ".dmp.zst"))
                return true;
        /* O_NONBLOCK: a FIFO named on the command line must not hang us. */
        fd = open(arg, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return false;
        if (fstat(fd, &st) < 0) {
                close(fd);
                return false;
        }
        /* A path to an executable is an EXE match (coredumpctl's); any
         * other existing file is a dump, so that the reader says what is
         * wrong with it ("not a regular file", "not a minidump"). */
        if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                dump = true;
        else
                dump = read(fd, head, sizeof(head)) == (ssize_t) sizeof(head) &&
                       (memcmp(head, mdmp, 4) == 0 || memcmp(head, zstd, 4) == 0);
        close(fd);
        return dump;
}

/* A positive decimal number, all of s. */
static bool parse_number(const char *s, long long *ret) {
        char *end;

        if (*s < '0' || *s > '9')
                return false;
        errno = 0;
        *ret = strtoll(s, &end, 10);
        return errno == 0 && *end == 0 && *ret > 0;
}

static int set_string(json_t *req, const char *key, const char *value, const char *arg, char *err, size_t errlen) {
        if (!*value) {
                (void) snprintf(err, errlen, "'%s' matches nothing: the value is empty", arg);
                return -EINVAL;
        }
        return json_object_set_new(req, key, json_util_string(value)) == 0 ? 0 : -ENOMEM;
}

static int set_number(json_t *req, const char *key, const char *value, const char *arg, char *err, size_t errlen) {
        long long n;

        if (!parse_number(value, &n)) {
                (void) snprintf(err, errlen, "'%s': expected a positive number after '='", arg);
                return -EINVAL;
        }
        return json_object_set_new(req, key, json_integer(n)) == 0 ? 0 : -ENOMEM;
}

static int set_exe(json_t *req, const char *path, const char *arg, char *err, size_t errlen) {
        char real[PATH_MAX];

        /* The dump records the executable's real path (/proc/PID/maps),
         * so a link or a relative path is resolved when it exists. */
        if (realpath(path, real))
                path = real;
        return set_string(req, "exe", path, arg, err, errlen);
}

int match_add(json_t *req, const char *arg, char *err, size_t errlen) {
        static const struct {
                const char *field, *key;
                bool number;
        } fields[] = {
                { "ID", "id", true },
                { "PID", "pid", true },
                { "COMM", "comm", false },
                { "EXE", "exe", false },
                { "SIGNATURE", "signature", false },
                { "GROUP", "group", true },
                { "BUILD_ID", "build_id", false },
        };
        const char *eq = strchr(arg, '=');
        long long n;

        if (eq) {
                size_t k = (size_t) (eq - arg);

                for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
                        if (strlen(fields[i].field) != k || strncmp(arg, fields[i].field, k) != 0)
                                continue;
                        if (fields[i].number)
                                return set_number(req, fields[i].key, eq + 1, arg, err, errlen);
                        if (strcmp(fields[i].key, "exe") == 0)
                                return set_exe(req, eq + 1, arg, err, errlen);
                        return set_string(req, fields[i].key, eq + 1, arg, err, errlen);
                }
                /* A signature may hold '=' ("operator=="): only a word of
                 * capitals before it is a field name. */
                if (strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == k && k > 0) {
                        (void) snprintf(err, errlen, "'%.*s=' is not a field crashctl matches on "
                                        "(ID, PID, COMM, EXE, SIGNATURE, GROUP, BUILD_ID)", (int) k, arg);
                        return -EINVAL;
                }
        }
        if (parse_number(arg, &n))
                return json_object_set_new(req, "number", json_integer(n)) == 0 ? 0 : -ENOMEM;
        if (strchr(arg, '/'))
                return set_exe(req, arg, arg, err, errlen);
        return set_string(req, "name", arg, arg, err, errlen);
}
