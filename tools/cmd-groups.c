/* SPDX-License-Identifier: MIT */
/* tools/cmd-groups.c: `crashctl groups`, crashes grouped by signature and
 * executable, the most recently seen first: how often, since when, until
 * when. Counts include crashes retention deleted; STORED is how many are
 * still there. A user's counts are their own crashes only. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "commands.h"

static void usage(FILE *f) {
        fputs("usage: crashctl groups [OPTIONS]\n"
              "\n"
              "Lists crash groups: crashes with the same signature (the top in-app frames of the\n"
              "crashing thread) in the same executable, across runs and builds.\n"
              "\n"
              "      --json            {\"groups\": [...]}, with counts per build-id (daemon/query.h)\n"
              CLIENT_OPTIONS_HELP
              "  -h, --help            this text\n",
              f);
}

static const char *base_name(const char *path) {
        const char *s = path ? strrchr(path, '/') : NULL;

        return s ? s + 1 : path ? path : "?";
}

int cmd_groups(int argc, char **argv) {
        enum { OPT_JSON = 0x100 };
        static const struct option options[] = {
                { "json", no_argument, NULL, OPT_JSON },
                { "help", no_argument, NULL, 'h' },
                CLIENT_GETOPT_OPTIONS,
                {}
        };
        struct client_options co = {};
        json_t *req, *answer = NULL, *groups, *g;
        bool json = false;
        char err[1024] = "";
        size_t i;
        int c, r = 0;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0) {
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
                        return command_bad_option("groups", argv[optind - 1]);
                }
        }
        if (optind < argc) {
                fprintf(stderr, "crashctl: groups: unexpected argument '%s'\n", argv[optind]);
                return EXIT_USAGE;
        }

        req = json_pack("{s:s}", "method", "groups");
        if (!req)
                return 1;
        r = client_call(&co, req, &answer, NULL, err, sizeof(err));
        json_decref(req);
        if (r < 0) {
                fprintf(stderr, "crashctl: groups: %s\n", err);
                return 1;
        }
        groups = json_object_get(answer, "groups");
        if (!json_is_array(groups)) {
                fprintf(stderr, "crashctl: groups: crashd's answer has no group list\n");
                json_decref(answer);
                return 1;
        }
        if (json) {
                r = json_dumpf(answer, stdout, JSON_INDENT(2));
                putchar('\n');
        } else if (json_array_size(groups) == 0)
                fprintf(stderr, "No crashes.\n");
        else {
                printf("%6s %6s %6s %-28s %-28s %-16s %s\n", "ID", "COUNT", "STORED", "FIRST", "LAST", "PROGRAM",
                       "SIGNATURE");
                json_array_foreach(groups, i, g) {
                        char first[64], last[64];

                        client_format_time((uint64_t) json_integer_value(json_object_get(g, "first_seen_ns")), first,
                                           sizeof(first));
                        client_format_time((uint64_t) json_integer_value(json_object_get(g, "last_seen_ns")), last,
                                           sizeof(last));
                        printf("%6lld %6lld %6lld %-28s %-28s ", (long long) json_integer_value(json_object_get(g, "id")),
                               (long long) json_integer_value(json_object_get(g, "count")),
                               (long long) json_integer_value(json_object_get(g, "stored")), first, last);
                        client_print_escaped(stdout, base_name(json_string_value(json_object_get(g, "executable"))), 16);
                        putchar(' ');
                        client_print_escaped(stdout, json_string_value(json_object_get(g, "signature")), 0);
                        putchar('\n');
                }
        }
        json_decref(answer);
        return r < 0 ? 1 : 0;
}
