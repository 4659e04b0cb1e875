/* SPDX-License-Identifier: MIT */
/* daemon/spool.h: what crashd does to entries of the spool besides reading
 * them: moving a rejected one aside to spool/bad/ with a NAME.reason file,
 * keeping bad/ bounded, removing a stored one (only if the name still
 * names the file that was stored), listing the spool, and removing stale
 * ".NAME.tmp" files a dumper never finished. All relative to the
 * directory fds of dirs.h, never following a symlink. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "dirs.h"

/* Moves name to bad/ (as NAME, NAME.1, ... NAME.9; past that it is
 * deleted) and writes bad/NAME.reason. Then keeps the newest keep
 * entries of bad/. Returns 0, or a negative errno (not logged). */
int spool_move_bad(const struct dirs *d, const char *name, const char *reason, unsigned keep);

/* Unlinks name if it is still the file (dev, ino); 0, -ESTALE when the
 * name now names something else, or a negative errno. */
int spool_remove_if_same(const struct dirs *d, const char *name, dev_t dev, ino_t ino);

/* Calls fn for every entry that may be a dump (not ".", "..", "bad" or a
 * dot-file) until fn returns false. Dot-files ending in ".tmp" and older
 * than stale_ns (CLOCK_REALTIME) are removed on the way, and counted in
 * *ret_stale_removed. */
int spool_scan(const struct dirs *d, uint64_t stale_ns, bool (*fn)(const char *name, void *userdata),
               void *userdata, unsigned *ret_stale_removed);
