/* SPDX-License-Identifier: MIT */
/* tests/symbolicate/bench-symbolicate.c: the symbolication benchmark of
 * DESIGN.md's performance budget, on the reference crash (refcrash: 5
 * threads, a NULL write 4 frames deep). One crash under the dumper gives
 * both a dump and the kernel's core file (core_pattern is pointed at a
 * temporary folder for that one run, and restored on every exit path).
 * Then, interleaved, each a fresh process:
 *
 *   crashctl symbolicate DUMP                 (all threads, all locals)
 *   gdb -batch -nx -ex 'bt full' EXE CORE     (the crashed thread only)
 *   gdb ... -ex 'thread apply all bt full'    (the same work as crashctl)
 *   eu-stack -i -s --core=CORE -e EXE         (frames and lines, no values)
 *
 * and, in this process with one symb_context reused, how many dumps a
 * second one core symbolicates (to JSON, masked) once its caches are warm.
 * It prints figures beside the goals and never fails on time; it exits 1
 * only when the crash gives no dump.
 *
 * usage: bench-symbolicate -r REFCRASH -d LIBCRASHDUMP -c CRASHCTL
 *                          [-n RUNS] [-t SECONDS] */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "symbolicate.h"

extern char **environ;

#define CORE_PATTERN "/proc/sys/kernel/core_pattern"

static char saved_pattern[4096];
static bool pattern_changed;

static void restore_pattern(void) {
        int fd;

        if (!pattern_changed)
                return;
        fd = open(CORE_PATTERN, O_WRONLY);
        if (fd >= 0) {
                if (write(fd, saved_pattern, strlen(saved_pattern)) < 0)
                        (void) 0;
                close(fd);
        }
        pattern_changed = false;
}

static void on_signal(int sig) {
        restore_pattern();
        signal(sig, SIG_DFL);
        raise(sig);
}

static bool set_pattern(const char *pattern) {
        FILE *f = fopen(CORE_PATTERN, "r");
        int fd;

        if (!f)
                return false;
        if (!fgets(saved_pattern, sizeof(saved_pattern), f))
                saved_pattern[0] = 0;
        fclose(f);
        fd = open(CORE_PATTERN, O_WRONLY);
        if (fd < 0)
                return false;
        pattern_changed = true;
        atexit(restore_pattern);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        if (write(fd, pattern, strlen(pattern)) < 0) {
                close(fd);
                restore_pattern();
                return false;
        }
        close(fd);
        return true;
}

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs argv with stdout and stderr to /dev/null; returns its wall time
 * in ms, or -1 if it could not run or exited non-zero (crash: the status). */
static double run(char *const argv[], char *const envp[], int *status) {
        posix_spawn_file_actions_t fa;
        pid_t pid;
        double t0 = now();
        int st;

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp ? envp : environ) != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return -1;
        }
        posix_spawn_file_actions_destroy(&fa);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        if (status)
                *status = st;
        return now() - t0 < 0 ? -1 : (now() - t0) * 1e3;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;

        return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n, double ref) {
        if (n == 0) {
                printf("  %-44s skipped\n", what);
                return;
        }
        qsort(v, (size_t) n, sizeof(*v), cmp_double);
        printf("  %-44s median %7.1f ms  p90 %7.1f ms", what, v[n / 2], v[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1]);
        if (ref > 0)
                printf("  (%.2fx of crashctl)", v[n / 2] / ref);
        putchar('\n');
}

static bool have(const char *prog) {
        char *path = getenv("PATH"), *copy, *dir, *save = NULL;
        bool found = false;

        if (!path || !(copy = strdup(path)))
                return false;
        for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
                char p[4096];

                snprintf(p, sizeof(p), "%s/%s", dir, prog);
                found = access(p, X_OK) == 0;
        }
        free(copy);
        return found;
}

