/* SPDX-License-Identifier: MIT */
/* coredump/dump.h: the minidump of a crash from the kernel's core and what
 * /proc/PID said while the kernel held the process: the same dump the
 * preloaded dumper writes, made by the same code (dumper/capture.h) over
 * the core's memory instead of the live process's. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "core-read.h"

/* A file mapping whose pages the kernel left out of the core (code and
 * read-only data): they are the file's own bytes, read through a
 * descriptor of /proc/PID/map_files (opened as root; regular files only). */
struct coredump_file_map {
        uint64_t start, end, offset;
        int fd;
};

struct coredump_thread_name {
        uint32_t tid;                   /* in the process's PID namespace, as the core's notes */
        char name[16];
};

/* What was read from /proc/PID before privileges were dropped; any of it
 * may be missing (text NULL): then the core's notes stand in. */
struct coredump_proc {
        struct capture_text stat, status, maps, cmdline, environ, cgroup;
        int root_fd;                    /* above 0: /proc/PID/root (O_PATH), for the host stream's files */
        char exe[PATH_MAX];             /* /proc/PID/exe; "" unknown */
        struct coredump_thread_name *names;
        size_t n_names;
        uint32_t ns_pid;                /* the pid in its own namespace (NSpid's last); 0 unknown */
        struct coredump_file_map *files;        /* sorted by start */
        size_t n_files;
};

/* The kernel's arguments (core_pattern's specifiers, core(5)). */
struct coredump_args {
        uint64_t pid;                   /* %P: in the initial PID namespace */
        uint64_t tid;                   /* %i: the dumping thread, in the process's namespace */
        uint32_t uid, gid;              /* %u, %g: real ids */
        int signo;                      /* %s */
        uint64_t time;                  /* %t: seconds */
        uint64_t core_limit;            /* %c: RLIMIT_CORE's soft limit (2^64-1 unlimited) */
        char hostname[65];              /* %h */
        char comm[64];                  /* %e: the dumping thread's comm, maybe cut, maybe with spaces */
        int dump_mode;                  /* %d: 1, or 2 for suid_dumpable's root-only dumps; -1 not given */
};

/* Builds the dump into c->out (c zeroed; free with coredump_capture_free()
 * whatever the result). cfg holds the budgets (the dumper's defaults or the
 * handler's settings); time_ns is the crash's CLOCK_REALTIME. Returns 0 or
 * a negative errno with a one-line reason in err. */
int coredump_build(struct capture *c, const struct core *core, const struct coredump_proc *proc,
                   const struct coredump_args *a, const struct dumper_config *cfg, uint64_t time_ns, char *err,
                   size_t errlen);
void coredump_capture_free(struct capture *c);
