/* SPDX-License-Identifier: MIT */
/* tools/cmd-gdb.c: `crashctl gdb [MATCH...|DUMP]` (alias `debug`, as
 * coredumpctl has it): the crash's dump exported as an ELF core
 * (core-export.h) into a private temporary directory, and gdb (or lldb)
 * started on it with the crash's own binaries. Those are found as
 * `crashctl symbolicate` finds them, by build-id (symb_locate_module()),
 * and laid out as a sysroot of links at the paths the dump names, so that
 * the debugger loads exactly the files of the crash even when they live
 * in a debug directory or another root. The directory goes when the
 * debugger exits. A stored crash is reachable only by its owner (and
 * root), as for every other command (target.h). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>

#include "client.h"
#include "commands.h"
#include "core-export.h"
#include "symbolicate.h"
#include "target.h"

#define MAX_DIRS 64

struct gdb_args {
        const char *debugger;           /* "gdb", "lldb", or a program */
        const char *extra;              /* -A: more arguments, in shell words */
        const char *debug_dirs[MAX_DIRS];
        size_t n_debug_dirs;
        const char *sysroot;
};

static void usage(FILE *f) {
        fputs("usage: crashctl gdb [OPTIONS] [MATCH...|DUMP]\n"
              "\n"
              "Starts gdb (or lldb) on the newest crash the MATCHes name (see 'crashctl list'; none:\n"
              "the newest of all), or on a dump file: its dump is exported as an ELF core file into a\n"
              "private temporary directory, removed when the debugger exits, and the debugger loads\n"
              "the crash's own binaries, found by build-id as 'crashctl symbolicate' finds them.\n"
              "'crashctl debug' is the same command.\n"
              "\n"
              "      --debugger NAME   gdb (default, or $CRASHCTL_DEBUGGER), lldb, or a program\n"
              "  -A, --debugger-arguments ARGS\n"
              "                        more arguments for the debugger, as shell words\n"
              "                        (-A '-batch -ex \"bt full\"')\n"
              "  -d, --debug-dir DIR   look for binaries and debug files in DIR too (repeatable)\n"
              "  -s, --sysroot DIR     look for the dump's paths under DIR first\n"
              CLIENT_OPTIONS_HELP
              "  -h, --help            this text\n",
              f);
}

/* A path the dump names, as a list of safe components: absolute, no
 * "." or "..", no empty parts, bounded. */
static bool safe_module_path(const char *p) {
        size_t n = strlen(p);

        if (p[0] != '/' || n >= PATH_MAX / 2)
                return false;
        for (const char *c = p + 1; *c;) {
                const char *e = strchrnul(c, '/');
                size_t k = (size_t) (e - c);

                if (k == 0 || (k == 1 && c[0] == '.') || (k == 2 && c[0] == '.' && c[1] == '.') || k > NAME_MAX)
                        return false;
                c = *e ? e + 1 : e;
        }
        return true;
}

/* Makes ROOT/path a link to target, creating the directories on the way
 * without following any link (the tree is ours, but the names are the
 * dump's). */
