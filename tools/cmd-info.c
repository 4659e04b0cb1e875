/* SPDX-License-Identifier: MIT */
/* tools/cmd-info.c: `crashctl info [--json] [--verbose] DUMP`, what a dump
 * holds, without symbols. Text for people, JSON (tools/README.md) for
 * scripts and tests. Everything printed from the dump is escaped: a dump is
 * hostile input and must not drive the terminal. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "facts.h"
#include "json.h"
#include "utf8.h"

struct info_args {
        const char *path;
        bool json, verbose;
};

/* Text from the dump: valid, printable UTF-8 as is; control characters
 * (C0, DEL, C1) and bytes that do not decode as \xNN. */
static void put_text(FILE *f, const char *s, size_t n) {
        const uint8_t *p = (const uint8_t *) s;

        for (size_t i = 0; i < n;) {
                uint32_t c;
                size_t k = utf8_next(p + i, n - i, &c);

                if (k == 0 || c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                        size_t m = k ? k : 1;

                        for (size_t x = 0; x < m; x++)
                                fprintf(f, "\\x%02x", p[i + x]);
                        i += m;
                        continue;
                }
                fwrite(p + i, 1, k, f);
                i += k;
        }
}

static void put_str(FILE *f, const char *s) {
        put_text(f, s, strlen(s));
}

static void build_id_hex(const struct proto_module *m, char *buf) {
        for (size_t i = 0; i < m->build_id_size; i++)
                sprintf(buf + 2 * i, "%02x", m->build_id[i]);
        buf[2 * m->build_id_size] = 0;
}

static void print_crash_text(FILE *f, const struct dump_facts *x) {
        const char *sig = proto_signal_name(x->signo), *code = proto_signal_code_name(x->signo, x->code);

        fputs("Crash:      ", f);
        if (x->requested)
                fputs("dump requested", f);
        else if (x->signo == 0)
                fputs("unknown (no exception or crash info)", f);
        else {
                if (sig)
                        fputs(sig, f);
                else
                        fprintf(f, "signal %" PRIu32, x->signo);
                if (code)
                        fprintf(f, " (%s)", code);
                else
                        fprintf(f, " (code %" PRId32 ")", x->code);
                fprintf(f, " at 0x%" PRIx64, x->address);
        }
        if (x->has_thread)
                fprintf(f, ", thread %" PRIu32, x->thread);
        if (x->crash_context)
                fprintf(f, ", pc 0x%" PRIx64, x->crash_context->rip);
        fputc('\n', f);
}

