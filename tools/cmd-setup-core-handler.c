/* SPDX-License-Identifier: MIT */
/* tools/cmd-setup-core-handler.c: `crashctl setup-core-handler [--undo]`,
 * which makes crashd-coredump the kernel's core handler at run time (the
 * sysctl drop-in coredump/50-crashd-coredump.conf does it at boot): it
 * writes kernel.core_pattern, and kernel.core_pipe_limit if that is 0 (the
 * kernel then waits for the handler, which reads /proc/PID). What was
 * there before goes into a state file first, so that --undo puts it back
 * exactly. Root only. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"

#ifndef CRASHD_COREDUMP_PATH
#define CRASHD_COREDUMP_PATH "/usr/libexec/crashd/crashd-coredump"
#endif

#define CORE_PATTERN "/proc/sys/kernel/core_pattern"
#define CORE_PIPE_LIMIT "/proc/sys/kernel/core_pipe_limit"
#define DEFAULT_STATE "/var/lib/crashd/core-handler.state"
#define SPECIFIERS "%P %i %u %g %s %t %c %h %e %d"
#define PATTERN_MAX 127                 /* CORENAME_MAX_SIZE is 128, with its NUL */
#define PIPE_LIMIT "16"                 /* as systemd-coredump's drop-in */

static void usage(FILE *f) {
        fputs("usage: crashctl setup-core-handler [OPTIONS]\n"
              "\n"
              "Makes crashd-coredump the kernel's core handler, so that every crash on the host is\n"
              "dumped into crashd's spool, the programs without libcrashdump.so too: sets\n"
              "kernel.core_pattern (and kernel.core_pipe_limit to " PIPE_LIMIT " if it is 0), after saving\n"
              "what was there. Root only. For every boot, install the sysctl drop-in\n"
              "50-crashd-coredump.conf instead.\n"
              "\n"
              "      --undo            put back the core_pattern and core_pipe_limit saved\n"
              "      --handler PATH    the handler (default " CRASHD_COREDUMP_PATH ")\n"
              "      --handler-args ARGS  its options, before the specifiers (\"-s DIR --keep-core\")\n"
              "      --state FILE      where the old values are kept (default " DEFAULT_STATE ")\n"
              "  -h, --help            this text\n",
              f);
}

static int read_line(const char *path, char *buf, size_t size) {
        FILE *f = fopen(path, "re");
        size_t n;

        if (!f)
                return -errno;
        n = fread(buf, 1, size - 1, f);
        fclose(f);
        buf[n] = 0;
        while (n > 0 && buf[n - 1] == '\n')
                buf[--n] = 0;
        return 0;
}

static int write_value(const char *path, const char *value) {
        int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;
        size_t n = strlen(value);

        if (fd < 0)
                return -errno;
        if (write(fd, value, n) != (ssize_t) n)
                r = errno ? -errno : -EIO;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        return r;
}

/* The state file: "core_pattern=" and "core_pipe_limit=" lines, each
 * value as the kernel gave it (the pattern is one line: the kernel ends
 * it at a newline). Written as a temp file and renamed. */
static int save_state(const char *path, const char *pattern, const char *limit) {
        char tmp[PATH_MAX], dir[PATH_MAX], *slash;
        FILE *f;
        int fd, r = 0;

        snprintf(dir, sizeof(dir), "%s", path);
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = 0;
                if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                        return -errno;
        }
        if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int) sizeof(tmp))
                return -ENAMETOOLONG;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                close(fd);
                return -ENOMEM;
        }
        fprintf(f, "core_pattern=%s\ncore_pipe_limit=%s\n", pattern, limit);
        if (fflush(f) != 0 || fsync(fileno(f)) < 0)
                r = -errno;
        if (fclose(f) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}

static int load_state(const char *path, char *pattern, size_t psize, char *limit, size_t lsize) {
        char buf[1024], *line, *save = NULL;
        bool have_pattern = false, have_limit = false;
        int r = read_line(path, buf, sizeof(buf));

        if (r < 0)
                return r;
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (!strncmp(line, "core_pattern=", 13)) {
                        snprintf(pattern, psize, "%s", line + 13);
                        have_pattern = true;
                } else if (!strncmp(line, "core_pipe_limit=", 16)) {
                        snprintf(limit, lsize, "%s", line + 16);
                        have_limit = true;
                }
        }
        return have_pattern && have_limit ? 0 : -EBADMSG;
}

static bool is_ours(const char *pattern, const char *handler) {
        size_t n = strlen(handler);

        return pattern[0] == '|' && !strncmp(pattern + 1, handler, n) && (pattern[n + 1] == ' ' || !pattern[n + 1]);
}