static int link_into(int root_fd, const char *path, const char *target) {
        char buf[PATH_MAX];
        char *c, *slash;
        int dir = dup(root_fd);

        if (dir < 0)
                return -errno;
        snprintf(buf, sizeof(buf), "%s", path + 1);
        for (c = buf; (slash = strchr(c, '/')); c = slash + 1) {
                int next;

                *slash = 0;
                if (mkdirat(dir, c, 0700) < 0 && errno != EEXIST) {
                        close(dir);
                        return -errno;
                }
                next = openat(dir, c, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                close(dir);
                if (next < 0)
                        return -errno;
                dir = next;
        }
        if (symlinkat(target, dir, c) < 0 && errno != EEXIST) {
                int r = -errno;

                close(dir);
                return r;
        }
        close(dir);
        return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st;
        (void) ftw;
        if (flag == FTW_DP)
                (void) rmdir(path);
        else
                (void) unlink(path);
        return 0;
}

static void remove_tree(const char *dir) {
        (void) nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The sysroot of links, and the debugger's search paths: one directory
 * per module's located file (solib-search-path) and the debug dirs. */
struct layout {
        char *exe;                      /* the main executable as found, or NULL */
        char *solib_dirs;               /* "dir:dir:..." */
        char *debug_dirs;               /* "dir:dir:...:/usr/lib/debug" */
};

static int append_dir(char **list, const char *path, bool parent) {
        char dir[PATH_MAX], *joined;
        const char *slash = parent ? strrchr(path, '/') : NULL;

        if (parent && (!slash || slash == path))
                return 0;
        snprintf(dir, sizeof(dir), "%.*s", parent ? (int) (slash - path) : (int) strlen(path), path);
        /* Once each. */
        if (*list) {
                size_t n = strlen(dir);

                for (const char *p = *list; (p = strstr(p, dir)); p++)
                        if ((p == *list || p[-1] == ':') && (p[n] == ':' || p[n] == 0))
                                return 0;
        }
        if (asprintf(&joined, "%s%s%s", *list ? *list : "", *list ? ":" : "", dir) < 0)
                return -ENOMEM;
        free(*list);
        *list = joined;
        return 0;
}

static int lay_out(const struct gdb_args *a, const struct proto_dump *d, int root_fd, struct layout *l) {
        struct symb_options o = {
                .sysroot = a->sysroot,
                .debug_dirs = a->debug_dirs,
                .n_debug_dirs = a->n_debug_dirs,
        };
        struct symb_context *ctx = NULL;
        int r;

        r = symb_context_new(&o, &ctx);
        if (r < 0)
                return r;
        for (size_t i = 0; r >= 0 && i < d->n_modules; i++) {
                const struct proto_module *m = &d->modules[i];
                char *path = NULL, *debug = NULL, *problem = NULL;

                if (!m->name || !safe_module_path(m->name))
                        continue;       /* the vdso, or a name we will not lay out */
                r = symb_locate_module(ctx, m, &path, &debug, &problem);
                if (r >= 0 && path) {
                        char real[PATH_MAX];
                        /* Links to the real file, so that gdb reads what we
                         * verified even if the found path was a link. */
                        const char *file = realpath(path, real) ? real : path;

                        r = link_into(root_fd, m->name, file);
                        if (r == 0)
                                r = append_dir(&l->solib_dirs, file, true);
                        if (r >= 0 && i == 0 && !(l->exe = strdup(file)))
                                r = -ENOMEM;
                        if (r >= 0 && debug)
                                r = append_dir(&l->debug_dirs, debug, true);
                } else if (r >= 0)
                        fprintf(stderr, "crashctl: gdb: %s: %s\n", m->name, problem ? problem : "not found");
                free(path);
                free(debug);
                free(problem);
        }
        for (size_t i = 0; r >= 0 && i < a->n_debug_dirs; i++)
                r = append_dir(&l->debug_dirs, a->debug_dirs[i], false);
        if (r >= 0)
                r = append_dir(&l->debug_dirs, "/usr/lib/debug", false);
        symb_context_free(ctx);
        return r;
}

static int write_core(const struct proto_dump *d, const char *path) {
        char err[512] = "";
        int fd, r;

        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
                fprintf(stderr, "crashctl: gdb: %s: %m\n", path);
                return -errno;
        }
        r = core_export_write(d, fd, err, sizeof(err));
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r < 0)
                fprintf(stderr, "crashctl: gdb: cannot export the core: %s\n", err[0] ? err : strerror(-r));
        return r;
}

/* The argument vector: the debugger, our settings, the user's -A words,
 * then the program and the core. */
static int run_debugger(const struct gdb_args *a, const struct layout *l, const char *root, const char *core) {
        const char *debugger = a->debugger;
        bool lldb = strstr(debugger, "lldb") != NULL;
        char *set_sysroot = NULL, *set_solib = NULL, *set_debug = NULL;
        const char *argv[64 + 256];
        wordexp_t we = {};
        size_t n = 0;
        pid_t pid;
        int status, r = 0;

        if (a->extra && wordexp(a->extra, &we, WRDE_NOCMD | WRDE_UNDEF) != 0) {
                fprintf(stderr, "crashctl: gdb: cannot read -A '%s' as shell words\n", a->extra);
                return EXIT_USAGE;
        }
        if (we.we_wordc > 256) {
                fprintf(stderr, "crashctl: gdb: too many -A words\n");
                wordfree(&we);
                return EXIT_USAGE;
        }
        argv[n++] = debugger;
        if (lldb) {
                /* lldb finds the shared libraries by the core's NT_FILE
                 * paths under the platform's sysroot. */
                if (asprintf(&set_sysroot, "platform select --sysroot %s host", root) < 0 ||
                    asprintf(&set_debug, "settings set target.debug-file-search-paths %s", l->debug_dirs) < 0)
                        r = -ENOMEM;
                argv[n++] = "-O";
                argv[n++] = set_sysroot;
                argv[n++] = "-O";
                argv[n++] = set_debug;
        } else {
                if (asprintf(&set_sysroot, "set sysroot %s", root) < 0 ||
                    asprintf(&set_solib, "set solib-search-path %s", l->solib_dirs ? l->solib_dirs : "") < 0 ||
                    asprintf(&set_debug, "set debug-file-directory %s", l->debug_dirs) < 0)
                        r = -ENOMEM;
                argv[n++] = "-iex";
                argv[n++] = set_sysroot;
                argv[n++] = "-iex";
                argv[n++] = set_solib;
                argv[n++] = "-iex";
                argv[n++] = set_debug;
        }
        for (size_t i = 0; i < we.we_wordc; i++)
                argv[n++] = we.we_wordv[i];
        if (lldb) {
                argv[n++] = "--core";
                argv[n++] = core;
                if (l->exe)
                        argv[n++] = l->exe;
        } else {
                if (l->exe)
                        argv[n++] = l->exe;
                argv[n++] = "-c";
                argv[n++] = core;
        }
        argv[n] = NULL;
        if (r < 0)
                goto out;

        /* The debugger owns the terminal and its ^C; we wait for it. */
        pid = fork();
        if (pid < 0) {
                r = -errno;
                goto out;
        }
        if (pid == 0) {
                (void) signal(SIGINT, SIG_DFL);
                (void) signal(SIGQUIT, SIG_DFL);
                execvp(argv[0], (char **) argv);
                fprintf(stderr, "crashctl: gdb: cannot run '%s': %m\n", argv[0]);
                _exit(127);
        }
        (void) signal(SIGINT, SIG_IGN);
        (void) signal(SIGQUIT, SIG_IGN);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        r = -errno;
                        goto out;
                }
        (void) signal(SIGINT, SIG_DFL);
        (void) signal(SIGQUIT, SIG_DFL);
        r = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
        if (r < 0) {
                fprintf(stderr, "crashctl: gdb: %s\n", strerror(-r));
                r = 1;
        }
        if (a->extra)
                wordfree(&we);
        free(set_sysroot);
        free(set_solib);
        free(set_debug);
        return r;
}

