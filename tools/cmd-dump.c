/* SPDX-License-Identifier: MIT */
/* tools/cmd-dump.c: `crashctl dump [MATCH...] -o FILE`, a stored crash's dump file
 * (zstd-compressed minidump, as the dumper wrote it). The running crashd
 * hands over an open descriptor (its state directory stays closed to
 * users); when it is down, the file is read from the state directory. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "target.h"

static void usage(FILE *f) {
        fputs("usage: crashctl dump [OPTIONS] [MATCH...] -o FILE\n"
              "\n"
              "Writes the dump of the newest crash the MATCHes name (see 'crashctl list'; none:\n"
              "the newest of all) to FILE, as it was stored: a\n"
              "zstd-compressed minidump that 'crashctl info', 'crashctl symbolicate' and, after\n"
              "'zstd -d', Breakpad's tools read.\n"
              "\n"
              "  -o, --output FILE     where to write it ('-': standard output, when it is not a terminal)\n"
              CLIENT_OPTIONS_HELP
              "  -h, --help            this text\n",
              f);
}

static int copy(int in, int out) {
        char buf[65536];

        for (;;) {
                ssize_t n = read(in, buf, sizeof(buf));

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return 0;
                for (ssize_t done = 0; done < n;) {
                        ssize_t k = write(out, buf + done, (size_t) (n - done));

                        if (k < 0) {
                                if (errno == EINTR)
                                        continue;
                                return -errno;
                        }
                        done += k;
                }
        }
}

int cmd_dump(int argc, char **argv) {
        static const struct option options[] = {
                { "output", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                CLIENT_GETOPT_OPTIONS,
                {}
        };
        struct client_options co = {};
        const char *output = NULL;
        struct target t;
        int c, r, fd = -1, out;

        optind = 0;
        opterr = 0;
        /* Options may follow the MATCHes ("dump 3 -o f"): no '+' here. */
        while ((c = getopt_long(argc, argv, "o:1h", options, NULL)) >= 0) {
                if (client_option(c, optarg, &co))
                        continue;
                switch (c) {
                case 'o':
                        output = optarg;
                        break;
                case '1':       /* the newest crash: what no MATCH means too */
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        return command_bad_option("dump", argv[optind - 1]);
                }
        }
        if (!output) {
                fprintf(stderr, "crashctl: dump: say where with -o FILE (or -o - for standard output)\n");
                return EXIT_USAGE;
        }
        if (strcmp(output, "-") == 0 && isatty(STDOUT_FILENO)) {
                fprintf(stderr, "crashctl: dump: refusing to write a binary file to a terminal\n");
                return EXIT_USAGE;
        }

        r = target_find("dump", &co, argc - optind, argv + optind, false, &t);
        if (r)
                return r;
        r = target_open("dump", &co, &t, &fd);
        target_done(&t);
        if (r)
                return r;
        if (strcmp(output, "-") == 0)
                out = STDOUT_FILENO;
        else {
                /* The dump holds the program's memory: 0600, like the original. */
                out = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                if (out < 0) {
                        fprintf(stderr, "crashctl: dump: %s: %m\n", output);
                        close(fd);
                        return 1;
                }
        }
        r = copy(fd, out);
        close(fd);
        if (out != STDOUT_FILENO && close(out) < 0 && r == 0)
                r = -errno;
        if (r < 0) {
                errno = -r;
                fprintf(stderr, "crashctl: dump: %s: %m\n", strcmp(output, "-") == 0 ? "standard output" : output);
                return 1;
        }
        return 0;
}
