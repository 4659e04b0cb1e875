/* SPDX-License-Identifier: MIT */
/* daemon/paths.h: where crashd keeps things, and making those places with
 * the right owners and modes.
 * Computing them only; dirs.h makes them.
 *
 * As root (a system service): /var/lib/crashd (state, 0700),
 * /var/spool/crashd (spool, 1733 like /var/tmp: every user's programs can
 * drop dumps there, nobody can list or read another's) and /run/crashd
 * (sockets, 0755; the sockets themselves 0666, the kernel tells who
 * connects). As anyone else: ~/.local/state/crashd (or
 * $XDG_STATE_HOME/crashd), 0700, holding spool/, state/, notify.sock and
 * api.sock, the places libcrashdump.so falls back to. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "config.h"

#define PATHS_SYSTEM_STATE  "/var/lib/crashd"
#define PATHS_SYSTEM_SPOOL  "/var/spool/crashd"
#define PATHS_SYSTEM_NOTIFY "/run/crashd/notify.sock"
#define PATHS_SYSTEM_API    "/run/crashd/api.sock"

#define PATHS_DB_NAME       "crashd.db"
#define PATHS_DUMPS_DIR     "dumps"
/* Uploads' spool names start with this, and only crashd's own files count
 * as uploads (a user's file of that name is that user's dump). */
#define PATHS_UPLOAD_PREFIX "upload."
static inline bool paths_is_upload(uid_t owner, const char *name) {
        return owner == geteuid() && strncmp(name, PATHS_UPLOAD_PREFIX, sizeof(PATHS_UPLOAD_PREFIX) - 1) == 0;
}
/* What crashd learned about an upload (the peer), beside its spool file. */
#define PATHS_UPLOADS_DIR   "uploads"
#define PATHS_BAD_DIR       "bad"

/* $XDG_STATE_HOME/crashd, else $HOME/.local/state/crashd. -ENOENT when
 * neither is set to an absolute path. */
int paths_user_base(char *buf, size_t size);

/* Points every path of c that is still empty below dir (spool/, state/,
 * notify.sock, api.sock): the --dir layout, also the per-user one. */
int paths_set_base(struct daemon_config *c, const char *dir);

/* Fills the paths c leaves empty: the system places when system is true,
 * else the per-user directory. */
int paths_fill_defaults(struct daemon_config *c, bool system);
