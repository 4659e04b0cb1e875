/* SPDX-License-Identifier: MIT */
/* daemon/main.c: `crashd`: the command line, the configuration, and the
 * daemon's parts set up in order and torn down in reverse. */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "blame.h"
#include "daemon.h"
#include "dirs.h"
#include "forward.h"
#include "http-server.h"
#include "log.h"
#include "paths.h"
#include "util.h"

#ifndef CRASHD_CONFIG_FILE
#define CRASHD_CONFIG_FILE "/etc/crashd/crashd.conf"
#endif

#define MAX_WORKERS_AUTO 8
#define MAX_OVERRIDES 256

static void usage(FILE *f) {
        fprintf(f,
                "usage: crashd [OPTIONS]\n"
                "\n"
                "Collects the dumps libcrashdump.so writes, symbolicates them, groups and stores the\n"
                "reports. Runs in the foreground; with no options and no config file it keeps\n"
                "everything in ~/.local/state/crashd (as root: /var/lib/crashd, /var/spool/crashd\n"
                "and /run/crashd).\n"
                "\n"
                "  -c, --config FILE        read FILE (default: %s as root,\n"
                "                           ~/.config/crashd/crashd.conf otherwise; a missing\n"
                "                           default file is fine)\n"
                "  -d, --dir DIR            keep everything below DIR: spool/, state/, notify.sock, api.sock\n"
                "      --state-dir DIR      the database and stored dumps\n"
                "      --spool-dir DIR      where programs drop dumps\n"
                "      --notify-socket PATH the dumper's notices\n"
                "      --api-socket PATH    crashctl's requests\n"
                "  -w, --workers N          symbolication threads (0: one per CPU)\n"
                "  -o, --set KEY=VALUE      set any configuration key (repeatable; see crashd.conf)\n"
                "  -v, --verbose            log_level=debug\n"
                "      --check-config       check the configuration and exit (0: valid)\n"
                "      --dump-config        print the configuration in effect and exit\n"
                "  -h, --help               this text\n"
                "  -V, --version            the version\n",
                CRASHD_CONFIG_FILE);
}

