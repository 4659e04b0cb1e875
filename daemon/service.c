/* SPDX-License-Identifier: MIT */
/* daemon/service.c: crashd as a systemd service, and its signals as loop
 * events (libevent's sample does the same).
 *
 *  - Socket activation: crashd.socket passes the notify (datagram) and
 *    API (stream) sockets, named by FileDescriptorName=.
 *  - Type=notify: READY=1 once the spool is being watched and the sockets
 *    are served, STATUS= with the counts, STOPPING=1, RELOADING=1.
 *  - WATCHDOG=1 every half WatchdogSec, but only while no worker has been
 *    on one dump for longer than JOB_STUCK_S: a worker that hangs in
 *    libdw cannot be interrupted, so crashd lets systemd restart it, and
 *    the attempts count (pipeline.c) keeps that dump from doing it again.
 *  - SIGTERM/SIGINT drain (jobs running finish and are stored, queued ones
 *    stay in the spool), up to DRAIN_S; a second one exits at once.
 *  - SIGHUP reloads the config file; settings that need new sockets,
 *    directories or workers say so and wait for a restart. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>

#include "blame.h"
#include "notify.h"
#include "daemon.h"
#include "forward.h"
#include "log.h"
#include "util.h"

#define JOB_STUCK_S 300
#define DRAIN_S 20

int service_listen_fds(int *ret_notify, int *ret_api) {
        char **names = NULL;
        int n;

        *ret_notify = *ret_api = -EBADF;
        n = sd_listen_fds_with_names(/* unset_environment= */ 1, &names);
        if (n < 0)
                return log_error_errno(n, "Failed to read the sockets passed by systemd: %m");
        for (int i = 0; i < n; i++) {
                int fd = SD_LISTEN_FDS_START + i;
                const char *name = names && names[i] ? names[i] : "";

                if ((strcmp(name, "notify") == 0 || sd_is_socket_unix(fd, SOCK_DGRAM, -1, NULL, 0) > 0) &&
                    *ret_notify < 0)
                        *ret_notify = fd;
                else if ((strcmp(name, "api") == 0 || sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) > 0) &&
                         *ret_api < 0)
                        *ret_api = fd;
                else {
                        log_warning("Ignoring socket %d ('%s') passed by systemd.", fd, name);
                        close(fd);
                }
        }
        if (names) {
                for (int i = 0; i < n; i++)
                        free(names[i]);
                free(names);
        }
        if (n > 0)
                log_debug("Got %d socket%s from systemd.", n, n == 1 ? "" : "s");
        return 0;
}

void service_notify_status(struct daemon *d) {
        char msg[256];

        (void) snprintf(msg, sizeof(msg), "STATUS=%llu crashes stored, %llu rejected; %u in progress, %zu waiting%s",
                        (unsigned long long) d->n_stored, (unsigned long long) d->n_bad, d->in_flight,
                        pipeline_backlog(d), d->paused ? "; paused: see the log" : "");
        (void) notify_send(msg, false);
}

void service_notify_ready(struct daemon *d) {
        (void) notify_send("READY=1", true);
        service_notify_status(d);
}

static void on_watchdog(evutil_socket_t fd, short what, void *userdata) {
        struct daemon *d = userdata;
        char name[NAME_MAX + 1], esc[3 * NAME_MAX];
        uint64_t longest = workqueue_longest_running(d->wq, name, sizeof(name));
        static bool warned;

        if (longest > JOB_STUCK_S * UINT64_C(1000000000)) {
                if (!warned) {
                        /* systemd restarts crashd for it: the next start
                         * counts the attempt against this dump. */
                        blame_write(name);
                        log_escape(name, esc, sizeof(esc));
                        log_error("A worker has been symbolicating '%s' for %llu s; withholding the watchdog so "
                                  "that crashd is restarted.", esc, (unsigned long long) (longest / 1000000000u));
                        warned = true;
                }
                return;
        }
        warned = false;
        (void) notify_send("WATCHDOG=1", false);
        service_notify_status(d);
}

void service_drained(struct daemon *d) {
        log_info("Drained; exiting.");
        (void) event_base_loopexit(d->base, NULL);
}

