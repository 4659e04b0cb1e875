/* SPDX-License-Identifier: MIT */
/* tools/crashctl.c: `crashctl COMMAND ...`. The table below is the whole
 * dispatch; a new command is one entry and one cmd-*.c file. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "pager.h"

struct command {
        const char *name;
        const char *args;
        const char *summary;
        int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
        { "info", "[--json] [--verbose] DUMP|MATCH", "show what a dump holds, without symbols", cmd_info },
        { "symbolicate", "[OPTIONS] DUMP|MATCH", "every thread's stack with lines and variable values", cmd_symbolicate },
        { "export", "--core [-o FILE] DUMP|MATCH", "the dump as an ELF core file, for gdb and lldb", cmd_export },
        { "list", "[OPTIONS] [MATCH...]", "the crashes crashd stored", cmd_list },
        { "show", "[--json] [MATCH...]", "a stored crash's report", cmd_show },
        { "dump", "[MATCH...] -o FILE", "a stored crash's dump file", cmd_dump },
        { "groups", "[--json]", "stored crashes grouped by signature", cmd_groups },
        { "web", "[--token|--json]", "the web page's URL, with a session token", cmd_web },
        { "status", "[--json]", "whether crashd runs, and what it does", cmd_status },
        { "gdb", "[OPTIONS] [MATCH|DUMP]", "gdb (or lldb) on a crash, its core exported", cmd_gdb },
        { "debug", "[OPTIONS] [MATCH|DUMP]", "the same as gdb, as coredumpctl names it", cmd_gdb },
        { "setup-core-handler", "[--undo]", "every crash on the host to crashd (root)", cmd_setup_core_handler },
        /* To come: submit (DESIGN.md). */
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

int command_bad_option(const char *cmd, const char *arg) {
        fprintf(stderr, "crashctl: %s: unknown option or missing argument '%s'; see 'crashctl %s --help'\n", cmd,
                arg, cmd);
        return EXIT_USAGE;
}

static void usage(FILE *f) {
        fputs("usage: crashctl [--help] [--version] COMMAND [ARGS]\n"
              "\n"
              "Commands:\n", f);
        int width = 0;

        for (size_t i = 0; i < N_COMMANDS; i++)
                if ((int) strlen(commands[i].name) > width)
                        width = (int) strlen(commands[i].name);
        for (size_t i = 0; i < N_COMMANDS; i++)
                fprintf(f, "  %-*s %-32s %s\n", width, commands[i].name, commands[i].args, commands[i].summary);
        fputs("\n'crashctl COMMAND --help' tells more about each.\n", f);
}

int main(int argc, char **argv) {
        const char *name;

        if (argc < 2) {
                usage(stderr);
                return EXIT_USAGE;
        }
        name = argv[1];
        if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
                usage(stdout);
                return fflush(stdout) == 0 ? 0 : 1;
        }
        if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
                printf("crashctl %s\n", CRASHD_VERSION);
                return fflush(stdout) == 0 ? 0 : 1;
        }
        for (size_t i = 0; i < N_COMMANDS; i++) {
                bool failed, paged;
                int r, write_errno;

                if (strcmp(name, commands[i].name) != 0)
                        continue;
                r = commands[i].run(argc - 1, argv + 1);
                /* Output that did not all get out (a full disk, a closed
                 * pipe) is a failure, not a silent truncation; a pager the
                 * user quit early is not. */
                failed = fflush(stdout) != 0 || ferror(stdout);
                write_errno = errno;
                paged = pager_running();
                pager_close();
                if (failed && !(paged && write_errno == EPIPE)) {
                        errno = write_errno;
                        fprintf(stderr, "crashctl: %s: cannot write the output: %m\n", name);
                        return r ? r : 1;
                }
                return r;
        }
        if (name[0] == '-')
                fprintf(stderr, "crashctl: unknown option '%s'; see 'crashctl --help'\n", name);
        else
                fprintf(stderr, "crashctl: unknown command '%s'; see 'crashctl --help'\n", name);
        return EXIT_USAGE;
}