static void print_text(FILE *f, const struct info_args *a, const struct proto_dump *d,
                       const struct dump_facts *x, uint64_t file_size) {
        char when[64];

        fputs("File:       ", f);
        put_str(f, a->path);
        fprintf(f, " (%s, %" PRIu64 " bytes", d->compressed ? "zstd" : "raw", file_size);
        if (d->compressed)
                fprintf(f, ", %zu raw", d->file_size);
        fputs(")\n", f);

        fputs("Process:    ", f);
        if (x->has_pid)
                fprintf(f, "pid %" PRIu32, x->pid);
        else
                fputs("pid unknown", f);
        if (x->has_ppid)
                fprintf(f, ", ppid %" PRIu32, x->ppid);
        if (x->has_uid)
                fprintf(f, ", uid %" PRIu32, x->uid);
        if (x->has_gid)
                fprintf(f, ", gid %" PRIu32, x->gid);
        fputc('\n', f);
        if (x->argc > 0) {
                fputs("Command:    ", f);
                for (size_t i = 0; i < x->argc; i++) {
                        if (i > 0)
                                fputc(' ', f);
                        put_text(f, x->argv[i].s, x->argv[i].n);
                }
                fputc('\n', f);
        }
        if (x->exe.s) {
                fputs("Executable: ", f);
                put_text(f, x->exe.s, x->exe.n);
                fputc('\n', f);
        }
        print_crash_text(f, x);
        if (x->has_time) {
                facts_format_time(x->time_ns, x->time_has_fraction, when, sizeof(when));
                fprintf(f, "Time:       %s\n", when);
        }
        if (x->dumper_version) {
                fputs("Dumper:     crashd ", f);
                put_str(f, x->dumper_version);
                for (uint32_t bit = 1, n = 0; bit; bit <<= 1) {
                        const char *name;

                        if (!(x->flags & bit))
                                continue;
                        name = facts_flag_name(bit);
                        fputs(n++ ? ", " : " (", f);
                        if (name)
                                fputs(name, f);
                        else
                                fprintf(f, "0x%" PRIx32, bit);
                        if (!(x->flags & ~((bit << 1) - 1)))
                                fputc(')', f);
                }
                fputc('\n', f);
        }
        fputs("System:     ", f);
        if (d->os_version) {
                put_str(f, d->os_version);
                fputs(", ", f);
        }
        if (d->has_system_info)
                fprintf(f, "%u CPUs, ", d->system_info.number_of_processors);
        fprintf(f, "%s\n", facts_arch_name(d));

        fprintf(f, "\nThreads (%zu):\n", d->n_threads);
        for (size_t i = 0; i < d->n_threads; i++) {
                const struct proto_thread *t = &d->threads[i];
                const struct md_context_amd64 *c = proto_thread_context(d, t);

                fprintf(f, "  %s %-7" PRIu32 " ", facts_thread_crashed(x, t) ? "*" : " ", t->tid);
                if (t->has_info && t->info.name[0]) {
                        int w = 16;

                        /* Pad by hand: the name may come out escaped. */
                        put_str(f, t->info.name);
                        w -= (int) strlen(t->info.name);
                        fprintf(f, "%*s", w > 0 ? w : 1, "");
                } else
                        fprintf(f, "%-16s", "-");
                /* Padded only when more follows: no trailing blanks. */
                fprintf(f, c || t->stack.data || t->xstate.size ? "%-9s" : "%s", facts_thread_source(d, t));
                if (c)
                        fprintf(f, " pc 0x%-14" PRIx64 " sp 0x%-14" PRIx64, c->rip, c->rsp);
                if (t->stack.data)
                        fprintf(f, " stack 0x%" PRIx64 " (%" PRIu64 " bytes)", t->stack.start, t->stack.size);
                if (t->xstate.size)
                        fprintf(f, " xstate %zu bytes", t->xstate.size);
                fputc('\n', f);
        }

        fprintf(f, "\nModules (%zu):\n", d->n_modules);
        for (size_t i = 0; i < d->n_modules; i++) {
                const struct proto_module *m = &d->modules[i];
                char id[2 * PROTO_BUILD_ID_MAX + 1];

                build_id_hex(m, id);
                fprintf(f, "  0x%012" PRIx64 " %10" PRIu64 "  %-40s  ", m->base, m->size, id[0] ? id : "-");
                put_str(f, m->name);
                fputc('\n', f);
        }

        fprintf(f, "\nMemory:     %zu regions, %" PRIu64 " bytes\n", d->n_memory, x->memory_bytes);
        if (a->verbose)
                for (size_t i = 0; i < d->n_memory; i++)
                        fprintf(f, "  0x%012" PRIx64 " %10" PRIu64 "\n", d->memory[i].start, d->memory[i].size);

        fprintf(f, "\nStreams (%zu):\n", d->n_streams);
        for (size_t i = 0; i < d->n_streams; i++) {
                const char *name = proto_stream_name(d->streams[i].type);

                fprintf(f, "  0x%08" PRIx32 "  %-20s %10" PRIu32 " bytes\n", d->streams[i].type,
                        name ?: "-", d->streams[i].size);
        }

        if (d->n_tags > 0) {
                fprintf(f, "\nTags (%zu):\n", d->n_tags);
                for (size_t i = 0; i < d->n_tags; i++) {
                        fputs("  ", f);
                        put_str(f, d->tags[i].key);
                        fputs(" = ", f);
                        put_str(f, d->tags[i].value);
                        fputc('\n', f);
                }
        }
        if (d->n_breadcrumbs > 0) {
                fprintf(f, "\nBreadcrumbs (%zu):\n", d->n_breadcrumbs);
                for (size_t i = 0; i < d->n_breadcrumbs; i++) {
                        facts_format_time(d->breadcrumbs[i].time_ns, true, when, sizeof(when));
                        fprintf(f, "  %s [%" PRIu32 "] ", when, d->breadcrumbs[i].level);
                        put_str(f, d->breadcrumbs[i].message);
                        fputc('\n', f);
                }
        }
}

static void json_opt_uint(struct jw *j, bool has, uint64_t v) {
        if (has)
                jw_uint(j, v);
        else
                jw_null(j);
}

static void json_span(struct jw *j, const struct text_span *s) {
        if (s->s)
                jw_string_n(j, s->s, s->n);
        else
                jw_null(j);
}