int cmd_gdb(int argc, char **argv) {
        enum { OPT_DEBUGGER = 0x100 };
        static const struct option options[] = {
                { "debugger", required_argument, NULL, OPT_DEBUGGER },
                { "debugger-arguments", required_argument, NULL, 'A' },
                { "debug-dir", required_argument, NULL, 'd' },
                { "sysroot", required_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                CLIENT_GETOPT_OPTIONS,
                {}
        };
        struct gdb_args a = { .debugger = getenv("CRASHCTL_DEBUGGER") };
        struct client_options co = {};
        struct layout l = {};
        struct proto_dump *d = NULL;
        struct target t;
        char tmp[PATH_MAX], root[PATH_MAX + 8], core[PATH_MAX + 8];
        const char *base = getenv("XDG_RUNTIME_DIR");
        int c, r, root_fd = -1;

        optind = 0;
        opterr = 0;
        /* Options before and after the MATCHes. */
        while ((c = getopt_long(argc, argv, "A:d:s:1h", options, NULL)) >= 0) {
                if (client_option(c, optarg, &co))
                        continue;
                switch (c) {
                case OPT_DEBUGGER:
                        a.debugger = optarg;
                        break;
                case 'A':
                        a.extra = optarg;
                        break;
                case 'd':
                        if (a.n_debug_dirs == MAX_DIRS) {
                                fprintf(stderr, "crashctl: gdb: too many --debug-dir\n");
                                return EXIT_USAGE;
                        }
                        a.debug_dirs[a.n_debug_dirs++] = optarg;
                        break;
                case 's':
                        a.sysroot = optarg;
                        break;
                case '1':       /* the newest crash: what no MATCH means too */
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        return command_bad_option("gdb", argv[optind - 1]);
                }
        }
        if (!a.debugger || !*a.debugger)
                a.debugger = "gdb";
        r = target_find("gdb", &co, argc - optind, argv + optind, true, &t);
        if (r)
                return r;
        r = target_load("gdb", &co, &t, &d);
        target_done(&t);
        if (r)
                return r;

        /* Private: the core holds the program's memory. */
        if (!base || base[0] != '/')
                base = getenv("TMPDIR");
        if (!base || base[0] != '/')
                base = "/tmp";
        snprintf(tmp, sizeof(tmp), "%s/crashctl-gdb.XXXXXX", base);
        if (!mkdtemp(tmp)) {
                fprintf(stderr, "crashctl: gdb: cannot make a directory in %s: %m\n", base);
                proto_dump_free(d);
                return 1;
        }
        snprintf(root, sizeof(root), "%s/root", tmp);
        snprintf(core, sizeof(core), "%s/core", tmp);
        r = 1;
        if (mkdir(root, 0700) < 0 || (root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
                fprintf(stderr, "crashctl: gdb: %s: %m\n", root);
                goto out;
        }
        if (write_core(d, core) < 0)
                goto out;
        if (lay_out(&a, d, root_fd, &l) < 0) {
                fprintf(stderr, "crashctl: gdb: cannot lay out the binaries: %m\n");
                goto out;
        }
        if (!l.exe)
                fprintf(stderr, "crashctl: gdb: the executable was not found; the debugger gets the core alone\n");
        r = run_debugger(&a, &l, root, core);
out:
        if (root_fd >= 0)
                close(root_fd);
        remove_tree(tmp);
        free(l.exe);
        free(l.solib_dirs);
        free(l.debug_dirs);
        proto_dump_free(d);
        return r;
}
