/* SPDX-License-Identifier: MIT */
/* tools/crashctl.c: `crashctl COMMAND ...`. The table below is the whole
 * dispatch; a new command is one entry and one cmd-*.c file. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct command {
        const char *name;
        const char *args;
        const char *summary;
        int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
        { "info", "[--json] [--verbose] DUMP", "show what a dump holds, without symbols", cmd_info },
        { "symbolicate", "[OPTIONS] DUMP", "every thread's stack with lines and variable values", cmd_symbolicate },
        { "export", "--core [-o FILE] DUMP", "the dump as an ELF core file, for gdb and lldb", cmd_export },
        { "list", "[OPTIONS]", "the crashes crashd stored", cmd_list },
        { "show", "[--json] ID", "a stored crash's report", cmd_show },
        { "dump", "ID -o FILE", "a stored crash's dump file", cmd_dump },
        { "groups", "[--json]", "stored crashes grouped by signature", cmd_groups },
        { "web", "[--token|--json]", "the web page's URL, with a session token", cmd_web },
        /* To come: submit (DESIGN.md). */
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f) {
        fputs("usage: crashctl [--help] [--version] COMMAND [ARGS]\n"
              "\n"
              "Commands:\n", f);
        for (size_t i = 0; i < N_COMMANDS; i++)
                fprintf(f, "  %-11s %-28s %s\n", commands[i].name, commands[i].args, commands[i].summary);
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
                int r;

                if (strcmp(name, commands[i].name) != 0)
                        continue;
                r = commands[i].run(argc - 1, argv + 1);
                /* Output that did not all get out (a full disk, a closed
                 * pipe) is a failure, not a silent truncation. */
                if (fflush(stdout) != 0 || ferror(stdout)) {
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
