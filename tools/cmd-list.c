/* SPDX-License-Identifier: MIT */
/* tools/cmd-list.c: `crashctl list`, the stored crashes as a table like
 * coredumpctl's (ID, TIME, PID, UID, SIG, PROGRAM, SIGNATURE), oldest
 * first, from the running crashd or, when it is down, its database. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "json-util.h"
#include "commands.h"

#define PROGRAM_WIDTH_MAX 24

static void usage(FILE *f) {
        fputs("usage: crashctl list [OPTIONS]\n"
              "\n"
              "Lists the crashes crashd stored, oldest first: a user sees their own, root sees all.\n"
              "\n"
              "  -p, --program NAME    only this program (its name, its path or the path's last part)\n"
              "  -s, --signal SIG      only this signal (SEGV, SIGSEGV or 11)\n"
              "  -S, --since TIME      only crashes at or after TIME: 'YYYY-MM-DD [HH:MM[:SS]]' (local),\n"
              "                        '@EPOCH' or '-2h' (s, m, h, d, w ago)\n"
              "  -n, --last N          only the newest N\n"
              "      --json            {\"crashes\": [...]}, as crashd's API answers (daemon/query.h)\n"
              CLIENT_OPTIONS_HELP
              "  -h, --help            this text\n",
              f);
}

static const char *sig_name(json_int_t signo, char *buf, size_t size) {
        const char *a = signo > 0 && signo < 65 ? sigabbrev_np((int) signo) : NULL;

        if (signo == 0)
                return "-";     /* a requested dump */
        if (a)
                return a;
        (void) snprintf(buf, size, "%lld", (long long) signo);
        return buf;
}

static size_t text_width(const char *s) {
        size_t n = 0;

        for (const unsigned char *p = (const unsigned char *) (s ? s : ""); *p; p++)
                if ((*p & 0xc0) != 0x80)
                        n++;
        return n;
}

static void print_table(json_t *crashes) {
        size_t i, program_width = 7;    /* "PROGRAM" */
        json_t *c;

        json_array_foreach(crashes, i, c) {
                size_t w = text_width(json_string_value(json_object_get(c, "program")));
                if (w > program_width)
                        program_width = w > PROGRAM_WIDTH_MAX ? PROGRAM_WIDTH_MAX : w;
        }
        printf("%6s %-28s %7s %5s %-5s ", "ID", "TIME", "PID", "UID", "SIG");
        client_print_escaped(stdout, "PROGRAM", program_width);
        printf(" SIGNATURE\n");
        json_array_foreach(crashes, i, c) {
                char when[64], sig[16];
                const char *program = json_string_value(json_object_get(c, "program"));

                client_format_time((uint64_t) json_integer_value(json_object_get(c, "time_ns")), when, sizeof(when));
                printf("%6lld %-28s %7lld %5lld %-5s ", (long long) json_integer_value(json_object_get(c, "id")), when,
                       (long long) json_integer_value(json_object_get(c, "pid")),
                       (long long) json_integer_value(json_object_get(c, "uid")),
                       sig_name(json_integer_value(json_object_get(c, "signal")), sig, sizeof(sig)));
                client_print_escaped(stdout, program ? program : "?", program_width);
                putchar(' ');
                client_print_escaped(stdout, json_string_value(json_object_get(c, "signature")), 0);
                putchar('\n');
        }
}

int cmd_list(int argc, char **argv) {
        enum { OPT_JSON = 0x100 };
        static const struct option options[] = {
                { "program", required_argument, NULL, 'p' },
                { "signal", required_argument, NULL, 's' },
                { "since", required_argument, NULL, 'S' },
                { "last", required_argument, NULL, 'n' },
                { "json", no_argument, NULL, OPT_JSON },
                { "help", no_argument, NULL, 'h' },
                CLIENT_GETOPT_OPTIONS,
                {}
        };
        struct client_options co = {};
        json_t *req, *answer = NULL, *crashes;
        bool json = false;
        char err[1024] = "";
        int c, r;

        req = json_pack("{s:s}", "method", "list");
        if (!req)
                return 1;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+p:s:S:n:h", options, NULL)) >= 0) {
                uint64_t since;
                char *end;
                long long n;

                if (client_option(c, optarg, &co))
                        continue;
                switch (c) {
                case 'p':
                        json_object_set_new(req, "program", json_util_string(optarg));
                        break;
                case 's':
                        r = client_parse_signal(optarg);
                        if (r < 0) {
                                fprintf(stderr, "crashctl: list: unknown signal '%s'\n", optarg);
                                json_decref(req);
                                return EXIT_USAGE;
                        }
                        json_object_set_new(req, "signal", json_integer(r));
                        break;
                case 'S':
                        if (client_parse_since(optarg, &since) < 0) {
                                fprintf(stderr, "crashctl: list: cannot read the time '%s'\n", optarg);
                                json_decref(req);
                                return EXIT_USAGE;
                        }
                        json_object_set_new(req, "since_ns", json_integer((json_int_t) since));
                        break;
                case 'n':
                        errno = 0;
                        n = strtoll(optarg, &end, 10);
                        if (errno || *end || n <= 0) {
                                fprintf(stderr, "crashctl: list: bad --last '%s'\n", optarg);
                                json_decref(req);
                                return EXIT_USAGE;
                        }
                        json_object_set_new(req, "limit", json_integer(n));
                        break;
                case OPT_JSON:
                        json = true;
                        break;
                case 'h':
                        usage(stdout);
                        json_decref(req);
                        return 0;
                default:
                        fprintf(stderr, "crashctl: list: unknown option or missing argument '%s'; "
                                "see 'crashctl list --help'\n", argv[optind - 1]);
                        json_decref(req);
                        return EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "crashctl: list: unexpected argument '%s'\n", argv[optind]);
                json_decref(req);
                return EXIT_USAGE;
        }

        r = client_call(&co, req, &answer, NULL, err, sizeof(err));
        json_decref(req);
        if (r < 0) {
                fprintf(stderr, "crashctl: list: %s\n", err);
                return 1;
        }
        crashes = json_object_get(answer, "crashes");
        if (!json_is_array(crashes)) {
                fprintf(stderr, "crashctl: list: crashd's answer has no crash list\n");
                json_decref(answer);
                return 1;
        }
        if (json) {
                r = json_dumpf(answer, stdout, JSON_INDENT(2));
                putchar('\n');
        } else if (json_array_size(crashes) == 0)
                fprintf(stderr, "No crashes.\n");
        else
                print_table(crashes);
        json_decref(answer);
        return r < 0 ? 1 : 0;
}
