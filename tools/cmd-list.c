/* SPDX-License-Identifier: MIT */
/* tools/cmd-list.c: `crashctl list`, the stored crashes as a table like
 * coredumpctl's (ID, TIME, PID, UID, SIG, PROGRAM, SIGNATURE), by crash
 * time, oldest first, from the running crashd or, when it is down, its
 * database. Options and MATCHes (match.h) as coredumpctl's. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <pwd.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "json-util.h"
#include "match.h"
#include "pager.h"

#define PROGRAM_WIDTH_MAX 24

static void usage(FILE *f) {
        fputs("usage: crashctl list [OPTIONS] [MATCH...]\n"
              "\n"
              "Lists the crashes crashd stored, by crash time, oldest first: a user sees their own,\n"
              "root sees all. MATCHes name crashes as coredumpctl's do: N (a crash ID, else a PID),\n"
              "ID=N, PID=N, COMM=NAME, EXE=PATH or a PATH, SIGNATURE=S, GROUP=N, BUILD_ID=HEX, or a\n"
              "NAME (the process, the executable's last part, or a signature); all must hold.\n"
              "\n"
              "  -S, --since TIME      only crashes at or after TIME: 'YYYY-MM-DD [HH:MM[:SS]]' (local),\n"
              "                        'today', 'yesterday', 'now', '@EPOCH' or '-2h' (s, m, h, d, w ago)\n"
              "  -U, --until TIME      only crashes before TIME (the same forms)\n"
              "  -r, --reverse         newest first\n"
              "  -n, --last N          only the newest N (-1: the newest only)\n"
              "  -p, --program NAME    only this program (its name, its path or the path's last part)\n"
              "  -s, --signal SIG      only this signal (SEGV, SIGSEGV or 11)\n"
              "  -u, --user USER       only this user's crashes (a name or a uid; others' only for root)\n"
              "      --tag KEY[=VALUE] only crashes with this tag (crashdump_set_tag())\n"
              "      --build-id HEX    only this build of the executable\n"
              "      --group ID        only this group (crashctl groups)\n"
              "      --no-legend       no header line\n"
              "  -q, --quiet           no 'No crashes.' when there are none\n"
              "      --no-pager        never through a pager ($CRASHCTL_PAGER, $PAGER, less)\n"
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

/* The PROGRAM column: the executable's last part (coredumpctl's EXE
 * column), else the process's name when the dump names no executable. */
static const char *program_of(json_t *c) {
        const char *exe = json_string_value(json_object_get(c, "executable"));
        const char *slash = exe ? strrchr(exe, '/') : NULL;

        if (exe && *exe)
                return slash && slash[1] ? slash + 1 : exe;
        return json_string_value(json_object_get(c, "program"));
}

