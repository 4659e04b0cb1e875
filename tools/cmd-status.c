/* SPDX-License-Identifier: MIT */
/* tools/cmd-status.c: `crashctl status`, the daemon's state from its API
 * ("status", daemon/api.c): version, uptime, the spool's backlog, busy
 * workers, what it stored, the forwarding outbox and its last error (those
 * two for root only: they name every user's crashes). When no daemon
 * answers, what its database says (daemon/query.h's query_status), and
 * exit status 3, as `systemctl status` for a unit that is not running. */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "commands.h"

#define EXIT_NOT_RUNNING 3

static void usage(FILE *f) {
        fputs("usage: crashctl status [OPTIONS]\n"
              "\n"
              "Shows whether crashd runs and what it does: version, uptime, the spool's backlog, busy\n"
              "workers, crashes stored and the forwarding queue (root sees the queue and the last error).\n"
              "When it is down, what its database holds, and exit status 3.\n"
              "\n"
              "      --json            the daemon's answer (or the database's) as JSON\n"
              CLIENT_OPTIONS_HELP
              "  -h, --help            this text\n",
              f);
}

static long long get(json_t *o, const char *key) {
        return (long long) json_integer_value(json_object_get(o, key));
}

static void print_duration(uint64_t ns) {
        uint64_t s = ns / 1000000000u;

        if (s >= 86400)
                printf("%" PRIu64 "d %" PRIu64 "h", s / 86400, s % 86400 / 3600);
        else if (s >= 3600)
                printf("%" PRIu64 "h %" PRIu64 "min", s / 3600, s % 3600 / 60);
        else if (s >= 60)
                printf("%" PRIu64 "min %" PRIu64 "s", s / 60, s % 60);
        else
                printf("%" PRIu64 "s", s);
}

static void print_store(json_t *store, bool outbox) {
        json_t *last = json_object_get(store, "last_crash_ns"), *fw = json_object_get(store, "forward");
        char when[64];

        if (!json_is_object(store))
                return;
        printf("Store:      %lld crashes in %lld groups", get(store, "crashes"), get(store, "groups"));
        if (json_is_integer(last)) {
                client_format_time((uint64_t) json_integer_value(last), when, sizeof(when));
                printf(", the last at %s", when);
        }
        putchar('\n');
        if (outbox && json_is_object(fw)) {
                printf("Outbox:     %lld queued, %lld failing\n", get(fw, "queued"), get(fw, "failing"));
                if (json_is_string(json_object_get(fw, "last_error"))) {
                        fputs("Last send:  ", stdout);
                        client_print_escaped(stdout, json_string_value(json_object_get(fw, "last_error")), 0);
                        putchar('\n');
                }
        }
}

static void print_running(json_t *a) {
        json_t *fw = json_object_get(a, "forward"), *err = json_object_get(a, "last_error");
        json_t *outbox = json_object_get(json_object_get(a, "store"), "forward");

        fputs("crashd ", stdout);
        client_print_escaped(stdout, json_string_value(json_object_get(a, "version")), 0);
        printf(": running, pid %lld, up ", get(a, "pid"));
        print_duration((uint64_t) get(a, "uptime_ns"));
        putchar('\n');
        printf("Workers:    %lld busy of %lld, %lld in the spool to do (queue of %lld)%s%s\n", get(a, "in_flight"),
               get(a, "workers"), get(a, "backlog"), get(a, "queue_size"),
               json_is_true(json_object_get(a, "paused")) ? ", paused" : "",
               json_is_true(json_object_get(a, "store_blocked")) ? ", the store is blocked" : "");
        printf("Since start: %lld stored, %lld duplicates, %lld bad dumps, %lld retries, %lld deleted\n",
               get(a, "stored"), get(a, "duplicates"), get(a, "bad"), get(a, "retries"), get(a, "deleted"));
        print_store(json_object_get(a, "store"), false);
        if (json_is_object(fw))
                printf("Forwarding: %lld queued (%lld failing), %lld in flight, %lld sent, %lld dropped, %lld retries\n",
                       get(fw, "queued"), get(outbox, "failing"), get(fw, "in_flight"), get(fw, "sent"),
                       get(fw, "dropped"), get(fw, "retries"));
        if (json_is_string(err)) {
                fputs("Last error: ", stdout);
                client_print_escaped(stdout, json_string_value(err), 0);
                putchar('\n');
        }
}

int cmd_status(int argc, char **argv) {
        enum { OPT_JSON = 0x100 };
        static const struct option options[] = {
                { "json", no_argument, NULL, OPT_JSON },
                { "help", no_argument, NULL, 'h' },
                CLIENT_GETOPT_OPTIONS,
                {}
        };
        struct client_options co = {};
        json_t *req, *answer = NULL;
        bool json = false, running;
        char err[1024] = "";
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0) {
                if (client_option(c, optarg, &co))
                        continue;
                switch (c) {
                case OPT_JSON:
                        json = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        return command_bad_option("status", argv[optind - 1]);
                }
        }
        if (optind < argc) {
                fprintf(stderr, "crashctl: status: unexpected argument '%s'\n", argv[optind]);
                return EXIT_USAGE;
        }
        req = json_pack("{s:s}", "method", "status");
        if (!req)
                return 1;
        r = client_call(&co, req, &answer, NULL, err, sizeof(err));
        json_decref(req);
        if (r < 0) {
                if (json)
                        printf("{\"running\": false, \"store\": null}\n");
                else
                        printf("crashd: not running; no database either (%s)\n", err);
                return EXIT_NOT_RUNNING;
        }
        /* Only the daemon's answer has a version; the database's is the
         * store's view alone. */
        running = json_is_string(json_object_get(answer, "version"));
        if (json) {
                json_t *o = running ? json_incref(answer) : json_pack("{s:b, s:O}", "running", 0, "store", answer);

                if (o && running)
                        (void) json_object_set_new(o, "running", json_true());
                r = o ? json_dumpf(o, stdout, JSON_INDENT(2)) : -1;
                putchar('\n');
                json_decref(o);
        } else if (running)
                print_running(answer);
        else {
                printf("crashd: not running; its database says:\n");
                print_store(answer, true);
        }
        json_decref(answer);
        if (r < 0)
                return 1;
        return running ? 0 : EXIT_NOT_RUNNING;
}
