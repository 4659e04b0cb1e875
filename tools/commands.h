/* SPDX-License-Identifier: MIT */
/* tools/commands.h: crashctl's subcommands. Each takes the arguments after
 * "crashctl" (argv[0] is the command's name), prints its own errors as
 * "crashctl: ...", and returns the exit status. */
#pragma once

#define EXIT_USAGE 2    /* a bad command line; 1 is a bad file or failed work */

/* "crashctl: CMD: unknown option or missing argument 'ARG'; see 'crashctl
 * CMD --help'" on stderr; returns EXIT_USAGE. For getopt's '?' and ':'. */
int command_bad_option(const char *cmd, const char *arg);

int cmd_info(int argc, char **argv);
int cmd_symbolicate(int argc, char **argv);
int cmd_export(int argc, char **argv);
/* crashd's side (daemon/client.h): from the running daemon, else its database. */
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_groups(int argc, char **argv);
int cmd_web(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_gdb(int argc, char **argv);
/* Root: crashd-coredump as the kernel's core handler, and back. */
int cmd_setup_core_handler(int argc, char **argv);
