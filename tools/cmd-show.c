/* SPDX-License-Identifier: MIT */
/* tools/cmd-show.c: `crashctl show ID`, a stored crash's report as
 * `crashctl symbolicate` prints it (gdb's `bt full`), made by crashd when
 * the crash arrived; --json prints the report as the symbolicator's JSON
 * (docs/symbolicate-json.md). Both are masked as crashd stored them
 * (mask_names, unless mask_stored = no). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "commands.h"

static void usage(FILE *f) {
        fputs("usage: crashctl show [OPTIONS] ID\n"
              "\n"
              "Prints the report of crash ID (see 'crashctl list'): every thread's stack with\n"
              "functions, lines and the values of parameters and locals, as 'crashctl symbolicate'.\n"
              "\n"
              "      --json            the report as JSON (the symbolicator's format)\n"
              CLIENT_OPTIONS_HELP
              "  -h, --help            this text\n",
              f);
}

int cmd_show(int argc, char **argv) {
        enum { OPT_JSON = 0x100 };
        static const struct option options[] = {
                { "json", no_argument, NULL, OPT_JSON },
                { "help", no_argument, NULL, 'h' },
                CLIENT_GETOPT_OPTIONS,
                {}
        };
        struct client_options co = {};
        json_t *req, *answer = NULL;
        bool json = false;
        char err[1024] = "", *end;
        long long id;
        int c, r;

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
                        fprintf(stderr, "crashctl: show: unknown option or missing argument '%s'; "
                                "see 'crashctl show --help'\n", argv[optind - 1]);
                        return EXIT_USAGE;
                }
        }
        if (argc - optind != 1) {
                fprintf(stderr, "crashctl: show: %s; see 'crashctl show --help'\n",
                        argc == optind ? "no crash ID given" : "one crash at a time");
                return EXIT_USAGE;
        }
        errno = 0;
        id = strtoll(argv[optind], &end, 10);
        if (errno || *end || id <= 0) {
                fprintf(stderr, "crashctl: show: '%s' is not a crash ID (a number from 'crashctl list')\n",
                        argv[optind]);
                return EXIT_USAGE;
        }

        req = json_pack("{s:s, s:I}", "method", "show", "id", (json_int_t) id);
        if (!req)
                return 1;
        r = client_call(&co, req, &answer, NULL, err, sizeof(err));
        json_decref(req);
        if (r < 0) {
                fprintf(stderr, "crashctl: show: %lld: %s\n", id, err);
                return 1;
        }
        if (json) {
                r = json_dumpf(json_object_get(answer, "report"), stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
                putchar('\n');
        } else {
                /* The text is what symb_format_text() wrote: terminal-safe
                 * already, and printed byte for byte so that it matches
                 * `crashctl symbolicate`. */
                const char *text = json_string_value(json_object_get(answer, "text"));

                if (text)
                        fputs(text, stdout);
                else
                        r = -EBADMSG;
        }
        json_decref(answer);
        if (r < 0) {
                fprintf(stderr, "crashctl: show: %lld: crashd's answer holds no report\n", id);
                return 1;
        }
        return 0;
}
