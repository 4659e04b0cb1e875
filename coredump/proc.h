/* SPDX-License-Identifier: MIT */
/* coredump/proc.h: what crashd-coredump reads of /proc/PID while it is
 * still root and the kernel holds the crashed process (it does until the
 * handler has read the core, and until it exits with core_pipe_limit > 0).
 * Only the kernel's own text, through a descriptor of the process's /proc
 * directory: nothing here follows a path the process or its core names.
 * Allocates; returns 0 or a negative errno. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump.h"

struct proc_ids {
        uint32_t uid[4], gid[4];        /* real, effective, saved, filesystem */
        uint32_t ns_pid;                /* NSpid's last: the pid in its own namespace */
        bool namespaced;                /* NSpid has more than one */
        bool have_uid, have_gid;
};

/* A whole small file of the directory dir_fd (cut at cap), NUL-terminated. */
int proc_read_text(int dir_fd, const char *name, size_t cap, struct capture_text *ret);
/* The ids in /proc/PID/status's text. */
void proc_parse_ids(const char *text, size_t len, struct proc_ids *ret);
/* Did libcrashdump.so already dump this crash? It leaves a memfd named
 * PROC_DUMPED_MARKER followed by its pid (in its own namespace) open when
 * it has (dumper/handler.c): one crash, one report. */
#define PROC_DUMPED_MARKER "crashd-dumped:"
bool proc_preload_dumped(int proc_fd, uint32_t ns_pid);
/* Every thread's comm, by its tid in the process's namespace (read from
 * task/TID/status's NSpid when namespaced). */
int proc_thread_names(int proc_fd, bool namespaced, struct coredump_thread_name **ret, size_t *ret_n);
/* Descriptors of the files mapped in maps (map_files/START-END, which
 * needs CAP_SYS_ADMIN: root only), regular files that uid:gid may read
 * only (so that the dump holds nothing of a file its user could not read,
 * a setuid binary of mode 4711), each file opened once; every mapping of
 * them listed, sorted. */
int proc_map_files(int proc_fd, const char *maps, size_t len, uint32_t uid, uint32_t gid,
                   struct coredump_file_map **ret, size_t *ret_n);
void proc_close_files(struct coredump_file_map *f, size_t n);
