/* SPDX-License-Identifier: MIT */
/* tools/cmd-export.c: `crashctl export --core [-o FILE] DUMP|MATCH...`, a
 * dump (a file, or a stored crash's: target.h) as an ELF core file that
 * gdb and lldb open with the program (core-export.h).
 * The file holds the program's memory, so it is made 0600: written under a
 * temporary name in the same folder and renamed into place, so that a
 * failed export leaves no half a core and an older file's wider mode does
 * not carry over. Standard output only when it is not a terminal. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "commands.h"
#include "core-export.h"
#include "reader.h"
#include "target.h"

static void usage(FILE *f) {
        fputs("usage: crashctl export --core [-o FILE] DUMP|MATCH...\n"
              "\n"
              "Writes a dump (a .dmp or .dmp.zst file, or a stored crash's: MATCHes as for 'crashctl\n"
              "list', none: the newest) as an ELF core file: 'gdb PROGRAM FILE' and 'lldb -c FILE PROGRAM'\n"
              "then show every thread at the crash, the crashing one first. Memory the dump does not\n"
              "hold reads as an error in them, not as zeros; the program's code and read-only data\n"
              "are read from its files, which must be those that crashed.\n"
              "\n"
              "      --core            an ELF core file (the only format so far; required)\n"
              "  -o, --output FILE     where to write it (default: the dump's name with .core instead\n"
              "                        of .dmp or .dmp.zst, or crash-ID.core for a stored crash, in this\n"
              "                        folder; '-': standard output, when it is not a terminal)\n"
              CLIENT_OPTIONS_HELP
              "  -h, --help            this text\n",
              f);
}

/* crash.1234.dmp.zst -> crash.1234.core, in the current folder. */
static char *default_output(const char *dump) {
        static const char *const suffixes[] = { ".dmp.zst", ".dmp", ".zst" };
        char *copy = strdup(dump), *base, *out = NULL;
        size_t n;

        if (!copy)
                return NULL;
        base = basename(copy);
        n = strlen(base);
        for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
                size_t k = strlen(suffixes[i]);

                if (n > k && strcmp(base + n - k, suffixes[i]) == 0) {
                        n -= k;
                        break;
                }
        }
        if (n > 0 && strcmp(base, "/") != 0 && strcmp(base, ".") != 0 && strcmp(base, "..") != 0 &&
            asprintf(&out, "%.*s.core", (int) n, base) < 0)
                out = NULL;
        free(copy);
        return out;
}

/* A temporary file beside path, 0600 (mkostemp's mode). */
static int open_temp(const char *path, char **ret_tmp) {
        char *dir = strdup(path), *base = strdup(path), *tmp = NULL;
        int fd = -ENOMEM;

        if (dir && base && asprintf(&tmp, "%s/.%s.XXXXXX", dirname(dir), basename(base)) < 0)
                tmp = NULL;
        free(dir);
        free(base);
        if (!tmp)
                return fd;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                fd = -errno;
                free(tmp);
                return fd;
        }
        *ret_tmp = tmp;
        return fd;
}

static int export_to(const struct proto_dump *d, const char *output, char *err, size_t errlen) {
        struct stat st;
        char *tmp = NULL;
        int fd, r;

        if (strcmp(output, "-") == 0)
                return core_export_write(d, STDOUT_FILENO, err, errlen);
        /* Something that is not a file (/dev/null, a FIFO) is written into,
         * never replaced. */
        if (stat(output, &st) == 0 && !S_ISREG(st.st_mode)) {
                fd = open(output, O_WRONLY | O_CLOEXEC);
                if (fd < 0) {
                        snprintf(err, errlen, "%s", strerror(errno));
                        return -errno;
                }
                r = core_export_write(d, fd, err, errlen);
                if (close(fd) < 0 && r >= 0) {
                        r = -errno;
                        snprintf(err, errlen, "%s", strerror(-r));
                }
                return r;
        }
        fd = open_temp(output, &tmp);
        if (fd < 0) {
                snprintf(err, errlen, "%s", strerror(-fd));
                return fd;
        }
        r = core_export_write(d, fd, err, errlen);
        if (close(fd) < 0 && r >= 0) {
                r = -errno;
                snprintf(err, errlen, "%s", strerror(-r));
        }
        if (r >= 0 && rename(tmp, output) < 0) {
                r = -errno;
                snprintf(err, errlen, "%s", strerror(-r));
        }
        if (r < 0)
                (void) unlink(tmp);
        free(tmp);
        return r;
}

int cmd_export(int argc, char **argv) {
        enum { OPT_CORE = 0x100 };
        static const struct option options[] = {
                { "core", no_argument, NULL, OPT_CORE },
                { "output", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                CLIENT_GETOPT_OPTIONS,
                {}
        };
        struct client_options co = {};
        struct target t;
        const char *output = NULL;
        struct proto_dump *d = NULL;
        char err[512] = "", *def = NULL;
        bool core = false;
        int c, r;

        optind = 0;
        opterr = 0;
        /* Options may follow the DUMP ("export d.dmp --core"): no '+'. */
        while ((c = getopt_long(argc, argv, "o:1h", options, NULL)) >= 0) {
                if (client_option(c, optarg, &co))
                        continue;
                switch (c) {
                case '1':       /* the newest crash: what no MATCH means too */
                        break;
                case OPT_CORE:
                        core = true;
                        break;
                case 'o':
                        output = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        return command_bad_option("export", argv[optind - 1]);
                }
        }
        if (!core) {
                fprintf(stderr, "crashctl: export: say which format: --core (an ELF core file, the only one so far)\n");
                return EXIT_USAGE;
        }
        if (output && strcmp(output, "-") == 0 && isatty(STDOUT_FILENO)) {
                fprintf(stderr, "crashctl: export: refusing to write a core file to a terminal\n");
                return EXIT_USAGE;
        }
        if (output && !output[0]) {
                fprintf(stderr, "crashctl: export: -o needs a file name\n");
                return EXIT_USAGE;
        }
        r = target_find("export", &co, argc - optind, argv + optind, true, &t);
        if (r)
                return r;
        if (!output) {
                if (t.path)
                        def = default_output(t.path);
                else if (asprintf(&def, "crash-%lld.core", (long long) t.id) < 0)
                        def = NULL;
                if (!def) {
                        fprintf(stderr, "crashctl: export: no output name from '%s'; give one with -o FILE\n",
                                t.label);
                        target_done(&t);
                        return EXIT_USAGE;
                }
                output = def;
        }
        r = target_load("export", &co, &t, &d);
        target_done(&t);
        if (r) {
                free(def);
                return r;
        }
        r = export_to(d, output, err, sizeof(err));
        if (r < 0)
                fprintf(stderr, "crashctl: export: %s: %s\n", strcmp(output, "-") == 0 ? "standard output" : output,
                        err[0] ? err : strerror(-r));
        proto_dump_free(d);
        free(def);
        return r < 0 ? 1 : 0;
}