static void on_drain_timeout(evutil_socket_t fd, short what, void *userdata) {
        struct daemon *d = userdata;

        log_warning("%u dump%s still being symbolicated after %d s; exiting anyway (they stay in the spool).",
                    d->in_flight, d->in_flight == 1 ? "" : "s", DRAIN_S);
        (void) event_base_loopexit(d->base, NULL);
}

static void on_stop(evutil_socket_t sig, short what, void *userdata) {
        struct daemon *d = userdata;
        struct timeval tv = { .tv_sec = DRAIN_S };

        if (d->stopping) {
                log_info("Received %s again; exiting now.", strsignal((int) sig));
                (void) event_base_loopexit(d->base, NULL);
                return;
        }
        log_info("Received %s; finishing the dumps being symbolicated.", strsignal((int) sig));
        (void) notify_send("STOPPING=1", true);
        if (pipeline_drain(d)) {
                service_drained(d);
                return;
        }
        d->drain_timer = evtimer_new(d->base, on_drain_timeout, d);
        if (!d->drain_timer || evtimer_add(d->drain_timer, &tv) < 0)
                (void) event_base_loopexit(d->base, NULL);
}

static bool str_changed(const char *a, const char *b) {
        return !streq_ptr(a, b);
}

static bool list_changed(char **a, char **b) {
        size_t i;

        for (i = 0; a && b && a[i] && b[i]; i++)
                if (strcmp(a[i], b[i]) != 0)
                        return true;
        return (a && a[i]) || (b && b[i]);
}

