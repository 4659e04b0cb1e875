/* SPDX-License-Identifier: MIT */
/* daemon/job.h: one spool file, from its name to everything the store
 * needs. job_run() is what a worker thread does, off the event loop:
 * open the file safely, check it, hash it, parse it, symbolicate it (with
 * the file system rights of the dump's owner when crashd is root), work
 * out the signature, and copy the dump into state/dumps/. It never logs
 * and never touches the database; the loop does both with the result. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sha256.h"
#include "symbolicate.h"

enum job_status {
        JOB_OK,         /* stored_name written; ready for the database */
        JOB_BAD,        /* not a dump we will ever take: move it to spool/bad/ */
        JOB_GONE,       /* the name no longer exists (already stored, or removed) */
        JOB_RETRY,      /* a problem on our side (disk full, out of memory): keep it, retry later */
        JOB_IGNORED,    /* a [program] section turns collection off for it: remove it, store nothing */
};

struct job_limits {
        uint64_t max_dump_size;         /* compressed, as in the spool */
        uint64_t max_raw_size;          /* decompressed */
        unsigned signature_frames;
        bool sync;
        bool drop_privileges;           /* symbolicate with the owner's fsuid/fsgid */
        uid_t upload_uid;               /* ... and uploads (root's "upload.*") with these */
        gid_t upload_gid;
        struct symb_limits symb;        /* what the dump may cost */
};

struct job {
        struct job *next;               /* the work queue's links */

        /* In. */
        char name[NAME_MAX + 1];
        int spool_fd, dumps_fd;         /* borrowed from the daemon */
        int uploads_fd;
        struct job_limits limits;
        uint64_t queued_ns;
        /* Forwarding (forward_job_prepare()), owned: the names to mask in
         * the Sentry event (NULL: make none), whether to keep the plain
         * minidump to attach. */
        char **sentry_mask;
        bool keep_minidump;
        /* The [program] sections (programs.h), a reference; NULL: none. */
        struct programs *programs;
        /* Owned: the names masked in the stored report (mask_stored), or
         * NULL to store it unmasked. */
        char **mask;

        /* Out. */
        enum job_status status;
        int error;                      /* JOB_RETRY: -errno */
        char reason[512];               /* JOB_BAD, JOB_RETRY: one line */
        uid_t uid;                      /* the file's owner (the kernel's word, not the dump's) */
        char upload_from[64];           /* an upload's peer, as crashd saw it; "" otherwise */
        gid_t gid;
        dev_t dev;
        ino_t ino;
        uint64_t size;
        char sha256[2 * SHA256_DIGEST_SIZE + 1];
        char stored_name[NAME_MAX + 1];
        uint32_t pid, signo;
        int32_t code;
        uint64_t crash_time_ns;
        char *program, *executable, *build_id, *signature;
        char *package, *package_version;        /* dpkg's, for the executable (packages.h), or NULL */
        /* What the crash's [program] section sets (-1, NULL: unset). */
        int64_t loop_keep, sentry_max_per_group;
        char *sentry_dsn;               /* "": none */
        char *json, *text;
        size_t json_len, text_len;
        uint64_t work_ns;               /* time spent in job_run */
        char *sentry_event;             /* one line of JSON, masked (sentry-envelope.h) */
        size_t sentry_event_len;
        char event_id[33];
        uint8_t *minidump;              /* decompressed, when keep_minidump */
        size_t minidump_len;
};

/* Whether a spool entry's name is one crashd takes: [A-Za-z0-9._+@-],
 * not starting with '.', ending in .dmp.zst or .dmp, at most 200 bytes. */
bool job_name_ok(const char *name);

void job_run(struct job *j, struct symb_context *ctx);
void job_free(struct job *j);
