/* SPDX-License-Identifier: MIT */
/* tools/commands.h: crashctl's subcommands. Each takes the arguments after
 * "crashctl" (argv[0] is the command's name), prints its own errors as
 * "crashctl: ...", and returns the exit status. */
#pragma once

#define EXIT_USAGE 2    /* a bad command line; 1 is a bad file or failed work */

int cmd_info(int argc, char **argv);
int cmd_symbolicate(int argc, char **argv);
