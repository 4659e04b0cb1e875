/* SPDX-License-Identifier: MIT */
/* daemon/dirs.h: making crashd's directories (paths.h says which) with the
 * right owners and modes, and opening the ones it works in. */
#pragma once

#include <errno.h>
#include <stdbool.h>

#include "config.h"

/* mkdir -p: intermediate directories get parent_mode, the last one mode;
 * an existing last directory is left as it is. */
int dirs_mkdir_p(const char *path, unsigned parent_mode, unsigned mode);

struct dirs {
        int spool_fd, bad_fd;           /* the spool and spool/bad/ */
        int state_fd, dumps_fd;         /* the state directory and state/dumps/ */
        int uploads_fd;                 /* state/uploads/: an upload's facts, by spool name */
};
#define DIRS_NULL ((struct dirs) { -EBADF, -EBADF, -EBADF, -EBADF, -EBADF })

/* Creates the spool (with bad/), the state directory (with dumps/) and the
 * sockets' directories with the modes paths.h gives, and opens the four
 * directories crashd works in (O_DIRECTORY|O_NOFOLLOW), so that every
 * later file operation is relative to a directory that was checked. A
 * spool that is a symlink, or not owned by crashd's uid, is refused.
 * Logs what went wrong. */
int dirs_prepare(const struct daemon_config *c, bool system, struct dirs *ret);
void dirs_close(struct dirs *d);