static int default_config_path(bool system, char *buf, size_t size) {
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        int n;

        if (system)
                n = snprintf(buf, size, "%s", CRASHD_CONFIG_FILE);
        else if (xdg && xdg[0] == '/')
                n = snprintf(buf, size, "%s/crashd/crashd.conf", xdg);
        else if (home && home[0] == '/')
                n = snprintf(buf, size, "%s/.config/crashd/crashd.conf", home);
        else
                return -ENOENT;
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

int daemon_config_build(const struct daemon *d, struct daemon_config *ret, char *err, size_t errlen) {
        struct daemon_config c;
        int r;

        r = config_init(&c);
        if (r < 0) {
                (void) snprintf(err, errlen, "out of memory");
                return r;
        }
        if (d->config_path) {
                r = config_load_file(&c, d->config_path, err, errlen);
                if (r == -ENOENT && !d->config_explicit)
                        r = 0;
                if (r < 0)
                        goto fail;
        }
        for (size_t i = 0; i < d->n_overrides; i++) {
                char key[128], e[256];
                const char *eq = strchr(d->overrides[i], '=');

                if (!eq || (size_t) (eq - d->overrides[i]) >= sizeof(key)) {
                        (void) snprintf(err, errlen, "'%s': expected KEY=VALUE", d->overrides[i]);
                        r = -EINVAL;
                        goto fail;
                }
                memcpy(key, d->overrides[i], (size_t) (eq - d->overrides[i]));
                key[eq - d->overrides[i]] = 0;
                r = config_set(&c, key, eq + 1, e, sizeof(e));
                if (r < 0) {
                        (void) snprintf(err, errlen, "command line: %s", e);
                        goto fail;
                }
        }
        if (d->base_dir) {
                r = paths_set_base(&c, d->base_dir);
                if (r < 0) {
                        (void) snprintf(err, errlen, "--dir '%s': %s", d->base_dir,
                                        r == -EINVAL ? "not an absolute path" : strerror(-r));
                        goto fail;
                }
        }
        r = paths_fill_defaults(&c, d->system);
        if (r < 0) {
                (void) snprintf(err, errlen, "cannot work out the default directories (%s); set HOME or use --dir",
                                strerror(-r));
                goto fail;
        }
        for (int i = 0; i < 2; i++) {
                const char *s = i ? c.api_socket : c.notify_socket;

                if (strlen(s) >= sizeof(((struct sockaddr_un *) NULL)->sun_path)) {
                        (void) snprintf(err, errlen, "%s: '%s' is longer than a Unix socket path may be (%zu bytes)",
                                        i ? "api_socket" : "notify_socket", s,
                                        sizeof(((struct sockaddr_un *) NULL)->sun_path) - 1);
                        r = -EINVAL;
                        goto fail;
                }
        }
        r = http_config_check(&c, err, errlen);
        if (r < 0)
                goto fail;
        if (strcmp(c.state_dir, c.spool_dir) == 0) {
                (void) snprintf(err, errlen, "state_dir and spool_dir must differ (both are '%s')", c.state_dir);
                r = -EINVAL;
                goto fail;
        }
        *ret = c;
        return 0;
fail:
        config_done(&c);
        return r;
}

/* One crashd per state directory: the database has one writer, and two
 * daemons would race for the same spool files. */
static int lock_state(int state_fd, int *ret) {
        _cleanup_close_ int fd = openat(state_fd, "crashd.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                return -errno;
        *ret = TAKE_FD(fd);
        return 0;
}

static unsigned workers_auto(void) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        if (n < 1)
                return 1;
        return n > MAX_WORKERS_AUTO ? MAX_WORKERS_AUTO : (unsigned) n;
}

static int run(struct daemon *d) {
        _cleanup_close_ int lock_fd = -EBADF;
        int notify_fd = -EBADF, api_fd = -EBADF;
        struct symb_options so = {};
        unsigned n_workers;
        int r;

        r = service_listen_fds(&notify_fd, &api_fd);
        if (r < 0)
                return r;
        d->notify_fd = notify_fd;

        r = dirs_prepare(&d->config, d->system, &d->dirs);
        if (r < 0)
                return r;
        r = lock_state(d->dirs.state_fd, &lock_fd);
        if (r == -EWOULDBLOCK)
                return log_error_errno(r, "Another crashd is using the state directory '%s'.", d->config.state_dir);
        if (r < 0)
                return log_error_errno(r, "Failed to lock the state directory '%s': %m", d->config.state_dir);

        r = store_open(d->config.state_dir, &d->store);
        if (r < 0)
                return log_error_errno(r, "Failed to open the database in '%s': %m", d->config.state_dir);

        /* Before the workers exist: a fault in one names its dump. */
        r = blame_setup(d->dirs.state_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to install the fault handlers: %m");

        so.debug_dirs = (const char *const *) d->config.debug_dirs;
        for (char **p = d->config.debug_dirs; p && *p; p++)
                so.n_debug_dirs++;
        so.no_system_debug = !d->config.system_debug;
        n_workers = d->config.workers ? d->config.workers : workers_auto();
        r = workqueue_new(n_workers, &so, &d->wq);
        if (r < 0)
                return log_error_errno(r, "Failed to start %u workers: %m", n_workers);

        d->base = event_base_new();
        if (!d->base)
                return log_error_errno(-ENOMEM, "Failed to create the event loop.");

        if ((r = pipeline_start(d)) < 0 ||
            (r = ingest_start(d)) < 0 ||
            (r = api_start(d, api_fd)) < 0 ||
            (r = http_server_start(d)) < 0 ||
            (r = forward_start(d)) < 0 ||
            (r = service_start(d)) < 0)
                return r;
        api_fd = -EBADF;

        d->started_ns = now_ns(CLOCK_MONOTONIC);
        log_info("crashd %s: spool %s, state %s, %u worker%s; notices on %s, requests on %s.", CRASHD_VERSION,
                 d->config.spool_dir, d->config.state_dir, n_workers, n_workers == 1 ? "" : "s",
                 d->config.notify_socket, d->config.api_socket);
        (void) retention_run(d, /* check_age= */ true);
        pipeline_kick(d);               /* the rescan: dumps written while crashd was down */
        service_notify_ready(d);

        if (event_base_dispatch(d->base) < 0)
                return log_error_errno(-EIO, "The event loop failed.");
        return 0;
}

static void teardown(struct daemon *d) {
        service_stop(d);
        http_server_stop(d);
        api_stop(d);
        ingest_stop(d);
        pipeline_stop(d);
        retention_stop(d);
        forward_stop(d);
        if (d->in_flight > 0) {
                /* The drain timed out: a worker is stuck in a dump. Its
                 * thread cannot be stopped; the database is closed cleanly
                 * and the process ends without waiting for it. */
                store_close(d->store);
                _exit(EXIT_SUCCESS);
        }
        workqueue_free(d->wq);
        store_close(d->store);
        dirs_close(&d->dirs);
        if (d->base)
                event_base_free(d->base);
        d->wq = NULL;
        d->store = NULL;
        d->base = NULL;
}

static void free_overrides(struct daemon *d, const bool *allocated) {
        for (size_t i = 0; i < d->n_overrides; i++)
                if (allocated[i])
                        free(d->overrides[i]);
        d->n_overrides = 0;
}

int main(int argc, char **argv) {
        enum { OPT_STATE = 0x100, OPT_SPOOL, OPT_NOTIFY, OPT_API, OPT_CHECK, OPT_DUMP };
        static const struct option options[] = {
                { "config", required_argument, NULL, 'c' },
                { "dir", required_argument, NULL, 'd' },
                { "state-dir", required_argument, NULL, OPT_STATE },
                { "spool-dir", required_argument, NULL, OPT_SPOOL },
                { "notify-socket", required_argument, NULL, OPT_NOTIFY },
                { "api-socket", required_argument, NULL, OPT_API },
                { "workers", required_argument, NULL, 'w' },
                { "set", required_argument, NULL, 'o' },
                { "verbose", no_argument, NULL, 'v' },
                { "check-config", no_argument, NULL, OPT_CHECK },
                { "dump-config", no_argument, NULL, OPT_DUMP },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {}
        };
        struct daemon d = {
                .notify_fd = -EBADF,
                .inotify_fd = -EBADF,
                .dirs = DIRS_NULL,
        };
        char *overrides[MAX_OVERRIDES], config_path[PATH_MAX], err[1024];
        bool allocated[MAX_OVERRIDES] = {};
        bool check = false, dump = false;
        int c, r;

        d.overrides = overrides;
        d.system = geteuid() == 0;
        /* The database, stored dumps and bad/ are crashd's alone. */
        umask(0077);
        while ((c = getopt_long(argc, argv, "c:d:w:o:vhV", options, NULL)) >= 0) {
                const char *key = NULL;
                char *kv;

                switch (c) {
                case 'c':
                        d.config_path = optarg;
                        d.config_explicit = true;
                        continue;
                case 'd':
                        d.base_dir = optarg;
                        continue;
                case OPT_CHECK:
                        check = true;
                        continue;
                case OPT_DUMP:
                        dump = true;
                        continue;
                case 'h':
                        usage(stdout);
                        return EXIT_SUCCESS;
                case 'V':
                        printf("crashd %s\n", CRASHD_VERSION);
                        return EXIT_SUCCESS;
                case 'v':
                        key = "log_level";
                        optarg = (char *) "debug";
                        break;
                case OPT_STATE: key = "state_dir"; break;
                case OPT_SPOOL: key = "spool_dir"; break;
                case OPT_NOTIFY: key = "notify_socket"; break;
                case OPT_API: key = "api_socket"; break;
                case 'w': key = "workers"; break;
                case 'o':
                        break;
                default:
                        fprintf(stderr, "crashd: see 'crashd --help'\n");
                        return 2;
                }
                if (d.n_overrides == MAX_OVERRIDES) {
                        fprintf(stderr, "crashd: too many settings on the command line\n");
                        return 2;
                }
                if (key) {
                        if (asprintf(&kv, "%s=%s", key, optarg) < 0)
                                return EXIT_FAILURE;
                        allocated[d.n_overrides] = true;
                } else
                        kv = optarg;
                d.overrides[d.n_overrides++] = kv;
        }
        if (optind < argc) {
                fprintf(stderr, "crashd: unexpected argument '%s'; see 'crashd --help'\n", argv[optind]);
                return 2;
        }
        if (!d.config_path && default_config_path(d.system, config_path, sizeof(config_path)) == 0)
                d.config_path = config_path;

        log_setup(LOG_TARGET_AUTO, LOG_INFO);
        r = daemon_config_build(&d, &d.config, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "crashd: %s\n", err);
                free_overrides(&d, allocated);
                return EXIT_FAILURE;
        }
        if (check || dump) {
                bool has_file = d.config_path && access(d.config_path, F_OK) == 0;

                if (dump)
                        config_dump(&d.config, stdout);
                if (check)
                        fprintf(dump ? stderr : stdout, "crashd: the configuration is valid (%s)\n",
                                has_file ? d.config_path : "embedded defaults");
                config_done(&d.config);
                free_overrides(&d, allocated);
                return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
        }
        log_setup(d.config.log_target, d.config.log_level);

        r = run(&d);
        teardown(&d);
        config_done(&d.config);
        free_overrides(&d, allocated);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
