/* SPDX-License-Identifier: MIT */
/* tools/pager.h: long output through a pager, as systemd's tools do: only
 * when standard output is a terminal; the pager is $CRASHCTL_PAGER, else
 * $PAGER, else `less` (with LESS=FRSXMK unless $LESS is set: quit if one
 * screen, raw colours, chop long lines, keep the screen, quit on ^C);
 * "cat" or "" means none. */
#pragma once

#include <stdbool.h>

/* Starts it and points stdout at it; does nothing when disabled, not on a
 * terminal, or when it cannot start (the output goes to the terminal). */
void pager_open(bool disabled);
/* Flushes stdout, closes the pipe and waits for the pager to quit. Call
 * before exiting (harmless when no pager runs). */
void pager_close(void);
/* Whether output goes to a pager (a write error EPIPE is then the user quitting it). */
bool pager_running(void);
