/* SPDX-License-Identifier: MIT */
/* tools/facts.h: what crashctl says about a dump, worked out once from the
 * parsed streams (preferring crashd's own, falling back to what Breakpad's
 * streams hold) so that the text and JSON printers agree. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reader.h"

struct text_span {
        const char *s;          /* into the dump; not NUL-terminated */
        size_t n;
};

struct dump_facts {
        bool has_pid, has_ppid, has_uid, has_gid;
        uint32_t pid, ppid, uid, gid;
        struct text_span *argv; /* owned array; the text is the dump's */
        size_t argc;
        struct text_span exe;   /* s NULL when unknown */

        uint32_t signo;         /* 0: none (a requested dump) */
        int32_t code;
        uint64_t address;
        bool has_thread;
        uint32_t thread;        /* the crashing (or requesting) thread */
        bool requested;
        bool has_time, time_has_fraction;
        uint64_t time_ns;
        const struct proto_thread *crash_thread;
        const struct md_context_amd64 *crash_context;

        const char *dumper_version;     /* NULL without crash info */
        uint32_t flags;                 /* PROTO_CRASH_* */

        uint64_t memory_bytes;
};

/* The first number after "Key:" in a /proc/PID/status text (b may be
 * empty); false when there is no such line or no number that fits. */
bool facts_status_number(const struct proto_blob *b, const char *key, uint32_t *ret);

/* Returns 0 or -ENOMEM. */
int dump_facts_get(const struct proto_dump *d, struct dump_facts *ret);
void dump_facts_done(struct dump_facts *f);

bool facts_thread_crashed(const struct dump_facts *f, const struct proto_thread *t);
/* "ucontext", "ptrace", "caller", "none"; "unknown" for a context whose
 * origin no thread info records. */
const char *facts_thread_source(const struct proto_dump *d, const struct proto_thread *t);
const char *facts_arch_name(const struct proto_dump *d);
/* The name of one PROTO_CRASH_* bit, or NULL for a bit this tool does not know. */
const char *facts_flag_name(uint32_t bit);
/* A breadcrumb's level: "debug", "info", "warning", "error"; NULL for one this tool does not know. */
const char *facts_level_name(uint32_t level);
/* "2023-11-14T22:13:20.123456Z" (microseconds if with_fraction). */
void facts_format_time(uint64_t ns, bool with_fraction, char *buf, size_t size);
