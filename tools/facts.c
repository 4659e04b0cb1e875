/* SPDX-License-Identifier: MIT */
#include "facts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool facts_status_number(const struct proto_blob *b, const char *key, uint32_t *ret) {
        size_t klen = strlen(key);
        const char *p = (const char *) b->data, *end;

        if (!p)
                return false;   /* no status stream (NULL + 0 is undefined) */
        end = p + b->size;

        while (p && p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                const char *line_end = nl ? nl : end;

                if ((size_t) (line_end - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == ':') {
                        uint64_t v = 0;
                        bool digits = false;

                        p += klen + 1;
                        while (p < line_end && (*p == ' ' || *p == '\t'))
                                p++;
                        for (; p < line_end && *p >= '0' && *p <= '9' && v <= UINT32_MAX; p++, digits = true)
                                v = v * 10 + (uint64_t) (*p - '0');
                        if (!digits || v > UINT32_MAX)
                                return false;
                        *ret = (uint32_t) v;
                        return true;
                }
                p = nl ? nl + 1 : NULL;
        }
        return false;
}

/* The cmd_line stream: arguments ended by NULs; the last may lack its NUL. */
static int split_cmdline(const struct proto_blob *b, struct dump_facts *f) {
        const char *p = (const char *) b->data;
        size_t n = b->size, count = 0, i = 0;

        if (!p || n == 0)
                return 0;
        for (size_t k = 0; k < n; k++)
                if (p[k] == 0)
                        count++;
        if (p[n - 1] != 0)
                count++;
        f->argv = calloc(count, sizeof(*f->argv));
        if (!f->argv)
                return -ENOMEM;
        while (i < n) {
                const char *nul = memchr(p + i, 0, n - i);
                size_t len = nul ? (size_t) (nul - (p + i)) : n - i;

                f->argv[f->argc++] = (struct text_span) { p + i, len };
                i += len + 1;
        }
        return 0;
}

int dump_facts_get(const struct proto_dump *d, struct dump_facts *ret) {
        struct dump_facts f = {};
        int r;

        if (d->has_crash_info) {
                const struct proto_crash_info *ci = &d->crash_info;

                f.has_pid = f.has_ppid = f.has_uid = f.has_gid = true;
                f.pid = ci->pid, f.ppid = ci->ppid, f.uid = ci->uid, f.gid = ci->gid;
        } else {
                /* A Breakpad dump: the same facts from /proc/PID/status. */
                f.has_pid = facts_status_number(&d->proc_status, "Pid", &f.pid);
                f.has_ppid = facts_status_number(&d->proc_status, "PPid", &f.ppid);
                f.has_uid = facts_status_number(&d->proc_status, "Uid", &f.uid);
                f.has_gid = facts_status_number(&d->proc_status, "Gid", &f.gid);
        }

        r = split_cmdline(&d->cmd_line, &f);
        if (r < 0)
                return r;
        if (d->n_modules > 0 && d->modules[0].name[0])
                f.exe = (struct text_span) { d->modules[0].name, strlen(d->modules[0].name) };
        else if (f.argc > 0)
                f.exe = f.argv[0];

        if (d->has_crash_info) {
                const struct proto_crash_info *ci = &d->crash_info;

                f.signo = ci->si_signo;
                f.code = (int32_t) ci->si_code;
                f.address = ci->fault_addr;
                f.has_thread = true;
                f.thread = ci->crashing_tid;
                f.requested = ci->flags & PROTO_CRASH_REQUESTED;
                f.flags = ci->flags;
                f.dumper_version = ci->dumper_version;
                if (ci->crash_time_ns) {
                        f.has_time = f.time_has_fraction = true;
                        f.time_ns = ci->crash_time_ns;
                }
        } else if (d->has_exception) {
                const struct md_exception *e = &d->exception.exception_record;

                if (e->exception_code == MD_EXCEPTION_CODE_LIN_DUMP_REQUESTED)
                        f.requested = true;
                else {
                        f.signo = e->exception_code;
                        f.code = (int32_t) e->exception_flags;
                        f.address = e->exception_address;
                }
                f.has_thread = true;
                f.thread = d->exception.thread_id;
        }
        if (d->has_exception && d->exception.exception_record.exception_code == MD_EXCEPTION_CODE_LIN_DUMP_REQUESTED)
                f.requested = true;
        if (!f.has_time && d->header.time_date_stamp) {
                f.has_time = true;
                f.time_ns = (uint64_t) d->header.time_date_stamp * 1000000000u;
        }

        if (f.has_thread)
                for (size_t i = 0; i < d->n_threads && !f.crash_thread; i++)
                        if (d->threads[i].tid == f.thread)
                                f.crash_thread = &d->threads[i];
        if (f.crash_thread)
                f.crash_context = proto_thread_context(d, f.crash_thread);

        for (size_t i = 0; i < d->n_memory; i++)
                f.memory_bytes += d->memory[i].size;
        *ret = f;
        return 0;
}

