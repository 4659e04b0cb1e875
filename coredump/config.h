/* SPDX-License-Identifier: MIT */
/* coredump/config.h: crashd-coredump's settings. Defaults, then the config
 * file (/etc/crashd/coredump.conf: KEY = VALUE lines, # comments; root's
 * own file only when running as root), then the command line (-o KEY=VALUE
 * and the named options), the last one winning. coredump.conf documents
 * every key with its default. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COREDUMP_CONFIG_FILE "/etc/crashd/coredump.conf"
#define COREDUMP_SPOOL "/var/spool/crashd"
#define COREDUMP_SOCKET "/run/crashd/notify.sock"
#define COREDUMP_CORE_DIR "/var/lib/crashd-cores"

struct coredump_config {
        char spool[PATH_MAX];           /* where dumps go, as the daemon's spool */
        char socket[108];               /* the daemon's notify socket; "" none */
        bool socket_set;                /* set explicitly (else a spool of one's own has none) */
        bool keep_core;                 /* keep the whole core too, zstd-compressed */
        char core_dir[PATH_MAX];
        uint64_t core_max;              /* bytes of core kept at most (and %c's limit) */
        unsigned timeout;               /* seconds from start to exit, at most */
        uint64_t buffer_max;            /* core bytes held in memory at once, at most */
        bool capture_env;               /* as CRASHD_CAPTURE_ENV */
        uint64_t stack_max, thread_stack_max, heap_max, globals_max, lib_globals_max;   /* as CRASHD_* */
        bool verbose;                   /* log every crash, not only errors */
        char stats[PATH_MAX];           /* append timings and sizes to this file (benchmarks); "" none */
};

void config_defaults(struct coredump_config *c);
/* One KEY = VALUE; 0 or -EINVAL with a reason in err. */
int config_set(struct coredump_config *c, const char *key, const char *value, char *err, size_t errlen);
/* The file's keys; a missing file is fine (0). With root_only, a file not
 * owned by root or writable by others is refused (-EPERM). */
int config_load(struct coredump_config *c, const char *path, bool root_only, char *err, size_t errlen);
