/* SPDX-License-Identifier: MIT */
/* tools/target.h: the one crash a command works on. `crashctl show`,
 * `dump`, `export`, `gdb`, `info` and `symbolicate` all take the same
 * arguments: MATCHes (match.h; the newest crash they all match, and with
 * none the newest of all, as coredumpctl does), or, for the commands that
 * read dumps, a dump file's path. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "reader.h"

struct target {
        const char *path;       /* a dump file named by its path; NULL for a stored crash */
        int64_t id;             /* the stored crash's ID; 0 for a file */
        json_t *crash;          /* the stored crash's CRASH object (daemon/query.h), owned */
        char label[64];         /* "crash 12", or the path's first 63 bytes, for messages */
};

/* Finds it. Errors are printed as "crashctl: CMD: ..."; returns 0, 1
 * (nothing matched, crashd's store unreachable) or EXIT_USAGE (a MATCH
 * that cannot be read). */
int target_find(const char *cmd, const struct client_options *co, int n_args, char **args, bool files_ok,
                struct target *t);
/* An open descriptor of its dump file, read from the start; 0 or 1 as above. */
int target_open(const char *cmd, const struct client_options *co, const struct target *t, int *ret_fd);
/* Its dump, parsed. */
int target_load(const char *cmd, const struct client_options *co, const struct target *t, struct proto_dump **ret);
void target_done(struct target *t);