static void print_json(FILE *f, const struct info_args *a, const struct proto_dump *d,
                       const struct dump_facts *x, uint64_t file_size) {
        struct jw j;
        char when[64];

        jw_init(&j, f);
        jw_object_begin(&j);
        jw_key(&j, "format"), jw_string(&j, "crashd-dump-info");
        jw_key(&j, "version"), jw_uint(&j, 1);

        jw_key(&j, "file");
        jw_object_begin(&j);
        jw_key(&j, "path"), jw_string(&j, a->path);
        jw_key(&j, "compressed"), jw_bool(&j, d->compressed);
        jw_key(&j, "size"), jw_uint(&j, file_size);
        jw_key(&j, "raw_size"), jw_uint(&j, d->file_size);
        jw_object_end(&j);

        jw_key(&j, "process");
        jw_object_begin(&j);
        jw_key(&j, "pid"), json_opt_uint(&j, x->has_pid, x->pid);
        jw_key(&j, "ppid"), json_opt_uint(&j, x->has_ppid, x->ppid);
        jw_key(&j, "uid"), json_opt_uint(&j, x->has_uid, x->uid);
        jw_key(&j, "gid"), json_opt_uint(&j, x->has_gid, x->gid);
        jw_key(&j, "cmdline");
        jw_array_begin(&j);
        for (size_t i = 0; i < x->argc; i++)
                json_span(&j, &x->argv[i]);
        jw_array_end(&j);
        jw_key(&j, "exe"), json_span(&j, &x->exe);
        jw_object_end(&j);

        jw_key(&j, "crash");
        jw_object_begin(&j);
        jw_key(&j, "signal"), jw_uint(&j, x->signo);
        jw_key(&j, "signal_name"), jw_string(&j, proto_signal_name(x->signo));
        jw_key(&j, "code"), jw_int(&j, x->code);
        jw_key(&j, "code_name"), jw_string(&j, x->signo ? proto_signal_code_name(x->signo, x->code) : NULL);
        jw_key(&j, "address"), jw_hex(&j, x->address);
        jw_key(&j, "thread"), json_opt_uint(&j, x->has_thread, x->thread);
        jw_key(&j, "requested"), jw_bool(&j, x->requested);
        jw_key(&j, "time");
        if (x->has_time) {
                facts_format_time(x->time_ns, x->time_has_fraction, when, sizeof(when));
                jw_string(&j, when);
        } else
                jw_null(&j);
        jw_key(&j, "pc");
        if (x->crash_context)
                jw_hex(&j, x->crash_context->rip);
        else
                jw_null(&j);
        jw_object_end(&j);

        jw_key(&j, "dumper");
        jw_object_begin(&j);
        jw_key(&j, "version"), jw_string(&j, x->dumper_version);
        jw_key(&j, "flags");
        jw_array_begin(&j);
        for (uint32_t bit = 1; bit; bit <<= 1) {
                const char *name = facts_flag_name(bit);

                if (!(x->flags & bit))
                        continue;
                if (name)
                        jw_string(&j, name);
                else {
                        char hex[16];

                        snprintf(hex, sizeof(hex), "0x%" PRIx32, bit);
                        jw_string(&j, hex);
                }
        }
        jw_array_end(&j);
        jw_object_end(&j);

        jw_key(&j, "threads");
        jw_array_begin(&j);
        for (size_t i = 0; i < d->n_threads; i++) {
                const struct proto_thread *t = &d->threads[i];
                const struct md_context_amd64 *c = proto_thread_context(d, t);

                jw_object_begin(&j);
                jw_key(&j, "tid"), jw_uint(&j, t->tid);
                jw_key(&j, "name"), jw_string(&j, t->has_info && t->info.name[0] ? t->info.name : NULL);
                jw_key(&j, "crashed"), jw_bool(&j, facts_thread_crashed(x, t));
                jw_key(&j, "context_source"), jw_string(&j, facts_thread_source(d, t));
                jw_key(&j, "pc");
                c ? jw_hex(&j, c->rip) : jw_null(&j);
                jw_key(&j, "sp");
                c ? jw_hex(&j, c->rsp) : jw_null(&j);
                jw_key(&j, "stack");
                if (t->stack.data) {
                        jw_object_begin(&j);
                        jw_key(&j, "start"), jw_hex(&j, t->stack.start);
                        jw_key(&j, "size"), jw_uint(&j, t->stack.size);
                        jw_object_end(&j);
                } else
                        jw_null(&j);
                jw_key(&j, "xstate_size"), jw_uint(&j, t->xstate.size);
                jw_object_end(&j);
        }
        jw_array_end(&j);

        jw_key(&j, "modules");
        jw_array_begin(&j);
        for (size_t i = 0; i < d->n_modules; i++) {
                const struct proto_module *m = &d->modules[i];
                char id[2 * PROTO_BUILD_ID_MAX + 1];

                build_id_hex(m, id);
                jw_object_begin(&j);
                jw_key(&j, "base"), jw_hex(&j, m->base);
                jw_key(&j, "size"), jw_uint(&j, m->size);
                jw_key(&j, "name"), jw_string(&j, m->name);
                jw_key(&j, "build_id"), jw_string(&j, id[0] ? id : NULL);
                jw_object_end(&j);
        }
        jw_array_end(&j);

        jw_key(&j, "memory");
        jw_object_begin(&j);
        jw_key(&j, "regions"), jw_uint(&j, d->n_memory);
        jw_key(&j, "bytes"), jw_uint(&j, x->memory_bytes);
        jw_key(&j, "list");
        jw_array_begin(&j);
        for (size_t i = 0; i < d->n_memory; i++) {
                jw_object_begin(&j);
                jw_key(&j, "start"), jw_hex(&j, d->memory[i].start);
                jw_key(&j, "size"), jw_uint(&j, d->memory[i].size);
                jw_object_end(&j);
        }
        jw_array_end(&j);
        jw_object_end(&j);

        jw_key(&j, "streams");
        jw_array_begin(&j);
        for (size_t i = 0; i < d->n_streams; i++) {
                jw_object_begin(&j);
                jw_key(&j, "type"), jw_hex(&j, d->streams[i].type);
                jw_key(&j, "name"), jw_string(&j, proto_stream_name(d->streams[i].type));
                jw_key(&j, "size"), jw_uint(&j, d->streams[i].size);
                jw_object_end(&j);
        }
        jw_array_end(&j);

        /* An object: a key the dump repeats is kept once, its first value
         * (as for streams), so that every JSON parser reads the same. */
        jw_key(&j, "tags");
        jw_object_begin(&j);
        for (size_t i = 0; i < d->n_tags; i++) {
                bool seen = false;

                for (size_t k = 0; k < i && !seen; k++)
                        seen = strcmp(d->tags[k].key, d->tags[i].key) == 0;
                if (seen)
                        continue;
                jw_key(&j, d->tags[i].key), jw_string(&j, d->tags[i].value);
        }
        jw_object_end(&j);

        jw_key(&j, "breadcrumbs");
        jw_array_begin(&j);
        for (size_t i = 0; i < d->n_breadcrumbs; i++) {
                jw_object_begin(&j);
                jw_key(&j, "time_ns"), jw_uint(&j, d->breadcrumbs[i].time_ns);
                jw_key(&j, "level"), jw_uint(&j, d->breadcrumbs[i].level);
                jw_key(&j, "message"), jw_string(&j, d->breadcrumbs[i].message);
                jw_object_end(&j);
        }
        jw_array_end(&j);

        jw_key(&j, "system");
        jw_object_begin(&j);
        jw_key(&j, "os"), jw_string(&j, d->os_version);
        jw_key(&j, "cpus"), jw_uint(&j, d->has_system_info ? d->system_info.number_of_processors : 0);
        jw_key(&j, "arch"), jw_string(&j, facts_arch_name(d));
        jw_object_end(&j);

        jw_object_end(&j);
        jw_finish(&j);
}