static int install(const char *handler, const char *handler_args, const char *state) {
        char old[256], limit[32], pattern[512];
        int r;

        if (handler[0] != '/') {
                fprintf(stderr, "crashctl: setup-core-handler: the handler must be an absolute path\n");
                return EXIT_USAGE;
        }
        if (access(handler, X_OK) < 0) {
                fprintf(stderr, "crashctl: setup-core-handler: %s: %m\n", handler);
                return 1;
        }
        if (snprintf(pattern, sizeof(pattern), "|%s%s%s %s", handler, handler_args[0] ? " " : "", handler_args,
                     SPECIFIERS) > PATTERN_MAX) {
                fprintf(stderr, "crashctl: setup-core-handler: '%s' is longer than the kernel's %d bytes\n",
                        pattern, PATTERN_MAX);
                return 1;
        }
        if ((r = read_line(CORE_PATTERN, old, sizeof(old))) < 0 ||
            (r = read_line(CORE_PIPE_LIMIT, limit, sizeof(limit))) < 0) {
                fprintf(stderr, "crashctl: setup-core-handler: cannot read the kernel's settings: %s\n", strerror(-r));
                return 1;
        }
        if (is_ours(old, handler)) {
                /* Installed already: the state file keeps what was there
                 * before us, not our own pattern. */
                if (strcmp(old, pattern) != 0 && (r = write_value(CORE_PATTERN, pattern)) < 0) {
                        fprintf(stderr, "crashctl: setup-core-handler: cannot write %s: %s\n", CORE_PATTERN,
                                strerror(-r));
                        return 1;
                }
                printf("core_pattern: %s (crashd-coredump%s)\n", pattern,
                       strcmp(old, pattern) ? ", its options changed" : " already");
                return 0;
        }
        r = save_state(state, old, limit);
        if (r < 0) {
                fprintf(stderr, "crashctl: setup-core-handler: cannot save the old settings in %s: %s\n", state,
                        strerror(-r));
                return 1;
        }
        r = write_value(CORE_PATTERN, pattern);
        if (r < 0) {
                fprintf(stderr, "crashctl: setup-core-handler: cannot write %s: %s\n", CORE_PATTERN, strerror(-r));
                (void) unlink(state);
                return 1;
        }
        printf("core_pattern: '%s' -> '%s'\n", old, pattern);
        /* 0: the kernel does not wait for the handler, and the process's
         * /proc/PID may be gone while it reads it. */
        if (!strcmp(limit, "0")) {
                r = write_value(CORE_PIPE_LIMIT, PIPE_LIMIT);
                if (r < 0)
                        fprintf(stderr, "crashctl: setup-core-handler: cannot write %s: %s\n", CORE_PIPE_LIMIT,
                                strerror(-r));
                else
                        printf("core_pipe_limit: 0 -> " PIPE_LIMIT "\n");
        }
        printf("saved in %s ('crashctl setup-core-handler --undo' puts them back)\n", state);
        return 0;
}

static int undo(const char *handler, const char *state) {
        char pattern[256], limit[32], now[256];
        int r;

        r = load_state(state, pattern, sizeof(pattern), limit, sizeof(limit));
        if (r < 0) {
                fprintf(stderr, "crashctl: setup-core-handler: %s: %s\n", state,
                        r == -ENOENT ? "none: nothing to undo" : strerror(-r));
                return 1;
        }
        r = read_line(CORE_PATTERN, now, sizeof(now));
        if (r < 0) {
                fprintf(stderr, "crashctl: setup-core-handler: cannot read %s: %s\n", CORE_PATTERN, strerror(-r));
                return 1;
        }
        /* Someone set another handler since: theirs stays. */
        if (!is_ours(now, handler)) {
                fprintf(stderr, "crashctl: setup-core-handler: core_pattern is '%s', not crashd-coredump's: "
                        "left as it is (%s kept)\n", now, state);
                return 1;
        }
        r = write_value(CORE_PATTERN, pattern);
        if (r < 0) {
                fprintf(stderr, "crashctl: setup-core-handler: cannot write %s: %s\n", CORE_PATTERN, strerror(-r));
                return 1;
        }
        printf("core_pattern: '%s' -> '%s'\n", now, pattern);
        r = write_value(CORE_PIPE_LIMIT, limit);
        if (r < 0)
                fprintf(stderr, "crashctl: setup-core-handler: cannot write %s: %s\n", CORE_PIPE_LIMIT, strerror(-r));
        else
                printf("core_pipe_limit: %s\n", limit);
        if (unlink(state) < 0)
                fprintf(stderr, "crashctl: setup-core-handler: cannot remove %s: %m\n", state);
        return r < 0 ? 1 : 0;
}

int cmd_setup_core_handler(int argc, char **argv) {
        static const struct option opts[] = {
                { "undo", no_argument, NULL, 'u' },
                { "handler", required_argument, NULL, 'H' },
                { "handler-args", required_argument, NULL, 'a' },
                { "state", required_argument, NULL, 'S' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        const char *handler = CRASHD_COREDUMP_PATH, *handler_args = "", *state = DEFAULT_STATE;
        bool do_undo = false;
        int c;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0)
                switch (c) {
                case 'u':
                        do_undo = true;
                        break;
                case 'H':
                        handler = optarg;
                        break;
                case 'a':
                        handler_args = optarg;
                        break;
                case 'S':
                        state = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return EXIT_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "crashctl: setup-core-handler: unexpected argument '%s'\n", argv[optind]);
                return EXIT_USAGE;
        }
        if (strchr(handler_args, '\n') || strchr(handler_args, '%')) {
                fprintf(stderr, "crashctl: setup-core-handler: --handler-args may not hold a newline or %%\n");
                return EXIT_USAGE;
        }
        if (geteuid() != 0) {
                fprintf(stderr, "crashctl: setup-core-handler: only root can set the kernel's core handler\n");
                return 1;
        }
        return do_undo ? undo(handler, state) : install(handler, handler_args, state);
}
