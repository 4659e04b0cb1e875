/* SPDX-License-Identifier: MIT */
/* daemon/programs.h: per-program settings, the config file's
 * `[program GLOB]` sections (crashd.conf(5)). A section applies to the
 * crashes of the programs it matches: GLOB with a '/' against the
 * executable's path, else against its last part and the process's name
 * (fnmatch(3)); the first matching section wins. It can turn collection
 * off, send to its own Sentry DSN, mask its own names, add tags, and set
 * its own crash-loop and Sentry limits.
 *
 * The table is shared by reference: each job holds one (programs_ref()),
 * so a SIGHUP that loads a new table does not pull it from under a worker. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct program_rule {
        char *pattern;
        int collect;                    /* -1: unset; 0: no (the crash is not stored); 1: yes */
        char *sentry_dsn;               /* NULL: unset; "": none for these programs */
        char **mask_names;              /* NULL: unset (mask_names applies); replaces it */
        char **tags;                    /* "KEY=VALUE", added to their dumps' tags; NULL: none */
        int64_t loop_keep;              /* -1: unset */
        int64_t sentry_max_per_group;   /* -1: unset */
};

struct programs {
        atomic_int refs;
        size_t n;
        struct program_rule *rules;
};

/* A new empty table (one reference), or NULL. */
struct programs *programs_new(void);
struct programs *programs_ref(struct programs *p);
void programs_unref(struct programs *p);

/* Starts a section for GLOB; -EINVAL (err says why) for an empty or too
 * long one, -ENOMEM. */
int programs_add(struct programs *p, const char *glob, char *err, size_t errlen);
/* KEY = VALUE inside the last section; -ENOENT for a key sections do not
 * take, -EINVAL for a bad value. */
int programs_set(struct programs *p, const char *key, const char *value, char *err, size_t errlen);

/* The section for a crash, or NULL. exe: the executable's path (may be
 * NULL); comm: the process's name (may be NULL). */
const struct program_rule *programs_match(const struct programs *p, const char *exe, const char *comm);

/* Whether any section sets a Sentry DSN (the event is then made even
 * when sentry_dsn is empty). */
bool programs_any_dsn(const struct programs *p);

/* The sections as a config file says them (crashd --dump-config). */
void programs_dump(const struct programs *p, FILE *f);