static void print_table(json_t *crashes, bool legend) {
        size_t i, program_width = 7;    /* "PROGRAM" */
        json_t *c;

        json_array_foreach(crashes, i, c) {
                size_t w = text_width(program_of(c));
                if (w > program_width)
                        program_width = w > PROGRAM_WIDTH_MAX ? PROGRAM_WIDTH_MAX : w;
        }
        if (legend) {
                printf("%6s %-28s %7s %5s %-5s ", "ID", "TIME", "PID", "UID", "SIG");
                client_print_escaped(stdout, "PROGRAM", program_width);
                printf(" SIGNATURE\n");
        }
        json_array_foreach(crashes, i, c) {
                char when[64], sig[16];
                const char *program = program_of(c);

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

static int parse_time(const char *opt, const char *arg, const char *key, json_t *req) {
        uint64_t t;

        if (client_parse_since(arg, &t) < 0) {
                fprintf(stderr, "crashctl: list: %s: cannot read the time '%s'\n", opt, arg);
                return -EINVAL;
        }
        return json_object_set_new(req, key, json_integer((json_int_t) t));
}

/* A user's name or uid. */
static int parse_user(const char *arg, json_t *req) {
        struct passwd *pw = getpwnam(arg);
        char *end;
        long long uid;

        if (pw)
                return json_object_set_new(req, "user", json_integer(pw->pw_uid));
        errno = 0;
        uid = strtoll(arg, &end, 10);
        if (errno || *end || end == arg || uid < 0 || uid > UINT32_MAX) {
                fprintf(stderr, "crashctl: list: no such user '%s'\n", arg);
                return -EINVAL;
        }
        return json_object_set_new(req, "user", json_integer(uid));
}

static int parse_tag(const char *arg, json_t *req) {
        const char *eq = strchr(arg, '=');
        char *key = strndup(arg, eq ? (size_t) (eq - arg) : strlen(arg));
        int r;

        if (!key)
                return -ENOMEM;
        if (!*key) {
                fprintf(stderr, "crashctl: list: --tag: no key in '%s'\n", arg);
                free(key);
                return -EINVAL;
        }
        r = json_object_set_new(req, "tag_key", json_util_string(key));
        free(key);
        if (r == 0 && eq)
                r = json_object_set_new(req, "tag_value", json_util_string(eq + 1));
        return r;
}

static int parse_last(const char *arg, json_t *req) {
        char *end;
        long long n;

        errno = 0;
        n = strtoll(arg, &end, 10);
        if (errno || *end || end == arg || n <= 0) {
                fprintf(stderr, "crashctl: list: bad --last '%s'\n", arg);
                return -EINVAL;
        }
        return json_object_set_new(req, "limit", json_integer(n));
}

int cmd_list(int argc, char **argv) {
        enum { OPT_JSON = 0x100, OPT_NO_LEGEND, OPT_NO_PAGER, OPT_TAG, OPT_BUILD_ID, OPT_GROUP };
        static const struct option options[] = {
                { "program", required_argument, NULL, 'p' },
                { "signal", required_argument, NULL, 's' },
                { "since", required_argument, NULL, 'S' },
                { "until", required_argument, NULL, 'U' },
                { "reverse", no_argument, NULL, 'r' },
                { "last", required_argument, NULL, 'n' },
                { "user", required_argument, NULL, 'u' },
                { "tag", required_argument, NULL, OPT_TAG },
                { "build-id", required_argument, NULL, OPT_BUILD_ID },
                { "group", required_argument, NULL, OPT_GROUP },
                { "no-legend", no_argument, NULL, OPT_NO_LEGEND },
                { "quiet", no_argument, NULL, 'q' },
                { "no-pager", no_argument, NULL, OPT_NO_PAGER },
                { "json", no_argument, NULL, OPT_JSON },
                { "help", no_argument, NULL, 'h' },
                CLIENT_GETOPT_OPTIONS,
                {}
        };
        struct client_options co = {};
        json_t *req, *req_kept, *answer = NULL, *crashes;
        bool json = false, legend = true, quiet = false, no_pager = false, filtered = false;
        char err[1024] = "";
        int c, r = 0;

        req = json_pack("{s:s}", "method", "list");
        if (!req)
                return 1;
        optind = 0;
        opterr = 0;
        /* Options before and after the MATCHes, as coredumpctl takes them. */
        while (r == 0 && (c = getopt_long(argc, argv, "p:s:S:U:rn:u:q1h", options, NULL)) >= 0) {
                if (client_option(c, optarg, &co))
                        continue;
                switch (c) {
                case 'p':
                        r = json_object_set_new(req, "program", json_util_string(optarg));
                        break;
                case 's':
                        r = client_parse_signal(optarg);
                        if (r < 0) {
                                fprintf(stderr, "crashctl: list: unknown signal '%s'\n", optarg);
                                break;
                        }
                        r = json_object_set_new(req, "signal", json_integer(r));
                        break;
                case 'S':
                        r = parse_time("--since", optarg, "since_ns", req);
                        break;
                case 'U':
                        r = parse_time("--until", optarg, "until_ns", req);
                        break;
                case 'r':
                        r = json_object_set_new(req, "reverse", json_true());
                        break;
                case 'n':
                        r = parse_last(optarg, req);
                        break;
                case '1':
                        r = json_object_set_new(req, "limit", json_integer(1));
                        break;
                case 'u':
                        r = parse_user(optarg, req);
                        break;
                case OPT_TAG:
                        r = parse_tag(optarg, req);
                        break;
                case OPT_BUILD_ID:
                        r = json_object_set_new(req, "build_id", json_util_string(optarg));
                        break;
                case OPT_GROUP: {
                        char *end;
                        long long g;

                        errno = 0;
                        g = strtoll(optarg, &end, 10);
                        if (errno || *end || end == optarg || g <= 0) {
                                fprintf(stderr, "crashctl: list: bad --group '%s' (a number from 'crashctl groups')\n",
                                        optarg);
                                r = -EINVAL;
                        } else
                                r = json_object_set_new(req, "group", json_integer(g));
                        break;
                }
                case OPT_NO_LEGEND:
                        legend = false;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case OPT_NO_PAGER:
                        no_pager = true;
                        break;
                case OPT_JSON:
                        json = true;
                        break;
                case 'h':
                        usage(stdout);
                        json_decref(req);
                        return 0;
                default:
                        (void) command_bad_option("list", argv[optind - 1]);
                        r = -EINVAL;
                }
        }
        for (int i = optind; r == 0 && i < argc; i++) {
                r = match_add(req, argv[i], err, sizeof(err));
                if (r < 0)
                        fprintf(stderr, "crashctl: list: %s\n", err);
        }
        if (r < 0) {
                json_decref(req);
                return r == -ENOMEM ? 1 : EXIT_USAGE;
        }

        r = client_call(&co, req, &answer, NULL, err, sizeof(err));
        req_kept = req;
        if (r < 0) {
                fprintf(stderr, "crashctl: list: %s\n", err);
                json_decref(req);
                return 1;
        }
        crashes = json_object_get(answer, "crashes");
        if (!json_is_array(crashes)) {
                fprintf(stderr, "crashctl: list: crashd's answer has no crash list\n");
                json_decref(answer);
                json_decref(req);
                return 1;
        }
        if (json) {
                r = json_dumpf(answer, stdout, JSON_INDENT(2));
                putchar('\n');
        } else if (json_array_size(crashes) == 0) {
                /* As coredumpctl: a MATCH or filter that finds nothing is
                 * a failure (exit 1); an empty store is not. */
                filtered = json_object_size(req_kept) > 1;
                if (!quiet)
                        fprintf(stderr, filtered ? "No crash matches.\n" : "No crashes.\n");
        } else {
                pager_open(no_pager);
                print_table(crashes, legend);
        }
        json_decref(answer);
        json_decref(req_kept);
        return r < 0 || filtered ? 1 : 0;
}
