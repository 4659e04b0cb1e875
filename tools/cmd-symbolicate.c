/* SPDX-License-Identifier: MIT */
/* tools/cmd-symbolicate.c: `crashctl symbolicate [OPTIONS] DUMP|MATCH...`, a dump
 * (a file, or a stored crash's: target.h)
 * turned into every thread's stack with function names, file:line,
 * inlined frames and variable values, offline: as gdb's `bt full` (text),
 * as documented JSON (docs/symbolicate-json.md), or as one Sentry event.
 * Every format masks secrets by default (values are masked while they
 * are printed, struct members too): a report is pasted into tickets and
 * chats; --no-mask shows them as gdb would. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "commands.h"
#include "symbolicate.h"
#include "target.h"

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_SENTRY };

/* Bounds what a command line can ask for; more is a typo. */
#define MAX_LIST 256

static void usage(FILE *f) {
        fputs("usage: crashctl symbolicate [OPTIONS] DUMP|MATCH...\n"
              "\n"
              "Shows every thread's stack with functions, files, lines, inlined calls and the values of\n"
              "parameters and locals, like gdb's 'bt full', from a dump alone. Files are matched by build-id.\n"
              "DUMP is a .dmp or .dmp.zst file; MATCHes name a stored crash as for 'crashctl list' (none:\n"
              "the newest), which is symbolicated here, with this machine's files.\n"
              "\n"
              "  -f, --format FORMAT   text (default, like gdb), json (docs/symbolicate-json.md) or sentry\n"
              "                        (one Sentry event)\n"
              "  -d, --debug-dir DIR   look for binaries and debug files in DIR too: DIR/.build-id/xx/yyyy[.debug]\n"
              "                        and any file of the right name below DIR (repeatable)\n"
              "  -s, --sysroot DIR     look for the dump's paths under DIR first\n"
              "  -m, --mask NAME       also mask variables, members and tags whose name contains NAME\n"
              "                        (repeatable)\n"
              "      --no-mask         mask nothing but the --mask names (every format masks password,\n"
              "                        passwd, secret, token, api_key, apikey, auth, credential, cookie and\n"
              "                        private by default)\n"
              "  -r, --raw             print standard library types (std::vector, std::map, ...) as their\n"
              "                        structures, like gdb's print/r, not as gdb's libstdc++ printers do\n"
              "      --no-system-debug do not look in /usr/lib/debug\n"
              "      --debuginfod-timeout SECONDS\n"
              "                        give up on debuginfod (DEBUGINFOD_URLS) after this long (default 10)\n"
              "      --max-frames N    frames per thread (default 256)\n"
              CLIENT_OPTIONS_HELP
              "  -h, --help            this text\n",
              f);
}

static int parse_uint(const char *s, unsigned max, unsigned *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno || end == s || *end || v == 0 || v > max)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