static bool find_file(const char *dir, const char *prefix, const char *suffix, char *out, size_t n) {
        DIR *d = opendir(dir);
        struct dirent *de;
        bool found = false;

        while (d && !found && (de = readdir(d)))
                if (!strncmp(de->d_name, prefix, strlen(prefix)) &&
                    (!suffix || (strlen(de->d_name) > strlen(suffix) &&
                                 !strcmp(de->d_name + strlen(de->d_name) - strlen(suffix), suffix)))) {
                        snprintf(out, n, "%s/%s", dir, de->d_name);
                        found = true;
                }
        if (d)
                closedir(d);
        return found;
}

static void warm(const char *dump, double seconds) {
        struct symb_options o = {0};
        struct symb_context *c;
        struct symb_report *r;
        struct proto_dump *d;
        char err[256];
        FILE *null = fopen("/dev/null", "w");
        double t0, first, t1;
        long n = 0;
        size_t frames = 0, vars = 0, known = 0;

        if (!null || proto_dump_load(dump, &d, err, sizeof(err)) < 0 || symb_context_new(&o, &c) < 0) {
                printf("  warm: cannot load %s\n", dump);
                return;
        }
        t0 = now();
        if (symb_symbolicate(c, d, &r, err, sizeof(err)) < 0) {
                printf("  warm: %s\n", err);
                return;
        }
        for (size_t i = 0; i < r->n_threads; i++)
                for (size_t j = 0; j < r->threads[i].n_frames; j++) {
                        frames++;
                        for (size_t k = 0; k < r->threads[i].frames[j].n_vars; k++) {
                                vars++;
                                known += r->threads[i].frames[j].vars[k].value != NULL;
                        }
                }
        symb_format_json(null, r, symb_default_mask);
        symb_report_free(r);
        first = (now() - t0) * 1e3;
        t0 = now();
        do {
                if (symb_symbolicate(c, d, &r, err, sizeof(err)) < 0)
                        break;
                symb_format_json(null, r, symb_default_mask);
                symb_report_free(r);
                n++;
        } while ((t1 = now()) - t0 < seconds);
        t1 = now();
        printf("  in-process, first dump (cold caches)           %7.1f ms\n", first);
        printf("  in-process, warm: %ld dumps in %.1f s           %7.0f dumps/s  (%.3f ms each; goal >= 500/s)\n", n,
               t1 - t0, n / (t1 - t0), (t1 - t0) * 1e3 / (n ? n : 1));
        printf("  the report: %zu threads, %zu frames, %zu variables, %zu with a value\n", d->n_threads, frames, vars,
               known);
        symb_context_free(c);
        proto_dump_free(d);
        fclose(null);
}

