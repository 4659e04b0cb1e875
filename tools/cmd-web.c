/* SPDX-License-Identifier: MIT */
/* tools/cmd-web.c: `crashctl web`: asks the running crashd for a web
 * session (the daemon learns who asks from SO_PEERCRED on its API socket,
 * and binds the token to that uid) and prints the page's URL with the
 * token in its fragment, which browsers never send to a server. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "commands.h"

static void usage(FILE *f) {
        fputs("usage: crashctl web [OPTIONS]\n"
              "\n"
              "Prints the URL of crashd's web page with a new session token: open it in a\n"
              "browser on this machine. The page shows your crashes (root: everyone's); the\n"
              "token is valid for 12 hours or until crashd restarts.\n"
              "\n"
              "      --token           print only the token (for scripts: Authorization: Bearer)\n"
              "      --json            {\"token\", \"port\", \"url\"}\n"
              CLIENT_OPTIONS_HELP
              "  -h, --help            this text\n",
              f);
}

int cmd_web(int argc, char **argv) {
        enum { OPT_JSON = 0x100, OPT_TOKEN };
        static const struct option options[] = {
                { "json", no_argument, NULL, OPT_JSON },
                { "token", no_argument, NULL, OPT_TOKEN },
                { "help", no_argument, NULL, 'h' },
                CLIENT_GETOPT_OPTIONS,
                {}
        };
        struct client_options co = {};
        json_t *req, *answer = NULL;
        const char *url, *token;
        bool json = false, only_token = false;
        char err[1024] = "";
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
                case OPT_TOKEN:
                        only_token = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        return command_bad_option("web", argv[optind - 1]);
                }
        }
        if (optind < argc) {
                fprintf(stderr, "crashctl: web: unexpected argument '%s'\n", argv[optind]);
                return EXIT_USAGE;
        }
        if (co.no_daemon) {
                fprintf(stderr, "crashctl: web: the page is served by crashd; --no-daemon makes no sense here\n");
                return EXIT_USAGE;
        }

        req = json_pack("{s:s}", "method", "web_session");
        if (!req)
                return 1;
        r = client_call(&co, req, &answer, NULL, err, sizeof(err));
        json_decref(req);
        if (r < 0) {
                fprintf(stderr, "crashctl: web: %s\n", err);
                return 1;
        }
        url = json_string_value(json_object_get(answer, "url"));
        token = json_string_value(json_object_get(answer, "token"));
        if (!url || !token) {
                fprintf(stderr, "crashctl: web: crashd's answer has no URL\n");
                json_decref(answer);
                return 1;
        }
        if (json) {
                (void) json_dumpf(answer, stdout, JSON_COMPACT);
                putchar('\n');
        } else
                puts(only_token ? token : url);
        json_decref(answer);
        return 0;
}