static void on_reload(evutil_socket_t sig, short what, void *userdata) {
        struct daemon *d = userdata;
        struct daemon_config new, *old = &d->config;
        char err[512];
        int r;

        (void) notify_send("RELOADING=1", true);
        r = daemon_config_build(d, &new, err, sizeof(err));
        if (r < 0) {
                log_error("Reloading the configuration failed, keeping the old one: %s", err);
                (void) notify_send("READY=1", true);
                return;
        }
        /* These were used to set up sockets, directories and workers. */
#define KEEP(field, changed)                                                                           \
        do {                                                                                           \
                if (changed)                                                                           \
                        log_warning("'%s' changed; it takes effect when crashd is restarted.", #field); \
        } while (0)
        KEEP(state_dir, str_changed(old->state_dir, new.state_dir));
        KEEP(spool_dir, str_changed(old->spool_dir, new.spool_dir));
        KEEP(notify_socket, str_changed(old->notify_socket, new.notify_socket));
        KEEP(api_socket, str_changed(old->api_socket, new.api_socket));
        KEEP(workers, old->workers != new.workers);
        KEEP(debug_dirs, list_changed(old->debug_dirs, new.debug_dirs));
        KEEP(system_debug, old->system_debug != new.system_debug);
        KEEP(http_listen, str_changed(old->http_listen, new.http_listen));
        KEEP(max_upload_size, old->max_upload_size != new.max_upload_size);
        /* The HTTP server's limits are set when it starts listening, and
         * upload_user is resolved to ids once (pipeline.c). */
        KEEP(http_max_connections, old->http_max_connections != new.http_max_connections);
        KEEP(http_max_connections_per_address,
             old->http_max_connections_per_address != new.http_max_connections_per_address);
        KEEP(http_request_timeout, old->http_request_timeout_s != new.http_request_timeout_s);
        KEEP(upload_user, str_changed(old->upload_user, new.upload_user));
#undef KEEP
        old->queue_size = new.queue_size;
        old->max_dump_size = new.max_dump_size;
        old->sync = new.sync;
        old->signature_frames = new.signature_frames;
        old->max_threads = new.max_threads;
        old->max_threads_listed = new.max_threads_listed;
        old->max_report_frames = new.max_report_frames;
        old->max_vars = new.max_vars;
        old->max_report_vars = new.max_report_vars;
        old->max_value_bytes = new.max_value_bytes;
        old->symbolicate_timeout_s = new.symbolicate_timeout_s;
        old->mask_stored = new.mask_stored;
        old->max_crashes = new.max_crashes;
        old->max_total_size = new.max_total_size;
        old->max_crashes_per_user = new.max_crashes_per_user;    /* retention.c reads them per run */
        old->max_size_per_user = new.max_size_per_user;
        old->loop_keep = new.loop_keep;
        old->loop_window_s = new.loop_window_s;
        old->sentry_max_per_group = new.sentry_max_per_group;
        old->max_age_s = new.max_age_s;
        old->bad_keep = new.bad_keep;
        old->stale_tmp_age_s = new.stale_tmp_age_s;
        old->api_max_clients = new.api_max_clients;
        old->log_level = new.log_level;
        old->log_target = new.log_target;
        /* Forwarding (forward.c reads these when it queues and sends);
         * swapped, so that config_done() frees the old ones. */
#define SWAP(field)                                   \
        do {                                          \
                __typeof__(new.field) t_ = old->field; \
                old->field = new.field;               \
                new.field = t_;                       \
        } while (0)
        SWAP(sentry_dsn);
        SWAP(webhook_urls);
        SWAP(forward_ca_file);
        SWAP(mask_names);
        SWAP(upload_token);             /* http-server.c reads it per upload */
        SWAP(programs);                 /* jobs hold their own references */
#undef SWAP
        old->sentry_attach_minidump = new.sentry_attach_minidump;
        old->webhook_quiet_period_s = new.webhook_quiet_period_s;
        old->forward_queue_max = new.forward_queue_max;
        old->forward_timeout_s = new.forward_timeout_s;
        config_done(&new);
        log_setup(old->log_target, old->log_level);
        log_info("Reloaded the configuration%s%s.", d->config_path ? " from " : "",
                 d->config_path ? d->config_path : "");
        (void) retention_run(d, /* check_age= */ true);
        pipeline_kick(d);
        forward_kick(d);        /* a DSN or URL set now sends what waited */
        (void) notify_send("READY=1", true);
}

int service_start(struct daemon *d) {
        uint64_t usec = 0;

        /* A client that goes away before its answer is written (the API
         * socket, HTTP, a forward's receiver) makes that write raise
         * SIGPIPE, whose default is to end the process: any user could
         * kill crashd so. Ignored, the write fails with EPIPE and only
         * that connection ends. libevent's writes and libcurl's do not
         * all pass MSG_NOSIGNAL. */
        if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
                return log_error_errno(-errno, "Failed to ignore SIGPIPE: %m");
        d->sig_term = evsignal_new(d->base, SIGTERM, on_stop, d);
        d->sig_int = evsignal_new(d->base, SIGINT, on_stop, d);
        d->sig_hup = evsignal_new(d->base, SIGHUP, on_reload, d);
        if (!d->sig_term || !d->sig_int || !d->sig_hup || evsignal_add(d->sig_term, NULL) < 0 ||
            evsignal_add(d->sig_int, NULL) < 0 || evsignal_add(d->sig_hup, NULL) < 0)
                return log_error_errno(-ENOMEM, "Failed to set up signal events.");

        if (sd_watchdog_enabled(/* unset_environment= */ 0, &usec) > 0 && usec > 0) {
                struct timeval tv = { .tv_sec = (time_t) (usec / 2 / 1000000), .tv_usec = (suseconds_t) (usec / 2 % 1000000) };

                d->watchdog_usec = usec;
                d->watchdog_timer = event_new(d->base, -1, EV_PERSIST, on_watchdog, d);
                if (!d->watchdog_timer || event_add(d->watchdog_timer, &tv) < 0)
                        return log_error_errno(-ENOMEM, "Failed to set up the watchdog timer.");
                log_debug("Watchdog every %llu ms.", (unsigned long long) (usec / 2000));
        }
        return 0;
}

void service_stop(struct daemon *d) {
        struct event **evs[] = { &d->sig_term, &d->sig_int, &d->sig_hup, &d->watchdog_timer, &d->drain_timer };

        for (size_t i = 0; i < ELEMENTSOF(evs); i++)
                if (*evs[i]) {
                        event_free(*evs[i]);
                        *evs[i] = NULL;
                }
}
