/* SPDX-License-Identifier: MIT */
/* tools/cmd-show.c: `crashctl show [MATCH...]`, a stored crash's report
 * as `crashctl symbolicate` prints it (gdb's `bt full`), made by crashd
 * when the crash arrived, after a header (as `coredumpctl info` starts):
 * the crash's ID, owner, time, executable and signature, its tags and
 * breadcrumbs. --json prints the report as the symbolicator's JSON
 * (docs/symbolicate-json.md), which holds the same facts. Both are masked
 * as crashd stored them (mask_names, unless mask_stored = no). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "pager.h"
#include "target.h"

static void usage(FILE *f) {
        fputs("usage: crashctl show [OPTIONS] [MATCH...]\n"
              "\n"
              "Prints the report of the newest crash that the MATCHes name (see 'crashctl list';\n"
              "none: the newest of all): its ID, time, executable, signature, tags and breadcrumbs,\n"
              "then every thread's stack with functions, lines and the values of parameters and\n"
              "locals, as 'crashctl symbolicate' prints it.\n"
              "\n"
              "      --json            the report as JSON (the symbolicator's format)\n"
              "      --no-pager        never through a pager ($CRASHCTL_PAGER, $PAGER, less)\n"
              CLIENT_OPTIONS_HELP
              "  -h, --help            this text\n",
              f);
}

/* What crashd stored about the crash, and the report's tags and
 * breadcrumbs: from the stored report, masked as it is (a tag named like
 * a secret shows [masked]), never from the dump itself. */
static void print_header(const struct target *t, json_t *report) {
        json_t *tags = json_object_get(report, "tags"), *crumbs = json_object_get(report, "breadcrumbs"), *v;
        const char *sig = json_string_value(json_object_get(t->crash, "signature"));
        const char *exe = json_string_value(json_object_get(t->crash, "executable"));
        const char *build_id = json_string_value(json_object_get(t->crash, "build_id"));
        const char *pkg = json_string_value(json_object_get(t->crash, "package"));
        const char *version = json_string_value(json_object_get(t->crash, "package_version"));
        const struct passwd *pw;
        json_int_t uid;
        const char *key;
        char when[64];
        size_t i;

        printf("ID:         %lld\n", (long long) t->id);
        uid = json_integer_value(json_object_get(t->crash, "uid"));
        pw = getpwuid((uid_t) uid);
        printf("UID:        %lld", (long long) uid);
        if (pw) {
                fputs(" (", stdout);
                client_print_escaped(stdout, pw->pw_name, 0);
                putchar(')');
        }
        putchar('\n');
        client_format_time((uint64_t) json_integer_value(json_object_get(t->crash, "time_ns")), when, sizeof(when));
        printf("Time:       %s\n", when);
        if (exe) {
                fputs("Executable: ", stdout);
                client_print_escaped(stdout, exe, 0);
                if (build_id) {
                        fputs(" (build-id ", stdout);
                        client_print_escaped(stdout, build_id, 0);
                        putchar(')');
                }
                putchar('\n');
        }
        if (pkg && version) {
                fputs("Package:    ", stdout);
                client_print_escaped(stdout, pkg, 0);
                putchar(' ');
                client_print_escaped(stdout, version, 0);
                putchar('\n');
        }
        if (sig && *sig) {
                fputs("Signature:  ", stdout);
                client_print_escaped(stdout, sig, 0);
                printf(" (group %lld)\n", (long long) json_integer_value(json_object_get(t->crash, "group")));
        }
        if (json_object_size(tags) > 0) {
                printf("\nTags (%zu):\n", json_object_size(tags));
                json_object_foreach(tags, key, v) {
                        fputs("  ", stdout);
                        client_print_escaped(stdout, key, 0);
                        fputs(" = ", stdout);
                        client_print_escaped(stdout, json_string_value(v), 0);
                        putchar('\n');
                }
        }
        if (json_array_size(crumbs) > 0) {
                printf("\nBreadcrumbs (%zu):\n", json_array_size(crumbs));
                json_array_foreach(crumbs, i, v) {
                        const char *level = json_string_value(json_object_get(v, "level"));

                        client_format_time((uint64_t) json_integer_value(json_object_get(v, "time_ns")), when,
                                           sizeof(when));
                        printf("  %s %-7s ", when, level ? level : "?");
                        client_print_escaped(stdout, json_string_value(json_object_get(v, "message")), 0);
                        putchar('\n');
                }
        }
        putchar('\n');
}

int cmd_show(int argc, char **argv) {
        enum { OPT_JSON = 0x100, OPT_NO_PAGER };
        static const struct option options[] = {
                { "json", no_argument, NULL, OPT_JSON },
                { "no-pager", no_argument, NULL, OPT_NO_PAGER },
                { "help", no_argument, NULL, 'h' },
                CLIENT_GETOPT_OPTIONS,
                {}
        };
        struct client_options co = {};
        struct target t;
        json_t *req, *answer = NULL;
        bool json = false, no_pager = false;
        char err[1024] = "";
        int c, r;

        optind = 0;
        opterr = 0;
        /* Options before and after the MATCHes. */
        while ((c = getopt_long(argc, argv, "1h", options, NULL)) >= 0) {
                if (client_option(c, optarg, &co))
                        continue;
                switch (c) {
                case OPT_JSON:
                        json = true;
                        break;
                case OPT_NO_PAGER:
                        no_pager = true;
                        break;
                case '1':       /* the newest crash: what no MATCH means too */
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        return command_bad_option("show", argv[optind - 1]);
                }
        }
        r = target_find("show", &co, argc - optind, argv + optind, false, &t);
        if (r)
                return r;

        req = json_pack("{s:s, s:I}", "method", "show", "id", (json_int_t) t.id);
        if (!req) {
                target_done(&t);
                return 1;
        }
        r = client_call(&co, req, &answer, NULL, err, sizeof(err));
        json_decref(req);
        if (r < 0) {
                fprintf(stderr, "crashctl: show: %s: %s\n", t.label, err);
                target_done(&t);
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

                if (text) {
                        pager_open(no_pager);
                        print_header(&t, json_object_get(answer, "report"));
                        fputs(text, stdout);
                } else
                        r = -EBADMSG;
        }
        json_decref(answer);
        if (r < 0) {
                fprintf(stderr, "crashctl: show: %s: crashd's answer holds no report\n", t.label);
                target_done(&t);
                return 1;
        }
        target_done(&t);
        return 0;
}