void dump_facts_done(struct dump_facts *f) {
        free(f->argv);
        f->argv = NULL;
        f->argc = 0;
}

bool facts_thread_crashed(const struct dump_facts *f, const struct proto_thread *t) {
        if (t->has_info && (t->info.flags & PROTO_THREAD_CRASHED))
                return true;
        return !f->requested && f->crash_thread == t;
}

const char *facts_thread_source(const struct proto_dump *d, const struct proto_thread *t) {
        if (t->has_info) {
                const char *s = proto_context_source_name(t->info.context_source);

                return s ?: "unknown";
        }
        return proto_thread_context(d, t) ? "unknown" : "none";
}

const char *facts_arch_name(const struct proto_dump *d) {
        if (!d->has_system_info)
                return "unknown";
        /* MD_CPU_ARCHITECTURE_*, as Breakpad numbers them. */
        switch (d->system_info.processor_architecture) {
        case 0:      return "x86";
        case 1:      return "mips";
        case 3:      return "ppc";
        case 5:      return "arm";
        case 9:      return "amd64";
        case 12:     return "arm64";
        case 0x8001: return "sparc";
        case 0x8002: return "ppc64";
        case 0x8003: return "arm64";
        case 0x8004: return "mips64";
        case 0x8005: return "riscv";
        case 0x8006: return "riscv64";
        default:     return "unknown";
        }
}

const char *facts_flag_name(uint32_t bit) {
        switch (bit) {
        case PROTO_CRASH_REQUESTED:        return "requested";
        case PROTO_CRASH_PTRACE_DENIED:    return "ptrace-denied";
        case PROTO_CRASH_ENV_CAPTURED:     return "env-captured";
        case PROTO_CRASH_MEMORY_FROM_COPY: return "memory-from-copy";
        case PROTO_CRASH_BUDGET_HIT:       return "budget-hit";
        case PROTO_CRASH_IN_PROCESS:       return "in-process";
        case PROTO_CRASH_FROM_CORE:        return "from-core";
        default:                           return NULL;
        }
}

void facts_format_time(uint64_t ns, bool with_fraction, char *buf, size_t size) {
        time_t sec = (time_t) (ns / 1000000000u);
        struct tm tm;
        size_t k;

        if (!gmtime_r(&sec, &tm) || !(k = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm))) {
                (void) snprintf(buf, size, "@%llu", (unsigned long long) (ns / 1000000000u));
                return;
        }
        if (with_fraction)
                (void) snprintf(buf + k, size - k, ".%06uZ", (unsigned) (ns % 1000000000u / 1000u));
        else
                (void) snprintf(buf + k, size - k, "Z");
}

const char *facts_level_name(uint32_t level) {
        /* crashdump.h's enum crashdump_level. */
        static const char *const names[] = { "debug", "info", "warning", "error" };

        return level < sizeof(names) / sizeof(names[0]) ? names[level] : NULL;
}