int cmd_symbolicate(int argc, char **argv) {
        enum { OPT_NO_MASK = 0x100, OPT_NO_SYSTEM_DEBUG, OPT_TIMEOUT, OPT_MAX_FRAMES };
        static const struct option options[] = {
                { "format", required_argument, NULL, 'f' },
                { "debug-dir", required_argument, NULL, 'd' },
                { "sysroot", required_argument, NULL, 's' },
                { "mask", required_argument, NULL, 'm' },
                { "no-mask", no_argument, NULL, OPT_NO_MASK },
                { "raw", no_argument, NULL, 'r' },
                { "no-system-debug", no_argument, NULL, OPT_NO_SYSTEM_DEBUG },
                { "debuginfod-timeout", required_argument, NULL, OPT_TIMEOUT },
                { "max-frames", required_argument, NULL, OPT_MAX_FRAMES },
                { "help", no_argument, NULL, 'h' },
                CLIENT_GETOPT_OPTIONS,
                {}
        };
        struct client_options co = {};
        struct target t;
        const char *dirs[MAX_LIST], *masks[MAX_LIST + 16];
        size_t n_dirs = 0, n_masks = 0;
        struct symb_options o = {};
        enum format format = FORMAT_TEXT;
        bool default_mask = true;
        struct proto_dump *d = NULL;
        struct symb_context *ctx = NULL;
        struct symb_report *rep = NULL;
        unsigned u;
        char err[512] = "";
        int c, r, status = 1;

        optind = 0;
        opterr = 0;
        /* Options before and after the DUMP or MATCHes. */
        while ((c = getopt_long(argc, argv, "f:d:s:m:r1h", options, NULL)) >= 0) {
                if (client_option(c, optarg, &co))
                        continue;
                switch (c) {
                case '1':       /* the newest crash: what no MATCH means too */
                        break;
                case 'f':
                        if (!strcmp(optarg, "text"))
                                format = FORMAT_TEXT;
                        else if (!strcmp(optarg, "json"))
                                format = FORMAT_JSON;
                        else if (!strcmp(optarg, "sentry"))
                                format = FORMAT_SENTRY;
                        else {
                                fprintf(stderr, "crashctl: symbolicate: unknown format '%s' (text, json or sentry)\n",
                                        optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case 'd':
                        if (n_dirs == MAX_LIST) {
                                fprintf(stderr, "crashctl: symbolicate: too many --debug-dir\n");
                                return EXIT_USAGE;
                        }
                        dirs[n_dirs++] = optarg;
                        break;
                case 's':
                        o.sysroot = optarg;
                        break;
                case 'm':
                        if (n_masks == MAX_LIST) {
                                fprintf(stderr, "crashctl: symbolicate: too many --mask\n");
                                return EXIT_USAGE;
                        }
                        masks[n_masks++] = optarg;
                        break;
                case OPT_NO_MASK:
                        default_mask = false;
                        break;
                case 'r':
                        o.raw = true;
                        break;
                case OPT_NO_SYSTEM_DEBUG:
                        o.no_system_debug = true;
                        break;
                case OPT_TIMEOUT:
                        if (parse_uint(optarg, 3600, &u) < 0) {
                                fprintf(stderr, "crashctl: symbolicate: bad --debuginfod-timeout '%s'\n", optarg);
                                return EXIT_USAGE;
                        }
                        o.debuginfod_timeout_s = (int) u;
                        break;
                case OPT_MAX_FRAMES:
                        if (parse_uint(optarg, 100000, &u) < 0) {
                                fprintf(stderr, "crashctl: symbolicate: bad --max-frames '%s'\n", optarg);
                                return EXIT_USAGE;
                        }
                        o.max_frames = u;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        return command_bad_option("symbolicate", argv[optind - 1]);
                }
        }
        if (default_mask)
                for (size_t i = 0; symb_default_mask[i]; i++)
                        masks[n_masks++] = symb_default_mask[i];
        masks[n_masks] = NULL;
        o.mask = n_masks ? masks : NULL;
        o.debug_dirs = dirs;
        o.n_debug_dirs = n_dirs;

        r = target_find("symbolicate", &co, argc - optind, argv + optind, true, &t);
        if (r)
                return r;
        r = target_load("symbolicate", &co, &t, &d);
        if (r) {
                target_done(&t);
                return r;
        }
        r = symb_context_new(&o, &ctx);
        if (r < 0) {
                fprintf(stderr, "crashctl: symbolicate: %s\n", strerror(-r));
                goto out;
        }
        r = symb_symbolicate(ctx, d, &rep, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "crashctl: %s: %s\n", t.label, err[0] ? err : strerror(-r));
                goto out;
        }
        switch (format) {
        case FORMAT_TEXT:
                r = symb_format_text(stdout, rep);
                break;
        case FORMAT_JSON:
                r = symb_format_json(stdout, rep, /* mask= */ NULL);
                break;
        case FORMAT_SENTRY:
                r = symb_format_sentry(stdout, rep, /* mask= */ NULL);
                break;
        }
        status = r < 0 ? 1 : 0;
out:
        symb_report_free(rep);
        symb_context_free(ctx);
        proto_dump_free(d);
        target_done(&t);
        return status;
}