int main(int argc, char **argv) {
        const char *refcrash = NULL, *dumper = NULL, *crashctl = NULL;
        int runs = 20, opt, st;
        double seconds = 3;
        char tmp[] = "/tmp/bench-symb-XXXXXX", pattern[256], dump[512], core[512], exe[512], env1[600],
             env2[600];
        bool cores;

        while ((opt = getopt(argc, argv, "r:d:c:n:t:h")) != -1) {
                switch (opt) {
                case 'r': refcrash = optarg; break;
                case 'd': dumper = optarg; break;
                case 'c': crashctl = optarg; break;
                case 'n': runs = atoi(optarg) > 0 ? atoi(optarg) : runs; break;
                case 't': seconds = atof(optarg) > 0 ? atof(optarg) : seconds; break;
                default:
                        fprintf(stderr, "usage: %s -r REFCRASH -d LIBCRASHDUMP -c CRASHCTL [-n RUNS] [-t SECONDS]\n",
                                argv[0]);
                        return opt == 'h' ? 0 : 2;
                }
        }
        if (!refcrash || !dumper || !crashctl) {
                fprintf(stderr, "%s: -r, -d and -c are needed\n", argv[0]);
                return 2;
        }
        if (!mkdtemp(tmp))
                return 1;
        /* A copy of refcrash in the temporary folder: gdb and crashctl
         * read the binary the crash came from. */
        snprintf(exe, sizeof(exe), "%s/refcrash", tmp);
        {
                char *cp[] = {(char *) "cp", (char *) refcrash, exe, NULL};
                if (run(cp, NULL, &st) < 0 || st != 0)
                        return 1;
        }
        snprintf(pattern, sizeof(pattern), "%s/core.%%p", tmp);
        cores = set_pattern(pattern);
        {
                char *args[] = {exe, NULL};
                char *envp[] = {env1, env2, (char *) "CRASHD_WAIT=1", NULL};
                struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};

                snprintf(env1, sizeof(env1), "LD_PRELOAD=%s", dumper);
                snprintf(env2, sizeof(env2), "CRASHD_DUMP_DIR=%s", tmp);
                setrlimit(RLIMIT_CORE, &rl);
                run(args, envp, &st);
        }
        restore_pattern();
        if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV || !find_file(tmp, "refcrash.", ".dmp.zst", dump, sizeof(dump))) {
                fprintf(stderr, "bench-symbolicate: refcrash gave no dump\n");
                return 1;
        }
        cores = cores && find_file(tmp, "core.", NULL, core, sizeof(core));

        double *t_ctl = calloc((size_t) runs, sizeof(double)), *t_gdb = calloc((size_t) runs, sizeof(double)),
               *t_gdb_all = calloc((size_t) runs, sizeof(double)), *t_eu = calloc((size_t) runs, sizeof(double));
        int n_ctl = 0, n_gdb = 0, n_gdb_all = 0, n_eu = 0;
        bool gdb = cores && have("gdb"), eu = cores && have("eu-stack");
        char core_arg[600];
        char *ctl[] = {(char *) crashctl, (char *) "symbolicate", dump, NULL};
        char *g1[] = {(char *) "gdb", (char *) "-batch", (char *) "-nx", (char *) "-ex", (char *) "bt full", exe, core,
                      NULL};
        char *g2[] = {(char *) "gdb",   (char *) "-batch", (char *) "-nx", (char *) "-ex",
                      (char *) "thread apply all bt full", exe, core, NULL};
        char *e1[] = {(char *) "eu-stack", (char *) "-i", (char *) "-s", core_arg, (char *) "-e", exe, NULL};
        double v;

        snprintf(core_arg, sizeof(core_arg), "--core=%s", core);
        unsetenv("DEBUGINFOD_URLS");    /* nobody goes to the network */
        for (int i = -1; i < runs; i++) {
                /* i == -1: one untimed round to warm the page cache. */
                if ((v = run(ctl, NULL, &st)) >= 0 && st == 0 && i >= 0)
                        t_ctl[n_ctl++] = v;
                if (gdb && (v = run(g1, NULL, &st)) >= 0 && i >= 0)
                        t_gdb[n_gdb++] = v;
                if (gdb && (v = run(g2, NULL, &st)) >= 0 && i >= 0)
                        t_gdb_all[n_gdb_all++] = v;
                if (eu && (v = run(e1, NULL, &st)) >= 0 && i >= 0)
                        t_eu[n_eu++] = v;
        }
        printf("bench-symbolicate: the reference crash, %d runs each, wall time of a fresh process\n", runs);
        report("crashctl symbolicate (all threads, locals)", t_ctl, n_ctl, 0);
        double ref = n_ctl ? t_ctl[n_ctl / 2] : 0;
        report("gdb -batch -ex 'bt full'", t_gdb, n_gdb, ref);
        report("gdb -batch -ex 'thread apply all bt full'", t_gdb_all, n_gdb_all, ref);
        report("eu-stack -i -s --core (no values)", t_eu, n_eu, ref);
        if (n_ctl && n_gdb)
                printf("  goal: crashctl <= 1/2 of gdb 'bt full': %.2f of it\n", ref / t_gdb[n_gdb / 2]);
        if (!cores)
                printf("  (no core file: core_pattern not writable, so no gdb or eu-stack figures)\n");
        warm(dump, seconds);
        {
                char *rm[] = {(char *) "rm", (char *) "-rf", tmp, NULL};
                run(rm, NULL, NULL);
        }
        free(t_ctl);
        free(t_gdb);
        free(t_gdb_all);
        free(t_eu);
        return 0;
}