static void usage(FILE *f) {
        fputs("usage: crashctl info [--json] [--verbose] DUMP\n"
              "\n"
              "Shows what a dump (.dmp or .dmp.zst) holds: the process, the signal,\n"
              "threads, modules, memory, streams, tags and breadcrumbs.\n"
              "\n"
              "  -j, --json      one JSON object (see tools/README.md)\n"
              "  -v, --verbose   list every memory region in the text output\n"
              "  -h, --help      this text\n", f);
}

int cmd_info(int argc, char **argv) {
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct info_args a = {};
        struct proto_dump *d = NULL;
        struct dump_facts x;
        struct stat st;
        char err[512];
        int c, r;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+jvh", options, NULL)) >= 0) {
                switch (c) {
                case 'j':
                        a.json = true;
                        break;
                case 'v':
                        a.verbose = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        fprintf(stderr, "crashctl: info: unknown option '%s'; see 'crashctl info --help'\n",
                                argv[optind - 1]);
                        return EXIT_USAGE;
                }
        }
        if (argc - optind != 1) {
                fprintf(stderr, "crashctl: info: %s; see 'crashctl info --help'\n",
                        argc - optind == 0 ? "no dump given" : "one dump at a time");
                return EXIT_USAGE;
        }
        a.path = argv[optind];

        r = proto_dump_load(a.path, &d, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "crashctl: %s: %s\n", a.path, err);
                return 1;
        }
        r = dump_facts_get(d, &x);
        if (r < 0) {
                fprintf(stderr, "crashctl: %s: out of memory\n", a.path);
                proto_dump_free(d);
                return 1;
        }
        if (stat(a.path, &st) < 0)
                st.st_size = 0;
        if (a.json)
                print_json(stdout, &a, d, &x, (uint64_t) st.st_size);
        else
                print_text(stdout, &a, d, &x, (uint64_t) st.st_size);
        dump_facts_done(&x);
        proto_dump_free(d);
        return 0;
}
