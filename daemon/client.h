/* SPDX-License-Identifier: MIT */
/* daemon/client.h: crashctl's side of crashd (list, show, dump, groups).
 *
 * client_call() sends one request to the running daemon's API socket; if
 * no daemon answers, it runs the same query (query.h) on the state
 * directory's database, read-only, as the calling user (a user sees their
 * own crashes; root sees all). Either way the caller gets the same JSON.
 *
 * Where: --dir DIR (DIR/api.sock, DIR/state), --socket and --state-dir;
 * else, for root, /run/crashd/api.sock and /var/lib/crashd; for anyone
 * else the system daemon's socket first, then their own
 * ~/.local/state/crashd (api.sock, state/), then the system state
 * directory if they can read it. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct client_options {
        const char *dir;
        const char *socket;
        const char *state_dir;
        bool no_daemon;         /* read the database even if a daemon runs (tests) */
};

/* request: {"method": ..., ...}. On success *ret is the answer; for
 * "dump", *ret_fd (if not NULL) the dump file's descriptor. A daemon's
 * {"error": ...} answer becomes its negative errno with the message in
 * err. */
int client_call(const struct client_options *o, json_t *request, json_t **ret, int *ret_fd, char *err,
                size_t errlen);

/* The options every crashctl command that talks to crashd takes. */
enum { CLIENT_OPT_DIR = 0x200, CLIENT_OPT_SOCKET, CLIENT_OPT_STATE_DIR, CLIENT_OPT_NO_DAEMON };
#define CLIENT_GETOPT_OPTIONS                                                   \
        { "dir", required_argument, NULL, CLIENT_OPT_DIR },                     \
        { "socket", required_argument, NULL, CLIENT_OPT_SOCKET },               \
        { "state-dir", required_argument, NULL, CLIENT_OPT_STATE_DIR },         \
        { "no-daemon", no_argument, NULL, CLIENT_OPT_NO_DAEMON }
#define CLIENT_OPTIONS_HELP                                                                             \
        "      --dir DIR         the crashd started with --dir DIR (DIR/api.sock, DIR/state)\n"        \
        "      --socket PATH     crashd's API socket (default /run/crashd/api.sock, then\n"          \
        "                        ~/.local/state/crashd/api.sock)\n"                                   \
        "      --state-dir DIR   the database to read when crashd is not running\n"                   \
        "      --no-daemon       read the database even when crashd is running\n"
/* Takes one of those; false if c is not one of them. */
bool client_option(int c, const char *arg, struct client_options *o);

/* Command-line helpers shared by crashctl's commands. */
/* "SEGV", "SIGSEGV" or "11"; -EINVAL otherwise. */
int client_parse_signal(const char *s);
/* "@EPOCH", "-2h" (s, m, h, d, w), "YYYY-MM-DD" or "YYYY-MM-DD HH:MM[:SS]"
 * (local time), "now", "today", "yesterday", "tomorrow" (midnight, local
 * time); nanoseconds since the epoch. */
int client_parse_since(const char *s, uint64_t *ret);
/* Writes s with control characters and bytes that are not UTF-8 as \xNN,
 * so that what a dump says cannot drive the terminal. At most width
 * columns (0: no limit; a cut string ends in "…"). */
void client_print_escaped(FILE *f, const char *s, size_t width);
/* "Sun 2026-11-22 07:16:20 UTC", local time. */
void client_format_time(uint64_t ns, char *buf, size_t size);
